package theazo_test

// End-to-end tests: the SDK against theazotest, the in-process fake API,
// over real HTTP. The fake models the wire with its own types, so these
// tests catch encoding mistakes that tests against canned replies cannot.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// main_test.go's TestMain checks these tests for leaked goroutines too.

// newE2E starts a fake server and returns it with a client whose retry
// waits are capped at a second, so that tests stay fast, and whose every
// JSON reply is checked against testdata/openapi.yaml (checkWire, below).
func newE2E(t *testing.T, opts ...theazotest.Option) (*theazotest.Server, *theazo.Client) {
	t.Helper()
	srv := theazotest.NewServer(append([]theazotest.Option{theazotest.WithInMemory()}, opts...)...)
	t.Cleanup(srv.Close)
	return srv, srv.Client(theazo.WithHTTPClient(checkWire(t, srv)), theazo.WithMaxRetryWait(time.Second))
}

// collect ranges over a stream to its end.
func collect[E any](t *testing.T, events func(func(E, error) bool)) []E {
	t.Helper()
	var out []E
	for ev, err := range events {
		require.NoError(t, err)
		out = append(out, ev)
	}
	return out
}

// typeNames returns the Go type of each event, e.g. "*theazo.ThinkingEvent".
func typeNames[E any](evs []E) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = fmt.Sprintf("%T", e)
	}
	return out
}

// waitIdle polls an agent until its run is over.
func waitIdle(t *testing.T, c *theazo.Client, agentID string) {
	t.Helper()
	require.Eventually(t, func() bool {
		a, err := c.Agents.Get(t.Context(), agentID)
		return err == nil && a.Status == theazo.AgentStatusIdle
	}, 2*time.Second, 5*time.Millisecond)
}

func TestE2ESessions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)

	limits := &theazo.SessionLimits{MaxCost: &theazo.CostLimit{Amount: 500, Currency: "usd", Period: theazo.PeriodDay}, MaxAgents: 3, MaxComputeMinutes: 60}
	s, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_123", Limits: limits, Metadata: theazo.Metadata{"plan": "pro"}})
	require.NoError(t, err)
	assert.Regexp(t, `^ses_`, s.ID)
	assert.Equal(t, "user_123", s.UserID)
	assert.Equal(t, theazo.SessionStatusActive, s.Status)
	assert.Equal(t, limits, s.Limits)
	assert.Equal(t, theazo.Metadata{"plan": "pro"}, s.Metadata)
	assert.Equal(t, theazo.Money{Amount: 0, Currency: "usd"}, s.Cost)
	assert.WithinDuration(t, time.Now(), s.CreatedAt, 5*time.Second)

	// Get-or-create returns that session unchanged; limits apply on creation only.
	again, err := c.Sessions.GetOrCreate(ctx, "user_123", &theazo.SessionGetOrCreateParams{Limits: &theazo.SessionLimits{MaxAgents: 1}})
	require.NoError(t, err)
	assert.Equal(t, s.ID, again.ID)
	assert.Equal(t, 3, again.Limits.MaxAgents)
	fresh, err := c.Sessions.GetOrCreate(ctx, "user 456/ü", nil) // escaped in the path
	require.NoError(t, err)
	assert.Equal(t, "user 456/ü", fresh.UserID)
	assert.Nil(t, fresh.Limits)

	var ids []string
	for s, err := range c.Sessions.List(ctx, &theazo.SessionListParams{Limit: 1}) {
		require.NoError(t, err)
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{s.ID, fresh.ID}, ids)
	page, err := c.Sessions.ListPage(ctx, &theazo.SessionListParams{Limit: 1})
	require.NoError(t, err)
	assert.True(t, page.HasMore)
	page, err = c.Sessions.ListPage(ctx, &theazo.SessionListParams{Limit: 1, Cursor: page.NextCursor})
	require.NoError(t, err)
	assert.False(t, page.HasMore)
	assert.Empty(t, page.NextCursor)
	assert.Equal(t, fresh.ID, page.Data[0].ID)
}

func TestE2EAgents(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := newE2E(t)
	s, err := c.Sessions.GetOrCreate(ctx, "user_1", nil)
	require.NoError(t, err)
	a, err := c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{
		Compute: &theazo.AgentCompute{Provider: theazo.ComputeDocker}, Model: &theazo.AgentModel{ID: "gpt-4o"},
		Browser: true, Instructions: "Be concise.", Tools: []string{"web_search", "write_file"}, TimeoutSeconds: 120,
	})
	require.NoError(t, err)
	assert.Regexp(t, `^agt_`, a.ID)
	assert.Equal(t, s.ID, a.SessionID)
	assert.Equal(t, theazo.AgentStatusIdle, a.Status)
	assert.Equal(t, theazo.ComputeDocker, a.Compute.Provider)
	assert.Equal(t, "gpt-4o", a.Model.ID)
	assert.True(t, a.Browser)
	assert.Equal(t, "Be concise.", a.Instructions)
	assert.Equal(t, []string{"web_search", "write_file"}, a.Tools)
	assert.Equal(t, 120, a.TimeoutSeconds)

	stream, err := c.Agents.RunStream(ctx, a.ID, "Summarize this week's papers")
	require.NoError(t, err)
	evs := collect(t, stream.Events())
	require.NoError(t, stream.Close())
	require.Len(t, evs, 4)
	assert.Equal(t, "Breaking the task into steps: search, read, summarize.", evs[0].(*theazo.ThinkingEvent).Text)
	call := evs[1].(*theazo.ToolCallEvent)
	assert.Equal(t, "web_search", call.Tool)
	assert.JSONEq(t, `{"query":"Summarize this week's papers"}`, string(call.Input))
	assert.Equal(t, "web_search", evs[2].(*theazo.ToolResultEvent).Tool)
	out := evs[3].(*theazo.OutputEvent)
	assert.Equal(t, theazo.Money{Amount: 12, Currency: "usd"}, out.Cost)
	assert.Equal(t, "4", stream.LastEventID())
	waitIdle(t, c, a.ID)

	// Run and Stream separately: connect, run, read.
	st, err := c.Agents.Stream(ctx, a.ID)
	require.NoError(t, err)
	ref, err := c.Agents.Run(ctx, a.ID, "again")
	require.NoError(t, err)
	assert.Regexp(t, `^task_`, ref.TaskID)
	assert.Equal(t, a.ID, ref.AgentID)
	assert.Len(t, collect(t, st.Events()), 4)
	waitIdle(t, c, a.ID)

	res, err := c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangPython, Code: "print(2 + 2)"})
	require.NoError(t, err)
	assert.Equal(t, &theazo.ExecResult{Stdout: "4\n", ExitCode: 0, DurationMs: 20}, res)

	p, err := c.Agents.Pause(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, theazo.AgentStatusPaused, p.Status)
	r, err := c.Agents.Resume(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, theazo.AgentStatusIdle, r.Status)
	_, err = c.Agents.Resume(ctx, a.ID)
	assert.ErrorIs(t, err, theazo.ErrConflict)

	require.NoError(t, c.Agents.Terminate(ctx, a.ID))
	got, err := c.Agents.Get(ctx, a.ID)
	require.NoError(t, err)
	assert.Equal(t, theazo.AgentStatusTerminated, got.Status)
	_, err = c.Agents.Run(ctx, a.ID, "too late")
	assert.ErrorIs(t, err, theazo.ErrConflict)

	// The session's cost is the sum of what the fake recorded: two runs
	// and one exec minute.
	sess, err := c.Sessions.GetOrCreate(ctx, "user_1", nil)
	require.NoError(t, err)
	assert.Equal(t, int64(12+12+2), sess.Cost.Amount)

	// What went over the wire: the key never in the clear, the SDK's agent.
	for _, req := range srv.Requests() {
		assert.Equal(t, "Bearer th_test_[redacted]", req.Header.Get("Authorization"), req.Path)
		assert.Regexp(t, `^theazo-go/`, req.Header.Get("User-Agent"))
	}
}

func TestE2EUsageAndBilling(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	var mu sync.Mutex
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	_, c := newE2E(t, theazotest.WithClock(clock))

	runOnce := func(user, model string) {
		s, err := c.Sessions.GetOrCreate(ctx, user, nil)
		require.NoError(t, err)
		a, err := c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{Model: &theazo.AgentModel{ID: model}})
		require.NoError(t, err)
		st, err := c.Agents.RunStream(ctx, a.ID, "task")
		require.NoError(t, err)
		collect(t, st.Events())
		waitIdle(t, c, a.ID)
	}
	runOnce("alice", "m-a")
	runOnce("alice", "m-b")
	mu.Lock()
	now = now.AddDate(0, 0, 1)
	mu.Unlock()
	runOnce("bob", "m-a")

	from, until := theazo.Instant(time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)), theazo.Instant(time.Date(2025, 5, 2, 23, 0, 0, 0, time.UTC))
	sum, err := c.Usage.Summary(ctx, &theazo.UsageSummaryParams{From: from, Until: until})
	require.NoError(t, err)
	assert.Equal(t, time.Time(from), sum.Period.From)
	assert.Equal(t, int64(3), sum.Compute.Minutes)
	assert.Equal(t, int64(36), sum.Total.Amount)
	assert.Equal(t, sum.Total.Amount, sum.Compute.Cost.Amount+sum.Models.Cost.Amount+sum.Storage.Cost.Amount)

	bu, err := c.Billing.Usage(ctx, &theazo.BillingUsageParams{From: from, Until: until})
	require.NoError(t, err)
	assert.Equal(t, theazo.Money{Amount: 36, Currency: "usd"}, bu.TotalCost)
	assert.Equal(t, int64(3), bu.ComputeMinutes)
	assert.Equal(t, int64(6), bu.ModelCalls)
	assert.Equal(t, int64(2), bu.Sessions)
	assert.Equal(t, int64(3), bu.Agents)

	daily := collect(t, c.Billing.Daily(ctx, &theazo.BillingDailyParams{From: from, Until: until}))
	require.Len(t, daily, 2)
	assert.Equal(t, theazo.NewDate(2025, 5, 1), daily[0].Date)
	assert.Equal(t, int64(24), daily[0].Cost.Amount)
	assert.Equal(t, int64(12), daily[1].Cost.Amount)

	users := collect(t, c.Billing.Users(ctx, &theazo.BillingUsersParams{From: from, Until: until, Limit: 10}))
	assert.Equal(t, []*theazo.UserCost{
		{UserID: "alice", Cost: theazo.Money{Amount: 24, Currency: "usd"}, Sessions: 1, Agents: 2},
		{UserID: "bob", Cost: theazo.Money{Amount: 12, Currency: "usd"}, Sessions: 1, Agents: 1},
	}, users)

	models := collect(t, c.Billing.Models(ctx, &theazo.BillingModelsParams{From: from, Until: until}))
	require.Len(t, models, 2)
	assert.Equal(t, "m-a", models[0].Model)
	assert.Equal(t, int64(4), models[0].Calls)
	assert.Equal(t, int64(20), models[0].Cost.Amount)
	assert.Positive(t, models[0].InputTokens)
	assert.Positive(t, models[0].OutputTokens)
	var modelTotal int64
	for _, m := range models {
		modelTotal += m.Cost.Amount
	}
	assert.Equal(t, sum.Models.Cost.Amount, modelTotal)

	// nil params: the server's defaults (this month; 30 days).
	_, err = c.Usage.Summary(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, collect(t, c.Billing.Daily(ctx, nil)), 31)
}

func TestE2EProvidersAndSecrets(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	p, err := c.Providers.Create(ctx, &theazo.ProviderCreateParams{Provider: theazo.ProviderE2B, Credentials: theazo.Credentials{"apiKey": "e2b_x"}, IsDefault: true})
	require.NoError(t, err)
	assert.Equal(t, theazo.ProviderE2B, p.Provider)
	assert.True(t, p.IsDefault)
	assert.Equal(t, theazo.ProviderStatusActive, p.Status)
	_, err = c.Providers.Create(ctx, &theazo.ProviderCreateParams{Provider: theazo.ProviderFly, Credentials: theazo.Credentials{"token": "t"}})
	require.NoError(t, err)
	list := collect(t, c.Providers.List(ctx, nil))
	require.Len(t, list, 2)
	assert.True(t, list[0].IsDefault)

	s, err := c.Sessions.GetOrCreate(ctx, "u", nil)
	require.NoError(t, err)
	a, err := c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{Compute: &theazo.AgentCompute{Provider: theazo.ComputeFly}})
	require.NoError(t, err)
	err = c.Providers.Delete(ctx, theazo.ProviderFly)
	assert.ErrorIs(t, err, theazo.ErrConflict, "a provider with active agents stays")
	require.NoError(t, c.Agents.Terminate(ctx, a.ID))
	require.NoError(t, c.Providers.Delete(ctx, theazo.ProviderFly))
	assert.ErrorIs(t, c.Providers.Delete(ctx, theazo.ProviderFly), theazo.ErrNotFound)

	m, err := c.Secrets.Set(ctx, &theazo.SecretSetParams{Name: "OPENAI_API_KEY", Value: "sk-1"})
	require.NoError(t, err)
	assert.Equal(t, theazo.SecretScopeOrg, m.Scope)
	m, err = c.Secrets.Set(ctx, &theazo.SecretSetParams{Name: "DB_PASSWORD", Value: "p", SessionID: s.ID})
	require.NoError(t, err)
	assert.Equal(t, s.ID, m.Scope)
	all := collect(t, c.Secrets.List(ctx, nil))
	assert.Len(t, all, 2, "without a session: both scopes")
	scoped := collect(t, c.Secrets.List(ctx, &theazo.SecretListParams{SessionID: s.ID}))
	require.Len(t, scoped, 1)
	assert.Equal(t, "DB_PASSWORD", scoped[0].Name)
	require.NoError(t, c.Secrets.Delete(ctx, "DB_PASSWORD", &theazo.SecretDeleteParams{SessionID: s.ID}))
	require.NoError(t, c.Secrets.Delete(ctx, "OPENAI_API_KEY", nil))
	assert.ErrorIs(t, c.Secrets.Delete(ctx, "OPENAI_API_KEY", nil), theazo.ErrNotFound)
}

func TestE2EDefinitions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	d, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{
		Name: "Research Assistant", Instructions: "Cite sources.", Tools: []string{"web_search"},
		Model:    &theazo.DefinitionModel{ID: "claude-sonnet-4-20250514", MaxTokens: 4096, Temperature: theazo.Ptr(0.0)},
		Compute:  &theazo.DefinitionCompute{Provider: theazo.ComputeE2B, TimeoutSeconds: 600},
		Metadata: theazo.Metadata{"team": "research"},
	})
	require.NoError(t, err)
	assert.Regexp(t, `^adef_`, d.ID)
	assert.Equal(t, 1, d.Version)
	require.NotNil(t, d.Model.Temperature)
	assert.Equal(t, 0.0, *d.Model.Temperature, "temperature 0 is sent and kept")
	assert.Equal(t, 4096, d.Model.MaxTokens)
	assert.Equal(t, 600, d.Compute.TimeoutSeconds)
	assert.False(t, d.Archived)

	u, err := c.Definitions.Update(ctx, d.ID, &theazo.DefinitionUpdateParams{Tools: []string{"web_search", "http_request"}})
	require.NoError(t, err)
	assert.Equal(t, 2, u.Version)
	assert.Equal(t, "Cite sources.", u.Instructions)
	u, err = c.Definitions.Update(ctx, d.ID, &theazo.DefinitionUpdateParams{Model: &theazo.DefinitionModel{Temperature: theazo.Ptr(0.7)}})
	require.NoError(t, err)
	assert.Equal(t, 3, u.Version)
	got, err := c.Definitions.Get(ctx, d.ID)
	require.NoError(t, err)
	assert.Equal(t, u, got)

	other, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "Other"})
	require.NoError(t, err)
	require.NoError(t, c.Definitions.Archive(ctx, d.ID))
	var names []string
	for d, err := range c.Definitions.List(ctx, nil) {
		require.NoError(t, err)
		names = append(names, d.Name)
	}
	assert.Equal(t, []string{"Other"}, names, "archived definitions are hidden")
	page, err := c.Definitions.ListPage(ctx, &theazo.DefinitionListParams{IncludeArchived: true})
	require.NoError(t, err)
	assert.Len(t, page.Data, 2)
	assert.True(t, page.Data[0].Archived)
	_, err = c.Definitions.Update(ctx, d.ID, &theazo.DefinitionUpdateParams{Instructions: theazo.Ptr("x")})
	assert.ErrorIs(t, err, theazo.ErrConflict)
	_, err = c.Definitions.Get(ctx, other.ID+"x")
	assert.ErrorIs(t, err, theazo.ErrNotFound)
}

// definition creates an agent definition for the flows that need one.
func definition(t *testing.T, c *theazo.Client) string {
	t.Helper()
	d, err := c.Definitions.Create(t.Context(), &theazo.DefinitionCreateParams{Name: "Worker", Model: &theazo.DefinitionModel{ID: "m-1"}})
	require.NoError(t, err)
	return d.ID
}

func TestE2EWorkflows(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	def := definition(t, c)
	steps := []theazo.WorkflowStep{
		{Name: "scrape", DefinitionID: def, Task: "Scrape the page"},
		{Name: "summarize", DefinitionID: def, Task: "Summarize it", DependsOn: []string{"scrape"}},
		{Name: "alert", DefinitionID: def, Task: "Alert the team", DependsOn: []string{"summarize"}, Condition: "input.urgent"},
	}
	w, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "Digest", Description: "Daily digest", Steps: steps, Metadata: theazo.Metadata{"k": "v"}})
	require.NoError(t, err)
	assert.Regexp(t, `^wf_`, w.ID)
	assert.Equal(t, steps, w.Steps)

	got, err := c.Workflows.Get(ctx, w.ID)
	require.NoError(t, err)
	assert.Equal(t, w, got)
	upd, err := c.Workflows.Update(ctx, w.ID, &theazo.WorkflowUpdateParams{Name: "Digest v2", Steps: steps})
	require.NoError(t, err)
	assert.Equal(t, "Digest v2", upd.Name)
	assert.Empty(t, upd.Description, "PUT replaces")

	est, err := c.Workflows.Estimate(ctx, w.ID, &theazo.WorkflowEstimateParams{Input: map[string]any{"urgent": true}})
	require.NoError(t, err)
	assert.Equal(t, &theazo.WorkflowEstimate{Steps: 3, EstimatedMinutes: 6, EstimatedCost: theazo.Money{Amount: 90, Currency: "usd"}, Confidence: theazo.ConfidenceMedium}, est)

	run, err := c.Workflows.Run(ctx, w.ID, &theazo.WorkflowRunParams{Input: map[string]any{"url": "https://example.com"}})
	require.NoError(t, err)
	assert.Regexp(t, `^wfr_`, run.ID)
	assert.Equal(t, w.ID, run.WorkflowID)
	st, err := c.Workflows.Attach(ctx, run.ID)
	require.NoError(t, err)
	evs := collect(t, st.Events())
	assert.Equal(t, []string{"*theazo.StepStartEvent", "*theazo.StepCompleteEvent", "*theazo.StepStartEvent", "*theazo.StepCompleteEvent", "*theazo.WorkflowCompleteEvent"}, typeNames(evs))
	sc := evs[3].(*theazo.StepCompleteEvent)
	assert.Equal(t, "summarize", sc.Step)
	assert.Equal(t, 1, sc.Index)
	assert.Equal(t, int64(100), sc.DurationMs)
	assert.JSONEq(t, `{"step":"summarize","result":"completed: Summarize it"}`, string(sc.Output))
	done := evs[4].(*theazo.WorkflowCompleteEvent)
	assert.Equal(t, theazo.Money{Amount: 10, Currency: "usd"}, done.Cost)

	final, err := c.Workflows.GetRun(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, theazo.WorkflowRunStatusCompleted, final.Status)
	assert.Equal(t, done.Cost, final.Cost)
	assert.JSONEq(t, string(done.Output), string(final.Output))
	require.Len(t, final.Steps, 3)
	assert.Equal(t, theazo.WorkflowStepStatusSkipped, final.Steps[2].Status)

	var n int
	for _, err := range c.Workflows.List(ctx, nil) {
		require.NoError(t, err)
		n++
	}
	assert.Equal(t, 1, n)
	page, err := c.Workflows.ListPage(ctx, &theazo.WorkflowListParams{Limit: 5})
	require.NoError(t, err)
	assert.Len(t, page.Data, 1)
	require.NoError(t, c.Workflows.Delete(ctx, w.ID))
	_, err = c.Workflows.Get(ctx, w.ID)
	assert.ErrorIs(t, err, theazo.ErrNotFound)
}

func TestE2EWorkflowFailure(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t, theazotest.WithWorkflowSteps(func(step theazotest.WorkflowStep, _ json.RawMessage) theazotest.StepOutcome {
		if step.Index == 1 {
			return theazotest.StepOutcome{Error: "upstream 500", Cost: 3}
		}
		return theazotest.StepOutcome{Output: []int{1, 2}, Cost: 4}
	}))
	def := definition(t, c)
	w, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "w", Steps: []theazo.WorkflowStep{
		{Name: "a", DefinitionID: def, Task: "a"}, {Name: "b", DefinitionID: def, Task: "b"}, {Name: "c", DefinitionID: def, Task: "c"},
	}})
	require.NoError(t, err)
	run, err := c.Workflows.Run(ctx, w.ID, nil)
	require.NoError(t, err)
	st, err := c.Workflows.Attach(ctx, run.ID)
	require.NoError(t, err)
	evs := collect(t, st.Events())
	require.Len(t, evs, 4)
	failed := evs[3].(*theazo.WorkflowFailedEvent)
	assert.EqualExportedValues(t, &theazo.WorkflowFailedEvent{Step: "b", Message: "upstream 500", Cost: theazo.Money{Amount: 7, Currency: "usd"}}, failed)
	got, err := c.Workflows.GetRun(ctx, run.ID)
	require.NoError(t, err)
	assert.Equal(t, theazo.WorkflowRunStatusFailed, got.Status)
	assert.Equal(t, theazo.WorkflowStepStatusPending, got.Steps[2].Status)
}

func TestE2EFleets(t *testing.T) {
	t.Parallel()
	// On synctest's clock: the fake's event delays take no real time.
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		_, c := newE2E(t, theazotest.WithFleetTasks(func(i int, task string) theazotest.TaskOutcome {
			if task == "bad" {
				return theazotest.TaskOutcome{Error: "404 page"}
			}
			return theazotest.TaskOutcome{Output: "ok " + task, Cost: 5}
		}))
		s, err := c.Sessions.GetOrCreate(ctx, "u", nil)
		require.NoError(t, err)
		def := definition(t, c)
		f, err := c.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: s.ID, DefinitionID: def, Instructions: "Scrape.", Tasks: []string{"p1", "bad", "p3"}, Concurrency: 2})
		require.NoError(t, err)
		assert.Regexp(t, `^flt_`, f.ID)
		assert.Equal(t, theazo.FleetStatusRunning, f.Status)
		assert.Equal(t, 2, f.Concurrency)
		assert.Equal(t, []string{"p1", "bad", "p3"}, f.Tasks)

		st, err := c.Fleets.Attach(ctx, f.ID)
		require.NoError(t, err)
		evs := collect(t, st.Events())
		require.Len(t, evs, 7)
		var starts, completes, fails int
		for _, ev := range evs[:6] {
			switch e := ev.(type) {
			case *theazo.AgentStartEvent:
				starts++
				assert.Regexp(t, `^agt_`, e.AgentID)
			case *theazo.AgentCompleteEvent:
				completes++
				assert.Equal(t, "ok "+f.Tasks[e.Index], e.Output)
				assert.Equal(t, int64(5), e.Cost.Amount)
			case *theazo.AgentFailedEvent:
				fails++
				assert.Equal(t, 1, e.Index)
				assert.Equal(t, "404 page", e.Message)
			}
		}
		assert.Equal(t, []int{3, 2, 1}, []int{starts, completes, fails})
		assert.EqualExportedValues(t, &theazo.FleetCompleteEvent{Completed: 2, Failed: 1, TotalCost: theazo.Money{Amount: 10, Currency: "usd"}}, evs[6])

		got, err := c.Fleets.Get(ctx, f.ID)
		require.NoError(t, err)
		assert.Equal(t, theazo.FleetStatusCompleted, got.Status)
		assert.Equal(t, 2, got.Completed)
		_, err = c.Fleets.Cancel(ctx, f.ID)
		assert.ErrorIs(t, err, theazo.ErrConflict, "a finished fleet cannot be cancelled")
		page, err := c.Fleets.ListPage(ctx, nil)
		require.NoError(t, err)
		assert.Len(t, page.Data, 1)
		for f, err := range c.Fleets.List(ctx, nil) {
			require.NoError(t, err)
			assert.Equal(t, got.ID, f.ID)
		}

		// Cancelled while it runs.
		_, c2 := newE2E(t, theazotest.WithEventDelay(100*time.Millisecond)) // the cancel lands long before the end
		s, err = c2.Sessions.GetOrCreate(ctx, "u", nil)
		require.NoError(t, err)
		f, err = c2.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: s.ID, DefinitionID: definition(t, c2), Tasks: []string{"a", "b", "c", "d"}, Concurrency: 1})
		require.NoError(t, err)
		st, err = c2.Fleets.Attach(ctx, f.ID)
		require.NoError(t, err)
		var last theazo.FleetEvent
		for ev, err := range st.Events() {
			require.NoError(t, err)
			if _, ok := ev.(*theazo.AgentStartEvent); ok && last == nil {
				cancelled, err := c2.Fleets.Cancel(ctx, f.ID)
				require.NoError(t, err)
				assert.Equal(t, theazo.FleetStatusCancelled, cancelled.Status)
			}
			last = ev
		}
		require.IsType(t, &theazo.FleetFailedEvent{}, last)
		assert.Contains(t, last.(*theazo.FleetFailedEvent).Message, "cancelled")
	})
}

func TestE2ESchedules(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	now := time.Date(2025, 5, 2, 10, 30, 0, 0, time.UTC)
	_, c := newE2E(t, theazotest.WithClock(func() time.Time { return now }))
	def := definition(t, c)
	action := theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: def, Task: "Daily report"}}
	sc, err := c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "Daily", Cron: "0 9 * * 1-5", Action: action, Metadata: theazo.Metadata{"team": "ops"}})
	require.NoError(t, err)
	assert.Regexp(t, `^sched_`, sc.ID)
	assert.Equal(t, action, sc.Action)
	assert.Equal(t, theazo.ScheduleStatusActive, sc.Status)
	assert.Equal(t, time.Date(2025, 5, 5, 9, 0, 0, 0, time.UTC), sc.NextRunAt)

	up, err := c.Schedules.Update(ctx, sc.ID, &theazo.ScheduleUpdateParams{Cron: "0 8 * * *"})
	require.NoError(t, err)
	assert.Equal(t, "0 8 * * *", up.Cron)
	assert.Equal(t, "Daily", up.Name)
	assert.Equal(t, time.Date(2025, 5, 3, 8, 0, 0, 0, time.UTC), up.NextRunAt)

	p, err := c.Schedules.Pause(ctx, sc.ID)
	require.NoError(t, err)
	assert.Equal(t, theazo.ScheduleStatusPaused, p.Status)
	assert.True(t, p.NextRunAt.IsZero())
	wf, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "w", Steps: []theazo.WorkflowStep{{Name: "s", DefinitionID: def, Task: "t"}}})
	require.NoError(t, err)
	_, err = c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "Weekly", Cron: "0 0 * * 0",
		Action: theazo.Action{Type: theazo.ActionWorkflowRun, Config: theazo.ActionConfig{WorkflowID: wf.ID, Input: map[string]any{"n": 1.0}}}})
	require.NoError(t, err)

	page, err := c.Schedules.ListPage(ctx, &theazo.ScheduleListParams{Status: theazo.ScheduleStatusPaused})
	require.NoError(t, err)
	require.Len(t, page.Data, 1)
	assert.Equal(t, sc.ID, page.Data[0].ID)
	var all []string
	for s, err := range c.Schedules.List(ctx, nil) {
		require.NoError(t, err)
		all = append(all, s.Name)
	}
	assert.Equal(t, []string{"Daily", "Weekly"}, all)

	r, err := c.Schedules.Resume(ctx, sc.ID)
	require.NoError(t, err)
	assert.Equal(t, theazo.ScheduleStatusActive, r.Status)
	require.NoError(t, c.Schedules.Delete(ctx, sc.ID))
	_, err = c.Schedules.Pause(ctx, sc.ID)
	assert.ErrorIs(t, err, theazo.ErrNotFound)
}

func TestE2ETriggers(t *testing.T) {
	ctx := t.Context()
	srv, c := newE2E(t)
	def := definition(t, c)
	trg, err := c.Triggers.Create(ctx, &theazo.TriggerCreateParams{Name: "GitHub push",
		Action: theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: def, Task: "Review the push"}}})
	require.NoError(t, err)
	assert.Regexp(t, `^trg_`, trg.ID)
	assert.Regexp(t, `^whsec_`, string(trg.SigningSecret))
	assert.Equal(t, srv.URL()+"/triggers/"+trg.ID+"/fire", trg.URL)
	assert.NotContains(t, fmt.Sprintf("%v %+v", trg, trg), string(trg.SigningSecret))

	// Fire is public: a client with no key can call it.
	t.Setenv("THEAZO_API_KEY", "")
	public := theazo.NewClient("", theazo.WithBaseURL(srv.URL()), theazo.WithHTTPClient(srv.HTTPClient()))
	payload := map[string]any{"ref": "refs/heads/main", "commits": []string{"abc"}}
	ref, err := public.Triggers.Fire(ctx, trg.ID, trg.SigningSecret, payload)
	require.NoError(t, err)
	assert.Regexp(t, `^task_`, ref.TaskID)
	firings := srv.Firings()
	require.Len(t, firings, 1)
	assert.JSONEq(t, `{"ref":"refs/heads/main","commits":["abc"]}`, string(firings[0].Payload))
	reqs := srv.Requests()
	fire := reqs[len(reqs)-1]
	assert.Empty(t, fire.Header.Get("Authorization"))
	require.NoError(t, theazo.VerifyTriggerSignature(trg.SigningSecret, fire.Body, fire.Header.Get(theazo.SignatureHeader)))

	_, err = public.Triggers.Fire(ctx, trg.ID, "whsec_wrong", payload)
	assert.ErrorIs(t, err, theazo.ErrUnauthorized)

	list, err := c.Triggers.ListPage(ctx, nil)
	require.NoError(t, err)
	require.Len(t, list.Data, 1)
	assert.Empty(t, list.Data[0].SigningSecret)
	for tr, err := range c.Triggers.List(ctx, nil) {
		require.NoError(t, err)
		assert.Equal(t, trg.ID, tr.ID)
	}
	require.NoError(t, c.Triggers.Delete(ctx, trg.ID))
	_, err = public.Triggers.Fire(ctx, trg.ID, trg.SigningSecret, payload)
	assert.ErrorIs(t, err, theazo.ErrNotFound)
}

func TestE2EChannels(t *testing.T) {
	ctx := t.Context()
	srv, c := newE2E(t)
	ch, err := c.Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "Support Chat", Instructions: "Help Acme's users.", Metadata: theazo.Metadata{"team": "support"}})
	require.NoError(t, err)
	assert.Regexp(t, `^ch_`, ch.ID)

	// The public calls need no key.
	t.Setenv("THEAZO_API_KEY", "")
	public := theazo.NewClient("", theazo.WithBaseURL(srv.URL()), theazo.WithHTTPClient(srv.HTTPClient()))
	stream, err := public.Channels.Stream(ctx, ch.ID, nil)
	require.NoError(t, err)
	defer stream.Close()

	reply, err := public.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: "How do I reset my password?"})
	require.NoError(t, err)
	assert.Equal(t, theazo.MessageRoleAssistant, reply.Role)
	assert.Regexp(t, `^thr_`, reply.ThreadID)
	assert.Equal(t, ch.ID, reply.ChannelID)
	reply2, err := public.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: "Thanks!", ThreadID: reply.ThreadID})
	require.NoError(t, err)
	assert.Equal(t, reply.ThreadID, reply2.ThreadID)
	assert.Contains(t, reply2.Content, "message 2 of this thread")
	_, err = public.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: "x", ThreadID: "thr_nope"})
	assert.ErrorIs(t, err, theazo.ErrNotFound)

	var got []*theazo.MessageEvent
	for ev, err := range stream.Events() {
		require.NoError(t, err)
		got = append(got, ev.(*theazo.MessageEvent))
		if len(got) == 4 {
			break
		}
	}
	assert.Equal(t, []theazo.MessageRole{"user", "assistant", "user", "assistant"},
		[]theazo.MessageRole{got[0].Role, got[1].Role, got[2].Role, got[3].Role})
	assert.Equal(t, reply2.ID, got[3].ID)

	var contents []string
	for m, err := range public.Channels.Messages(ctx, ch.ID, &theazo.ChannelMessagesParams{ThreadID: reply.ThreadID, Limit: 3}) {
		require.NoError(t, err)
		contents = append(contents, m.Content)
	}
	assert.Equal(t, []string{"How do I reset my password?", reply.Content, "Thanks!", reply2.Content}, contents)
	page, err := public.Channels.MessagesPage(ctx, ch.ID, &theazo.ChannelMessagesParams{Limit: 2})
	require.NoError(t, err)
	assert.True(t, page.HasMore)

	for _, req := range srv.Requests() {
		if req.Method == "POST" && req.Path == "/v1/channels" {
			continue
		}
		assert.Empty(t, req.Header.Get("Authorization"), "%s %s", req.Method, req.Path)
	}
	chs, err := c.Channels.ListPage(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, ch.ID, chs.Data[0].ID)
	for x, err := range c.Channels.List(ctx, nil) {
		require.NoError(t, err)
		assert.Equal(t, "Support Chat", x.Name)
	}
	_, err = public.Channels.ListPage(ctx, nil)
	assert.ErrorIs(t, err, theazo.ErrMissingAPIKey, "listing channels is not public")
}

// Against the fake: a key read from a file with its trailing newline works;
// the same key with a "Bearer " prefix, or a base URL with a query string,
// is refused before anything reaches the server.
func TestE2EClientInput(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	client := func(key, base string) *theazo.Client {
		c := theazo.NewClient(key, theazo.WithBaseURL(base), theazo.WithHTTPClient(srv.HTTPClient()))
		t.Cleanup(c.CloseIdleConnections)
		return c
	}

	s, err := client(srv.APIKey()+"\n", srv.URL()).Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_1"})
	require.NoError(t, err)
	require.Len(t, srv.Requests(), 1)

	srv.ResetRequests()
	_, err = client("Bearer "+srv.APIKey(), srv.URL()).Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_2"})
	require.ErrorIs(t, err, theazo.ErrInvalidAPIKey)
	assert.NotContains(t, err.Error(), srv.APIKey())
	_, err = client(srv.APIKey()+" extra", srv.URL()).Agents.Create(ctx, s.ID, nil)
	require.ErrorIs(t, err, theazo.ErrInvalidAPIKey)
	_, err = client(srv.APIKey(), srv.URL()+"?tenant=acme").Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_3"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "query string or fragment")
	assert.Empty(t, srv.Requests(), "nothing reached the server")

	page, err := client(srv.APIKey(), srv.URL()).Sessions.ListPage(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, page.Data, 1, "only the first session was created")
}

// agentFixture makes a session and an idle agent.
func agentFixture(t *testing.T, c *theazo.Client, limits *theazo.SessionLimits) (*theazo.Session, *theazo.Agent) {
	t.Helper()
	ctx := t.Context()
	s, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_fixture", Limits: limits})
	require.NoError(t, err)
	a, err := c.Agents.Create(ctx, s.ID, nil)
	require.NoError(t, err)
	return s, a
}

// count returns how many received requests match method and path.
func count(srv *theazotest.Server, method, path string) (n int, statuses []int) {
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
			statuses = append(statuses, r.Status)
		}
	}
	return n, statuses
}

// Every error code of the reference, produced by what the fake does, not
// by a canned reply.
func TestE2EErrorCodes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := newE2E(t,
		theazotest.WithRateLimit(1000),
		theazotest.WithExec(func(lang, code string) theazotest.ExecResult {
			switch code {
			case "crash":
				panic("sandbox crashed")
			case "spin":
				return theazotest.ExecResult{TimedOut: true}
			}
			return theazotest.DefaultExec(lang, code)
		}))
	s, a := agentFixture(t, c, &theazo.SessionLimits{MaxAgents: 1})
	with := func(key string) *theazo.Client {
		return theazo.NewClient(key, theazo.WithBaseURL(srv.URL()), theazo.WithHTTPClient(srv.HTTPClient()), theazo.WithMaxRetryWait(time.Second))
	}

	cases := []struct {
		name     string
		call     func() error
		sentinel error
		code     theazo.ErrorCode
		status   int
	}{
		{"unauthorized", func() error { _, err := with("th_test_not_a_key").Sessions.ListPage(ctx, nil); return err },
			theazo.ErrUnauthorized, theazo.CodeUnauthorized, 401},
		{"forbidden", func() error {
			_, err := with(srv.RestrictedKey("GET *")).Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "u"})
			return err
		}, theazo.ErrForbidden, theazo.CodeForbidden, 403},
		{"not found", func() error { _, err := c.Agents.Get(ctx, "agt_missing"); return err },
			theazo.ErrNotFound, theazo.CodeNotFound, 404},
		{"conflict", func() error { _, err := c.Agents.Resume(ctx, a.ID); return err },
			theazo.ErrConflict, theazo.CodeConflict, 409},
		{"unprocessable", func() error {
			_, err := c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{Compute: &theazo.AgentCompute{Provider: "aws"}})
			return err
		}, theazo.ErrUnprocessable, theazo.CodeUnprocessableEntity, 422},
		{"session limit", func() error { _, err := c.Agents.Create(ctx, s.ID, nil); return err },
			theazo.ErrSessionLimitExceeded, theazo.CodeSessionLimitExceeded, 402},
		{"timeout", func() error {
			_, err := c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "spin"})
			return err
		}, theazo.ErrTimeout, theazo.CodeTimeout, 504},
		{"internal", func() error {
			_, err := c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "crash"})
			return err
		}, theazo.ErrInternal, theazo.CodeInternalError, 500},
		{"provider", func() error {
			srv.SetProviderDown("e2b", true)
			defer srv.SetProviderDown("e2b", false)
			_, err := c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "echo hi"})
			return err
		}, theazo.ErrProviderError, theazo.CodeProviderError, 502},
		{"rate limited", func() error {
			limited := with(srv.RestrictedKey("*"))
			srv.SetRateLimit(1, time.Minute)
			defer srv.SetRateLimit(0, 0)
			if _, err := limited.Providers.ListPage(ctx, nil); err != nil {
				return err
			}
			_, err := limited.Providers.ListPage(ctx, nil) // Retry-After is beyond the client's cap: returned at once
			return err
		}, theazo.ErrRateLimited, theazo.CodeRateLimited, 429},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.sentinel)
			var apiErr *theazo.Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.NotEmpty(t, apiErr.Message)
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			assert.Equal(t, last.RequestID, apiErr.RequestID, "the request id of the reply")
			assert.Equal(t, tc.status, last.Status)
			assert.NotContains(t, err.Error(), srv.APIKey())
			if tc.status == 429 {
				assert.Greater(t, apiErr.RetryAfter, time.Second)
			}
			if tc.status == 422 {
				require.Len(t, apiErr.Fields, 1)
				assert.Equal(t, "compute.provider", apiErr.Fields[0].Field)
				assert.Contains(t, apiErr.Fields[0].Message, "'docker'")
			}
			if tc.status == 402 {
				assert.Equal(t, "maxAgents", apiErr.Details["limit"])
			}
		})
	}
}

// A session over its cost limit refuses more work with 402 until the period turns.
func TestE2ECostLimit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	_, a := agentFixture(t, c, &theazo.SessionLimits{MaxCost: &theazo.CostLimit{Amount: 10, Currency: "usd", Period: theazo.PeriodSession}})
	st, err := c.Agents.RunStream(ctx, a.ID, "expensive")
	require.NoError(t, err)
	collect(t, st.Events())
	waitIdle(t, c, a.ID)
	_, err = c.Agents.RunStream(ctx, a.ID, "more")
	assert.ErrorIs(t, err, theazo.ErrSessionLimitExceeded)
	_, err = c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "true"})
	assert.ErrorIs(t, err, theazo.ErrSessionLimitExceeded)

	// Compute minutes: the session pauses itself.
	s2, a2 := agentFixture(t, c, &theazo.SessionLimits{MaxComputeMinutes: 1})
	_, err = c.Agents.Exec(ctx, a2.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "true"})
	require.NoError(t, err)
	_, err = c.Agents.Exec(ctx, a2.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "true"})
	assert.ErrorIs(t, err, theazo.ErrSessionLimitExceeded)
	for s, err := range c.Sessions.List(ctx, nil) {
		require.NoError(t, err)
		if s.ID == s2.ID {
			assert.Equal(t, theazo.SessionStatusPaused, s.Status)
		}
	}
}

// One client shared by 50 goroutines for 600 calls: every result is the
// one its own call asked for.
func TestE2EConcurrentClient(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// A plain client: this test is about sharing one client, and checking
	// 600 replies against the document would only slow it down.
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	const workers, perWorker = 50, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			errs <- func() error {
				user := fmt.Sprintf("user_%02d", w)
				s, err := c.Sessions.GetOrCreate(ctx, user, &theazo.SessionGetOrCreateParams{Metadata: theazo.Metadata{"worker": w}})
				if err != nil {
					return err
				}
				if s.UserID != user {
					return fmt.Errorf("worker %d: got session of %q", w, s.UserID)
				}
				a, err := c.Agents.Create(ctx, s.ID, nil)
				if err != nil {
					return err
				}
				for i := range perWorker - 3 {
					want := w*1000 + i
					res, err := c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangPython, Code: fmt.Sprintf("print(%d * 1000 + %d)", w, i)})
					if err != nil {
						return err
					}
					if res.Stdout != strconv.Itoa(want)+"\n" {
						return fmt.Errorf("worker %d call %d: stdout %q, want %d", w, i, res.Stdout, want)
					}
				}
				got, err := c.Agents.Get(ctx, a.ID)
				if err != nil {
					return err
				}
				if got.SessionID != s.ID {
					return fmt.Errorf("worker %d: agent in session %s, want %s", w, got.SessionID, s.ID)
				}
				return nil
			}()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	reqs := srv.Requests()
	assert.Len(t, reqs, workers*perWorker)
	for _, r := range reqs {
		if r.Status != 200 && r.Status != 201 {
			t.Fatalf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
	}
	var sessions int
	for s, err := range c.Sessions.List(ctx, &theazo.SessionListParams{Limit: 7}) {
		require.NoError(t, err)
		assert.Equal(t, int64((perWorker-3)*2), s.Cost.Amount, "every exec minute charged to the right session")
		sessions++
	}
	assert.Equal(t, workers, sessions)
}

// Against the fake: one List value ranged twice, and from several
// goroutines at once, yields the whole list each time, and a list starting
// from a cursor yields what follows it.
func TestE2EListRangedAgainAndConcurrently(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	var want []string
	for i := range 7 {
		s, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: fmt.Sprintf("user_%d", i)})
		require.NoError(t, err)
		want = append(want, s.ID)
	}
	ids := func(seq func(func(*theazo.Session, error) bool)) []string {
		var out []string
		for s, err := range seq {
			require.NoError(t, err)
			out = append(out, s.ID)
		}
		return out
	}

	seq := c.Sessions.List(ctx, &theazo.SessionListParams{Limit: 2})
	assert.Equal(t, want, ids(seq))
	assert.Equal(t, want, ids(seq), "a second range starts over")

	var wg sync.WaitGroup
	got := make([][]string, 4)
	for g := range got {
		wg.Go(func() { got[g] = ids(seq) })
	}
	wg.Wait()
	for _, g := range got {
		assert.Equal(t, want, g)
	}

	first, err := c.Sessions.ListPage(ctx, &theazo.SessionListParams{Limit: 3})
	require.NoError(t, err)
	rest := c.Sessions.List(ctx, &theazo.SessionListParams{Limit: 2, Cursor: first.NextCursor})
	assert.Equal(t, want[3:], ids(rest))
	assert.Equal(t, want[3:], ids(rest), "each range starts from the params' cursor")
}

// The fake's replies are checked against testdata/openapi.yaml, the wire
// format as the contract suite describes it: every JSON reply an end-to-end
// test receives must match the schema of its operation and status. The fake
// and the document are written independently from the reference, so a
// mismatch points at one of them.

// openAPI is the parsed document.
type openAPI struct {
	doc   map[string]any
	paths []pathTemplate
}

type pathTemplate struct {
	template string
	segs     []string // "{…}" for a parameter
	ops      map[string]any
}

var loadOpenAPI = sync.OnceValues(func() (*openAPI, error) {
	b, err := os.ReadFile("testdata/openapi.yaml")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	o := &openAPI{doc: doc}
	paths, _ := doc["paths"].(map[string]any)
	for tpl, ops := range paths {
		m, _ := ops.(map[string]any)
		o.paths = append(o.paths, pathTemplate{template: tpl, segs: strings.Split(strings.Trim(tpl, "/"), "/"), ops: m})
	}
	sort.Slice(o.paths, func(i, j int) bool { return o.paths[i].template < o.paths[j].template })
	return o, nil
})

// operation returns the operation of method and path (escaped, as sent):
// of the templates that match, the one with the most literal segments.
func (o *openAPI) operation(method, path string) (string, map[string]any) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestLiterals := "", -1
	var bestOp map[string]any
	for _, p := range o.paths {
		if len(p.segs) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for i, s := range p.segs {
			switch {
			case strings.HasPrefix(s, "{"):
			case s == segs[i]:
				literals++
			default:
				ok = false
			}
		}
		op, _ := p.ops[strings.ToLower(method)].(map[string]any)
		if ok && op != nil && literals > bestLiterals {
			best, bestLiterals, bestOp = p.template, literals, op
		}
	}
	return best, bestOp
}

// resolve follows a local $ref.
func (o *openAPI) resolve(ref string) map[string]any {
	var v any = o.doc
	for _, k := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}

// responseSchema returns the JSON schema of an operation's reply with
// status: the status's own; for an error status, else "default". A success
// status must be documented as such.
func (o *openAPI) responseSchema(op map[string]any, status int) (map[string]any, bool) {
	responses, _ := op["responses"].(map[string]any)
	r, ok := responses[strconv.Itoa(status)].(map[string]any)
	if !ok && status/100 != 2 {
		r, ok = responses["default"].(map[string]any)
	}
	if !ok {
		return nil, false
	}
	if ref, isRef := r["$ref"].(string); isRef {
		r = o.resolve(ref)
	}
	content, _ := r["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	schema, ok := media["schema"].(map[string]any)
	return schema, ok
}

// validate reports where v does not match schema s, for the subset of JSON
// Schema the document uses.
func (o *openAPI) validate(s map[string]any, v any, at string, out *[]string) {
	if ref, ok := s["$ref"].(string); ok {
		o.validate(o.resolve(ref), v, at, out)
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			o.validate(sub.(map[string]any), v, at, out)
		}
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		var first []string
		matched := false
		for i, sub := range anyOf {
			var probs []string
			o.validate(sub.(map[string]any), v, at, &probs)
			if len(probs) == 0 {
				matched = true
				break
			}
			if i == 0 {
				first = probs
			}
		}
		if !matched {
			*out = append(*out, fmt.Sprintf("%s: matches none of anyOf (first: %v)", at, first))
		}
	}
	if c, ok := s["const"]; ok && !sameJSON(c, v) {
		*out = append(*out, fmt.Sprintf("%s: %v is not the constant %v", at, v, c))
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return sameJSON(e, v) }) {
		*out = append(*out, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	if t, ok := s["type"]; ok && !hasType(t, v) {
		*out = append(*out, fmt.Sprintf("%s: %s is not of type %v", at, describe(v), t))
		return
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				*out = append(*out, fmt.Sprintf("%s: required field %q is missing", at, r))
			}
		}
		for k, fv := range x {
			if ps, ok := props[k].(map[string]any); ok {
				o.validate(ps, fv, at+"."+k, out)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					*out = append(*out, fmt.Sprintf("%s: field %q is not in the schema", at, k))
				}
			case map[string]any:
				o.validate(ap, fv, at+"."+k, out)
			}
		}
	case []any:
		if n, ok := s["minItems"].(int); ok && len(x) < n {
			*out = append(*out, fmt.Sprintf("%s: %d items, fewer than %d", at, len(x), n))
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, item := range x {
				o.validate(items, item, fmt.Sprintf("%s[%d]", at, i), out)
			}
		}
	case string:
		if n, ok := s["minLength"].(int); ok && len([]rune(x)) < n {
			*out = append(*out, fmt.Sprintf("%s: %q is shorter than %d", at, x, n))
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			*out = append(*out, fmt.Sprintf("%s: %q does not match %s", at, x, p))
		}
		if !formatOK(s["format"], x) {
			*out = append(*out, fmt.Sprintf("%s: %q is not a %v", at, x, s["format"]))
		}
	case float64:
		if m, ok := toFloat(s["minimum"]); ok && x < m {
			*out = append(*out, fmt.Sprintf("%s: %v is below %v", at, x, m))
		}
		if m, ok := toFloat(s["maximum"]); ok && x > m {
			*out = append(*out, fmt.Sprintf("%s: %v is above %v", at, x, m))
		}
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func sameJSON(a, b any) bool {
	if fa, ok := toFloat(a); ok {
		fb, ok := b.(float64)
		return ok && fa == fb
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func hasType(t, v any) bool {
	types := []any{t}
	if l, ok := t.([]any); ok {
		types = l
	}
	for _, t := range types {
		switch t {
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == math.Trunc(f) {
				return true
			}
		case "null":
			if v == nil {
				return true
			}
		}
	}
	return false
}

func describe(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		b = append(b[:60], "…"...)
	}
	return string(b)
}

func formatOK(format any, s string) bool {
	switch format {
	case "date-time":
		_, err := time.Parse(time.RFC3339, s)
		return err == nil
	case "date":
		_, err := time.Parse(time.DateOnly, s)
		return err == nil
	case "uri":
		u, err := url.Parse(s)
		return err == nil && u.Scheme != "" && u.Host != ""
	}
	return true
}

// wireChecker is a RoundTripper that checks each JSON reply against the
// document and keeps what does not match.
type wireChecker struct {
	base http.RoundTripper
	spec *openAPI

	mu       sync.Mutex
	problems []string
}

func (w *wireChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" {
		return resp, nil // streams are read by the test, not here
	}
	body, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr != nil {
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{readErr}))
		return resp, nil // a fault cut the body short; the SDK sees that
	}
	w.check(req.Method, req.URL.EscapedPath(), resp, body)
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (w *wireChecker) check(method, path string, resp *http.Response, body []byte) {
	var probs []string
	tpl, op := w.spec.operation(method, path)
	switch {
	case op == nil:
		probs = append(probs, "no operation in the document")
	case resp.Header.Get("X-Request-Id") == "":
		probs = append(probs, "no X-Request-Id header")
	}
	if op != nil {
		if schema, ok := w.spec.responseSchema(op, resp.StatusCode); !ok {
			probs = append(probs, fmt.Sprintf("status %d is not documented", resp.StatusCode))
		} else {
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				probs = append(probs, "reply is not JSON: "+err.Error())
			} else {
				w.spec.validate(schema, v, "body", &probs)
				// A test that asks the fake for a wait under a second gets a
				// fractional retryAfter, outside the document's integer
				// seconds, so that it need not wait a whole second.
				probs = slices.DeleteFunc(probs, func(p string) bool {
					return strings.HasPrefix(p, "body.error.details.retryAfter: 0.") && strings.HasSuffix(p, "is not of type integer")
				})
			}
		}
	}
	if len(probs) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range probs {
		w.problems = append(w.problems, fmt.Sprintf("%s %s (%s) → %d: %s", method, path, tpl, resp.StatusCode, p))
	}
}

// checkWire wraps the server's client transport in a wireChecker and
// fails t at its end if a reply did not match the document.
func checkWire(t *testing.T, srv *theazotest.Server) *http.Client {
	t.Helper()
	spec, err := loadOpenAPI()
	require.NoError(t, err)
	w := &wireChecker{base: srv.HTTPClient().Transport, spec: spec}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, p := range w.problems {
			t.Errorf("reply does not match testdata/openapi.yaml: %s", p)
		}
	})
	return &http.Client{Transport: w}
}

// Every operation of the document is served by the fake.
func TestE2EFakeServesEveryOperation(t *testing.T) {
	t.Parallel()
	spec, err := loadOpenAPI()
	require.NoError(t, err)
	srv := theazotest.NewServer()
	defer srv.Close()
	n := 0
	for _, p := range spec.paths {
		for method := range p.ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
			default:
				continue
			}
			n++
			path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(p.template, "x")
			req, err := http.NewRequest(strings.ToUpper(method), srv.URL()+strings.TrimPrefix(path, "/v1"), nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+srv.APIKey())
			resp, err := srv.HTTPClient().Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.NotContains(t, string(body), `"No route`, "%s %s", method, p.template)
		}
	}
	assert.Equal(t, 56, n, "operations in the document")
}

// The checker itself finds mismatches: a missing required field, a wrong
// type, a bad timestamp, an unknown field in a closed object, an enum miss.
func TestE2EWireCheckerFindsMismatches(t *testing.T) {
	t.Parallel()
	spec, err := loadOpenAPI()
	require.NoError(t, err)
	check := func(method, path string, status int, body string) []string {
		_, op := spec.operation(method, path)
		require.NotNil(t, op, path)
		schema, ok := spec.responseSchema(op, status)
		require.True(t, ok)
		var v any
		require.NoError(t, json.Unmarshal([]byte(body), &v))
		var probs []string
		spec.validate(schema, v, "body", &probs)
		return probs
	}
	assert.Empty(t, check("POST", "/v1/sessions", 201, `{"id":"ses_1","userId":"u","status":"active","cost":{"amount":0,"currency":"usd"},"createdAt":"2025-05-01T09:30:00Z"}`))
	probs := check("POST", "/v1/sessions", 201, `{"id":"ses_1","cost":{"amount":"12","currency":"usd"},"createdAt":"yesterday"}`)
	assert.Len(t, probs, 3, "%v", probs)
	assert.Contains(t, strings.Join(probs, "\n"), `"userId" is missing`)
	probs = check("GET", "/v1/agents/agt_1", 200, `{"id":"agt_1","sessionId":"s","status":"idle","createdAt":"2025-05-01T09:30:00Z","compute":{"provider":"aws","region":"x"}}`)
	assert.Len(t, probs, 2, "%v", probs)
	_, op := spec.operation("POST", "/v1/sessions")
	_, documented := spec.responseSchema(op, http.StatusOK)
	assert.False(t, documented, "a success status the document does not list is a mismatch")
	probs = check("GET", "/v1/sessions", 429, `{"error":{"code":"rate_limited","message":"m","requestId":"req_1","details":{"retryAfter":"2"}}}`)
	assert.NotEmpty(t, probs)
	_, op = spec.operation("POST", "/v1/sessions/by-user/agents")
	assert.Equal(t, "getOrCreateSession", op["operationId"], "the literal segment wins")
}

// End-to-end tests of the wire details the reference settles: date-only
// and exact ranges, lists that page, any JSON credentials, agents from
// definitions, step statuses, clearing instructions and the cron grammar,
// against theazotest.

// manualClock is a theazotest clock the test moves.
type manualClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *manualClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func (c *manualClock) Set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// execAt records one exec's cost (2 cents) at t.
func execAt(t *testing.T, c *theazo.Client, clock *manualClock, agentID string, at time.Time) {
	t.Helper()
	clock.Set(at)
	_, err := c.Agents.Exec(t.Context(), agentID, &theazo.AgentExecParams{Lang: theazo.LangPython, Code: "print(1)"})
	require.NoError(t, err)
}

// newExecAgent returns an agent to record costs with.
func newExecAgent(t *testing.T, c *theazo.Client) string {
	t.Helper()
	s, err := c.Sessions.GetOrCreate(t.Context(), "user_123", nil)
	require.NoError(t, err)
	a, err := c.Agents.Create(t.Context(), s.ID, nil)
	require.NoError(t, err)
	return a.ID
}

// TestE2EDailyReferenceExample is the reference's daily report:
// from=2025-05-01 until=2025-05-07 as dates is seven days, the last one
// included; the same until as an instant (midnight) is six.
func TestE2EDailyReferenceExample(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := &manualClock{now: time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)}
	srv, c := newE2E(t, theazotest.WithClock(clock.Now))
	agentID := newExecAgent(t, c)
	for day := 1; day <= 8; day++ {
		execAt(t, c, clock, agentID, time.Date(2025, 5, day, 15, 0, 0, 0, time.UTC))
	}
	srv.ResetRequests()

	daily := collect(t, c.Billing.Daily(ctx, &theazo.BillingDailyParams{From: theazo.NewDate(2025, 5, 1), Until: theazo.NewDate(2025, 5, 7)}))
	require.Len(t, daily, 7)
	for i, d := range daily {
		assert.Equal(t, theazo.NewDate(2025, 5, 1+i), d.Date)
		assert.Equal(t, theazo.Money{Amount: 2, Currency: "usd"}, d.Cost, d.Date.String())
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "from=2025-05-01&until=2025-05-07", reqs[0].Query.Encode(), "date-only, as the reference sends them")

	asInstant := collect(t, c.Billing.Daily(ctx, &theazo.BillingDailyParams{
		From: theazo.NewDate(2025, 5, 1), Until: theazo.Instant(time.Date(2025, 5, 7, 0, 0, 0, 0, time.UTC)),
	}))
	assert.Len(t, asInstant, 6, "an instant ends the range at that instant")

	// The other reports read a date until as the whole day too.
	bu, err := c.Billing.Usage(ctx, &theazo.BillingUsageParams{From: theazo.NewDate(2025, 5, 1), Until: theazo.NewDate(2025, 5, 7)})
	require.NoError(t, err)
	assert.Equal(t, int64(14), bu.TotalCost.Amount)
	sum, err := c.Usage.Summary(ctx, &theazo.UsageSummaryParams{From: theazo.NewDate(2025, 5, 7), Until: theazo.NewDate(2025, 5, 7)})
	require.NoError(t, err)
	assert.Equal(t, int64(2), sum.Total.Amount, "one day: from its midnight through its end")
	assert.Equal(t, time.Date(2025, 5, 7, 0, 0, 0, 0, time.UTC), sum.Period.From)
}

// TestE2ESubSecondUntil: a cost recorded in the last second before the
// caller's until is counted; nothing is cut to the second.
func TestE2ESubSecondUntil(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := &manualClock{now: time.Date(2025, 5, 6, 14, 0, 0, 0, time.UTC)}
	srv, c := newE2E(t, theazotest.WithClock(clock.Now))
	agentID := newExecAgent(t, c)
	recorded := time.Date(2025, 5, 6, 14, 0, 0, 500_000_000, time.UTC)
	execAt(t, c, clock, agentID, recorded)
	from := theazo.NewDate(2025, 5, 6)

	for _, tc := range []struct {
		name  string
		until time.Time
		want  int64
	}{
		{"until after the cost, in the same second", recorded.Add(200 * time.Millisecond), 2},
		{"until one nanosecond after the cost", recorded.Add(time.Nanosecond), 2},
		{"until at the cost: the range ends before it", recorded, 0},
		{"until before the cost, in the same second", recorded.Add(-300 * time.Millisecond), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv.ResetRequests()
			u, err := c.Billing.Usage(ctx, &theazo.BillingUsageParams{From: from, Until: theazo.Instant(tc.until)})
			require.NoError(t, err)
			assert.Equal(t, tc.want, u.TotalCost.Amount)
			s, err := c.Usage.Summary(ctx, &theazo.UsageSummaryParams{From: from, Until: theazo.Instant(tc.until)})
			require.NoError(t, err)
			assert.Equal(t, tc.want, s.Total.Amount)
			for _, r := range srv.Requests() {
				assert.Equal(t, tc.until.Format(time.RFC3339Nano), r.Query.Get("until"), "sent exactly")
			}
		})
	}
}

// TestE2EReportsAndListsPage: the billing reports, providers and secrets
// follow nextCursor through theazotest's pages, and ListPage gives one.
func TestE2EReportsAndListsPage(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clock := &manualClock{now: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	srv, c := newE2E(t, theazotest.WithClock(clock.Now))
	clock.Set(time.Date(2025, 5, 8, 9, 0, 0, 0, time.UTC))

	// 68 days: three pages of the daily report.
	srv.ResetRequests()
	daily := collect(t, c.Billing.Daily(ctx, &theazo.BillingDailyParams{From: theazo.NewDate(2025, 3, 1), Until: theazo.NewDate(2025, 5, 7)}))
	require.Len(t, daily, 68)
	assert.Equal(t, theazo.NewDate(2025, 5, 7), daily[67].Date)
	assert.Len(t, srv.Requests(), 3)
	first, err := c.Billing.DailyPage(ctx, &theazo.BillingDailyParams{From: theazo.NewDate(2025, 3, 1), Until: theazo.NewDate(2025, 5, 7)})
	require.NoError(t, err)
	assert.Len(t, first.Data, 31)
	assert.True(t, first.HasMore)
	assert.NotEmpty(t, first.NextCursor)

	// Two users with costs, one per page.
	for _, user := range []string{"alice", "bob"} {
		s, err := c.Sessions.GetOrCreate(ctx, user, nil)
		require.NoError(t, err)
		a, err := c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{Model: &theazo.AgentModel{ID: "m-" + user}})
		require.NoError(t, err)
		st, err := c.Agents.RunStream(ctx, a.ID, "task")
		require.NoError(t, err)
		collect(t, st.Events())
		waitIdle(t, c, a.ID)
	}
	users := collect(t, c.Billing.Users(ctx, &theazo.BillingUsersParams{Limit: 1}))
	require.Len(t, users, 2)
	assert.ElementsMatch(t, []string{"alice", "bob"}, []string{users[0].UserID, users[1].UserID})
	page, err := c.Billing.UsersPage(ctx, &theazo.BillingUsersParams{Limit: 1})
	require.NoError(t, err)
	assert.Len(t, page.Data, 1)
	assert.True(t, page.HasMore)
	models := collect(t, c.Billing.Models(ctx, nil))
	assert.Len(t, models, 2)

	// 25 secrets, 5 of them scoped to a session: two pages of 20.
	s, err := c.Sessions.GetOrCreate(ctx, "alice", nil)
	require.NoError(t, err)
	for i := range 25 {
		p := &theazo.SecretSetParams{Name: fmt.Sprintf("S_%02d", i), Value: "v"}
		if i >= 20 {
			p.SessionID = s.ID
		}
		_, err := c.Secrets.Set(ctx, p)
		require.NoError(t, err)
	}
	all := collect(t, c.Secrets.List(ctx, nil))
	require.Len(t, all, 25, "without a session: every secret, both scopes")
	assert.Equal(t, theazo.SecretScopeOrg, all[0].Scope)
	assert.Equal(t, s.ID, all[24].Scope)
	scoped := collect(t, c.Secrets.List(ctx, &theazo.SecretListParams{SessionID: s.ID}))
	assert.Len(t, scoped, 5)
	sp, err := c.Secrets.ListPage(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, sp.Data, 20)
	assert.True(t, sp.HasMore)

	providers := collect(t, c.Providers.List(ctx, nil))
	assert.Empty(t, providers)
	pp, err := c.Providers.ListPage(ctx, nil)
	require.NoError(t, err)
	assert.False(t, pp.HasMore)
}

// TestE2ENestedCredentials: theazotest takes any JSON object as
// credentials, as the reference's "provider-specific credentials" allow.
func TestE2ENestedCredentials(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := newE2E(t)
	p, err := c.Providers.Create(ctx, &theazo.ProviderCreateParams{Provider: theazo.ProviderWebhook, Credentials: theazo.Credentials{
		"url":       "https://compute.example.com/hook",
		"headers":   map[string]any{"X-Token": "tok_nested_secret"},
		"timeoutMs": 5000,
	}})
	require.NoError(t, err)
	assert.Equal(t, theazo.ProviderWebhook, p.Provider)
	list := collect(t, c.Providers.List(ctx, nil))
	require.Len(t, list, 1)

	_, err = c.Providers.Create(ctx, &theazo.ProviderCreateParams{Provider: theazo.ProviderFly, Credentials: theazo.Credentials{"token": nil}})
	require.NoError(t, err, "a null member is still an object")
	reqs := srv.Requests()
	require.NotEmpty(t, reqs)
	assert.Contains(t, string(reqs[0].Body), `"headers":{"X-Token":"tok_nested_secret"}`)
}

// TestE2EAgentFromDefinition: an agent created from a definition takes
// its configuration where the request leaves fields out; an unknown
// definition is 404 and an archived one 409.
func TestE2EAgentFromDefinition(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	d, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{
		Name: "Research", Instructions: "Cite sources.", Tools: []string{"web_search"},
		Model: &theazo.DefinitionModel{ID: "m-research"}, Compute: &theazo.DefinitionCompute{Provider: theazo.ComputeFly, TimeoutSeconds: 90},
	})
	require.NoError(t, err)
	s, err := c.Sessions.GetOrCreate(ctx, "u", nil)
	require.NoError(t, err)

	a, err := c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{DefinitionID: d.ID})
	require.NoError(t, err)
	assert.Equal(t, d.ID, a.DefinitionID)
	assert.Equal(t, "Cite sources.", a.Instructions)
	assert.Equal(t, []string{"web_search"}, a.Tools)
	require.NotNil(t, a.Model)
	assert.Equal(t, "m-research", a.Model.ID)
	require.NotNil(t, a.Compute)
	assert.Equal(t, theazo.ComputeFly, a.Compute.Provider)
	assert.Equal(t, 90, a.TimeoutSeconds)

	own, err := c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{DefinitionID: d.ID, Instructions: "Be brief.", TimeoutSeconds: 30})
	require.NoError(t, err)
	assert.Equal(t, "Be brief.", own.Instructions, "the request's fields win")
	assert.Equal(t, 30, own.TimeoutSeconds)
	assert.Equal(t, []string{"web_search"}, own.Tools)

	_, err = c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{DefinitionID: "adef_missing"})
	assert.ErrorIs(t, err, theazo.ErrNotFound)
	require.NoError(t, c.Definitions.Archive(ctx, d.ID))
	_, err = c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{DefinitionID: d.ID})
	assert.ErrorIs(t, err, theazo.ErrConflict, "an archived definition cannot create agents")
}

// TestE2EClearInstructions: Definitions.Update sends an empty
// instructions string when asked, and theazotest clears them.
func TestE2EClearInstructions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	d, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "n", Instructions: "Old.", Tools: []string{"web_search"}})
	require.NoError(t, err)
	u, err := c.Definitions.Update(ctx, d.ID, &theazo.DefinitionUpdateParams{Tools: []string{"http_request"}})
	require.NoError(t, err)
	assert.Equal(t, "Old.", u.Instructions, "nil keeps them")
	u, err = c.Definitions.Update(ctx, d.ID, &theazo.DefinitionUpdateParams{Instructions: theazo.Ptr("")})
	require.NoError(t, err)
	assert.Empty(t, u.Instructions)
	assert.Equal(t, 3, u.Version)
	got, err := c.Definitions.Get(ctx, d.ID)
	require.NoError(t, err)
	assert.Empty(t, got.Instructions)
	assert.Equal(t, []string{"http_request"}, got.Tools)
}

// TestE2EStepEventsCarryStatus: a workflow run's step events say the
// step's status.
func TestE2EStepEventsCarryStatus(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	def := definition(t, c)
	w, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "w", Steps: []theazo.WorkflowStep{{Name: "scrape", DefinitionID: def, Task: "t"}}})
	require.NoError(t, err)
	run, err := c.Workflows.Run(ctx, w.ID, nil)
	require.NoError(t, err)
	st, err := c.Workflows.Attach(ctx, run.ID)
	require.NoError(t, err)
	evs := collect(t, st.Events())
	require.Len(t, evs, 3)
	assert.EqualExportedValues(t, &theazo.StepStartEvent{Step: "scrape", Index: 0, Status: theazo.WorkflowStepStatusRunning}, evs[0])
	done, ok := evs[1].(*theazo.StepCompleteEvent)
	require.True(t, ok)
	assert.Equal(t, theazo.WorkflowStepStatusCompleted, done.Status)
}

// TestE2ECronGrammar: the expressions ValidateCron accepts, theazotest
// accepts too, with the meaning of standard cron; what it refuses never
// reaches the server.
func TestE2ECronGrammar(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC) // a Thursday
	srv, c := newE2E(t, theazotest.WithClock(func() time.Time { return now }))
	action := theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{Task: "t"}}
	for _, tc := range []struct {
		cron string
		next time.Time
	}{
		{"0 9 * * MON-FRI", time.Date(2025, 5, 2, 9, 0, 0, 0, time.UTC)},
		{"0 0 * * 7", time.Date(2025, 5, 4, 0, 0, 0, 0, time.UTC)},
		{"50/5 12 * * *", time.Date(2025, 5, 1, 12, 50, 0, 0, time.UTC)},
		{"0 0 1 jan,Jul *", time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)},
		{"0 12 * * sun-tue/2", time.Date(2025, 5, 4, 12, 0, 0, 0, time.UTC)},
	} {
		t.Run(tc.cron, func(t *testing.T) {
			require.NoError(t, theazo.ValidateCron(tc.cron))
			sc, err := c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "n", Cron: tc.cron, Action: action})
			require.NoError(t, err)
			assert.Equal(t, tc.next, sc.NextRunAt)
		})
	}
	srv.ResetRequests()
	_, err := c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "n", Cron: "0 9 * * MON-FRX", Action: action})
	var ce *theazo.CronError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, "day-of-week", ce.Field)
	assert.Empty(t, srv.Requests(), "refused locally")
}
