//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// contractAgentAction and contractWorkflowAction set every field their kind
// of action uses.
func contractAgentAction() theazo.Action {
	return theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: "adef_01HX3K2JKL", Task: "Generate the daily metrics report"}}
}

func contractWorkflowAction() theazo.Action {
	return theazo.Action{Type: theazo.ActionWorkflowRun, Config: theazo.ActionConfig{WorkflowID: "wf_01HX3K2MNO", Input: map[string]any{"url": "https://example.com"}}}
}

func contractSchedulesCases() []contractCase {
	return []contractCase{{
		name: "Create",
		ops:  []string{"POST /v1/schedules", "POST /v1/schedules"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			s, err := c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{
				Name: "Daily report", Cron: "0 9 * * 1-5", Action: contractAgentAction(), Metadata: theazo.Metadata{"owner": "ops"},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "sched_01HX3K2VWX", s.ID)
			assert.Equal(t, contractAgentAction(), s.Action)
			assert.Equal(t, theazo.ScheduleStatusActive, s.Status)
			assert.Equal(t, contractTime(t, "2025-05-02T09:00:00Z"), s.NextRunAt)
			_, err = c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "Weekly crawl", Cron: "30 6 * * 1", Action: contractWorkflowAction()}, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "ListPage",
		ops:  []string{"GET /v1/schedules", "GET /v1/schedules", "GET /v1/schedules"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			for _, status := range []theazo.ScheduleStatus{"", theazo.ScheduleStatusActive, theazo.ScheduleStatusPaused} {
				page, err := c.Schedules.ListPage(ctx, &theazo.ScheduleListParams{Limit: 25, Cursor: "cur_01HX3K2PREV", Status: status}, contractOpts(t)...)
				require.NoError(t, err, status)
				require.Len(t, page.Data, 1)
				assert.Equal(t, "Daily report", page.Data[0].Name)
			}
		},
	}, {
		name: "List",
		ops:  []string{"GET /v1/schedules"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			assert.Equal(t, "0 9 * * 1-5", contractFirst(t, c.Schedules.List(ctx, &theazo.ScheduleListParams{Status: theazo.ScheduleStatusActive}, contractOpts(t)...)).Cron)
		},
	}, {
		name: "Update",
		ops:  []string{"PATCH /v1/schedules/{id}", "PATCH /v1/schedules/{id}", "PATCH /v1/schedules/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			for _, action := range []theazo.Action{contractAgentAction(), contractWorkflowAction()} {
				_, err := c.Schedules.Update(ctx, "sched_01HX3K2VWX", &theazo.ScheduleUpdateParams{Name: "Morning report", Cron: "0 8 * * *", Action: &action}, contractOpts(t)...)
				require.NoError(t, err, action.Type)
			}
			s, err := c.Schedules.Update(ctx, "sched_01HX3K2VWX", &theazo.ScheduleUpdateParams{Cron: "0 8 * * *"}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "0 8 * * *", s.Cron)
		},
	}, {
		name: "Delete",
		ops:  []string{"DELETE /v1/schedules/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			require.NoError(t, c.Schedules.Delete(ctx, "sched_01HX3K2VWX", contractOpts(t)...))
		},
	}, {
		name: "Pause",
		ops:  []string{"POST /v1/schedules/{id}/pause"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			s, err := c.Schedules.Pause(ctx, "sched_01HX3K2VWX", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.ScheduleStatusPaused, s.Status)
			assert.Equal(t, contractWorkflowAction(), s.Action)
			assert.True(t, s.NextRunAt.IsZero())
		},
	}, {
		name: "Resume",
		ops:  []string{"POST /v1/schedules/{id}/resume"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			s, err := c.Schedules.Resume(ctx, "sched_01HX3K2VWX", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.ScheduleStatusActive, s.Status)
		},
	}}
}
