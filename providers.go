package theazo

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ProvidersService configures the compute providers agents run on.
type ProvidersService struct{ t *transport }

// Provider is a compute provider configured for your platform. Its
// credentials are never returned.
type Provider struct {
	// Provider names the backend: ProviderE2B, ProviderFly or ProviderWebhook.
	Provider ProviderName `json:"provider"`
	// IsDefault reports whether new agents run on this provider by default.
	IsDefault bool `json:"isDefault"`
	// Status is the provider's state, e.g. ProviderStatusActive.
	Status ProviderStatus `json:"status"`
	// CreatedAt is when the provider was configured.
	CreatedAt time.Time `json:"createdAt"`
}

// ProviderName names a platform compute provider: the backends Theazo routes
// agents to. Values the SDK does not know are kept.
type ProviderName string

// The compute providers a platform can configure.
const (
	ProviderE2B     ProviderName = "e2b"
	ProviderFly     ProviderName = "fly"
	ProviderWebhook ProviderName = "webhook" // a custom backend behind your webhook
)

// ProviderStatus is a configured provider's state. Values the SDK does not
// know are kept.
type ProviderStatus string

// ProviderStatusActive is a provider that accepts agents. Other states are
// not documented yet.
const ProviderStatusActive ProviderStatus = "active"

// ProviderCreateParams configure a compute provider. Printing them with fmt
// or logging them with slog shows the credential names, never their values;
// json.Marshal gives the wire form, values included.
type ProviderCreateParams struct {
	// Provider names the backend: ProviderE2B, ProviderFly or ProviderWebhook (required).
	Provider ProviderName `json:"provider"`
	// Credentials are the provider's API keys and endpoints, e.g.
	// {"apiKey": "e2b_…"} or, for a webhook, nested headers (required).
	// Encrypted at rest by the API.
	Credentials Credentials `json:"credentials"`
	// IsDefault makes this the default provider for new agents. False is
	// not sent: the API's default is false.
	IsDefault bool `json:"isDefault,omitempty"`
}

// LogValue logs the params with the credential values redacted.
func (p ProviderCreateParams) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("provider", string(p.Provider)),
		slog.String("credentials", p.Credentials.String()),
		slog.Bool("isDefault", p.IsDefault),
	)
}

// Credentials are the secret settings of a compute provider: any JSON
// object, "provider-specific credentials (API keys, endpoints)", e.g.
// {"apiKey": "e2b_…"} or a webhook's {"url": "…", "headers": {"X-Token": "…"},
// "timeoutMs": 5000}. They are sent to the API as they are, but fmt (every
// verb) and slog print only the top-level names, each value, nested objects
// included, as "[redacted]".
type Credentials map[string]any

// String lists the credential names in order, with redacted values:
// "{apiKey:[redacted] headers:[redacted]}".
func (c Credentials) String() string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(c)) {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(k + ":" + redactValue(c[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// redactValue hides a credential value of any JSON type; only an empty
// string or a null, which hide nothing, print as themselves.
func redactValue(v any) string {
	switch v {
	case nil:
		return "<nil>"
	case "":
		return ""
	}
	return redacted
}

// GoString is like String, in Go syntax: theazo.Credentials{"apiKey":"[redacted]"}.
func (c Credentials) GoString() string {
	if c == nil {
		return "theazo.Credentials(nil)"
	}
	var b strings.Builder
	b.WriteString("theazo.Credentials{")
	for i, k := range slices.Sorted(maps.Keys(c)) {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Quote(k) + ":" + strconv.Quote(redactValue(c[k])))
	}
	b.WriteByte('}')
	return b.String()
}

// Format prints c with redacted values for every verb: GoString for %#v,
// String otherwise.
func (c Credentials) Format(f fmt.State, verb rune) { formatRedacted(f, verb, c) }

// LogValue logs the credential names with redacted values.
func (c Credentials) LogValue() slog.Value { return slog.StringValue(c.String()) }

// ProviderListParams page through the configured providers.
type ProviderListParams struct {
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
}

// ListPage returns one page of the configured compute providers
// (GET /providers). params may be nil.
func (s *ProvidersService) ListPage(ctx context.Context, params *ProviderListParams, opts ...RequestOption) (*Page[Provider], error) {
	return call[Page[Provider]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/providers", query: params})
}

// List ranges over every configured compute provider, fetching pages
// lazily from params.Cursor on. params may be nil.
func (s *ProvidersService) List(ctx context.Context, params *ProviderListParams, opts ...RequestOption) iter.Seq2[*Provider, error] {
	return paginate(ctx, params, func(p *ProviderListParams) *string { return &p.Cursor }, func(ctx context.Context, p *ProviderListParams) (*Page[Provider], error) {
		return s.ListPage(ctx, p, opts...)
	})
}

// Create configures a compute provider (POST /providers). Provider and
// Credentials are required; they are checked before anything is sent.
func (s *ProvidersService) Create(ctx context.Context, params *ProviderCreateParams, opts ...RequestOption) (*Provider, error) {
	switch {
	case params == nil || params.Provider == "":
		return nil, fmt.Errorf("%w: Provider is required", ErrInvalidParams)
	case len(params.Credentials) == 0:
		return nil, fmt.Errorf("%w: Credentials are required", ErrInvalidParams)
	}
	return call[Provider](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/providers", body: params})
}

// Delete removes a configured provider (DELETE /providers/{provider}). It
// fails with ErrConflict while the provider has active agents.
func (s *ProvidersService) Delete(ctx context.Context, provider ProviderName, opts ...RequestOption) error {
	return callOK(ctx, s.t, request{opts: opts, method: http.MethodDelete, path: "/providers/%s", ids: []string{string(provider)}})
}
