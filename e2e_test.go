package theazo_test

// End-to-end tests: the SDK against theazotest, the in-process fake API,
// over real HTTP. The fake models the wire with its own types, so these
// tests catch encoding mistakes that tests against canned replies cannot.

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// main_test.go's TestMain checks these tests for leaked goroutines too.

// newE2E starts a fake server and returns it with a client whose retry
// waits are capped at a second, so that tests stay fast, and whose every
// JSON reply is checked against testdata/openapi.yaml (e2e_openapi_test.go).
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
