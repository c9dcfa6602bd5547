//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// contractDefinitionModel sets every field of DefinitionModel; a zero
// temperature is a value that must be sent.
func contractDefinitionModel() *theazo.DefinitionModel {
	return &theazo.DefinitionModel{ID: "claude-sonnet-4-20250514", MaxTokens: 4096, Temperature: theazo.Ptr(0.0)}
}

func contractDefinitionsCases() []contractCase {
	return []contractCase{{
		name: "Create",
		ops:  []string{"POST /v1/agent-definitions"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			d, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{
				Name:         "Research Assistant",
				Instructions: "You are a research assistant. Be thorough and cite sources.",
				Tools:        []string{"web_search", "write_file"},
				Model:        contractDefinitionModel(),
				Compute:      &theazo.DefinitionCompute{Provider: theazo.ComputeE2B, TimeoutSeconds: 300},
				Metadata:     theazo.Metadata{"team": "research"},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "adef_01HX3K2JKL", d.ID)
			assert.Equal(t, 1, d.Version)
			require.NotNil(t, d.Model)
			require.NotNil(t, d.Model.Temperature)
			assert.Equal(t, 0.0, *d.Model.Temperature)
			assert.Equal(t, 4096, d.Model.MaxTokens)
			require.NotNil(t, d.Compute)
			assert.Equal(t, theazo.DefinitionCompute{Provider: theazo.ComputeE2B, TimeoutSeconds: 300}, *d.Compute)
			assert.False(t, d.Archived)
			assert.Equal(t, contractTime(t, "2025-05-01T08:00:00Z"), d.UpdatedAt)
		},
	}, {
		name: "ListPage",
		ops:  []string{"GET /v1/agent-definitions"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			page, err := c.Definitions.ListPage(ctx, &theazo.DefinitionListParams{
				Limit: 25, Cursor: "cur_01HX3K2PREV",
				IncludeArchived: true,
			}, contractOpts(t)...)
			require.NoError(t, err)
			require.Len(t, page.Data, 1)
			assert.Equal(t, 2, page.Data[0].Version)
			assert.Equal(t, "cur_01HX3K2NEXT", page.NextCursor)
			assert.True(t, page.HasMore)
		},
	}, {
		name: "List",
		ops:  []string{"GET /v1/agent-definitions"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			assert.Equal(t, "adef_01HX3K2JKL", contractFirst(t, c.Definitions.List(ctx, nil, contractOpts(t)...)).ID)
		},
	}, {
		name: "Get",
		ops:  []string{"GET /v1/agent-definitions/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			d, err := c.Definitions.Get(ctx, "adef_01HX3K2JKL", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, []string{"web_search", "write_file", "http_request"}, d.Tools)
			require.NotNil(t, d.Model)
			require.NotNil(t, d.Model.Temperature)
			assert.Equal(t, 0.2, *d.Model.Temperature)
		},
	}, {
		name: "Update",
		ops:  []string{"PUT /v1/agent-definitions/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			d, err := c.Definitions.Update(ctx, "adef_01HX3K2JKL", &theazo.DefinitionUpdateParams{
				Instructions: theazo.Ptr("Be brief."),
				Tools:        []string{"web_search", "write_file", "http_request"},
				Model:        contractDefinitionModel(),
				Compute:      &theazo.DefinitionCompute{Provider: theazo.ComputeFly, TimeoutSeconds: 600},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, 2, d.Version)
		},
	}, {
		name: "Update/empty tool list and nil params",
		ops:  []string{"PUT /v1/agent-definitions/{id}", "PUT /v1/agent-definitions/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			_, err := c.Definitions.Update(ctx, "adef_01HX3K2JKL", &theazo.DefinitionUpdateParams{Tools: []string{}}, contractOpts(t)...)
			require.NoError(t, err)
			_, err = c.Definitions.Update(ctx, "adef_01HX3K2JKL", nil, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "Archive",
		ops:  []string{"DELETE /v1/agent-definitions/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			require.NoError(t, c.Definitions.Archive(ctx, "adef_01HX3K2JKL", contractOpts(t)...))
		},
	}}
}
