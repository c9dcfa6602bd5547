//go:build contract

package contract_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// contractFrom and contractUntil bound the usage queries: dates, as the
// reference's examples send them; contractUntilInstant is a sub-second
// instant, sent exactly.
var (
	contractFrom         = theazo.NewDate(2025, 5, 1)
	contractUntil        = theazo.NewDate(2025, 5, 7)
	contractUntilInstant = theazo.Instant(time.Date(2025, 5, 6, 14, 0, 0, 250_000_000, time.UTC))
)

func contractUsageCases() []contractCase {
	return []contractCase{{
		name: "Summary",
		ops:  []string{"GET /v1/usage/summary", "GET /v1/usage/summary", "GET /v1/usage/summary"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			_, err := c.Usage.Summary(ctx, &theazo.UsageSummaryParams{From: theazo.Instant(time.Time(contractUntilInstant).Add(-time.Hour)), Until: contractUntilInstant}, contractOpts(t)...)
			require.NoError(t, err)
			u, err := c.Usage.Summary(ctx, &theazo.UsageSummaryParams{From: contractFrom, Until: contractUntil}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, contractTime(t, "2025-05-06T14:00:00Z"), u.Period.Until)
			assert.Equal(t, theazo.Money{Amount: 710, Currency: "usd"}, u.Compute.Cost)
			assert.Equal(t, int64(1240000), u.Models.InputTokens)
			assert.Equal(t, 0.4, u.Storage.GB)
			assert.Equal(t, theazo.Money{Amount: 1544, Currency: "usd"}, u.Total)
			_, err = c.Usage.Summary(ctx, nil, contractOpts(t)...)
			require.NoError(t, err)
		},
	}}
}

func contractBillingCases() []contractCase {
	return []contractCase{{
		name: "Usage",
		ops:  []string{"GET /v1/billing/usage", "GET /v1/billing/usage", "GET /v1/billing/usage"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			_, err := c.Billing.Usage(ctx, &theazo.BillingUsageParams{From: contractFrom, Until: contractUntilInstant}, contractOpts(t)...)
			require.NoError(t, err)
			u, err := c.Billing.Usage(ctx, &theazo.BillingUsageParams{From: contractFrom, Until: contractUntil}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.Money{Amount: 4200, Currency: "usd"}, u.TotalCost)
			assert.Equal(t, int64(1842), u.ModelCalls)
			assert.Equal(t, int64(126), u.Agents)
			_, err = c.Billing.Usage(ctx, nil, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "Daily",
		ops:  []string{"GET /v1/billing/usage/daily", "GET /v1/billing/usage/daily", "GET /v1/billing/usage/daily"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			days := contractEvents(t, c.Billing.Daily(ctx, &theazo.BillingDailyParams{From: contractFrom, Until: contractUntil}, contractOpts(t)...), 0)
			require.Len(t, days, 2, "a page without nextCursor is the last")
			assert.Equal(t, theazo.NewDate(2025, time.May, 2), days[1].Date)
			assert.Equal(t, theazo.Money{Amount: 720, Currency: "usd"}, days[1].Cost)
			contractEvents(t, c.Billing.Daily(ctx, nil, contractOpts(t)...), 0)
			page, err := c.Billing.DailyPage(ctx, &theazo.BillingDailyParams{From: contractFrom, Until: contractUntilInstant, Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Len(t, page.Data, 2)
		},
	}, {
		name: "Users",
		ops:  []string{"GET /v1/billing/usage/users", "GET /v1/billing/usage/users", "GET /v1/billing/usage/users"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			users := contractEvents(t, c.Billing.Users(ctx, &theazo.BillingUsersParams{From: contractFrom, Until: contractUntil, Limit: 10}, contractOpts(t)...), 0)
			require.Len(t, users, 2)
			assert.Equal(t, theazo.UserCost{UserID: "user_123", Cost: theazo.Money{Amount: 1200, Currency: "usd"}, Sessions: 5, Agents: 12}, *users[0])
			contractEvents(t, c.Billing.Users(ctx, nil, contractOpts(t)...), 0)
			_, err := c.Billing.UsersPage(ctx, &theazo.BillingUsersParams{Limit: 10, Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "Models",
		ops:  []string{"GET /v1/billing/usage/models", "GET /v1/billing/usage/models", "GET /v1/billing/usage/models"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			models := contractEvents(t, c.Billing.Models(ctx, &theazo.BillingModelsParams{From: contractFrom, Until: contractUntil}, contractOpts(t)...), 0)
			require.Len(t, models, 2)
			assert.Equal(t, "gpt-4o", models[1].Model)
			assert.Equal(t, int64(642), models[1].Calls)
			assert.Equal(t, theazo.Money{Amount: 1400, Currency: "usd"}, models[1].Cost)
			contractEvents(t, c.Billing.Models(ctx, nil, contractOpts(t)...), 0)
			_, err := c.Billing.ModelsPage(ctx, &theazo.BillingModelsParams{Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
		},
	}}
}
