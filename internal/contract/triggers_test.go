//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

func contractTriggersCases() []contractCase {
	return []contractCase{{
		name: "Create",
		ops:  []string{"POST /v1/triggers", "POST /v1/triggers"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			tr, err := c.Triggers.Create(ctx, &theazo.TriggerCreateParams{
				Name:   "GitHub push handler",
				Action: theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: "adef_01HX3K2JKL", Task: "Review the pushed code changes"}},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "trg_01HX3K2YZA", tr.ID)
			assert.Equal(t, "https://api.theazo.com/v1/triggers/trg_01HX3K2YZA/fire", tr.URL)
			assert.Equal(t, theazo.Secret("whsec_5f2b7c0d9e8a"), tr.SigningSecret)
			_, err = c.Triggers.Create(ctx, &theazo.TriggerCreateParams{Name: "Nightly crawl", Action: contractWorkflowAction()}, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "ListPage",
		ops:  []string{"GET /v1/triggers"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			page, err := c.Triggers.ListPage(ctx, &theazo.TriggerListParams{Limit: 25, Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
			require.Len(t, page.Data, 1)
			assert.Empty(t, page.Data[0].SigningSecret, "the secret is returned on create only")
			assert.True(t, page.HasMore)
		},
	}, {
		name: "List",
		ops:  []string{"GET /v1/triggers"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			assert.Equal(t, theazo.ActionAgentRun, contractFirst(t, c.Triggers.List(ctx, nil, contractOpts(t)...)).Action.Type)
		},
	}, {
		name: "Delete",
		ops:  []string{"DELETE /v1/triggers/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			require.NoError(t, c.Triggers.Delete(ctx, "trg_01HX3K2YZA", contractOpts(t)...))
		},
	}, {
		name: "Fire",
		ops:  []string{"POST /v1/triggers/{id}/fire", "POST /v1/triggers/{id}/fire"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			payload := map[string]any{"ref": "refs/heads/main", "commits": []map[string]any{{"id": "9f1c2e7", "message": "Fix typo"}}}
			ref, err := c.Triggers.Fire(ctx, "trg_01HX3K2YZA", "whsec_5f2b7c0d9e8a", payload, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "task_01HX3K2BCD", ref.TaskID)
			_, err = c.Triggers.Fire(ctx, "trg_01HX3K2YZA", "whsec_5f2b7c0d9e8a", nil, contractOpts(t)...)
			require.NoError(t, err)
		},
	}}
}
