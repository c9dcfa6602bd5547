package theazo

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"time"
)

// SessionsService manages sessions: per-user isolation for agents, with cost
// tracking, limits and billing scoped to each session.
type SessionsService struct{ t *transport }

// Session is one end-user's isolated space for agents.
type Session struct {
	// ID identifies the session, e.g. "ses_01HX…".
	ID string `json:"id"`
	// UserID is your application's identifier of the user.
	UserID string `json:"userId"`
	// Status is the session's state.
	Status SessionStatus `json:"status,omitempty"`
	// Limits are the session's cost and concurrency limits, if any.
	Limits *SessionLimits `json:"limits,omitempty"`
	// Metadata holds the key-value pairs stored with the session.
	Metadata Metadata `json:"metadata,omitempty"`
	// Cost is what the session has cost so far.
	Cost Money `json:"cost"`
	// CreatedAt is when the session was created.
	CreatedAt time.Time `json:"createdAt"`
}

// SessionStatus is a session's state. Values the SDK does not know are kept.
type SessionStatus string

// Session states. A session is paused when it reaches its MaxComputeMinutes.
const (
	SessionStatusActive SessionStatus = "active"
	SessionStatusPaused SessionStatus = "paused"
)

// SessionLimits caps what a session may spend and run.
type SessionLimits struct {
	// MaxCost caps the session's cost per period.
	MaxCost *CostLimit `json:"maxCost,omitempty"`
	// MaxAgents caps the agents running at once in the session.
	MaxAgents int `json:"maxAgents,omitempty"`
	// MaxComputeMinutes caps total compute minutes; the session is then auto-paused.
	MaxComputeMinutes int `json:"maxComputeMinutes,omitempty"`
}

// CostLimit is a maximum cost per period.
type CostLimit struct {
	// Amount in cents.
	Amount int64 `json:"amount"`
	// Currency, e.g. "usd".
	Currency string `json:"currency"`
	// Period the amount applies to.
	Period Period `json:"period"`
}

// Period is the window a cost limit applies to.
type Period string

// The periods of a cost limit.
const (
	PeriodSession Period = "session"
	PeriodDay     Period = "day"
	PeriodMonth   Period = "month"
)

// SessionCreateParams are the fields of a new session.
type SessionCreateParams struct {
	// UserID is your application's identifier of the user (required).
	UserID string `json:"userId"`
	// Limits are optional cost and concurrency limits.
	Limits *SessionLimits `json:"limits,omitempty"`
	// Metadata is stored with the session and returned on list.
	Metadata Metadata `json:"metadata,omitempty"`
}

// SessionGetOrCreateParams apply only when GetOrCreate creates the session.
type SessionGetOrCreateParams struct {
	// Limits for a new session; ignored when the session exists.
	Limits *SessionLimits `json:"limits,omitempty"`
	// Metadata for a new session; ignored when the session exists.
	Metadata Metadata `json:"metadata,omitempty"`
}

// SessionListParams page through sessions.
type SessionListParams struct {
	// Limit is the page size; zero lets the server choose.
	Limit int `url:"limit,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
}

// Create creates a session (POST /sessions). Once sent it is retried only
// after a 429, which the API answers without creating anything; use
// GetOrCreate for a call that is safe to repeat.
func (s *SessionsService) Create(ctx context.Context, params *SessionCreateParams, opts ...RequestOption) (*Session, error) {
	if params == nil || params.UserID == "" {
		return nil, fmt.Errorf("%w: UserID is required", ErrInvalidParams)
	}
	return call[Session](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/sessions", body: params})
}

// GetOrCreate returns the session of userID, creating it with params if it
// does not exist (POST /sessions/by-user/{userId}). It is idempotent: safe to
// call on every request, and retried like a GET.
func (s *SessionsService) GetOrCreate(ctx context.Context, userID string, params *SessionGetOrCreateParams, opts ...RequestOption) (*Session, error) {
	return call[Session](ctx, s.t, request{opts: opts,
		method: http.MethodPost, path: "/sessions/by-user/%s", ids: []string{userID},
		body: orEmpty(params), idempotent: true,
	})
}

// ListPage returns one page of sessions (GET /sessions).
func (s *SessionsService) ListPage(ctx context.Context, params *SessionListParams, opts ...RequestOption) (*Page[Session], error) {
	return call[Page[Session]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/sessions", query: params})
}

// List ranges over every session, fetching pages lazily from params.Cursor on.
func (s *SessionsService) List(ctx context.Context, params *SessionListParams, opts ...RequestOption) iter.Seq2[*Session, error] {
	return paginate(ctx, params, func(p *SessionListParams) *string { return &p.Cursor }, func(ctx context.Context, p *SessionListParams) (*Page[Session], error) {
		return s.ListPage(ctx, p, opts...)
	})
}
