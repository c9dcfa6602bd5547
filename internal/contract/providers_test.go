//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

func contractProvidersCases() []contractCase {
	return []contractCase{{
		name: "List",
		ops:  []string{"GET /v1/providers", "GET /v1/providers"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			list := contractEvents(t, c.Providers.List(ctx, nil, contractOpts(t)...), 0)
			require.Len(t, list, 2, "a page without nextCursor is the last")
			assert.Equal(t, theazo.ProviderE2B, list[0].Provider)
			assert.True(t, list[0].IsDefault)
			assert.Equal(t, theazo.ProviderStatusActive, list[0].Status)
			assert.Equal(t, theazo.ProviderFly, list[1].Provider)
			assert.Equal(t, contractTime(t, "2025-05-03T08:00:00Z"), list[1].CreatedAt)
			page, err := c.Providers.ListPage(ctx, &theazo.ProviderListParams{Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Len(t, page.Data, 2)
		},
	}, {
		name: "Create",
		ops:  []string{"POST /v1/providers", "POST /v1/providers", "POST /v1/providers", "POST /v1/providers"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			for _, p := range []theazo.ProviderCreateParams{
				{Provider: theazo.ProviderE2B, Credentials: theazo.Credentials{"apiKey": "e2b_test_key"}, IsDefault: true},
				{Provider: theazo.ProviderFly, Credentials: theazo.Credentials{"apiToken": "fly_test_token", "org": "acme"}},
				{Provider: theazo.ProviderWebhook, Credentials: theazo.Credentials{"url": "https://compute.example.com/hook", "secret": "s3cret"}},
				{Provider: theazo.ProviderWebhook, Credentials: theazo.Credentials{
					"url": "https://compute.example.com/hook", "headers": map[string]any{"X-Token": "tok_1"}, "timeoutMs": 5000,
				}},
			} {
				got, err := c.Providers.Create(ctx, &p, contractOpts(t)...)
				require.NoError(t, err, p.Provider)
				assert.Equal(t, theazo.ProviderE2B, got.Provider)
			}
		},
	}, {
		name: "Delete",
		ops:  []string{"DELETE /v1/providers/{provider}", "DELETE /v1/providers/{provider}", "DELETE /v1/providers/{provider}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			for _, p := range []theazo.ProviderName{theazo.ProviderE2B, theazo.ProviderFly, theazo.ProviderWebhook} {
				require.NoError(t, c.Providers.Delete(ctx, p, contractOpts(t)...), p)
			}
		},
	}}
}
