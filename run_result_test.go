package theazo_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

func TestAgentsRunAndWait(t *testing.T) {
	t.Parallel()
	twoSearches := func(task string) []theazotest.Event {
		return []theazotest.Event{
			theazotest.Thinking("Plan: two searches."),
			theazotest.ToolCall("web_search", map[string]string{"q": "one"}),
			theazotest.ToolCall("http_request", map[string]string{"url": "https://example.com"}),
			theazotest.ToolCall("web_search", map[string]string{"q": "two"}),
			theazotest.ToolResult("web_search", "first"),
			theazotest.ToolResult("http_request", 200),
			theazotest.Thinking("Both found."),
			theazotest.ToolResult("web_search", "second"),
			theazotest.ToolResult("write_file", "no call seen"),
			theazotest.Output("Answer to "+task, 31),
		}
	}
	tests := []struct {
		name   string
		script theazotest.AgentScript
		want   theazo.AgentResult // without ids
	}{
		{
			name: "default script",
			want: theazo.AgentResult{
				Output: "Here is a scripted answer to: Find it", Cost: theazo.Money{Amount: 12, Currency: "usd"},
				ToolCalls: []theazo.ToolCall{{Tool: "web_search", Input: json.RawMessage(`{"query":"Find it"}`),
					Output: json.RawMessage(`{"results":[{"title":"A scripted search result","url":"https://example.com/result"}]}`)}},
				Thinking: []string{"Breaking the task into steps: search, read, summarize."},
			},
		},
		{
			name:   "results pair with their calls in order",
			script: twoSearches,
			want: theazo.AgentResult{
				Output: "Answer to Find it", Cost: theazo.Money{Amount: 31, Currency: "usd"},
				ToolCalls: []theazo.ToolCall{
					{Tool: "web_search", Input: json.RawMessage(`{"q":"one"}`), Output: json.RawMessage(`"first"`)},
					{Tool: "http_request", Input: json.RawMessage(`{"url":"https://example.com"}`), Output: json.RawMessage(`200`)},
					{Tool: "web_search", Input: json.RawMessage(`{"q":"two"}`), Output: json.RawMessage(`"second"`)},
					{Tool: "write_file", Output: json.RawMessage(`"no call seen"`)},
				},
				Thinking: []string{"Plan: two searches.", "Both found."},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []theazotest.Option
			if tc.script != nil {
				opts = append(opts, theazotest.WithAgentScript(tc.script))
			}
			_, c := newE2E(t, opts...)
			_, a := agentFixture(t, c, nil)
			res, err := c.Agents.RunAndWait(t.Context(), a.ID, "Find it")
			require.NoError(t, err)
			assert.NotEmpty(t, res.TaskID)
			assert.Equal(t, a.ID, res.AgentID)
			tc.want.TaskID, tc.want.AgentID = res.TaskID, a.ID
			assert.Equal(t, &tc.want, res)
		})
	}
}

func TestAgentsRunAndWaitFailures(t *testing.T) {
	t.Parallel()
	failing := func(code string) theazotest.AgentScript {
		return func(string) []theazotest.Event {
			return []theazotest.Event{theazotest.Thinking("trying"), theazotest.Failure(code, "The sandbox stopped responding.")}
		}
	}
	tests := []struct {
		name  string
		opts  []theazotest.Option
		fault *theazotest.Fault
		ctx   func() (context.Context, context.CancelFunc)
		check func(t *testing.T, err error)
	}{
		{
			name: "error event with a sentinel",
			opts: []theazotest.Option{theazotest.WithAgentScript(failing("provider_error"))},
			check: func(t *testing.T, err error) {
				var re *theazo.RunError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, theazo.CodeProviderError, re.Code)
				assert.Equal(t, "The sandbox stopped responding.", re.Message)
				assert.NotEmpty(t, re.ID)
				assert.ErrorIs(t, err, theazo.ErrProviderError)
				assert.NotErrorIs(t, err, theazo.ErrTimeout)
				assert.Equal(t, "theazo: run "+re.ID+" failed: provider_error: The sandbox stopped responding.", err.Error())
			},
		},
		{
			name: "error event without a sentinel",
			opts: []theazotest.Option{theazotest.WithAgentScript(failing("model_refused"))},
			check: func(t *testing.T, err error) {
				var re *theazo.RunError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, theazo.ErrorCode("model_refused"), re.Code)
				for _, s := range []error{theazo.ErrProviderError, theazo.ErrInternal, theazo.ErrTimeout} {
					assert.NotErrorIs(t, err, s)
				}
			},
		},
		{
			name:  "stream cut before the output",
			opts:  []theazotest.Option{theazotest.WithEventDelay(20 * time.Millisecond)},
			fault: &theazotest.Fault{Method: "GET", Path: "/agents/*/stream", HangUp: true, Times: -1},
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, sse.ErrInterrupted) },
		},
		{
			name: "context deadline",
			opts: []theazotest.Option{theazotest.WithEventDelay(time.Hour)},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(t.Context(), 100*time.Millisecond)
			},
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newE2E(t, tc.opts...)
			_, a := agentFixture(t, c, nil)
			if tc.fault != nil {
				srv.InjectFault(*tc.fault)
			}
			ctx, cancel := t.Context(), context.CancelFunc(func() {})
			if tc.ctx != nil {
				ctx, cancel = tc.ctx()
			}
			defer cancel()
			start := time.Now()
			res, err := c.Agents.RunAndWait(ctx, a.ID, "task")
			assert.Nil(t, res, "never a result with an error")
			require.Error(t, err)
			tc.check(t, err)
			assert.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

// Result after ranging over the events to the end is the collected result.
func TestAgentRunResult(t *testing.T) {
	t.Parallel()
	_, c := newE2E(t)
	_, a := agentFixture(t, c, nil)
	run, err := c.Agents.RunStream(t.Context(), a.ID, "Find it")
	require.NoError(t, err)
	defer run.Close()
	assert.NotEmpty(t, run.TaskID)
	assert.Equal(t, a.ID, run.AgentID)

	var types []string
	for ev, err := range run.Events() {
		require.NoError(t, err)
		types = append(types, ev.EventType())
	}
	assert.Equal(t, []string{"thinking", "tool_call", "tool_result", "output"}, types)
	assert.Equal(t, "4", run.LastEventID())
	res, err := run.Result(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Here is a scripted answer to: Find it", res.Output)
	assert.Equal(t, run.TaskID, res.TaskID)
	assert.Equal(t, a.ID, res.AgentID)
}

func TestWorkflowsRunAndWait(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	outcome := func(step theazotest.WorkflowStep, _ json.RawMessage) theazotest.StepOutcome {
		if step.Name == "bad" {
			return theazotest.StepOutcome{Error: "upstream 500", Cost: 3}
		}
		return theazotest.StepOutcome{Output: map[string]string{"from": step.Name}, Cost: 4, Duration: 7 * time.Millisecond}
	}
	_, c := newE2E(t, theazotest.WithWorkflowSteps(outcome))
	def := definition(t, c)
	create := func(names ...string) string {
		var steps []theazo.WorkflowStep
		for i, n := range names {
			s := theazo.WorkflowStep{Name: n, DefinitionID: def, Task: n}
			if i > 0 {
				s.DependsOn = []string{names[i-1]}
			}
			steps = append(steps, s)
		}
		w, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "w", Steps: steps})
		require.NoError(t, err)
		return w.ID
	}

	res, err := c.Workflows.RunAndWait(ctx, create("a", "b"), nil)
	require.NoError(t, err)
	assert.NotEmpty(t, res.RunID)
	assert.Equal(t, theazo.Money{Amount: 8, Currency: "usd"}, res.Cost)
	assert.Equal(t, []theazo.WorkflowStepResult{
		{Step: "a", Index: 0, Output: json.RawMessage(`{"from":"a"}`), DurationMs: 7},
		{Step: "b", Index: 1, Output: json.RawMessage(`{"from":"b"}`), DurationMs: 7},
	}, res.Steps)
	got, err := c.Workflows.GetRun(ctx, res.RunID)
	require.NoError(t, err)
	assert.JSONEq(t, string(got.Output), string(res.Output))

	res, err = c.Workflows.RunAndWait(ctx, create("a", "bad", "c"), nil)
	assert.Nil(t, res)
	var re *theazo.RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "bad", re.Step)
	assert.Equal(t, "upstream 500", re.Message)
	assert.Equal(t, theazo.Money{Amount: 7, Currency: "usd"}, re.Cost)
	assert.Contains(t, err.Error(), "failed at step bad: upstream 500")

	_, err = c.Workflows.RunAndWait(ctx, "wf_missing", nil)
	assert.ErrorIs(t, err, theazo.ErrNotFound)
}

// fleetResult follows a fleet to its end: Attach, then Result.
func fleetResult(ctx context.Context, c *theazo.Client, fleetID string) (*theazo.FleetResult, error) {
	run, err := c.Fleets.Attach(ctx, fleetID)
	if err != nil {
		return nil, err
	}
	defer run.Close()
	return run.Result(ctx)
}

func TestFleetsAttachResult(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t,
		theazotest.WithFleetTasks(func(i int, task string) theazotest.TaskOutcome {
			if task == "bad" {
				return theazotest.TaskOutcome{Error: "404 page"}
			}
			return theazotest.TaskOutcome{Output: "done " + task, Cost: 5}
		}))
	s, _ := agentFixture(t, c, nil)
	def := definition(t, c)
	f, err := c.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: s.ID, DefinitionID: def, Tasks: []string{"p1", "bad", "p3"}, Concurrency: 1})
	require.NoError(t, err)
	res, err := fleetResult(ctx, c, f.ID)
	require.NoError(t, err)
	assert.Equal(t, f.ID, res.FleetID)
	assert.Equal(t, 2, res.Completed)
	assert.Equal(t, 1, res.Failed)
	assert.Equal(t, theazo.Money{Amount: 10, Currency: "usd"}, res.TotalCost)
	require.Len(t, res.Tasks, 3)
	assert.Equal(t, "done p1", res.Tasks[0].Output)
	assert.Equal(t, 1, res.Tasks[1].Index)
	assert.Equal(t, "404 page", res.Tasks[1].Error)
	assert.Equal(t, theazo.Money{Amount: 5, Currency: "usd"}, res.Tasks[2].Cost)

	// A cancelled fleet is a *RunError.
	_, c2 := newE2E(t, theazotest.WithEventDelay(50*time.Millisecond))
	s2, _ := agentFixture(t, c2, nil)
	f2, err := c2.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: s2.ID, DefinitionID: definition(t, c2), Tasks: []string{"a", "b", "c", "d"}, Concurrency: 1})
	require.NoError(t, err)
	_, err = c2.Fleets.Cancel(ctx, f2.ID)
	require.NoError(t, err)
	res, err = fleetResult(ctx, c2, f2.ID)
	assert.Nil(t, res)
	var re *theazo.RunError
	require.True(t, errors.As(err, &re), "%v", err)
	assert.Equal(t, f2.ID, re.ID)
}
