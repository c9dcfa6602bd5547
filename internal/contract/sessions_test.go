//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// contractLimits sets every field of SessionLimits.
func contractLimits() *theazo.SessionLimits {
	return &theazo.SessionLimits{
		MaxCost:           &theazo.CostLimit{Amount: 500, Currency: "usd", Period: theazo.PeriodDay},
		MaxAgents:         3,
		MaxComputeMinutes: 120,
	}
}

func contractSessionsCases() []contractCase {
	return []contractCase{{
		name: "Create",
		ops:  []string{"POST /v1/sessions"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			s, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{
				UserID:   "user_123",
				Limits:   contractLimits(),
				Metadata: theazo.Metadata{"plan": "pro", "seats": 5, "beta": true},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "ses_01HX3K2ABC", s.ID)
			assert.Equal(t, "user_123", s.UserID)
			assert.Equal(t, theazo.SessionStatusActive, s.Status)
			require.NotNil(t, s.Limits)
			require.NotNil(t, s.Limits.MaxCost)
			assert.Equal(t, theazo.CostLimit{Amount: 500, Currency: "usd", Period: theazo.PeriodDay}, *s.Limits.MaxCost)
			assert.Equal(t, 3, s.Limits.MaxAgents)
			assert.Equal(t, "pro", s.Metadata["plan"])
			assert.Equal(t, theazo.Money{Amount: 0, Currency: "usd"}, s.Cost)
			assert.Equal(t, contractTime(t, "2025-05-01T09:30:00Z"), s.CreatedAt)
		},
	}, {
		name: "Create/periods",
		ops:  []string{"POST /v1/sessions", "POST /v1/sessions", "POST /v1/sessions"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			for _, p := range []theazo.Period{theazo.PeriodSession, theazo.PeriodDay, theazo.PeriodMonth} {
				_, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{
					UserID: "user_123",
					Limits: &theazo.SessionLimits{MaxCost: &theazo.CostLimit{Amount: 1000, Currency: "usd", Period: p}},
				}, contractOpts(t)...)
				require.NoError(t, err, p)
			}
		},
	}, {
		name: "GetOrCreate",
		ops:  []string{"POST /v1/sessions/by-user/{userId}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			s, err := c.Sessions.GetOrCreate(ctx, "user_123", &theazo.SessionGetOrCreateParams{
				Limits:   contractLimits(),
				Metadata: theazo.Metadata{"plan": "pro"},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "ses_01HX3K2ABC", s.ID)
			require.NotNil(t, s.Limits)
			require.NotNil(t, s.Limits.MaxCost)
			assert.Equal(t, theazo.PeriodMonth, s.Limits.MaxCost.Period)
			assert.Equal(t, theazo.Money{Amount: 212, Currency: "usd"}, s.Cost)
		},
	}, {
		name: "GetOrCreate/periods",
		ops:  []string{"POST /v1/sessions/by-user/{userId}", "POST /v1/sessions/by-user/{userId}", "POST /v1/sessions/by-user/{userId}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			for _, p := range []theazo.Period{theazo.PeriodSession, theazo.PeriodDay, theazo.PeriodMonth} {
				_, err := c.Sessions.GetOrCreate(ctx, "user_123", &theazo.SessionGetOrCreateParams{
					Limits: &theazo.SessionLimits{MaxCost: &theazo.CostLimit{Amount: 1000, Currency: "usd", Period: p}},
				}, contractOpts(t)...)
				require.NoError(t, err, p)
			}
		},
	}, {
		name: "GetOrCreate/nil params and an ID to escape",
		ops:  []string{"POST /v1/sessions/by-user/{userId}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			s, err := c.Sessions.GetOrCreate(ctx, "user 123/é", nil, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "ses_01HX3K2ABC", s.ID)
		},
	}, {
		name: "ListPage",
		ops:  []string{"GET /v1/sessions"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			page, err := c.Sessions.ListPage(ctx, &theazo.SessionListParams{Limit: 25, Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
			require.Len(t, page.Data, 1)
			assert.Equal(t, "ses_01HX3K2ABC", page.Data[0].ID)
			assert.Equal(t, "cur_01HX3K2NEXT", page.NextCursor)
			assert.True(t, page.HasMore)
		},
	}, {
		name: "List",
		ops:  []string{"GET /v1/sessions"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			// One page is enough: the mock repeats the same page.
			assert.Equal(t, "ses_01HX3K2ABC", contractFirst(t, c.Sessions.List(ctx, &theazo.SessionListParams{Limit: 10}, contractOpts(t)...)).ID)
		},
	}}
}
