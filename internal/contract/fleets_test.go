//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

func contractFleetsCases() []contractCase {
	return []contractCase{{
		name: "Create",
		ops:  []string{"POST /v1/fleets"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			f, err := c.Fleets.Create(ctx, &theazo.FleetCreateParams{
				SessionID:    "ses_01HX3K2ABC",
				DefinitionID: "adef_01HX3K2JKL",
				Instructions: "Extract the product names.",
				Tasks:        []string{"Scrape page 1", "Scrape page 2"},
				Concurrency:  2,
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "flt_01HX3K2STU", f.ID)
			assert.Equal(t, theazo.FleetStatusRunning, f.Status)
			assert.Equal(t, []string{"Scrape page 1", "Scrape page 2"}, f.Tasks)
			assert.Equal(t, 2, f.Concurrency)
			assert.Equal(t, theazo.Money{Amount: 0, Currency: "usd"}, f.TotalCost)
		},
	}, {
		name: "ListPage",
		ops:  []string{"GET /v1/fleets"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			page, err := c.Fleets.ListPage(ctx, &theazo.FleetListParams{Limit: 25, Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
			require.Len(t, page.Data, 1)
			assert.Equal(t, theazo.FleetStatusCompleted, page.Data[0].Status)
			assert.Equal(t, "cur_01HX3K2NEXT", page.NextCursor)
		},
	}, {
		name: "List",
		ops:  []string{"GET /v1/fleets"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			assert.Equal(t, 2, contractFirst(t, c.Fleets.List(ctx, nil, contractOpts(t)...)).Completed)
		},
	}, {
		name: "Get",
		ops:  []string{"GET /v1/fleets/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			f, err := c.Fleets.Get(ctx, "flt_01HX3K2STU", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, 1, f.Completed)
			assert.Equal(t, theazo.Money{Amount: 8, Currency: "usd"}, f.TotalCost)
		},
	}, {
		name: "Cancel",
		ops:  []string{"POST /v1/fleets/{id}/cancel"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			f, err := c.Fleets.Cancel(ctx, "flt_01HX3K2STU", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.FleetStatusCancelled, f.Status)
		},
	}, {
		name: "Stream",
		ops:  []string{"GET /v1/fleets/{id}/stream"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			stream, err := c.Fleets.Attach(ctx, "flt_01HX3K2STU", contractOpts(t)...)
			require.NoError(t, err)
			defer stream.Close()
			events := contractEvents(t, stream.Events(), 0)
			require.Len(t, events, 4, "agent:start, agent:complete, agent:failed, fleet:complete; the stream ends there")
			start := contractEventAs[*theazo.AgentStartEvent](t, events, 0)
			assert.EqualExportedValues(t, theazo.AgentStartEvent{AgentID: "agt_01HX3K2AA1", Index: 0, Task: "Scrape page 1"}, *start)
			done := contractEventAs[*theazo.AgentCompleteEvent](t, events, 1)
			assert.Equal(t, theazo.Money{Amount: 8, Currency: "usd"}, done.Cost)
			failed := contractEventAs[*theazo.AgentFailedEvent](t, events, 2)
			assert.Equal(t, "page returned 500", failed.Message)
			end := contractEventAs[*theazo.FleetCompleteEvent](t, events, 3)
			assert.EqualExportedValues(t, theazo.FleetCompleteEvent{Completed: 10, Failed: 0, TotalCost: theazo.Money{Amount: 82, Currency: "usd"}}, *end)
		},
	}}
}
