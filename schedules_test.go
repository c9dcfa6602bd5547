package theazo

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// schedDailyReport is the action of the reference's schedule example.
var schedDailyReport = Action{Type: ActionAgentRun, Config: ActionConfig{DefinitionID: "adef_01HX3K2DEF", Task: "Generate the daily metrics report"}}

const schedDailyReportJSON = `{"type":"agent-run","config":{"definitionId":"adef_01HX3K2DEF","task":"Generate the daily metrics report"}}`

// checkSchedDailyReport asserts the decoding of testdata/schedules/schedule*.json.
func checkSchedDailyReport(t *testing.T, s *Schedule, cron string, status ScheduleStatus) {
	t.Helper()
	assert.Equal(t, "sched_01HX3K2ABC", s.ID)
	assert.Equal(t, "Daily report", s.Name)
	assert.Equal(t, cron, s.Cron)
	assert.Equal(t, schedDailyReport, s.Action)
	assert.Equal(t, status, s.Status)
	assert.Equal(t, time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC), s.CreatedAt)
}

func TestSchedulesEndpoints(t *testing.T) {
	t.Parallel()
	runEndpointCases(t, []endpointCase{{
		name: "create",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Create(ctx, &ScheduleCreateParams{Name: "Daily report", Cron: "0 9 * * 1-5", Action: schedDailyReport, Metadata: Metadata{"team": "analytics"}})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "schedules/schedule.json")},
		wantMethod: "POST", wantPath: "/v1/schedules",
		wantBody: `{"name":"Daily report","cron":"0 9 * * 1-5","action":` + schedDailyReportJSON + `,"metadata":{"team":"analytics"}}`,
		check: func(t *testing.T, got any) {
			s := got.(*Schedule)
			checkSchedDailyReport(t, s, "0 9 * * 1-5", ScheduleStatusActive)
			assert.Equal(t, Metadata{"team": "analytics"}, s.Metadata)
			assert.Equal(t, time.Date(2025, 5, 2, 9, 0, 0, 0, time.UTC), s.NextRunAt)
		},
	}, {
		name: "create workflow run without metadata",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Create(ctx, &ScheduleCreateParams{Name: "Weekly digest", Cron: "30 7 * * 1", Action: Action{
				Type: ActionWorkflowRun, Config: ActionConfig{WorkflowID: "wf_01HX3K2JKL", Input: map[string]any{"period": "week"}},
			}})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "schedules/schedule.json")},
		wantMethod: "POST", wantPath: "/v1/schedules",
		wantBody: `{"name":"Weekly digest","cron":"30 7 * * 1","action":{"type":"workflow-run","config":{"workflowId":"wf_01HX3K2JKL","input":{"period":"week"}}}}`,
	}, {
		name:       "list page",
		call:       func(ctx context.Context, c *Client) (any, error) { return c.Schedules.ListPage(ctx, nil) },
		reply:      reply{Body: golden(t, "schedules/list.json")},
		wantMethod: "GET", wantPath: "/v1/schedules",
		check: func(t *testing.T, got any) {
			p := got.(*Page[Schedule])
			require.Len(t, p.Data, 2)
			checkSchedDailyReport(t, &p.Data[0], "0 9 * * 1-5", ScheduleStatusActive)
			w := p.Data[1]
			assert.Equal(t, ScheduleStatusPaused, w.Status)
			assert.Equal(t, ActionWorkflowRun, w.Action.Type)
			assert.Equal(t, "wf_01HX3K2JKL", w.Action.Config.WorkflowID)
			assert.Equal(t, map[string]any{"period": "week"}, w.Action.Config.Input)
			assert.True(t, w.NextRunAt.IsZero())
			assert.True(t, p.HasMore)
			assert.Equal(t, "cur_01HX3K2MNO", p.NextCursor)
		},
	}, {
		name: "list page with status, limit and cursor",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.ListPage(ctx, &ScheduleListParams{Status: ScheduleStatusPaused, Limit: 10, Cursor: "cur_1"})
		},
		reply:      reply{Body: `{"data":[],"hasMore":false}`},
		wantMethod: "GET", wantPath: "/v1/schedules", wantQuery: "cursor=cur_1&limit=10&status=paused",
	}, {
		name: "update cron only",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Update(ctx, "sched_01HX3K2ABC", &ScheduleUpdateParams{Cron: "0 8 * * *"})
		},
		reply:      reply{Body: golden(t, "schedules/schedule_updated.json")},
		wantMethod: "PATCH", wantPath: "/v1/schedules/sched_01HX3K2ABC",
		wantBody: `{"cron":"0 8 * * *"}`,
		check: func(t *testing.T, got any) {
			s := got.(*Schedule)
			checkSchedDailyReport(t, s, "0 8 * * *", ScheduleStatusActive)
			assert.Nil(t, s.Metadata)
		},
	}, {
		name: "update name only",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Update(ctx, "sched_1", &ScheduleUpdateParams{Name: "Morning report"})
		},
		wantMethod: "PATCH", wantPath: "/v1/schedules/sched_1",
		wantBody: `{"name":"Morning report"}`,
	}, {
		name: "update action only",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Update(ctx, "sched_1", &ScheduleUpdateParams{Action: &schedDailyReport})
		},
		wantMethod: "PATCH", wantPath: "/v1/schedules/sched_1",
		wantBody: `{"action":` + schedDailyReportJSON + `}`,
	}, {
		name: "update every field, hostile id",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Update(ctx, "a/b?x", &ScheduleUpdateParams{Name: "n", Cron: "*/15 * * * *", Action: &schedDailyReport})
		},
		wantMethod: "PATCH", wantPath: "/v1/schedules/a%2Fb%3Fx",
		wantBody: `{"name":"n","cron":"*/15 * * * *","action":` + schedDailyReportJSON + `}`,
	}, {
		name:       "delete",
		call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.Schedules.Delete(ctx, "a/b?x") },
		reply:      reply{Body: `{"ok": true}`},
		wantMethod: "DELETE", wantPath: "/v1/schedules/a%2Fb%3Fx",
	}, {
		name:       "pause",
		call:       func(ctx context.Context, c *Client) (any, error) { return c.Schedules.Pause(ctx, "sched_01HX3K2ABC") },
		reply:      reply{Body: golden(t, "schedules/schedule_paused.json")},
		wantMethod: "POST", wantPath: "/v1/schedules/sched_01HX3K2ABC/pause",
		check: func(t *testing.T, got any) {
			s := got.(*Schedule)
			checkSchedDailyReport(t, s, "0 9 * * 1-5", ScheduleStatusPaused)
			assert.True(t, s.NextRunAt.IsZero(), "a null nextRunAt decodes to the zero time")
		},
	}, {
		name:       "resume",
		call:       func(ctx context.Context, c *Client) (any, error) { return c.Schedules.Resume(ctx, "a/b?x") },
		reply:      reply{Body: golden(t, "schedules/schedule.json")},
		wantMethod: "POST", wantPath: "/v1/schedules/a%2Fb%3Fx/resume",
		check: func(t *testing.T, got any) {
			checkSchedDailyReport(t, got.(*Schedule), "0 9 * * 1-5", ScheduleStatusActive)
		},
	}})
}

func TestSchedulesList(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t,
		reply{Status: http.StatusOK, Body: golden(t, "schedules/list.json")},
		reply{Status: http.StatusOK, Body: `{"data":[{"id":"sched_3","status":"active"}],"hasMore":false}`},
	)
	var ids []string
	for s, err := range srv.client().Schedules.List(t.Context(), &ScheduleListParams{Status: ScheduleStatusActive, Limit: 2}) {
		require.NoError(t, err)
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{"sched_01HX3K2ABC", "sched_01HX3K2GHI", "sched_3"}, ids)
	assertListed(t, srv, "/v1/schedules", "limit=2&status=active", "cursor=cur_01HX3K2MNO&limit=2&status=active")
}

func TestSchedulesLocalErrors(t *testing.T) {
	t.Parallel()
	runLocalErrorCases(t, []localErrorCase{
		{name: "create nil", wantErr: ErrInvalidParams, wantMsg: "Name is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Create(ctx, nil)
		}},
		{name: "create without cron", wantErr: ErrInvalidParams, wantMsg: "Cron is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Create(ctx, &ScheduleCreateParams{Name: "n", Action: schedDailyReport})
		}},
		{name: "create with minute 60", wantErr: ErrInvalidParams, wantMsg: `cron: minute field "60": 60 is above 59`, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Create(ctx, &ScheduleCreateParams{Name: "n", Cron: "60 * * * *", Action: schedDailyReport})
		}},
		{name: "create with three fields", wantErr: ErrInvalidParams, wantMsg: "want 5 fields", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Create(ctx, &ScheduleCreateParams{Name: "n", Cron: "* * *", Action: schedDailyReport})
		}},
		{name: "create with an unknown day name", wantErr: ErrInvalidParams, wantMsg: `day-of-week field "MON-FRX": unknown name "FRX"`, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Create(ctx, &ScheduleCreateParams{Name: "n", Cron: "0 9 * * MON-FRX", Action: schedDailyReport})
		}},
		{name: "create without action type", wantErr: ErrInvalidParams, wantMsg: "Action.Type is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Create(ctx, &ScheduleCreateParams{Name: "n", Cron: "0 9 * * 1-5"})
		}},
		{name: "update nil", wantErr: ErrInvalidParams, wantMsg: "at least one of", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Update(ctx, "sched_1", nil)
		}},
		{name: "update nothing set", wantErr: ErrInvalidParams, wantMsg: "at least one of", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Update(ctx, "sched_1", &ScheduleUpdateParams{})
		}},
		{name: "update with hour 24", wantErr: ErrInvalidParams, wantMsg: `cron: hour field "24": 24 is above 23`, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Update(ctx, "sched_1", &ScheduleUpdateParams{Name: "n", Cron: "0 24 * * *"})
		}},
		{name: "update with action without type", wantErr: ErrInvalidParams, wantMsg: "Action.Type is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Update(ctx, "sched_1", &ScheduleUpdateParams{Action: &Action{}})
		}},
		{name: "update empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Update(ctx, "", &ScheduleUpdateParams{Name: "n"})
		}},
		{name: "delete empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Schedules.Delete(ctx, "")
		}},
		{name: "pause empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Pause(ctx, "")
		}},
		{name: "resume dot segment", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Schedules.Resume(ctx, "..")
		}},
	})
}

func TestSchedulesAPIError(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Status: http.StatusUnprocessableEntity, Body: `{"error":{"code":"unprocessable_entity","message":"Invalid cron","details":{"fields":[{"field":"cron","message":"never fires"}]},"requestId":"req_1"}}`})
	_, err := srv.client().Schedules.Create(t.Context(), &ScheduleCreateParams{Name: "n", Cron: "0 0 31 2 *", Action: schedDailyReport})
	require.ErrorIs(t, err, ErrUnprocessable)
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []FieldError{{Field: "cron", Message: "never fires"}}, apiErr.Fields)
	assert.Len(t, srv.requests(), 1, "a syntactically valid expression reaches the server")
}
