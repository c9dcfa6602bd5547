//go:build contract

package theazo

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contractLimits sets every field of SessionLimits.
func contractLimits() *SessionLimits {
	return &SessionLimits{
		MaxCost:           &CostLimit{Amount: 500, Currency: "usd", Period: PeriodDay},
		MaxAgents:         3,
		MaxComputeMinutes: 120,
	}
}

func contractSessionsCases() []contractCase {
	return []contractCase{{
		name: "Create",
		ops:  []string{"POST /v1/sessions"},
		call: func(t *testing.T, ctx context.Context, c *Client) {
			s, err := c.Sessions.Create(ctx, &SessionCreateParams{
				UserID:   "user_123",
				Limits:   contractLimits(),
				Metadata: Metadata{"plan": "pro", "seats": 5, "beta": true},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "ses_01HX3K2ABC", s.ID)
			assert.Equal(t, "user_123", s.UserID)
			assert.Equal(t, SessionStatusActive, s.Status)
			require.NotNil(t, s.Limits)
			require.NotNil(t, s.Limits.MaxCost)
			assert.Equal(t, CostLimit{Amount: 500, Currency: "usd", Period: PeriodDay}, *s.Limits.MaxCost)
			assert.Equal(t, 3, s.Limits.MaxAgents)
			assert.Equal(t, "pro", s.Metadata["plan"])
			assert.Equal(t, Money{Amount: 0, Currency: "usd"}, s.Cost)
			assert.Equal(t, contractTime(t, "2025-05-01T09:30:00Z"), s.CreatedAt)
		},
	}, {
		name: "Create/periods",
		ops:  []string{"POST /v1/sessions", "POST /v1/sessions", "POST /v1/sessions"},
		call: func(t *testing.T, ctx context.Context, c *Client) {
			for _, p := range []Period{PeriodSession, PeriodDay, PeriodMonth} {
				_, err := c.Sessions.Create(ctx, &SessionCreateParams{
					UserID: "user_123",
					Limits: &SessionLimits{MaxCost: &CostLimit{Amount: 1000, Currency: "usd", Period: p}},
				}, contractOpts(t)...)
				require.NoError(t, err, p)
			}
		},
	}, {
		name: "GetOrCreate",
		ops:  []string{"POST /v1/sessions/by-user/{userId}"},
		call: func(t *testing.T, ctx context.Context, c *Client) {
			s, err := c.Sessions.GetOrCreate(ctx, "user_123", &SessionGetOrCreateParams{
				Limits:   contractLimits(),
				Metadata: Metadata{"plan": "pro"},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "ses_01HX3K2ABC", s.ID)
			require.NotNil(t, s.Limits)
			require.NotNil(t, s.Limits.MaxCost)
			assert.Equal(t, PeriodMonth, s.Limits.MaxCost.Period)
			assert.Equal(t, Money{Amount: 212, Currency: "usd"}, s.Cost)
		},
	}, {
		name: "GetOrCreate/periods",
		ops:  []string{"POST /v1/sessions/by-user/{userId}", "POST /v1/sessions/by-user/{userId}", "POST /v1/sessions/by-user/{userId}"},
		call: func(t *testing.T, ctx context.Context, c *Client) {
			for _, p := range []Period{PeriodSession, PeriodDay, PeriodMonth} {
				_, err := c.Sessions.GetOrCreate(ctx, "user_123", &SessionGetOrCreateParams{
					Limits: &SessionLimits{MaxCost: &CostLimit{Amount: 1000, Currency: "usd", Period: p}},
				}, contractOpts(t)...)
				require.NoError(t, err, p)
			}
		},
	}, {
		name: "GetOrCreate/nil params and an ID to escape",
		ops:  []string{"POST /v1/sessions/by-user/{userId}"},
		call: func(t *testing.T, ctx context.Context, c *Client) {
			s, err := c.Sessions.GetOrCreate(ctx, "user 123/é", nil, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "ses_01HX3K2ABC", s.ID)
		},
	}, {
		name: "ListPage",
		ops:  []string{"GET /v1/sessions"},
		call: func(t *testing.T, ctx context.Context, c *Client) {
			page, err := c.Sessions.ListPage(ctx, &SessionListParams{Limit: 25, Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
			require.Len(t, page.Data, 1)
			assert.Equal(t, "ses_01HX3K2ABC", page.Data[0].ID)
			assert.Equal(t, "cur_01HX3K2NEXT", page.NextCursor)
			assert.True(t, page.HasMore)
		},
	}, {
		name: "List",
		ops:  []string{"GET /v1/sessions"},
		call: func(t *testing.T, ctx context.Context, c *Client) {
			// One page is enough: the mock repeats the same page.
			assert.Equal(t, "ses_01HX3K2ABC", contractFirst(t, c.Sessions.List(ctx, &SessionListParams{Limit: 10}, contractOpts(t)...)).ID)
		},
	}}
}
