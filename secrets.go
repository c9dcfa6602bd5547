package theazo

import (
	"context"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"regexp"
	"time"
)

// SecretsService stores encrypted secrets that agents read at runtime.
type SecretsService struct{ t *transport }

// SecretMetadata describes a stored secret. Its value is never returned.
type SecretMetadata struct {
	// Name of the secret, e.g. "OPENAI_API_KEY".
	Name string `json:"name"`
	// Scope is SecretScopeOrg for an org-wide secret, else the ID of the
	// session the secret belongs to.
	Scope string `json:"scope"`
	// CreatedAt is when the secret was first set.
	CreatedAt time.Time `json:"createdAt"`
}

// SecretScopeOrg is the Scope of an org-wide secret.
const SecretScopeOrg = "org"

// SecretSetParams are a secret to store. Value is a Secret: fmt and slog
// print it redacted, json.Marshal sends it.
type SecretSetParams struct {
	// Name of the secret (required): letters, digits, '_' and '-' only.
	Name string `json:"name"`
	// Value of the secret (required). Encrypted at rest and never returned.
	Value Secret `json:"value"`
	// SessionID scopes the secret to one session; empty for an org-wide secret.
	SessionID string `json:"sessionId,omitempty"`
}

// LogValue logs the params with Value redacted, with slog's text and JSON
// handlers alike.
func (p SecretSetParams) LogValue() slog.Value { return logValue(p) }

// Format prints the params as fmt prints a struct, with its secrets redacted,
// for every verb.
func (p SecretSetParams) Format(f fmt.State, verb rune) { formatSecrets(f, verb, p) }

// SecretListParams filter and page the secrets listed.
type SecretListParams struct {
	// SessionID lists only the secrets scoped to this session. Empty lists
	// every secret, org-wide and session-scoped, as the reference's example
	// shows; tell them apart by Scope.
	SessionID string `url:"sessionId,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
}

// SecretDeleteParams say which scope the deleted secret is in.
type SecretDeleteParams struct {
	// SessionID is required to delete a session-scoped secret; empty deletes
	// the org-wide secret of that name.
	SessionID string `url:"sessionId,omitempty"`
}

// secretName is what the API accepts as a secret's name.
var secretName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Set stores a secret, overwriting one of the same name and scope
// (POST /secrets). Name and Value are checked before anything is sent;
// errors never include the value.
func (s *SecretsService) Set(ctx context.Context, params *SecretSetParams, opts ...RequestOption) (*SecretMetadata, error) {
	switch {
	case params == nil || params.Name == "":
		return nil, fmt.Errorf("%w: Name is required", ErrInvalidParams)
	case !secretName.MatchString(params.Name):
		// The name is not echoed: a value passed as the name by mistake must not leak.
		return nil, fmt.Errorf("%w: Name may contain only letters, digits, '_' and '-'", ErrInvalidParams)
	case params.Value == "":
		return nil, fmt.Errorf("%w: Value is required", ErrInvalidParams)
	}
	return call[SecretMetadata](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/secrets", body: params})
}

// ListPage returns one page of secret metadata (GET /secrets): of every
// secret, or of one session's with params.SessionID. params may be nil.
func (s *SecretsService) ListPage(ctx context.Context, params *SecretListParams, opts ...RequestOption) (*Page[SecretMetadata], error) {
	return call[Page[SecretMetadata]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/secrets", query: params})
}

// List ranges over the metadata of every secret, org-wide and
// session-scoped, or of one session's with params.SessionID, fetching pages
// lazily from params.Cursor on. params may be nil.
func (s *SecretsService) List(ctx context.Context, params *SecretListParams, opts ...RequestOption) iter.Seq2[*SecretMetadata, error] {
	return paginate(ctx, params, func(p *SecretListParams) *string { return &p.Cursor }, func(ctx context.Context, p *SecretListParams) (*Page[SecretMetadata], error) {
		return s.ListPage(ctx, p, opts...)
	})
}

// Delete deletes the secret name (DELETE /secrets/{name}): the org-wide one,
// or the one of params.SessionID. params may be nil.
func (s *SecretsService) Delete(ctx context.Context, name string, params *SecretDeleteParams, opts ...RequestOption) error {
	return callOK(ctx, s.t, request{opts: opts, method: http.MethodDelete, path: "/secrets/%s", ids: []string{name}, query: params})
}
