package theazotest_test

import (
	"encoding/json"
	"io"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/theazotest"
)

func TestFaults(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	t.Run("status with Retry-After, twice", func(t *testing.T) {
		a.srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/sessions", Times: 2, Status: 429, RetryAfter: 2 * time.Second})
		for range 2 {
			r := a.must(429, "GET", "/sessions", nil)
			assert.Equal(t, "rate_limited", r.str("error.code"))
			assert.Equal(t, "2", r.header.Get("Retry-After"))
			assert.Equal(t, 2.0, r.num("error.details.retryAfter"))
		}
		a.must(200, "GET", "/sessions", nil)
	})
	t.Run("status without Retry-After, other routes unaffected", func(t *testing.T) {
		a.srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/agents/*/run", Status: 503})
		a.must(200, "GET", "/providers", nil)
		r := a.must(503, "POST", "/agents/agt_1/run", map[string]any{"task": "t"})
		assert.Empty(t, r.header.Get("Retry-After"))
		assert.Equal(t, "service_unavailable", r.str("error.code"))
		a.must(404, "POST", "/agents/agt_1/run", map[string]any{"task": "t"})
	})
	t.Run("sub-second Retry-After", func(t *testing.T) {
		a.srv.InjectFault(theazotest.Fault{Status: 429, RetryAfter: 150 * time.Millisecond})
		assert.Equal(t, "0.15", a.must(429, "GET", "/providers", nil).header.Get("Retry-After"))
	})
	t.Run("disconnect", func(t *testing.T) {
		// (A POST: net/http itself repeats a GET whose reused connection closed.)
		a.srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/secrets", Disconnect: true})
		_, err := a.srv.HTTPClient().Do(a.req("POST", "/secrets", map[string]any{"name": "N", "value": "v"}))
		require.Error(t, err)
		assert.Empty(t, a.must(200, "GET", "/secrets", nil).list(), "not handled")
	})
	t.Run("hang up mid-body", func(t *testing.T) {
		a.srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/sessions", HangUp: true})
		resp, err := a.srv.HTTPClient().Do(a.req("POST", "/sessions", map[string]any{"userId": "hung"}))
		require.NoError(t, err)
		assert.Equal(t, 201, resp.StatusCode)
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
		// The request was handled: the session exists.
		assert.Len(t, a.must(200, "GET", "/sessions", nil).list(), 1)
	})
	t.Run("delay", func(t *testing.T) {
		// On synctest's clock, in memory: the delay is exact and takes no
		// real time.
		synctest.Test(t, func(t *testing.T) {
			a := newAPI(t, theazotest.WithInMemory())
			a.srv.InjectFault(theazotest.Fault{Path: "/providers", Delay: 100 * time.Millisecond})
			start := time.Now()
			a.must(200, "GET", "/providers", nil)
			assert.Equal(t, 100*time.Millisecond, time.Since(start))
		})
	})
	t.Run("unlimited until cleared", func(t *testing.T) {
		a.srv.InjectFault(theazotest.Fault{Path: "/providers", Times: -1, Status: 500})
		for range 3 {
			assert.Equal(t, "internal_error", a.must(500, "GET", "/providers", nil).str("error.code"))
		}
		a.srv.ClearFaults()
		a.must(200, "GET", "/providers", nil)
	})
	t.Run("stream hang up", func(t *testing.T) {
		ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "s"}).str("id")
		id := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
		a.srv.InjectFault(theazotest.Fault{Path: "/agents/*/stream", HangUp: true})
		assert.Empty(t, a.open("/agents/"+id+"/stream").rest())
	})
}

// TestRateLimit runs on synctest's clock, in memory: the window's waits
// take no real time and are exact.
func TestRateLimit(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := newAPI(t, theazotest.WithInMemory(), theazotest.WithRateLimitWindow(3, time.Second))
		a.must(200, "GET", "/providers", nil)
		time.Sleep(10 * time.Millisecond) // so the window has 990 ms left, not a whole second
		for range 2 {
			a.must(200, "GET", "/providers", nil)
		}
		r := a.must(429, "GET", "/providers", nil)
		assert.Equal(t, "rate_limited", r.str("error.code"))
		wait, err := time.ParseDuration(r.header.Get("Retry-After") + "s")
		require.NoError(t, err)
		assert.Equal(t, time.Second, wait, "990 ms left, rounded up to whole seconds")
		assert.Equal(t, wait.Seconds(), r.num("error.details.retryAfter"))

		// Per key: another key has its own window; public calls are not counted.
		other := a.srv.RestrictedKey("*")
		a.as(other).must(200, "GET", "/providers", nil)
		ch := a.as(other).must(201, "POST", "/channels", map[string]any{"name": "c"}).str("id")
		for range 5 {
			a.as("").must(200, "GET", "/channels/"+ch+"/messages", nil)
		}

		time.Sleep(wait - 20*time.Millisecond) // on the bubble's clock
		a.must(429, "GET", "/providers", nil)  // the first request is still in the window
		time.Sleep(20 * time.Millisecond)
		a.must(200, "GET", "/providers", nil)

		// Per minute, like the plans: whole seconds.
		b := newAPI(t, theazotest.WithInMemory(), theazotest.WithRateLimit(2))
		b.must(200, "GET", "/providers", nil)
		b.must(200, "GET", "/providers", nil)
		r = b.must(429, "GET", "/providers", nil)
		assert.Regexp(t, `^[1-9][0-9]*$`, r.header.Get("Retry-After"))
		b.srv.SetRateLimit(0, 0)
		b.must(200, "GET", "/providers", nil)
	})
}

func TestRequests(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.must(201, "POST", "/sessions?x=1", map[string]any{"userId": "u"}, "X-Custom", "yes")
	a.as("").must(401, "GET", "/sessions", nil)
	reqs := a.srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "POST", reqs[0].Method)
	assert.Equal(t, "/v1/sessions", reqs[0].Path)
	assert.Equal(t, "1", reqs[0].Query.Get("x"))
	assert.JSONEq(t, `{"userId":"u"}`, string(reqs[0].Body))
	assert.Equal(t, "Bearer th_test_[redacted]", reqs[0].Header.Get("Authorization"))
	assert.NotContains(t, reqs[0].Header.Get("Authorization"), a.key)
	assert.Equal(t, "yes", reqs[0].Header.Get("X-Custom"))
	assert.Equal(t, 201, reqs[0].Status)
	assert.Regexp(t, `^req_`, reqs[0].RequestID)
	assert.Equal(t, 401, reqs[1].Status)
	reqs[0].Header.Set("X-Custom", "changed")
	assert.Equal(t, "yes", a.srv.Requests()[0].Header.Get("X-Custom"), "a copy")
	a.srv.ResetRequests()
	assert.Empty(t, a.srv.Requests())
}

// workflowFixture makes a definition and a three-step workflow: fetch,
// then summarize and (only with input.notify) notify.
func workflowFixture(a *api) string {
	def := a.must(201, "POST", "/agent-definitions", map[string]any{"name": "d", "model": map[string]any{"id": "m-wf"}}).str("id")
	return a.must(201, "POST", "/workflows", map[string]any{
		"name": "Digest", "description": "fetch and summarize", "metadata": map[string]any{"k": 1},
		"steps": []any{
			map[string]any{"name": "fetch", "definitionId": def, "task": "Fetch the page"},
			map[string]any{"name": "summarize", "definitionId": def, "task": "Summarize", "dependsOn": []string{"fetch"}},
			map[string]any{"name": "notify", "definitionId": def, "task": "Notify", "dependsOn": []string{"summarize"}, "condition": "input.notify"},
		}}).str("id")
}

func TestWorkflows(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	id := workflowFixture(a)
	w := a.must(200, "GET", "/workflows/"+id, nil)
	assert.Regexp(t, `^wf_`, id)
	assert.Equal(t, "Digest", w.str("name"))
	assert.Len(t, w.get("steps"), 3)

	est := a.must(200, "POST", "/workflows/"+id+"/estimate", map[string]any{"input": map[string]any{"notify": true}})
	assert.JSONEq(t, `{"steps":3,"estimatedMinutes":6,"estimatedCost":{"amount":90,"currency":"usd"},"confidence":"medium"}`, string(est.raw))
	assert.Equal(t, 2.0, a.must(200, "POST", "/workflows/"+id+"/estimate", nil).num("steps"))

	run := a.must(202, "POST", "/workflows/"+id+"/run", map[string]any{"input": map[string]any{"url": "https://example.com"}})
	runID := run.str("id")
	assert.Regexp(t, `^wfr_`, runID)
	assert.Equal(t, id, run.str("workflowId"))
	evs := a.open("/workflow-runs/" + runID + "/stream").rest()
	assert.Equal(t, []string{"step:start", "step:complete", "step:start", "step:complete", "workflow:complete"}, types(evs))
	assert.JSONEq(t, `{"step":"fetch","index":0,"status":"running"}`, evs[0].data)
	assert.JSONEq(t, `{"step":"summarize","index":1,"status":"completed","output":{"step":"summarize","result":"completed: Summarize"},"durationMs":100}`, evs[3].data)
	var done struct {
		Output map[string]any `json:"output"`
		Cost   struct{ Amount int64 }
	}
	require.NoError(t, json.Unmarshal([]byte(evs[4].data), &done))
	assert.Equal(t, int64(10), done.Cost.Amount)
	assert.Len(t, done.Output, 2)

	got := a.must(200, "GET", "/workflow-runs/"+runID, nil)
	assert.Equal(t, "completed", got.str("status"))
	assert.Equal(t, 10.0, got.num("cost.amount"))
	steps := got.get("steps").([]any)
	assert.Equal(t, "skipped", steps[2].(map[string]any)["status"])

	// A stream resumed after the last event has nothing more and ends.
	assert.Empty(t, a.open("/workflow-runs/"+runID+"/stream", "Last-Event-ID", "5").rest())
	// Replay from the middle.
	assert.Equal(t, []string{"step:complete", "workflow:complete"}, types(a.open("/workflow-runs/"+runID+"/stream", "Last-Event-ID", "3").rest()))

	upd := a.must(200, "PUT", "/workflows/"+id, map[string]any{"name": "Digest 2", "steps": w.get("steps")})
	assert.Equal(t, "Digest 2", upd.str("name"))
	assert.Equal(t, w.str("createdAt"), upd.str("createdAt"))
	a.must(422, "PUT", "/workflows/"+id, map[string]any{"name": "no steps"})
	assert.Len(t, a.must(200, "GET", "/workflows", nil).list(), 1)
	a.must(200, "DELETE", "/workflows/"+id, nil)
	a.must(404, "GET", "/workflows/"+id, nil)
	a.must(200, "GET", "/workflow-runs/"+runID, nil) // runs outlive their workflow
}

func TestWorkflowStepOutcomes(t *testing.T) {
	t.Parallel()
	a := newAPI(t, theazotest.WithWorkflowSteps(func(step theazotest.WorkflowStep, input json.RawMessage) theazotest.StepOutcome {
		if step.Name == "summarize" {
			return theazotest.StepOutcome{Error: "model overloaded", Cost: 7}
		}
		return theazotest.StepOutcome{Output: string(input), Cost: 1}
	}), theazotest.WithEventDelay(time.Millisecond))
	id := workflowFixture(a)
	runID := a.must(202, "POST", "/workflows/"+id+"/run", map[string]any{"input": map[string]any{"n": 1}}).str("id")
	evs := a.open("/workflow-runs/" + runID + "/stream").rest()
	assert.Equal(t, []string{"step:start", "step:complete", "step:start", "workflow:failed"}, types(evs))
	assert.JSONEq(t, `{"step":"fetch","index":0,"status":"completed","output":"{\"n\":1}","durationMs":0}`, evs[1].data)
	assert.JSONEq(t, `{"step":"summarize","message":"model overloaded","cost":{"amount":8,"currency":"usd"}}`, evs[3].data)
	got := a.must(200, "GET", "/workflow-runs/"+runID, nil)
	assert.Equal(t, "failed", got.str("status"))
	assert.Equal(t, "failed", got.get("steps").([]any)[1].(map[string]any)["status"])
	assert.Equal(t, "pending", got.get("steps").([]any)[2].(map[string]any)["status"])
}

// TestFleets runs on synctest's clock, in memory: the event delay of the
// cancelled fleet takes no real time.
func TestFleets(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := newAPI(t, theazotest.WithInMemory(), theazotest.WithFleetTasks(func(i int, task string) theazotest.TaskOutcome {
			if i == 1 {
				return theazotest.TaskOutcome{Error: "page not found", Cost: 2}
			}
			return theazotest.TaskOutcome{Output: "scraped " + task, Cost: 8}
		}))
		ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
		def := a.must(201, "POST", "/agent-definitions", map[string]any{"name": "d"}).str("id")
		f := a.must(201, "POST", "/fleets", map[string]any{"sessionId": ses, "definitionId": def,
			"instructions": "Scrape.", "tasks": []string{"p1", "p2", "p3"}, "concurrency": 2})
		id := f.str("id")
		assert.Regexp(t, `^flt_`, id)
		assert.Equal(t, "running", f.str("status"))
		assert.Equal(t, 2.0, f.num("concurrency"))

		evs := a.open("/fleets/" + id + "/stream").rest()
		require.Len(t, evs, 7)
		counts := map[string]int{}
		for _, ev := range evs[:6] {
			counts[ev.typ]++
		}
		assert.Equal(t, map[string]int{"agent:start": 3, "agent:complete": 2, "agent:failed": 1}, counts)
		assert.Equal(t, "fleet:complete", evs[6].typ)
		assert.JSONEq(t, `{"completed":2,"failed":1,"totalCost":{"amount":18,"currency":"usd"}}`, evs[6].data)
		var start struct {
			AgentID string `json:"agentId"`
		}
		require.NoError(t, json.Unmarshal([]byte(evs[0].data), &start))
		assert.Equal(t, "terminated", a.must(200, "GET", "/agents/"+start.AgentID, nil).str("status"))

		got := a.must(200, "GET", "/fleets/"+id, nil)
		assert.Equal(t, "completed", got.str("status"))
		assert.Equal(t, 18.0, got.num("totalCost.amount"))
		assert.Equal(t, "conflict", a.must(409, "POST", "/fleets/"+id+"/cancel", nil).str("error.code"))
		assert.Len(t, a.must(200, "GET", "/fleets", nil).list(), 1)

		// Cancelled while running: fleet:failed.
		b := newAPI(t, theazotest.WithInMemory(), theazotest.WithEventDelay(100*time.Millisecond)) // the cancel lands long before the end
		ses = b.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
		def = b.must(201, "POST", "/agent-definitions", map[string]any{"name": "d"}).str("id")
		id = b.must(201, "POST", "/fleets", map[string]any{"sessionId": ses, "definitionId": def, "tasks": []string{"a", "b", "c", "d"}, "concurrency": 1}).str("id")
		st := b.open("/fleets/" + id + "/stream")
		st.take(t, 1)
		assert.Equal(t, "cancelled", b.must(200, "POST", "/fleets/"+id+"/cancel", nil).str("status"))
		evs = st.rest()
		require.NotEmpty(t, evs)
		assert.Equal(t, "fleet:failed", evs[len(evs)-1].typ)
		assert.Contains(t, evs[len(evs)-1].data, "cancelled")
		assert.Equal(t, "cancelled", b.must(200, "GET", "/fleets/"+id, nil).str("status"))
	})
}

func TestBilling(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2025, 5, 1, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	setDay := func(d int) { mu.Lock(); now = time.Date(2025, 5, d, 9, 0, 0, 0, time.UTC); mu.Unlock() }
	a := newAPI(t, theazotest.WithClock(clock))

	run := func(agentID string) {
		a.must(202, "POST", "/agents/"+agentID+"/run", map[string]any{"task": "t"})
		eventually(t, func() bool { return a.must(200, "GET", "/agents/"+agentID, nil).str("status") == "idle" }, "run ends")
	}
	s1 := a.must(200, "POST", "/sessions/by-user/alice", nil).str("id")
	a1 := a.must(201, "POST", "/sessions/"+s1+"/agents", map[string]any{"model": map[string]any{"id": "gpt-4o"}}).str("id")
	run(a1)                                                                                       // 12: compute 2, model 10
	a.must(200, "POST", "/agents/"+a1+"/exec", map[string]any{"lang": "bash", "code": "echo hi"}) // compute 2
	setDay(2)
	s2 := a.must(200, "POST", "/sessions/by-user/bob", nil).str("id")
	a2 := a.must(201, "POST", "/sessions/"+s2+"/agents", nil).str("id")
	run(a2)
	run(a2)
	setDay(3)

	q := "?from=2025-05-01&until=2025-05-02"
	u := a.must(200, "GET", "/billing/usage"+q, nil)
	assert.Equal(t, 38.0, u.num("totalCost.amount"))
	assert.Equal(t, 4.0, u.num("computeMinutes"))
	assert.Equal(t, 6.0, u.num("modelCalls"), "each run: one call and one tool call")
	assert.Equal(t, 2.0, u.num("sessions"))
	assert.Equal(t, 2.0, u.num("agents"))
	assert.Equal(t, "2025-05-01T00:00:00Z", u.str("period.from"))
	assert.Equal(t, "2025-05-03T00:00:00Z", u.str("period.until"))

	daily := a.must(200, "GET", "/billing/usage/daily"+q, nil).list()
	require.Len(t, daily, 2)
	assert.Equal(t, "2025-05-01", daily[0]["date"])
	assert.Equal(t, 14.0, daily[0]["cost"].(map[string]any)["amount"])
	assert.Equal(t, 24.0, daily[1]["cost"].(map[string]any)["amount"])

	users := a.must(200, "GET", "/billing/usage/users"+q, nil).list()
	require.Len(t, users, 2)
	assert.Equal(t, "bob", users[0]["userId"], "most expensive first")
	assert.Equal(t, 24.0, users[0]["cost"].(map[string]any)["amount"])
	assert.Equal(t, 14.0, users[1]["cost"].(map[string]any)["amount"])
	assert.Equal(t, 1.0, users[1]["sessions"])
	assert.Equal(t, 1.0, users[1]["agents"])
	assert.Len(t, a.must(200, "GET", "/billing/usage/users"+q+"&limit=1", nil).list(), 1)

	models := a.must(200, "GET", "/billing/usage/models"+q, nil).list()
	require.Len(t, models, 2)
	assert.Equal(t, "claude-sonnet-4-20250514", models[0]["model"])
	assert.Equal(t, 20.0, models[0]["cost"].(map[string]any)["amount"])
	assert.Equal(t, 4.0, models[0]["calls"])
	assert.Equal(t, "gpt-4o", models[1]["model"])

	sum := a.must(200, "GET", "/usage/summary?from=2025-05-01T00:00:00Z", nil)
	assert.Equal(t, 4.0, sum.num("compute.minutes"))
	assert.Equal(t, 8.0, sum.num("compute.cost.amount"))
	assert.Equal(t, 30.0, sum.num("models.cost.amount"))
	assert.Equal(t, 38.0, sum.num("total.amount"))
	assert.Positive(t, sum.num("models.inputTokens"))
	assert.Contains(t, sum.body["storage"], "gb")

	// Only day 2.
	assert.Equal(t, 24.0, a.must(200, "GET", "/billing/usage?from=2025-05-02T00:00:00Z&until=2025-05-02T23:59:59Z", nil).num("totalCost.amount"))
	// Defaults: the current month, and 30 days for daily.
	assert.Equal(t, 38.0, a.must(200, "GET", "/billing/usage", nil).num("totalCost.amount"))
	assert.Len(t, a.must(200, "GET", "/billing/usage/daily", nil).list(), 31)
	a.must(422, "GET", "/billing/usage?from=2025-05-03&until=2025-05-01", nil)
}

func TestCloseEndsStreamsAndRuns(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer(theazotest.WithEventDelay(time.Hour))
	a := &api{t: t, srv: srv, key: srv.APIKey()}
	ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	id := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
	st := a.open("/agents/" + id + "/stream")
	a.must(202, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})
	done := make(chan struct{})
	go func() {
		defer close(done)
		st.rest()
	}()
	start := time.Now()
	srv.Close()
	<-done
	assert.Less(t, time.Since(start), 2*time.Second)
	_, err := srv.HTTPClient().Do(a.req("GET", "/sessions", nil))
	assert.Error(t, err, "closed")
}
