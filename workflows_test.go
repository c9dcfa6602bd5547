package theazo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/sse"
)

var testSteps = []WorkflowStep{
	{Name: "scrape", DefinitionID: "adef_01HX3K2SCR", Task: "Fetch the page at the input url"},
	{Name: "summarize", DefinitionID: "adef_01HX3K2SUM", Task: "Summarize the scraped page", DependsOn: []string{"scrape"}},
	{Name: "email", DefinitionID: "adef_01HX3K2EML", Task: "Email the summary", DependsOn: []string{"summarize"}, Condition: "input.notify == true"},
}

const testStepsJSON = `[
	{"name":"scrape","definitionId":"adef_01HX3K2SCR","task":"Fetch the page at the input url"},
	{"name":"summarize","definitionId":"adef_01HX3K2SUM","task":"Summarize the scraped page","dependsOn":["scrape"]},
	{"name":"email","definitionId":"adef_01HX3K2EML","task":"Email the summary","dependsOn":["summarize"],"condition":"input.notify == true"}]`

func checkGoldenWorkflow(t *testing.T, got any) {
	t.Helper()
	w := got.(*Workflow)
	assert.Equal(t, "wf_01HX3K2WF1", w.ID)
	assert.Equal(t, "Research digest", w.Name)
	assert.Equal(t, "Scrape a page, summarize it, and email the summary.", w.Description)
	assert.Equal(t, testSteps, w.Steps)
	assert.Equal(t, Metadata{"team": "research"}, w.Metadata)
	assert.Equal(t, time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC), w.CreatedAt)
	assert.Equal(t, time.Date(2025, 5, 2, 10, 0, 0, 0, time.UTC), w.UpdatedAt)
}

func TestWorkflowsEndpoints(t *testing.T) {
	t.Parallel()
	runEndpointCases(t, []endpointCase{{
		name: "create with every field",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Create(ctx, &WorkflowCreateParams{
				Name: "Research digest", Description: "Scrape a page, summarize it, and email the summary.",
				Steps: testSteps, Metadata: Metadata{"team": "research"},
			})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "workflows/workflow.json")},
		wantMethod: "POST", wantPath: "/v1/workflows",
		wantBody: `{"name":"Research digest","description":"Scrape a page, summarize it, and email the summary.",
			"steps":` + testStepsJSON + `,"metadata":{"team":"research"}}`,
		check: checkGoldenWorkflow,
	}, {
		name: "create omits optional fields",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Create(ctx, &WorkflowCreateParams{Name: "Solo", Steps: []WorkflowStep{{Name: "only", DefinitionID: "adef_1", Task: "Do it"}}})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "workflows/workflow.json")},
		wantMethod: "POST", wantPath: "/v1/workflows",
		wantBody: `{"name":"Solo","steps":[{"name":"only","definitionId":"adef_1","task":"Do it"}]}`,
	}, {
		name: "list page with limit and cursor",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.ListPage(ctx, &WorkflowListParams{Limit: 2, Cursor: "cur_wf_1"})
		},
		reply:      reply{Body: golden(t, "workflows/workflows_page1.json")},
		wantMethod: "GET", wantPath: "/v1/workflows", wantQuery: "cursor=cur_wf_1&limit=2",
		check: func(t *testing.T, got any) {
			p := got.(*Page[Workflow])
			require.Len(t, p.Data, 2)
			assert.Equal(t, "wf_01HX3K2WF1", p.Data[0].ID)
			assert.Equal(t, "Nightly report", p.Data[1].Name)
			assert.Equal(t, "cur_wf_2", p.NextCursor)
			assert.True(t, p.HasMore)
		},
	}, {
		name: "list page without params",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.ListPage(ctx, nil)
		},
		reply:      reply{Body: golden(t, "workflows/workflows_page2.json")},
		wantMethod: "GET", wantPath: "/v1/workflows",
		check: func(t *testing.T, got any) {
			p := got.(*Page[Workflow])
			require.Len(t, p.Data, 1)
			assert.False(t, p.HasMore)
			assert.Empty(t, p.NextCursor)
		},
	}, {
		name: "get",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Get(ctx, "wf_01HX3K2WF1")
		},
		reply:      reply{Body: golden(t, "workflows/workflow.json")},
		wantMethod: "GET", wantPath: "/v1/workflows/wf_01HX3K2WF1",
		check: checkGoldenWorkflow,
	}, {
		name: "get escapes the id",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Get(ctx, "a/b?x")
		},
		reply:      reply{Body: golden(t, "workflows/workflow.json")},
		wantMethod: "GET", wantPath: "/v1/workflows/a%2Fb%3Fx",
	}, {
		name: "update replaces the workflow",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Update(ctx, "a/b?x", &WorkflowUpdateParams{
				Name: "Research digest", Description: "Scrape a page, summarize it, and email the summary.",
				Steps: testSteps, Metadata: Metadata{"team": "research"},
			})
		},
		reply:      reply{Body: golden(t, "workflows/workflow.json")},
		wantMethod: "PUT", wantPath: "/v1/workflows/a%2Fb%3Fx",
		wantBody: `{"name":"Research digest","description":"Scrape a page, summarize it, and email the summary.",
			"steps":` + testStepsJSON + `,"metadata":{"team":"research"}}`,
		check: checkGoldenWorkflow,
	}, {
		name: "update omits optional fields",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Update(ctx, "wf_01HX3K2WF1", &WorkflowUpdateParams{Name: "Solo", Steps: []WorkflowStep{{Name: "only", DefinitionID: "adef_1", Task: "Do it"}}})
		},
		reply:      reply{Body: golden(t, "workflows/workflow.json")},
		wantMethod: "PUT", wantPath: "/v1/workflows/wf_01HX3K2WF1",
		wantBody: `{"name":"Solo","steps":[{"name":"only","definitionId":"adef_1","task":"Do it"}]}`,
	}, {
		name: "delete sends no body",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Workflows.Delete(ctx, "a/b?x")
		},
		reply:      reply{Body: `{"ok":true}`},
		wantMethod: "DELETE", wantPath: "/v1/workflows/a%2Fb%3Fx",
	}, {
		name: "run with input",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Run(ctx, "wf_01HX3K2WF1", &WorkflowRunParams{Input: map[string]any{"url": "https://example.com", "notify": true}})
		},
		reply:      reply{Status: http.StatusAccepted, Body: golden(t, "workflows/run_queued.json")},
		wantMethod: "POST", wantPath: "/v1/workflows/wf_01HX3K2WF1/run",
		wantBody: `{"input":{"url":"https://example.com","notify":true}}`,
		check: func(t *testing.T, got any) {
			r := got.(*WorkflowRunInfo)
			assert.Equal(t, "wfr_01HX3K2RUN", r.ID)
			assert.Equal(t, "wf_01HX3K2WF1", r.WorkflowID)
			assert.Equal(t, WorkflowRunStatusQueued, r.Status)
			assert.Nil(t, r.Output)
			assert.Zero(t, r.Cost)
			assert.Empty(t, r.Steps)
			assert.Equal(t, time.Date(2025, 5, 1, 9, 31, 0, 0, time.UTC), r.CreatedAt)
		},
	}, {
		name: "run without params sends an empty object",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Run(ctx, "a/b?x", nil)
		},
		reply:      reply{Status: http.StatusAccepted, Body: golden(t, "workflows/run_queued.json")},
		wantMethod: "POST", wantPath: "/v1/workflows/a%2Fb%3Fx/run",
		wantBody: `{}`,
	}, {
		name: "get run",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.GetRun(ctx, "wfr_01HX3K2RUN")
		},
		reply:      reply{Body: golden(t, "workflows/run_completed.json")},
		wantMethod: "GET", wantPath: "/v1/workflow-runs/wfr_01HX3K2RUN",
		check: func(t *testing.T, got any) {
			r := got.(*WorkflowRunInfo)
			assert.Equal(t, WorkflowRunStatusCompleted, r.Status)
			assert.JSONEq(t, `{"summary":"Three new papers on agent planning."}`, string(r.Output))
			assert.Equal(t, Money{Amount: 95, Currency: "usd"}, r.Cost)
			require.Len(t, r.Steps, 3)
			assert.Equal(t, "scrape", r.Steps[0].Name)
			assert.Equal(t, WorkflowStepStatusCompleted, r.Steps[0].Status)
			assert.JSONEq(t, `{"html":"<html>...</html>"}`, string(r.Steps[0].Output))
			assert.Equal(t, int64(2100), r.Steps[0].DurationMs)
			assert.JSONEq(t, `"Three new papers on agent planning."`, string(r.Steps[1].Output))
			assert.Equal(t, WorkflowStepStatusSkipped, r.Steps[2].Status)
			assert.Nil(t, r.Steps[2].Output)
			assert.Zero(t, r.Steps[2].DurationMs)
		},
	}, {
		name: "get run escapes the id and keeps an unknown status",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.GetRun(ctx, "a/b?x")
		},
		reply:      reply{Body: `{"id":"wfr_1","workflowId":"wf_1","status":"cancelling","createdAt":"2025-05-01T09:31:00Z"}`},
		wantMethod: "GET", wantPath: "/v1/workflow-runs/a%2Fb%3Fx",
		check: func(t *testing.T, got any) {
			assert.Equal(t, WorkflowRunStatus("cancelling"), got.(*WorkflowRunInfo).Status)
		},
	}, {
		name: "estimate as in the reference",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Estimate(ctx, "wf_01HX3K2WF1", &WorkflowEstimateParams{Input: map[string]any{"url": "https://example.com"}})
		},
		reply:      reply{Body: golden(t, "workflows/estimate.json")},
		wantMethod: "POST", wantPath: "/v1/workflows/wf_01HX3K2WF1/estimate",
		wantBody: `{"input":{"url":"https://example.com"}}`,
		check: func(t *testing.T, got any) {
			assert.Equal(t, &WorkflowEstimate{
				Steps: 4, EstimatedMinutes: 8,
				EstimatedCost: Money{Amount: 120, Currency: "usd"},
				Confidence:    ConfidenceMedium,
			}, got)
		},
	}, {
		name: "estimate without params sends an empty object",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Estimate(ctx, "a/b?x", nil)
		},
		reply:      reply{Body: `{"steps":1,"estimatedMinutes":0.5,"estimatedCost":{"amount":3,"currency":"usd"},"confidence":"very_high"}`},
		wantMethod: "POST", wantPath: "/v1/workflows/a%2Fb%3Fx/estimate",
		wantBody: `{}`,
		check: func(t *testing.T, got any) {
			e := got.(*WorkflowEstimate)
			assert.Equal(t, 0.5, e.EstimatedMinutes)
			assert.Equal(t, EstimateConfidence("very_high"), e.Confidence)
		},
	}})
}

func TestWorkflowsListFollowsCursors(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t,
		reply{Status: http.StatusOK, Body: golden(t, "workflows/workflows_page1.json")},
		reply{Status: http.StatusOK, Body: golden(t, "workflows/workflows_page2.json")},
	)
	var ids []string
	for w, err := range srv.client().Workflows.List(t.Context(), &WorkflowListParams{Limit: 2}) {
		require.NoError(t, err)
		ids = append(ids, w.ID)
	}
	assert.Equal(t, []string{"wf_01HX3K2WF1", "wf_01HX3K2WF2", "wf_01HX3K2WF3"}, ids)
	assertListed(t, srv, "/v1/workflows", "limit=2", "cursor=cur_wf_2&limit=2")
}

func TestWorkflowsLocalErrors(t *testing.T) {
	t.Parallel()
	step := []WorkflowStep{{Name: "only", DefinitionID: "adef_1", Task: "Do it"}}
	runLocalErrorCases(t, []localErrorCase{
		{name: "create nil params", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Create(ctx, nil)
		}},
		{name: "create without name", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Create(ctx, &WorkflowCreateParams{Steps: step})
		}},
		{name: "create without steps", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Create(ctx, &WorkflowCreateParams{Name: "n"})
		}},
		{name: "update nil params", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Update(ctx, "wf_1", nil)
		}},
		{name: "update without steps", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Update(ctx, "wf_1", &WorkflowUpdateParams{Name: "n", Steps: []WorkflowStep{}})
		}},
		{name: "update empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Update(ctx, "", &WorkflowUpdateParams{Name: "n", Steps: step})
		}},
		{name: "get empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Get(ctx, "")
		}},
		{name: "delete empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Workflows.Delete(ctx, "")
		}},
		{name: "run empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Run(ctx, "", nil)
		}},
		{name: "get run empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.GetRun(ctx, "")
		}},
		{name: "estimate empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Workflows.Estimate(ctx, "", nil)
		}},
		{name: "stream run empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			r, err := c.Workflows.Attach(ctx, "")
			if err != nil {
				return nil, err
			}
			return r.Stream(), nil
		}},
	})
}

func TestWorkflowsAttachReferenceExample(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, streamReply(golden(t, "workflows/run_stream.sse")))
	stream, err := srv.client().Workflows.Attach(t.Context(), "a/b?x")
	require.NoError(t, err)
	events, err := drainStream(t, stream.Stream())
	require.NoError(t, err)

	assert.Equal(t, []WorkflowEvent{
		&StepStartEvent{Step: "scrape", Index: 0},
		&StepCompleteEvent{Step: "scrape", Index: 0, Output: json.RawMessage(`{"html":"..."}`), DurationMs: 2100},
		&WorkflowCompleteEvent{Output: json.RawMessage(`{"summary":"Three new papers on agent planning."}`), Cost: Money{Amount: 95, Currency: "usd"}},
	}, withoutRaw(events))

	assertStreamOpened(t, srv, "/v1/workflow-runs/a%2Fb%3Fx/stream", "", false)
}

func TestWorkflowsAttachEvents(t *testing.T) {
	t.Parallel()
	open := func(ctx context.Context, c *Client) (*sse.Stream[WorkflowEvent], error) {
		r, err := c.Workflows.Attach(ctx, "wfr_01HX3K2RUN")
		if err != nil {
			return nil, err
		}
		return r.Stream(), nil
	}
	runStreamCases(t, open, "/v1/workflow-runs/wfr_01HX3K2RUN/stream", false, []streamCase[WorkflowEvent]{{
		name: "failure is typed and terminal",
		body: "event: step:start\ndata: {\"step\":\"scrape\",\"index\":0}\n\n" +
			"event: workflow:failed\ndata: {\"step\":\"scrape\",\"message\":\"page not found\",\"cost\":{\"amount\":4,\"currency\":\"usd\"}}\n\n" +
			"event: step:start\ndata: {\"step\":\"summarize\",\"index\":1}\n\n",
		want: []WorkflowEvent{
			&StepStartEvent{Step: "scrape"},
			&WorkflowFailedEvent{Step: "scrape", Message: "page not found", Cost: Money{Amount: 4, Currency: "usd"}},
		},
	}, {
		name: "failure with only a message",
		body: "event: workflow:failed\ndata: {\"message\":\"workflow deleted\"}\n\n",
		want: []WorkflowEvent{&WorkflowFailedEvent{Message: "workflow deleted"}},
	}, {
		name: "events after the completion are not read",
		body: "event: workflow:complete\ndata: {\"output\":\"done\",\"cost\":{\"amount\":1,\"currency\":\"usd\"}}\n\n" +
			"event: step:start\ndata: {\"step\":\"late\",\"index\":9}\n\n",
		want: []WorkflowEvent{&WorkflowCompleteEvent{Output: json.RawMessage(`"done"`), Cost: Money{Amount: 1, Currency: "usd"}}},
	}, {
		name: "unknown events pass through",
		body: "event: step:retry\ndata: {\"step\":\"scrape\",\"attempt\":2}\n\n" +
			": a comment line\n\n" +
			"event: workflow:complete\ndata: {\"output\":null,\"cost\":{\"amount\":0,\"currency\":\"usd\"}}\n\n",
		want: []WorkflowEvent{
			&UnknownEvent{Type: "step:retry", Data: `{"step":"scrape","attempt":2}`},
			&WorkflowCompleteEvent{Output: json.RawMessage(`null`), Cost: Money{Currency: "usd"}},
		},
	}, {
		name: "a stream cut before its end is interrupted",
		body: "event: step:start\ndata: {\"step\":\"scrape\",\"index\":0}\n\n" +
			"event: step:complete\ndata: {\"step\":\"scrape\",\"index\":0,\"output\":{},\"durationMs\":5}\n\n",
		want: []WorkflowEvent{
			&StepStartEvent{Step: "scrape"},
			&StepCompleteEvent{Step: "scrape", Output: json.RawMessage(`{}`), DurationMs: 5},
		},
		wantErr: sse.ErrInterrupted,
	}, {
		name: "a terminal event cut mid-way is interrupted",
		body: "event: step:start\ndata: {\"step\":\"scrape\",\"index\":0}\n\n" +
			"event: workflow:complete\ndata: {\"output\":",
		want:    []WorkflowEvent{&StepStartEvent{Step: "scrape"}},
		wantErr: sse.ErrInterrupted,
	}})
}

func TestWorkflowsAttachResumes(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t,
		streamReply("id: 1\nevent: step:start\ndata: {\"step\":\"scrape\",\"index\":0}\n\n"),
		streamReply("id: 2\nevent: workflow:complete\ndata: {\"output\":{},\"cost\":{\"amount\":95,\"currency\":\"usd\"}}\n\n"),
	)
	stream, err := srv.client().Workflows.Attach(t.Context(), "a/b?x")
	require.NoError(t, err)
	events, err := drainStream(t, stream.Stream())
	require.NoError(t, err)
	require.Len(t, events, 2)
	assert.IsType(t, &StepStartEvent{}, events[0])
	assert.IsType(t, &WorkflowCompleteEvent{}, events[1])
	assert.Equal(t, "2", stream.LastEventID())

	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "/v1/workflow-runs/a%2Fb%3Fx/stream", reqs[1].Path)
	assert.Equal(t, "1", reqs[1].Header.Get("Last-Event-Id"))
}

func TestWorkflowsAttachErrors(t *testing.T) {
	t.Parallel()
	t.Run("API error on connect", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: http.StatusNotFound, Body: `{"error":{"code":"not_found","message":"No such run","requestId":"req_1"}}`})
		_, err := srv.client().Workflows.Attach(t.Context(), "wfr_missing")
		require.ErrorIs(t, err, ErrNotFound)
		var apiErr *Error
		require.True(t, errors.As(err, &apiErr))
		assert.Equal(t, "req_1", apiErr.RequestID)
	})
	t.Run("malformed known event", func(t *testing.T) {
		srv := newRecorder(t, streamReply("event: step:start\ndata: {\"step\":3}\n\n"))
		stream, err := srv.client().Workflows.Attach(t.Context(), "wfr_1")
		require.NoError(t, err)
		events, err := drainStream(t, stream.Stream())
		require.Error(t, err)
		assert.Contains(t, err.Error(), "step:start")
		assert.Empty(t, events)
	})
}
