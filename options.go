package theazo

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// RequestOption configures one call of a service method, and only that call:
// it never changes the client or another call made at the same time.
// Every service method that makes a request takes them as its last
// parameters; a List iterator applies them to every page it fetches.
type RequestOption interface{ applyRequest(*callOptions) }

// SharedOption is an option valid both on NewClient, for every call of the
// client, and on one call, for that call only, where it overrides the
// client's setting: WithMaxRetries, WithMaxRetryWait and WithMiddleware.
// Go has no overloading, so these return a type that is both an Option and
// a RequestOption.
type SharedOption interface {
	Option
	RequestOption
}

// callOptions is what the RequestOptions of one call set. A call without
// options has none (a nil *callOptions), so that the common path allocates
// nothing for them.
type callOptions struct {
	response    *Response
	header      http.Header
	query       url.Values
	jsonSet     []jsonMember
	maxRetries  int
	retriesSet  bool
	maxWait     time.Duration
	maxWaitSet  bool
	lastEventID string
	middleware  []Middleware
	// err is the first option that cannot apply, reported before sending.
	err error
}

// jsonMember is one WithJSONSet: a top-level body member, already encoded.
type jsonMember struct {
	key   string
	value json.RawMessage
}

// newCallOptions applies req's options, or returns nil when it has none.
// An option that cannot apply to req is an ErrInvalidParams, and nothing is sent.
func newCallOptions(req request) (*callOptions, error) {
	if len(req.opts) == 0 {
		return nil, nil
	}
	co := &callOptions{}
	for _, o := range req.opts {
		if o != nil {
			o.applyRequest(co)
		}
	}
	switch {
	case co.err != nil:
	case len(co.jsonSet) > 0 && req.raw != nil:
		co.err = fmt.Errorf("%w: WithJSONSet cannot change this body: it is sent as the exact bytes that are signed", ErrInvalidParams)
	case len(co.jsonSet) > 0 && !req.stream && (req.method == http.MethodGet || req.method == http.MethodDelete):
		co.err = fmt.Errorf("%w: WithJSONSet: a %s request has no body", ErrInvalidParams, req.method)
	}
	if co.err != nil {
		return nil, fmt.Errorf("%w (%s %s)", co.err, req.method, req.route())
	}
	return co, nil
}

// fail records the first error of an option.
func (co *callOptions) fail(err error) {
	if co.err == nil {
		co.err = err
	}
}

// requestOption adapts a function to RequestOption.
type requestOption func(*callOptions)

func (f requestOption) applyRequest(co *callOptions) { f(co) }

// WithResponseInto makes the call fill *r with the metadata and raw body of
// its final reply: on success, and on an API error (the *Error's reply).
// *r is left untouched when no reply was received (a local error, a network
// failure). A List fills it from each page it fetches; a stream, from its
// first connection (200, text/event-stream, the stream's request id, a nil
// Body), and so does a call that starts a run and streams it (RunStream,
// CreateStream), unless the request that starts the run fails. Read r
// once the call has returned (for a List, between items), not while it
// runs on another goroutine.
func WithResponseInto(r *Response) RequestOption {
	return requestOption(func(co *callOptions) { co.response = r })
}

// WithHeader sends an extra header with the call, replacing any value the
// SDK would send. Authorization cannot be set this way: the client sends its
// key on authenticated calls and none on public ones, and the call fails
// locally with ErrInvalidParams; make another Client for another key.
func WithHeader(key, value string) RequestOption {
	return requestOption(func(co *callOptions) {
		switch {
		case !validHeaderName(key):
			co.fail(fmt.Errorf("%w: WithHeader: invalid header name %q", ErrInvalidParams, key))
		case strings.ContainsAny(value, "\r\n\x00"):
			co.fail(fmt.Errorf("%w: WithHeader: the value of %s contains a line break or NUL", ErrInvalidParams, key))
		case strings.EqualFold(key, "Authorization"):
			co.fail(fmt.Errorf("%w: WithHeader cannot set Authorization: the client sends its own key, and none on public calls", ErrInvalidParams))
		default:
			if co.header == nil {
				co.header = http.Header{}
			}
			co.header.Set(key, value)
		}
	})
}

// validHeaderName reports whether s is a non-empty HTTP token (RFC 9110).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// WithQuery sends an extra query parameter with the call, replacing any
// value the SDK would send for the same key (a list's cursor included).
func WithQuery(key, value string) RequestOption {
	return requestOption(func(co *callOptions) {
		if key == "" {
			co.fail(fmt.Errorf("%w: WithQuery: empty key", ErrInvalidParams))
			return
		}
		if co.query == nil {
			co.query = url.Values{}
		}
		co.query.Set(key, value)
	})
}

// WithJSONSet sets a top-level member of the call's JSON body to value
// (marshalled with encoding/json), adding it or replacing the SDK's: the
// way to send a field the API has gained before this SDK models it. A
// request without a body gets one. Streams ignore it (Agents.RunStream
// passes it to its run). It fails locally with ErrInvalidParams on other GET
// and DELETE calls, when value cannot be marshalled, and on Triggers.Fire,
// which sends the exact bytes it signs.
func WithJSONSet(key string, value any) RequestOption {
	return requestOption(func(co *callOptions) {
		b, err := json.Marshal(value)
		if err != nil {
			co.fail(fmt.Errorf("%w: WithJSONSet(%q): %w", ErrInvalidParams, key, err))
			return
		}
		co.jsonSet = append(co.jsonSet, jsonMember{key: key, value: b})
	})
}

// WithLastEventID makes a stream's first connection send Last-Event-ID: id,
// so that the server resumes after that event: a backend relaying a stream
// to a browser passes on the id the browser reconnected with (to Attach, so
// that no second run starts). Events a server sends again up to that id are
// dropped. Later resumptions send the id of the last event received, as
// always. Calls that are not streams ignore it (start-and-stream passes it
// to its stream).
func WithLastEventID(id string) RequestOption {
	return requestOption(func(co *callOptions) {
		if strings.ContainsAny(id, "\r\n\x00") {
			co.fail(fmt.Errorf("%w: WithLastEventID: the id contains a line break or NUL", ErrInvalidParams))
			return
		}
		co.lastEventID = id
	})
}

// maxRetriesOption is WithMaxRetries.
type maxRetriesOption int

func (o maxRetriesOption) applyClient(c *config) { c.maxRetries = max(int(o), 0) }
func (o maxRetriesOption) applyRequest(co *callOptions) {
	co.maxRetries, co.retriesSet = max(int(o), 0), true
}

// WithMaxRetries sets how many times a failed call is retried (default 2; 0
// disables). On NewClient it applies to every call; on one call, to that
// call only. A stream makes up to that many retries plus one attempts in a
// row to open or resume its connection.
func WithMaxRetries(n int) SharedOption { return maxRetriesOption(n) }

// maxRetryWaitOption is WithMaxRetryWait.
type maxRetryWaitOption time.Duration

func (o maxRetryWaitOption) applyClient(c *config) { c.maxRetryWait = max(time.Duration(o), 0) }
func (o maxRetryWaitOption) applyRequest(co *callOptions) {
	co.maxWait, co.maxWaitSet = max(time.Duration(o), 0), true
}

// WithMaxRetryWait caps any single wait between attempts (default 60 s). A 429
// whose Retry-After is longer, or would outlast the context's deadline, is
// returned at once, with Error.RetryAfter set; so is a call made while the
// client cools down for longer than this. On NewClient it applies to every
// call, and also caps how long the client cools down after a 429; on one
// call, to that call only.
func WithMaxRetryWait(d time.Duration) SharedOption { return maxRetryWaitOption(d) }

// middlewareOption is WithMiddleware.
type middlewareOption []Middleware

func (o middlewareOption) applyClient(c *config) { c.middleware = append(c.middleware, o...) }
func (o middlewareOption) applyRequest(co *callOptions) {
	co.middleware = append(co.middleware, o...)
}

// WithMiddleware adds middleware that runs on every HTTP attempt, in the
// order given. On NewClient it applies to every call; on one call, it runs
// after the client's middleware, for that call only. See Middleware.
func WithMiddleware(mw ...Middleware) SharedOption {
	var out middlewareOption
	for _, m := range mw {
		if m != nil {
			out = append(out, m)
		}
	}
	return out
}

// hasQuery reports whether the call adds query parameters.
func (co *callOptions) hasQuery() bool { return co != nil && len(co.query) > 0 }

// setQuery sets the call's query parameters in v, over the SDK's.
func (co *callOptions) setQuery(v url.Values) {
	if co == nil {
		return
	}
	for k, vs := range co.query {
		v[k] = vs
	}
}

// setHeaders sets the call's headers in h, over the SDK's.
func (co *callOptions) setHeaders(h http.Header) {
	if co == nil {
		return
	}
	for k, vs := range co.header {
		h[k] = vs
	}
}

// setJSON returns body, a JSON object or nil, with the call's WithJSONSet
// members set. Members are re-encoded in key order; their values are kept
// byte for byte.
func (co *callOptions) setJSON(body []byte) ([]byte, error) {
	if co == nil || len(co.jsonSet) == 0 {
		return body, nil
	}
	members := map[string]json.RawMessage{}
	if len(body) > 0 && !isNull(body) {
		if err := json.Unmarshal(body, &members); err != nil {
			return nil, fmt.Errorf("%w: WithJSONSet: the request body is not a JSON object", ErrInvalidParams)
		}
	}
	for _, m := range co.jsonSet {
		members[m.key] = m.value
	}
	out, err := json.Marshal(members)
	if err != nil {
		return nil, fmt.Errorf("%w: WithJSONSet: %w", ErrInvalidParams, err)
	}
	return out, nil
}

// maxRetryWait returns the call's cap on a single wait, else def.
func (co *callOptions) maxRetryWait(def time.Duration) time.Duration {
	if co == nil || !co.maxWaitSet {
		return def
	}
	return co.maxWait
}
