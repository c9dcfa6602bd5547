package theazo

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSessionsEndpoints(t *testing.T) {
	t.Parallel()
	runEndpointCases(t, []endpointCase{
		{
			name: "Create, the reference's example",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Create(ctx, &SessionCreateParams{
					UserID:   "user_123",
					Limits:   &SessionLimits{MaxCost: &CostLimit{Amount: 500, Currency: "usd", Period: PeriodDay}, MaxAgents: 3},
					Metadata: Metadata{"plan": "pro"},
				})
			},
			reply:      reply{Status: 201, Body: golden(t, "sessions/session.json")},
			wantMethod: "POST", wantPath: "/v1/sessions",
			wantBody: `{"userId":"user_123","limits":{"maxCost":{"amount":500,"currency":"usd","period":"day"},"maxAgents":3},"metadata":{"plan":"pro"}}`,
			check: func(t *testing.T, got any) {
				assert.Equal(t, &Session{
					ID:        "ses_01HX3K2ABC",
					UserID:    "user_123",
					Status:    SessionStatusActive,
					Limits:    &SessionLimits{MaxCost: &CostLimit{Amount: 500, Currency: "usd", Period: PeriodDay}, MaxAgents: 3},
					Metadata:  Metadata{"plan": "pro"},
					Cost:      Money{Amount: 0, Currency: "usd"},
					CreatedAt: time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC),
				}, got)
			},
		},
		{
			name: "Create, only the user id",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Create(ctx, &SessionCreateParams{UserID: "user_1"})
			},
			reply:      reply{Body: golden(t, "sessions/session.json")},
			wantMethod: "POST", wantPath: "/v1/sessions",
			wantBody: `{"userId":"user_1"}`,
		},
		{
			name: "Create, compute minutes",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.Create(ctx, &SessionCreateParams{UserID: "user_1", Limits: &SessionLimits{MaxComputeMinutes: 90}})
			},
			reply:      reply{Body: golden(t, "sessions/session.json")},
			wantMethod: "POST", wantPath: "/v1/sessions",
			wantBody: `{"userId":"user_1","limits":{"maxComputeMinutes":90}}`,
		},
		{
			name: "GetOrCreate, the reference's example",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.GetOrCreate(ctx, "user_123", &SessionGetOrCreateParams{
					Limits: &SessionLimits{MaxCost: &CostLimit{Amount: 1000, Currency: "usd", Period: PeriodMonth}},
				})
			},
			reply:      reply{Body: golden(t, "sessions/by_user.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/by-user/user_123",
			wantBody: `{"limits":{"maxCost":{"amount":1000,"currency":"usd","period":"month"}}}`,
			check: func(t *testing.T, got any) {
				s := got.(*Session)
				assert.Equal(t, "ses_01HX3K2DEF", s.ID)
				assert.Equal(t, "user_123", s.UserID)
				assert.Equal(t, &SessionLimits{MaxCost: &CostLimit{Amount: 1000, Currency: "usd", Period: PeriodMonth}}, s.Limits)
				assert.Equal(t, Money{Amount: 240, Currency: "usd"}, s.Cost)
				assert.Nil(t, s.Metadata)
				assert.Equal(t, time.Date(2025, 5, 2, 10, 0, 0, 0, time.UTC), s.CreatedAt)
			},
		},
		{
			name:       "GetOrCreate, nil params sends {}",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Sessions.GetOrCreate(ctx, "user_123", nil) },
			reply:      reply{Body: golden(t, "sessions/by_user.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/by-user/user_123",
			wantBody: `{}`,
		},
		{
			name: "GetOrCreate, metadata and an id that needs escaping",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.GetOrCreate(ctx, "team/42 ünïcode?", &SessionGetOrCreateParams{Metadata: Metadata{"plan": "free", "seats": 3}})
			},
			reply:      reply{Body: golden(t, "sessions/by_user.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/by-user/team%2F42%20%C3%BCn%C3%AFcode%3F",
			wantBody: `{"metadata":{"plan":"free","seats":3}}`,
		},
		{
			name: "ListPage, limit and cursor",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Sessions.ListPage(ctx, &SessionListParams{Limit: 25, Cursor: "cur_01HX3K"})
			},
			reply:      reply{Body: golden(t, "sessions/list.json")},
			wantMethod: "GET", wantPath: "/v1/sessions", wantQuery: "cursor=cur_01HX3K&limit=25",
			check: func(t *testing.T, got any) {
				p := got.(*Page[Session])
				assert.True(t, p.HasMore)
				assert.Equal(t, "cur_01HX3K7QRS", p.NextCursor)
				require.Len(t, p.Data, 2)
				assert.Equal(t, "ses_01HX3K2ABC", p.Data[0].ID)
				assert.Equal(t, Metadata{"plan": "pro"}, p.Data[0].Metadata)
				assert.Equal(t, SessionStatusPaused, p.Data[1].Status)
				assert.Equal(t, &SessionLimits{MaxComputeMinutes: 60}, p.Data[1].Limits)
				assert.Equal(t, Money{Amount: 12, Currency: "usd"}, p.Data[0].Cost)
			},
		},
		{
			name:       "ListPage, nil params",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Sessions.ListPage(ctx, nil) },
			reply:      reply{Body: golden(t, "sessions/list.json")},
			wantMethod: "GET", wantPath: "/v1/sessions",
		},
		{
			name: "List, first page",
			call: func(ctx context.Context, c *Client) (any, error) {
				for s, err := range c.Sessions.List(ctx, &SessionListParams{Limit: 2}) {
					return s, err // one item, one request
				}
				return nil, nil
			},
			reply:      reply{Body: golden(t, "sessions/list.json")},
			wantMethod: "GET", wantPath: "/v1/sessions", wantQuery: "limit=2",
			check: func(t *testing.T, got any) {
				assert.Equal(t, "ses_01HX3K2ABC", got.(*Session).ID)
			},
		},
	})
}

func TestSessionsLocalValidation(t *testing.T) {
	t.Parallel()
	runLocalErrorCases(t, []localErrorCase{
		{name: "Create nil", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) { return c.Sessions.Create(ctx, nil) }},
		{name: "Create without user", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Sessions.Create(ctx, &SessionCreateParams{Metadata: Metadata{"a": 1}})
		}},
		{name: "GetOrCreate empty user", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Sessions.GetOrCreate(ctx, "", nil) }},
	})
}

func TestSessionUnknownStatusKept(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Body: `{"id":"ses_1","userId":"u","status":"archived","cost":{"amount":1,"currency":"eur"},"createdAt":"2025-05-01T09:30:00Z","extra":{"new":"field"}}`})
	s, err := srv.client().Sessions.GetOrCreate(t.Context(), "u", nil)
	require.NoError(t, err)
	assert.Equal(t, SessionStatus("archived"), s.Status)
	assert.Equal(t, "0.01 EUR", s.Cost.String())
}
