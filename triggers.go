package theazo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"log/slog"
	"net/http"
	"time"
)

// TriggersService manages webhook triggers and fires them.
type TriggersService struct{ t *transport }

// Trigger is a webhook that starts an Action when a signed request reaches
// its URL.
type Trigger struct {
	// ID identifies the trigger, e.g. "trg_01HX…".
	ID string `json:"id"`
	// Name is the trigger's human-readable name.
	Name string `json:"name"`
	// Action is what a fired trigger runs; the request body is its input.
	Action Action `json:"action"`
	// URL is the public address that fires the trigger.
	URL string `json:"url"`
	// SigningSecret ("whsec_…") keys the HMAC signature every fire request
	// must carry. The API returns it when the trigger is created; store it
	// then (encoding/json keeps it). fmt and slog print it redacted.
	SigningSecret Secret `json:"signingSecret,omitempty"`
	// CreatedAt is when the trigger was created.
	CreatedAt time.Time `json:"createdAt"`
}

// LogValue logs the trigger with the signing secret redacted, with slog's
// text and JSON handlers alike.
func (t Trigger) LogValue() slog.Value { return logValue(t) }

// Format prints the trigger as fmt prints a struct, with its secrets redacted,
// for every verb.
func (t Trigger) Format(f fmt.State, verb rune) { formatSecrets(f, verb, t) }

// TriggerCreateParams are the fields of a new trigger.
type TriggerCreateParams struct {
	// Name is a human-readable name (required).
	Name string `json:"name"`
	// Action is what the trigger runs (required; Action.Type must be set).
	Action Action `json:"action"`
}

// TriggerListParams page through triggers.
type TriggerListParams struct {
	// Limit is the page size; zero lets the server choose.
	Limit int `url:"limit,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
}

// Create creates a trigger (POST /triggers). The reply holds the trigger's
// URL and its SigningSecret, which only this reply carries.
func (s *TriggersService) Create(ctx context.Context, params *TriggerCreateParams, opts ...RequestOption) (*Trigger, error) {
	if params == nil || params.Name == "" {
		return nil, fmt.Errorf("%w: Name is required", ErrInvalidParams)
	}
	if err := params.Action.validate(); err != nil {
		return nil, err
	}
	return call[Trigger](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/triggers", body: params})
}

// ListPage returns one page of triggers (GET /triggers).
func (s *TriggersService) ListPage(ctx context.Context, params *TriggerListParams, opts ...RequestOption) (*Page[Trigger], error) {
	return call[Page[Trigger]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/triggers", query: params})
}

// List ranges over every trigger, fetching pages lazily from params.Cursor on.
func (s *TriggersService) List(ctx context.Context, params *TriggerListParams, opts ...RequestOption) iter.Seq2[*Trigger, error] {
	return paginate(ctx, params, func(p *TriggerListParams) *string { return &p.Cursor }, func(ctx context.Context, p *TriggerListParams) (*Page[Trigger], error) {
		return s.ListPage(ctx, p, opts...)
	})
}

// Delete deletes a trigger; its URL stops accepting requests at once
// (DELETE /triggers/{id}).
func (s *TriggersService) Delete(ctx context.Context, triggerID string, opts ...RequestOption) error {
	return callOK(ctx, s.t, request{opts: opts, method: http.MethodDelete, path: "/triggers/%s", ids: []string{triggerID}})
}

// Fire fires a trigger (POST /triggers/{id}/fire) with payload as the
// action's input, and returns the started task.
//
// Fire is a public call: it sends no API key, and works on a client made
// without one. It authenticates with signingSecret instead: the body is
// encoded once and those exact bytes are signed into the X-Theazo-Signature
// header (see SignTriggerPayload). payload is encoded with encoding/json,
// except that a json.RawMessage or []byte is sent byte for byte (it must be
// valid JSON), and a nil payload or empty bytes are sent as {}.
// An empty signingSecret is ErrInvalidParams; a signature the server rejects
// is ErrUnauthorized.
func (s *TriggersService) Fire(ctx context.Context, triggerID string, signingSecret Secret, payload any, opts ...RequestOption) (*TaskRef, error) {
	if signingSecret == "" {
		return nil, fmt.Errorf("%w: signing secret is required", ErrInvalidParams)
	}
	body, err := triggerBody(payload)
	if err != nil {
		return nil, err
	}
	return call[TaskRef](ctx, s.t, request{opts: opts,
		method: http.MethodPost, path: "/triggers/%s/fire", ids: []string{triggerID},
		raw:    body,
		header: http.Header{SignatureHeader: {SignTriggerPayload(signingSecret, body)}},
		public: true,
	})
}

// triggerBody encodes a Fire payload into the exact bytes to sign and send.
func triggerBody(payload any) ([]byte, error) {
	var b []byte
	switch p := payload.(type) {
	case nil:
	case json.RawMessage:
		b = p
	case []byte:
		b = p
	default:
		out, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("%w: encoding trigger payload: %w", ErrInvalidParams, err)
		}
		return out, nil
	}
	if len(b) == 0 {
		return []byte("{}"), nil
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%w: trigger payload is not valid JSON", ErrInvalidParams)
	}
	return b, nil
}
