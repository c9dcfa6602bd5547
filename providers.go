package theazo

import (
	"context"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"net/http"
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
// or logging them, or a pointer to them, with slog shows the credential
// names, never their values; json.Marshal gives the wire form, values
// included, so slog's JSON handler given a slice of them prints them.
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

// LogValue logs the params with the credential values redacted, with slog's
// text and JSON handlers alike.
func (p ProviderCreateParams) LogValue() slog.Value { return logValue(p) }

// Format prints the params as fmt prints a struct, with its secrets redacted,
// for every verb.
func (p ProviderCreateParams) Format(f fmt.State, verb rune) { formatSecrets(f, verb, p) }

// Credentials are the secret settings of a compute provider: any JSON
// object, "provider-specific credentials (API keys, endpoints)", e.g.
// {"apiKey": "e2b_…"} or a webhook's {"url": "…", "headers": {"X-Token": "…"},
// "timeoutMs": 5000}. They are sent to the API as they are, but fmt (every
// verb) and slog print only the top-level names, each value, nested objects
// included, as "[redacted]".
type Credentials map[string]any

// credentialFields has Credentials' entries without its methods, so that fmt
// prints them the default way.
type credentialFields map[string]any

// withoutSecrets returns a copy of c whose values are redacted: each, nested
// objects and arrays included, becomes "[redacted]", except an empty string
// or a null, which hide nothing.
func (c Credentials) withoutSecrets() Credentials {
	if c == nil {
		return nil
	}
	r := make(Credentials, len(c))
	for k, v := range c {
		switch v {
		case nil, "":
			r[k] = v
		default:
			r[k] = redacted
		}
	}
	return r
}

// String lists the credential names in order, with redacted values, as %v
// does: "{apiKey:[redacted] headers:[redacted]}".
func (c Credentials) String() string { return fmt.Sprint(c) }

// GoString is like String, in Go syntax, as %#v does:
// theazo.Credentials{"apiKey":"[redacted]"}.
func (c Credentials) GoString() string { return fmt.Sprintf("%#v", c) }

// Format prints c as fmt prints a map, with redacted values, for every verb;
// braces stand for the "map[…]" of a map, as for a struct's fields.
func (c Credentials) Format(f fmt.State, verb rune) {
	s := formatWithout(f, verb, c, credentialFields(c.withoutSecrets()))
	if rest, ok := strings.CutPrefix(s, "map["); ok {
		s = "{" + strings.TrimSuffix(rest, "]") + "}"
	}
	io.WriteString(f, s)
}

// LogValue logs the credential names with redacted values, as String shows
// them.
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
