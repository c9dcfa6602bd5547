package theazo

// RequestOption configures one call of a service method, and only that call:
// it never changes the client or another call made at the same time.
type RequestOption interface{ applyRequest(*callOptions) }

// callOptions is what the RequestOptions of one call set.
type callOptions struct{}
