package theazo

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSmokeSessionsCreate(t *testing.T) {
	runEndpointCases(t, []endpointCase{{
		name: "create",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Sessions.Create(ctx, &SessionCreateParams{UserID: "user_123", Limits: &SessionLimits{MaxCost: &CostLimit{Amount: 500, Currency: "usd", Period: PeriodDay}, MaxAgents: 3}, Metadata: Metadata{"plan": "pro"}})
		},
		reply:      reply{Body: golden(t, "sessions/session.json")},
		wantMethod: "POST", wantPath: "/v1/sessions",
		wantBody: `{"userId":"user_123","limits":{"maxCost":{"amount":500,"currency":"usd","period":"day"},"maxAgents":3},"metadata":{"plan":"pro"}}`,
		check: func(t *testing.T, got any) {
			s := got.(*Session)
			assert.Equal(t, "ses_01HX3K2ABC", s.ID)
			require.NotNil(t, s.Limits)
			assert.Equal(t, PeriodDay, s.Limits.MaxCost.Period)
		},
	}, {
		name: "agents get escaped",
		call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Get(ctx, "../providers") },
		reply: reply{Body: `{"id":"agt_1","status":"idle"}`},
		wantMethod: "GET", wantPath: "/v1/agents/..%2Fproviders",
	}})
}
