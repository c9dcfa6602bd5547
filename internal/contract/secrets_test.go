//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

func contractSecretsCases() []contractCase {
	return []contractCase{{
		name: "Set",
		ops:  []string{"POST /v1/secrets", "POST /v1/secrets"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			m, err := c.Secrets.Set(ctx, &theazo.SecretSetParams{Name: "OPENAI_API_KEY", Value: "sk-test"}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.SecretMetadata{Name: "OPENAI_API_KEY", Scope: theazo.SecretScopeOrg, CreatedAt: contractTime(t, "2025-05-01T08:00:00Z")}, *m)
			_, err = c.Secrets.Set(ctx, &theazo.SecretSetParams{Name: "db-password_2", Value: "hunter2", SessionID: "ses_01HX3K2ABC"}, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "List",
		ops:  []string{"GET /v1/secrets", "GET /v1/secrets", "GET /v1/secrets"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			list := contractEvents(t, c.Secrets.List(ctx, nil, contractOpts(t)...), 0)
			require.Len(t, list, 2, "both scopes; a page without nextCursor is the last")
			assert.Equal(t, "DB_PASSWORD", list[1].Name)
			assert.Equal(t, "ses_01HX3K2ABC", list[1].Scope)
			contractEvents(t, c.Secrets.List(ctx, &theazo.SecretListParams{SessionID: "ses_01HX3K2ABC"}, contractOpts(t)...), 0)
			_, err := c.Secrets.ListPage(ctx, &theazo.SecretListParams{SessionID: "ses_01HX3K2ABC", Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "Delete",
		ops:  []string{"DELETE /v1/secrets/{name}", "DELETE /v1/secrets/{name}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			require.NoError(t, c.Secrets.Delete(ctx, "OPENAI_API_KEY", nil, contractOpts(t)...))
			require.NoError(t, c.Secrets.Delete(ctx, "DB_PASSWORD", &theazo.SecretDeleteParams{SessionID: "ses_01HX3K2ABC"}, contractOpts(t)...))
		},
	}}
}
