package theazo_test

// End-to-end tests of the wire details the reference settles: date-only
// and exact ranges, lists that page, any JSON credentials, agents from
// definitions, step statuses, clearing instructions and the cron grammar,
// against theazotest.

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

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
