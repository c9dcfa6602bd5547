//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// contractSteps sets every field of WorkflowStep.
func contractSteps() []theazo.WorkflowStep {
	return []theazo.WorkflowStep{
		{Name: "scrape", DefinitionID: "adef_01HX3K2JKL", Task: "Scrape {{input.url}}"},
		{Name: "summarize", DefinitionID: "adef_01HX3K2JKL", Task: "Summarize the page", DependsOn: []string{"scrape"}, Condition: "steps.scrape.output != null"},
	}
}

func contractWorkflowsCases() []contractCase {
	return []contractCase{{
		name: "Create",
		ops:  []string{"POST /v1/workflows"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			w, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{
				Name:        "Scrape and summarize",
				Description: "Scrape a page, then summarize it.",
				Steps:       contractSteps(),
				Metadata:    theazo.Metadata{"team": "research"},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "wf_01HX3K2MNO", w.ID)
			assert.Equal(t, contractSteps(), w.Steps)
			assert.Equal(t, "research", w.Metadata["team"])
		},
	}, {
		name: "ListPage",
		ops:  []string{"GET /v1/workflows"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			page, err := c.Workflows.ListPage(ctx, &theazo.WorkflowListParams{Limit: 25, Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
			require.Len(t, page.Data, 1)
			assert.Equal(t, "wf_01HX3K2MNO", page.Data[0].ID)
			assert.True(t, page.HasMore)
		},
	}, {
		name: "List",
		ops:  []string{"GET /v1/workflows"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			assert.Equal(t, "Scrape and summarize", contractFirst(t, c.Workflows.List(ctx, nil, contractOpts(t)...)).Name)
		},
	}, {
		name: "Get",
		ops:  []string{"GET /v1/workflows/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			w, err := c.Workflows.Get(ctx, "wf_01HX3K2MNO", contractOpts(t)...)
			require.NoError(t, err)
			require.Len(t, w.Steps, 1)
			assert.Equal(t, "adef_01HX3K2JKL", w.Steps[0].DefinitionID)
		},
	}, {
		name: "Update",
		ops:  []string{"PUT /v1/workflows/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			w, err := c.Workflows.Update(ctx, "wf_01HX3K2MNO", &theazo.WorkflowUpdateParams{
				Name:        "Scrape and summarize v2",
				Description: "Now with a condition.",
				Steps:       contractSteps(),
				Metadata:    theazo.Metadata{"team": "research", "rev": 2},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "Scrape and summarize v2", w.Name)
		},
	}, {
		name: "Delete",
		ops:  []string{"DELETE /v1/workflows/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			require.NoError(t, c.Workflows.Delete(ctx, "wf_01HX3K2MNO", contractOpts(t)...))
		},
	}, {
		name: "Run",
		ops:  []string{"POST /v1/workflows/{id}/run", "POST /v1/workflows/{id}/run"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			run, err := c.Workflows.Run(ctx, "wf_01HX3K2MNO", &theazo.WorkflowRunParams{Input: map[string]any{"url": "https://example.com", "depth": 2}}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "wfr_01HX3K2PQR", run.ID)
			assert.Equal(t, theazo.WorkflowRunStatusQueued, run.Status)
			_, err = c.Workflows.Run(ctx, "wf_01HX3K2MNO", nil, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "GetRun",
		ops:  []string{"GET /v1/workflow-runs/{runId}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			run, err := c.Workflows.GetRun(ctx, "wfr_01HX3K2PQR", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.WorkflowRunStatusCompleted, run.Status)
			assert.JSONEq(t, `{"summary":"The page says hello."}`, string(run.Output))
			assert.Equal(t, theazo.Money{Amount: 95, Currency: "usd"}, run.Cost)
			require.Len(t, run.Steps, 2)
			assert.Equal(t, theazo.WorkflowStepStatusCompleted, run.Steps[0].Status)
			assert.Equal(t, int64(2100), run.Steps[0].DurationMs)
		},
	}, {
		name: "Estimate",
		ops:  []string{"POST /v1/workflows/{id}/estimate", "POST /v1/workflows/{id}/estimate"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			e, err := c.Workflows.Estimate(ctx, "wf_01HX3K2MNO", &theazo.WorkflowEstimateParams{Input: map[string]any{"url": "https://example.com"}}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.WorkflowEstimate{Steps: 4, EstimatedMinutes: 8, EstimatedCost: theazo.Money{Amount: 120, Currency: "usd"}, Confidence: theazo.ConfidenceMedium}, *e)
			_, err = c.Workflows.Estimate(ctx, "wf_01HX3K2MNO", nil, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "Attach",
		ops:  []string{"GET /v1/workflow-runs/{runId}/stream"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			stream, err := c.Workflows.Attach(ctx, "wfr_01HX3K2PQR", contractOpts(t)...)
			require.NoError(t, err)
			defer stream.Close()
			events := contractEvents(t, stream.Events(), 0)
			require.Len(t, events, 3, "step:start, step:complete, workflow:complete; the stream ends there")
			start := contractEventAs[*theazo.StepStartEvent](t, events, 0)
			assert.EqualExportedValues(t, theazo.StepStartEvent{Step: "scrape", Index: 0, Status: theazo.WorkflowStepStatusRunning}, *start)
			done := contractEventAs[*theazo.StepCompleteEvent](t, events, 1)
			assert.Equal(t, theazo.WorkflowStepStatusCompleted, done.Status)
			assert.Equal(t, int64(2100), done.DurationMs)
			assert.JSONEq(t, `{"html":"..."}`, string(done.Output))
			end := contractEventAs[*theazo.WorkflowCompleteEvent](t, events, 2)
			assert.Equal(t, theazo.Money{Amount: 95, Currency: "usd"}, end.Cost)
		},
	}}
}
