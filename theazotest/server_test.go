package theazotest_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/theazotest"
)

func TestServerBasics(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	assert.Regexp(t, `^http://127\.0\.0\.1:\d+/v1$`, a.srv.URL())
	assert.True(t, strings.HasPrefix(a.srv.APIKey(), "th_test_"))
	assert.Equal(t, a.srv.URL(), a.srv.Client().BaseURL())
	assert.True(t, a.srv.Client().IsTestMode())

	srv := theazotest.NewServer(theazotest.WithAPIKey("th_test_fixed"))
	defer srv.Close()
	assert.Equal(t, "th_test_fixed", srv.APIKey())
	srv.Close() // twice is fine
}

func TestAuth(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	t.Run("no key", func(t *testing.T) {
		r := a.as("").must(401, "GET", "/sessions", nil)
		assert.Equal(t, "unauthorized", r.str("error.code"))
		assert.NotEmpty(t, r.str("error.message"))
		assert.Regexp(t, `^req_`, r.str("error.requestId"))
		assert.Equal(t, r.str("error.requestId"), r.header.Get("X-Request-Id"))
		assert.Equal(t, "application/json", r.header.Get("Content-Type"))
	})
	t.Run("wrong key", func(t *testing.T) {
		assert.Equal(t, "unauthorized", a.as("th_test_wrong").must(401, "GET", "/sessions", nil).str("error.code"))
		assert.Equal(t, "unauthorized", a.as("th_live_wrong").must(401, "POST", "/sessions", map[string]any{"userId": "u"}).str("error.code"))
	})
	t.Run("wrong scheme", func(t *testing.T) {
		a.as("").must(401, "GET", "/sessions", nil, "Authorization", "Basic "+a.key)
	})
	t.Run("restricted key", func(t *testing.T) {
		ro := a.srv.RestrictedKey("GET *")
		a.as(ro).must(200, "GET", "/sessions", nil)
		r := a.as(ro).must(403, "POST", "/sessions", map[string]any{"userId": "u"})
		assert.Equal(t, "forbidden", r.str("error.code"))

		runOnly := a.srv.RestrictedKey("POST /agents/*/run")
		a.as(runOnly).must(403, "GET", "/sessions", nil)
		a.as(runOnly).must(404, "POST", "/agents/agt_x/run", map[string]any{"task": "t"})
	})
	t.Run("revoked key", func(t *testing.T) {
		k := a.srv.RestrictedKey("*")
		a.as(k).must(200, "GET", "/providers", nil)
		a.srv.RevokeKey(k)
		a.as(k).must(401, "GET", "/providers", nil)
	})
	t.Run("public endpoints need no key", func(t *testing.T) {
		ch := a.must(201, "POST", "/channels", map[string]any{"name": "Support"}).str("id")
		a.as("").must(200, "POST", "/channels/"+ch+"/messages", map[string]any{"content": "hi"})
		a.as("").must(200, "GET", "/channels/"+ch+"/messages", nil)
		a.as("").open("/channels/" + ch + "/stream").resp.Body.Close()
		a.as("").must(404, "POST", "/triggers/trg_x/fire", "{}", "X-Theazo-Signature", "sha256=00")
	})
}

func TestValidation(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	def := a.must(201, "POST", "/agent-definitions", map[string]any{"name": "d"}).str("id")
	ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	agt := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
	cases := []struct {
		name, method, path string
		body               any
		fields             []string
	}{
		{"missing userId", "POST", "/sessions", map[string]any{}, []string{"userId"}},
		{"userId wrong type", "POST", "/sessions", map[string]any{"userId": 5}, []string{"userId"}},
		{"bad limits", "POST", "/sessions", map[string]any{"userId": "u", "limits": map[string]any{
			"maxAgents": "3", "maxComputeMinutes": 1.5, "maxCost": map[string]any{"amount": 5, "currency": "USD", "period": "week"}}},
			[]string{"limits.maxCost.currency", "limits.maxCost.period", "limits.maxAgents", "limits.maxComputeMinutes"}},
		{"limits not an object", "POST", "/sessions/by-user/u", map[string]any{"limits": []int{1}}, []string{"limits"}},
		{"not JSON", "POST", "/sessions", "{", []string{"body"}},
		{"not an object", "POST", "/sessions", "[1]", []string{"body"}},
		{"unknown compute provider", "POST", "/sessions/" + ses + "/agents", map[string]any{"compute": map[string]any{"provider": "aws"}}, []string{"compute.provider"}},
		{"tools not strings", "POST", "/sessions/" + ses + "/agents", map[string]any{"tools": []any{1}, "browser": "yes"}, []string{"browser", "tools"}},
		{"missing task", "POST", "/agents/" + agt + "/run", map[string]any{"task": ""}, []string{"task"}},
		{"exec lang", "POST", "/agents/" + agt + "/exec", map[string]any{"lang": "ruby"}, []string{"lang", "code"}},
		{"provider", "POST", "/providers", map[string]any{"provider": "aws", "credentials": map[string]any{"k": 1}}, []string{"provider"}},
		{"provider credentials", "POST", "/providers", map[string]any{"provider": "fly"}, []string{"credentials"}},
		{"provider credentials empty", "POST", "/providers", map[string]any{"provider": "fly", "credentials": map[string]any{}}, []string{"credentials"}},
		{"provider credentials not an object", "POST", "/providers", map[string]any{"provider": "fly", "credentials": "k"}, []string{"credentials"}},
		{"secret name", "POST", "/secrets", map[string]any{"name": "BAD NAME!", "value": "v"}, []string{"name"}},
		{"secret session", "POST", "/secrets", map[string]any{"name": "OK", "sessionId": "ses_nope"}, []string{"value", "sessionId"}},
		{"definition", "POST", "/agent-definitions", map[string]any{"model": map[string]any{"id": 5, "temperature": 3}}, []string{"name", "model.id", "model.temperature"}},
		{"invalid cron", "POST", "/schedules", map[string]any{"name": "n", "cron": "61 * * * *",
			"action": map[string]any{"type": "agent-run", "config": map[string]any{"task": "t"}}}, []string{"cron"}},
		{"cron fields", "POST", "/schedules", map[string]any{"name": "n", "cron": "* * *",
			"action": map[string]any{"type": "agent-run", "config": map[string]any{"task": "t"}}}, []string{"cron"}},
		{"action", "POST", "/schedules", map[string]any{"name": "n", "cron": "0 9 * * 1-5",
			"action": map[string]any{"type": "run", "config": map[string]any{}}}, []string{"action.type"}},
		{"action definition", "POST", "/triggers", map[string]any{"name": "n",
			"action": map[string]any{"type": "agent-run", "config": map[string]any{"definitionId": "adef_nope"}}},
			[]string{"action.config.task", "action.config.definitionId"}},
		{"workflow steps", "POST", "/workflows", map[string]any{"name": "w", "steps": []any{
			map[string]any{"name": "a", "definitionId": def, "task": "t", "dependsOn": []string{"b"}},
			map[string]any{"name": "a", "definitionId": "adef_nope"}}},
			[]string{"steps[1].task", "steps[1].name", "steps[1].definitionId", "steps[0].dependsOn"}},
		{"workflow cycle", "POST", "/workflows", map[string]any{"name": "w", "steps": []any{
			map[string]any{"name": "a", "definitionId": def, "task": "t", "dependsOn": []string{"b"}},
			map[string]any{"name": "b", "definitionId": def, "task": "t", "dependsOn": []string{"a"}}}},
			[]string{"steps"}},
		{"fleet", "POST", "/fleets", map[string]any{"sessionId": "ses_nope", "definitionId": def, "tasks": []string{}},
			[]string{"tasks", "sessionId"}},
		{"channel", "POST", "/channels", map[string]any{"definitionId": 7}, []string{"name", "definitionId"}},
		{"message", "POST", "/channels/ch_x/messages", map[string]any{}, []string{"content"}},
		{"limit", "GET", "/sessions?limit=0", nil, []string{"limit"}},
		{"cursor", "GET", "/sessions?cursor=nonsense", nil, []string{"cursor"}},
		{"status filter", "GET", "/schedules?status=gone", nil, []string{"status"}},
		{"period", "GET", "/billing/usage?from=yesterday", nil, []string{"from"}},
		{"billing users limit", "GET", "/billing/usage/users?limit=1001", nil, []string{"limit"}},
		{"includeArchived", "GET", "/agent-definitions?includeArchived=maybe", nil, []string{"includeArchived"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := a.must(422, tc.method, tc.path, tc.body)
			assert.Equal(t, "unprocessable_entity", r.str("error.code"))
			assert.ElementsMatch(t, tc.fields, r.fields(), "%s", r.raw)
		})
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for _, p := range []struct{ method, path string }{
		{"POST", "/sessions/ses_nope/agents"}, {"GET", "/agents/agt_nope"}, {"POST", "/agents/agt_nope/run"},
		{"POST", "/agents/agt_nope/exec"}, {"GET", "/agents/agt_nope/stream"}, {"POST", "/agents/agt_nope/pause"},
		{"POST", "/agents/agt_nope/resume"}, {"POST", "/agents/agt_nope/terminate"}, {"DELETE", "/providers/fly"},
		{"DELETE", "/secrets/NOPE"}, {"GET", "/agent-definitions/adef_nope"}, {"PUT", "/agent-definitions/adef_nope"},
		{"DELETE", "/agent-definitions/adef_nope"}, {"GET", "/workflows/wf_nope"}, {"PUT", "/workflows/wf_nope"},
		{"DELETE", "/workflows/wf_nope"}, {"POST", "/workflows/wf_nope/run"}, {"POST", "/workflows/wf_nope/estimate"},
		{"GET", "/workflow-runs/wfr_nope"}, {"GET", "/workflow-runs/wfr_nope/stream"}, {"GET", "/fleets/flt_nope"},
		{"POST", "/fleets/flt_nope/cancel"}, {"GET", "/fleets/flt_nope/stream"}, {"PATCH", "/schedules/sched_nope"},
		{"DELETE", "/schedules/sched_nope"}, {"POST", "/schedules/sched_nope/pause"}, {"POST", "/schedules/sched_nope/resume"},
		{"DELETE", "/triggers/trg_nope"}, {"POST", "/triggers/trg_nope/fire"}, {"GET", "/channels/ch_nope/messages"},
		{"GET", "/channels/ch_nope/stream"}, {"GET", "/nothing/here"}, {"DELETE", "/sessions"},
		{"GET", "/agents/..%2Fproviders"},
	} {
		body := any(nil)
		if p.method == "POST" || p.method == "PUT" || p.method == "PATCH" {
			body = map[string]any{"task": "t", "lang": "bash", "code": "true", "content": "c"}
		}
		r := a.must(404, p.method, p.path, body)
		assert.Equal(t, "not_found", r.str("error.code"), "%s %s", p.method, p.path)
	}
}

func TestSessionsByUserIdempotent(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	first := a.must(200, "POST", "/sessions/by-user/user_1", map[string]any{
		"limits": map[string]any{"maxAgents": 2}, "metadata": map[string]any{"plan": "pro"}})
	again := a.must(200, "POST", "/sessions/by-user/user_1", map[string]any{
		"limits": map[string]any{"maxAgents": 9}, "metadata": map[string]any{"plan": "free"}})
	assert.Equal(t, first.str("id"), again.str("id"))
	assert.Equal(t, 2.0, again.num("limits.maxAgents"), "limits apply only on creation")
	assert.Equal(t, "pro", again.str("metadata.plan"), "metadata applies only on creation")
	assert.Equal(t, "user_1", again.str("userId"))
	assert.Equal(t, "active", again.str("status"))
	assert.Equal(t, 0.0, again.num("cost.amount"))
	assert.Equal(t, "usd", again.str("cost.currency"))

	// A session made with POST /sessions is the user's session too.
	made := a.must(201, "POST", "/sessions", map[string]any{"userId": "user_2"})
	assert.Equal(t, made.str("id"), a.must(200, "POST", "/sessions/by-user/user_2", nil).str("id"))

	// Concurrent first calls make one session.
	var wg sync.WaitGroup
	ids := make([]string, 20)
	for i := range ids {
		wg.Go(func() { ids[i] = a.do("POST", "/sessions/by-user/user_3", nil).str("id") })
	}
	wg.Wait()
	for _, id := range ids {
		assert.Equal(t, ids[0], id)
	}
	assert.Len(t, a.must(200, "GET", "/sessions?limit=100", nil).list(), 3)
}

func TestPagination(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	var want []string
	for i := range 45 {
		want = append(want, a.must(201, "POST", "/sessions", map[string]any{"userId": fmt.Sprint("u", i)}).str("id"))
	}
	var got []string
	cursor := ""
	pages := 0
	for {
		r := a.must(200, "GET", "/sessions?limit=20&cursor="+cursor, nil)
		pages++
		for _, s := range r.list() {
			got = append(got, s["id"].(string))
		}
		if r.get("hasMore") != true {
			assert.Nil(t, r.get("nextCursor"), "no nextCursor on the last page")
			break
		}
		cursor = r.str("nextCursor")
		assert.Regexp(t, `^cur_`, cursor)
		// A session made between pages shows up at the end, once.
		if pages == 1 {
			want = append(want, a.must(201, "POST", "/sessions", map[string]any{"userId": "late"}).str("id"))
		}
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 3, pages)
	assert.Len(t, a.must(200, "GET", "/sessions", nil).list(), 20, "default page size")

	// A cursor of another list is refused.
	a.must(201, "POST", "/workflows", map[string]any{"name": "w", "steps": []any{map[string]any{
		"name": "s", "task": "t", "definitionId": a.must(201, "POST", "/agent-definitions", map[string]any{"name": "d"}).str("id")}}})
	sessionsCursor := a.must(200, "GET", "/sessions?limit=1", nil).str("nextCursor")
	a.must(422, "GET", "/workflows?cursor="+sessionsCursor, nil)

	// Every paged list pages.
	for _, p := range []string{"/agent-definitions", "/workflows", "/fleets", "/schedules", "/triggers", "/channels"} {
		r := a.must(200, "GET", p+"?limit=1", nil)
		assert.NotNil(t, r.body["data"], p)
		assert.Contains(t, r.body, "hasMore", p)
	}
}

// TestPaginationAcrossDeletes: a cursor names the last item returned, even
// once that item is deleted; the next page starts after it, without the
// items deleted meanwhile.
func TestPaginationAcrossDeletes(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	for _, name := range []string{"S0", "S1", "S2", "S3", "S4"} {
		a.must(201, "POST", "/secrets", map[string]any{"name": name, "value": "v"})
	}
	names := func(r reply) []string {
		var out []string
		for _, s := range r.list() {
			out = append(out, s["name"].(string))
		}
		return out
	}
	first := a.must(200, "GET", "/secrets?limit=2", nil)
	assert.Equal(t, []string{"S0", "S1"}, names(first))
	a.must(200, "DELETE", "/secrets/S1", nil)
	a.must(200, "DELETE", "/secrets/S2", nil)
	a.must(201, "POST", "/secrets", map[string]any{"name": "S1", "value": "again"})
	next := a.must(200, "GET", "/secrets?limit=2&cursor="+first.str("nextCursor"), nil)
	assert.Equal(t, []string{"S3", "S4"}, names(next))
	last := a.must(200, "GET", "/secrets?limit=2&cursor="+next.str("nextCursor"), nil)
	assert.Equal(t, []string{"S1"}, names(last), "a secret set again after its delete comes last")
	assert.Equal(t, false, last.get("hasMore"))
}

// TestAgentLifecycle runs on synctest's clock, in memory, so that it can
// wait until every goroutine of the server is blocked: then a paused run
// has had every chance to go on, and a resumed one to end.
func TestAgentLifecycle(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		gate := make(chan struct{})
		a := newAPI(t, theazotest.WithInMemory(), theazotest.WithAgentScript(func(task string) []theazotest.Event {
			<-gate
			return []theazotest.Event{theazotest.Thinking("hm"), theazotest.Output("ok", 3)}
		}))
		var once sync.Once
		release := func() { once.Do(func() { close(gate) }) }
		t.Cleanup(release) // before the server's Close, should the test stop early
		ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
		ag := a.must(201, "POST", "/sessions/"+ses+"/agents", map[string]any{
			"browser": true, "tools": []string{"web_search"}, "instructions": "Be brief.", "timeout": 120,
			"model": map[string]any{"id": "gpt-4o"}, "compute": map[string]any{"provider": "fly"}})
		id := ag.str("id")
		assert.Regexp(t, `^agt_`, id)
		assert.Equal(t, "idle", ag.str("status"))
		assert.Equal(t, ses, ag.str("sessionId"))
		assert.Equal(t, true, ag.get("browser"))
		assert.Equal(t, 120.0, ag.num("timeout"))
		assert.Equal(t, "fly", ag.str("compute.provider"))
		assert.Equal(t, "gpt-4o", ag.str("model.id"))

		status := func() string { return a.must(200, "GET", "/agents/"+id, nil).str("status") }
		a.must(409, "POST", "/agents/"+id+"/resume", nil) // idle: not paused

		run := a.must(202, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})
		assert.Regexp(t, `^task_`, run.str("taskId"))
		assert.Equal(t, id, run.str("agentId"))
		assert.Equal(t, "running", status())
		assert.Equal(t, "conflict", a.must(409, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"}).str("error.code"))
		assert.Equal(t, "conflict", a.must(409, "POST", "/agents/"+id+"/resume", nil).str("error.code"), "running: not paused")

		assert.Equal(t, "paused", a.must(200, "POST", "/agents/"+id+"/pause", nil).str("status"))
		a.must(409, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "bash", "code": "true"})
		release()
		synctest.Wait()
		assert.Equal(t, "paused", status(), "a paused run does not go on")
		assert.Equal(t, "running", a.must(200, "POST", "/agents/"+id+"/resume", nil).str("status"))
		synctest.Wait()
		assert.Equal(t, "idle", status(), "the run ends")

		a.must(200, "POST", "/agents/"+id+"/pause", nil)
		assert.Equal(t, "idle", a.must(200, "POST", "/agents/"+id+"/resume", nil).str("status"))

		assert.Equal(t, true, a.must(200, "POST", "/agents/"+id+"/terminate", nil).get("ok"))
		assert.Equal(t, "terminated", status())
		a.must(200, "POST", "/agents/"+id+"/terminate", nil) // again: still ok
		for _, p := range []string{"/run", "/exec", "/pause", "/resume"} {
			a.must(409, "POST", "/agents/"+id+p, map[string]any{"task": "t", "lang": "bash", "code": "true"})
		}
		assert.Equal(t, "terminated", status(), "terminated is final")
	})
}

// TestAgentStreamAndResume runs on synctest's clock, in memory: the event
// delay of the terminated run takes no real time.
func TestAgentStreamAndResume(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		a := newAPI(t, theazotest.WithInMemory())
		ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
		id := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")

		// Connect first, then run: every event arrives, with ids, and the
		// stream ends after the output.
		st := a.open("/agents/" + id + "/stream")
		a.must(202, "POST", "/agents/"+id+"/run", map[string]any{"task": "find papers"})
		evs := st.rest()
		assert.Equal(t, []string{"thinking", "tool_call", "tool_result", "output"}, types(evs))
		for i, ev := range evs {
			assert.Equal(t, fmt.Sprint(i+1), ev.id)
		}
		assert.JSONEq(t, `{"tool":"web_search","input":{"query":"find papers"}}`, evs[1].data)
		assert.JSONEq(t, `{"text":"Here is a scripted answer to: find papers","cost":{"amount":12,"currency":"usd"}}`, evs[3].data)

		// Dropped after two events, resumed with Last-Event-ID: the rest, once.
		a.srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
		st = a.open("/agents/" + id + "/stream")
		a.must(202, "POST", "/agents/"+id+"/run", map[string]any{"task": "again"})
		first := st.rest()
		require.Equal(t, []string{"thinking", "tool_call"}, types(first))
		resumed := a.open("/agents/"+id+"/stream", "Last-Event-ID", first[1].id).rest()
		assert.Equal(t, []string{"tool_result", "output"}, types(resumed))
		assert.Equal(t, []string{"7", "8"}, []string{resumed[0].id, resumed[1].id})

		// Resuming from an earlier id replays from there.
		replay := a.open("/agents/"+id+"/stream", "Last-Event-ID", "2").take(t, 2)
		assert.Equal(t, []string{"3", "4"}, []string{replay[0].id, replay[1].id})

		// A terminated agent's stream ends the run with an error event.
		b := newAPI(t, theazotest.WithInMemory(), theazotest.WithAgentScript(func(string) []theazotest.Event {
			return []theazotest.Event{theazotest.Thinking("1"), {Type: "custom", Data: map[string]any{"x": 1}}, theazotest.Output("never", 1)}
		}), theazotest.WithEventDelay(200*time.Millisecond)) // terminate lands before the output
		ses = b.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
		id = b.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
		st = b.open("/agents/" + id + "/stream")
		b.must(202, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})
		got := st.take(t, 2)
		assert.Equal(t, []string{"thinking", "custom"}, types(got))
		b.must(200, "POST", "/agents/"+id+"/terminate", nil)
		last := st.rest()
		require.Len(t, last, 1)
		assert.Equal(t, "error", last[0].typ)
		assert.JSONEq(t, `{"code":"terminated","message":"The agent was terminated."}`, last[0].data)
	})
}

func TestSessionLimits(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	t.Run("maxAgents", func(t *testing.T) {
		ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u", "limits": map[string]any{"maxAgents": 2}}).str("id")
		first := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
		a.must(201, "POST", "/sessions/"+ses+"/agents", nil)
		r := a.must(402, "POST", "/sessions/"+ses+"/agents", nil)
		assert.Equal(t, "session_limit_exceeded", r.str("error.code"))
		assert.Equal(t, "maxAgents", r.str("error.details.limit"))
		a.must(200, "POST", "/agents/"+first+"/terminate", nil)
		a.must(201, "POST", "/sessions/"+ses+"/agents", nil) // a terminated agent frees its place
	})
	t.Run("maxCost", func(t *testing.T) {
		ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u", "limits": map[string]any{
			"maxCost": map[string]any{"amount": 20, "currency": "usd", "period": "day"}}}).str("id")
		id := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
		for range 2 { // 12 cents each: the second run starts under the limit
			a.must(202, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})
			eventually(t, func() bool { return a.must(200, "GET", "/agents/"+id, nil).str("status") == "idle" }, "run ends")
		}
		r := a.must(402, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})
		assert.Equal(t, "maxCost", r.str("error.details.limit"))
		a.must(402, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "bash", "code": "true"})
		a.must(402, "POST", "/sessions/"+ses+"/agents", nil)
		var cost float64
		for _, s := range a.must(200, "GET", "/sessions?limit=100", nil).list() {
			if s["id"] == ses {
				cost = s["cost"].(map[string]any)["amount"].(float64)
			}
		}
		assert.Equal(t, 24.0, cost)
	})
	t.Run("maxComputeMinutes", func(t *testing.T) {
		ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u", "limits": map[string]any{"maxComputeMinutes": 2}}).str("id")
		id := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
		a.must(200, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "bash", "code": "true"})
		a.must(200, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "bash", "code": "true"})
		r := a.must(402, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "bash", "code": "true"})
		assert.Equal(t, "maxComputeMinutes", r.str("error.details.limit"))
		a.must(402, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})
		s := a.must(200, "POST", "/sessions/by-user/u", nil) // the user's first session, not this one
		assert.NotEqual(t, ses, s.str("id"))
		for _, s := range a.must(200, "GET", "/sessions?limit=100", nil).list() {
			if s["id"] == ses {
				assert.Equal(t, "paused", s["status"], "auto-paused")
			}
		}
	})
}

func TestExec(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	id := a.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
	r := a.must(200, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "python", "code": "print(2 + 2)"})
	assert.Equal(t, "4\n", r.str("stdout"))
	assert.Equal(t, "", r.str("stderr"))
	assert.Equal(t, 0.0, r.num("exitCode"))
	assert.Positive(t, r.num("durationMs"))
	r = a.must(504, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "python", "code": "import time\ntime.sleep(300)"})
	assert.Equal(t, "timeout", r.str("error.code"))

	b := newAPI(t, theazotest.WithExec(func(lang, code string) theazotest.ExecResult {
		return theazotest.ExecResult{Stdout: lang + ":" + code, Stderr: "warn", ExitCode: 3, Duration: 1500 * time.Millisecond}
	}))
	ses = b.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	id = b.must(201, "POST", "/sessions/"+ses+"/agents", nil).str("id")
	r = b.must(200, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "bash", "code": "ls"})
	assert.JSONEq(t, `{"stdout":"bash:ls","stderr":"warn","exitCode":3,"durationMs":1500}`, string(r.raw))
}

func TestDefaultExec(t *testing.T) {
	t.Parallel()
	cases := []struct {
		lang, code, stdout string
		exit               int
		timeout            bool
	}{
		{"python", "print(2 + 2)", "4\n", 0, false},
		{"python", "print('hello')\nprint((1 + 2) * 7 // 2)", "hello\n10\n", 0, false},
		{"typescript", `console.log("hi");`, "hi\n", 0, false},
		{"bash", "echo hello world\nexit 3", "hello world\n", 3, false},
		{"bash", "sleep 5 && echo done", "", 0, false},
		{"bash", "sleep 121", "", 0, true},
		{"python", "import sys\nsys.exit(2)", "", 2, false},
		{"python", "print(x)", "x\n", 0, false},
	}
	for _, tc := range cases {
		res := theazotest.DefaultExec(tc.lang, tc.code)
		assert.Equal(t, tc.stdout, res.Stdout, tc.code)
		assert.Equal(t, tc.exit, res.ExitCode, tc.code)
		assert.Equal(t, tc.timeout, res.TimedOut, tc.code)
	}
	assert.Equal(t, 5*time.Second, theazotest.DefaultExec("bash", "sleep 5").Duration.Truncate(time.Second))
}

func TestProvidersAndSecrets(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	assert.Empty(t, a.must(200, "GET", "/providers", nil).list())
	p := a.must(201, "POST", "/providers", map[string]any{"provider": "e2b", "credentials": map[string]any{"apiKey": "e2b_x"}, "isDefault": true})
	assert.Equal(t, true, p.get("isDefault"))
	assert.Equal(t, "active", p.str("status"))
	assert.NotContains(t, string(p.raw), "e2b_x", "credentials are never returned")
	a.must(201, "POST", "/providers", map[string]any{"provider": "fly", "credentials": map[string]any{"token": "f"}, "isDefault": true})
	list := a.must(200, "GET", "/providers", nil).list()
	require.Len(t, list, 2)
	assert.Equal(t, false, list[0]["isDefault"], "one default at a time")
	assert.Equal(t, true, list[1]["isDefault"])

	ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	ag := a.must(201, "POST", "/sessions/"+ses+"/agents", nil)
	assert.Equal(t, "fly", ag.str("compute.provider"), "the default provider")
	assert.Equal(t, "conflict", a.must(409, "DELETE", "/providers/fly", nil).str("error.code"))
	a.must(200, "POST", "/agents/"+ag.str("id")+"/terminate", nil)
	a.must(200, "DELETE", "/providers/fly", nil)
	a.must(404, "DELETE", "/providers/fly", nil)

	s := a.must(201, "POST", "/secrets", map[string]any{"name": "OPENAI_API_KEY", "value": "sk-secret"})
	assert.Equal(t, "org", s.str("scope"))
	assert.NotContains(t, string(s.raw), "sk-secret")
	a.must(200, "POST", "/secrets", map[string]any{"name": "OPENAI_API_KEY", "value": "sk-2"}) // overwrite
	assert.Equal(t, ses, a.must(201, "POST", "/secrets", map[string]any{"name": "DB_PASSWORD", "value": "p", "sessionId": ses}).str("scope"))
	assert.Len(t, a.must(200, "GET", "/secrets", nil).list(), 2)
	scoped := a.must(200, "GET", "/secrets?sessionId="+ses, nil).list()
	require.Len(t, scoped, 1)
	assert.Equal(t, "DB_PASSWORD", scoped[0]["name"])
	a.must(404, "DELETE", "/secrets/DB_PASSWORD", nil) // org scope has none
	a.must(200, "DELETE", "/secrets/DB_PASSWORD?sessionId="+ses, nil)
	a.must(200, "DELETE", "/secrets/OPENAI_API_KEY", nil)
	assert.Empty(t, a.must(200, "GET", "/secrets", nil).list())
}

func TestDefinitions(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	d := a.must(201, "POST", "/agent-definitions", map[string]any{
		"name": "Research", "instructions": "Cite sources.", "tools": []string{"web_search"},
		"model": map[string]any{"id": "m1", "temperature": 0, "maxTokens": 1000}, "compute": map[string]any{"provider": "e2b", "timeout": 60},
		"metadata": map[string]any{"team": "a"}})
	id := d.str("id")
	assert.Regexp(t, `^adef_`, id)
	assert.Equal(t, 1.0, d.num("version"))
	assert.Equal(t, 0.0, d.get("model.temperature"), "temperature 0 is kept")
	assert.Equal(t, false, d.get("archived"))

	u := a.must(200, "PUT", "/agent-definitions/"+id, map[string]any{"tools": []string{"web_search", "http_request"}})
	assert.Equal(t, 2.0, u.num("version"))
	assert.Equal(t, "Cite sources.", u.str("instructions"), "fields not given are kept")
	assert.Len(t, u.get("tools"), 2)
	assert.Equal(t, 3.0, a.must(200, "PUT", "/agent-definitions/"+id, map[string]any{"instructions": "x"}).num("version"))
	assert.Equal(t, 3.0, a.must(200, "GET", "/agent-definitions/"+id, nil).num("version"))

	other := a.must(201, "POST", "/agent-definitions", map[string]any{"name": "Other"}).str("id")
	a.must(200, "DELETE", "/agent-definitions/"+id, nil)
	assert.Equal(t, true, a.must(200, "GET", "/agent-definitions/"+id, nil).get("archived"))
	listed := a.must(200, "GET", "/agent-definitions", nil).list()
	require.Len(t, listed, 1)
	assert.Equal(t, other, listed[0]["id"])
	assert.Len(t, a.must(200, "GET", "/agent-definitions?includeArchived=true", nil).list(), 2)
	a.must(409, "PUT", "/agent-definitions/"+id, map[string]any{"instructions": "y"})
	r := a.must(422, "POST", "/channels", map[string]any{"name": "c", "definitionId": id})
	assert.Equal(t, []string{"definitionId"}, r.fields(), "an archived definition makes nothing new")
}

func TestSchedules(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 5, 2, 10, 30, 0, 0, time.UTC) // a Friday
	a := newAPI(t, theazotest.WithClock(func() time.Time { return now }))
	action := map[string]any{"type": "agent-run", "config": map[string]any{"task": "Daily report"}}
	sc := a.must(201, "POST", "/schedules", map[string]any{"name": "Daily", "cron": "0 9 * * 1-5", "action": action, "metadata": map[string]any{"k": "v"}})
	id := sc.str("id")
	assert.Regexp(t, `^sched_`, id)
	assert.Equal(t, "active", sc.str("status"))
	assert.Equal(t, "2025-05-05T09:00:00Z", sc.str("nextRunAt"), "next weekday at 9")
	assert.Equal(t, "Daily report", sc.str("action.config.task"))

	p := a.must(200, "PATCH", "/schedules/"+id, map[string]any{"cron": "*/15 * * * *"})
	assert.Equal(t, "*/15 * * * *", p.str("cron"))
	assert.Equal(t, "Daily", p.str("name"), "fields not given are kept")
	assert.Equal(t, "2025-05-02T10:45:00Z", p.str("nextRunAt"))
	a.must(422, "PATCH", "/schedules/"+id, map[string]any{"cron": "0 25 * * *"})

	paused := a.must(200, "POST", "/schedules/"+id+"/pause", nil)
	assert.Equal(t, "paused", paused.str("status"))
	assert.Nil(t, paused.get("nextRunAt"))
	other := a.must(201, "POST", "/schedules", map[string]any{"name": "Other", "cron": "0 0 1 jan *", "action": action})
	assert.Equal(t, "2026-01-01T00:00:00Z", other.str("nextRunAt"))
	assert.Len(t, a.must(200, "GET", "/schedules?status=paused", nil).list(), 1)
	assert.Len(t, a.must(200, "GET", "/schedules?status=active", nil).list(), 1)
	assert.Len(t, a.must(200, "GET", "/schedules", nil).list(), 2)
	assert.Equal(t, "active", a.must(200, "POST", "/schedules/"+id+"/resume", nil).str("status"))
	a.must(200, "DELETE", "/schedules/"+id, nil)
	a.must(404, "POST", "/schedules/"+id+"/pause", nil)

	wfAction := map[string]any{"type": "workflow-run", "config": map[string]any{"workflowId": "wf_nope"}}
	assert.ElementsMatch(t, []string{"cron", "action.config.workflowId"}, a.must(422, "POST", "/schedules", map[string]any{"name": "n", "cron": "@daily", "action": wfAction}).fields())
}

func TestCron(t *testing.T) {
	t.Parallel()
	from := time.Date(2025, 5, 2, 10, 30, 0, 0, time.UTC) // Friday
	cases := []struct{ cron, next string }{
		{"* * * * *", "2025-05-02T10:31:00Z"},
		{"0 9 * * 1-5", "2025-05-05T09:00:00Z"},
		{"30 10 * * *", "2025-05-03T10:30:00Z"},
		{"0 0 29 2 *", "2028-02-29T00:00:00Z"},
		{"0 12 * * sun", "2025-05-04T12:00:00Z"},
		{"0 12 * * 7", "2025-05-04T12:00:00Z"},
		{"0 0 1,15 * *", "2025-05-15T00:00:00Z"},
		{"0 0 13 * 5", "2025-05-09T00:00:00Z"}, // day 13 or a Friday
		{"5-10/5 */6 * * *", "2025-05-02T12:05:00Z"},
	}
	for _, tc := range cases {
		a := newAPI(t, theazotest.WithClock(func() time.Time { return from }))
		r := a.must(201, "POST", "/schedules", map[string]any{"name": "n", "cron": tc.cron,
			"action": map[string]any{"type": "agent-run", "config": map[string]any{"task": "t"}}})
		assert.Equal(t, tc.next, r.str("nextRunAt"), tc.cron)
	}
	a := newAPI(t)
	for _, bad := range []string{"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "5-1 * * * *", "a * * * *", "@daily"} {
		r := a.must(422, "POST", "/schedules", map[string]any{"name": "n", "cron": bad,
			"action": map[string]any{"type": "agent-run", "config": map[string]any{"task": "t"}}})
		assert.Equal(t, []string{"cron"}, r.fields(), "%q", bad)
	}
}

func TestTriggers(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	trg := a.must(201, "POST", "/triggers", map[string]any{"name": "GitHub push",
		"action": map[string]any{"type": "agent-run", "config": map[string]any{"task": "Review the push"}}})
	id, secret := trg.str("id"), trg.str("signingSecret")
	assert.Regexp(t, `^trg_`, id)
	assert.Regexp(t, `^whsec_`, secret)
	assert.Equal(t, a.srv.URL()+"/triggers/"+id+"/fire", trg.str("url"))
	listed := a.must(200, "GET", "/triggers", nil).list()
	require.Len(t, listed, 1)
	assert.NotContains(t, listed[0], "signingSecret", "the secret is shown on create only")

	body := []byte(`{"ref":"refs/heads/main","commits":[1,2]}`)
	pub := a.as("")
	r := pub.must(202, "POST", "/triggers/"+id+"/fire", body, "X-Theazo-Signature", sign(secret, body))
	assert.Regexp(t, `^task_`, r.str("taskId"))
	f := a.srv.Firings()
	require.Len(t, f, 1)
	assert.Equal(t, id, f[0].TriggerID)
	assert.Equal(t, r.str("taskId"), f[0].TaskID)
	assert.JSONEq(t, string(body), string(f[0].Payload))

	for name, sig := range map[string]string{
		"missing":        "",
		"wrong secret":   sign("whsec_other", body),
		"other body":     sign(secret, []byte(`{}`)),
		"no prefix":      strings.TrimPrefix(sign(secret, body), "sha256="),
		"uppercase hex":  "sha256=" + strings.ToUpper(strings.TrimPrefix(sign(secret, body), "sha256=")),
		"not hex at all": "sha256=zz",
	} {
		var hdr []string
		if sig != "" {
			hdr = []string{"X-Theazo-Signature", sig}
		}
		r := pub.must(401, "POST", "/triggers/"+id+"/fire", body, hdr...)
		assert.Equal(t, "unauthorized", r.str("error.code"), name)
	}
	bad := []byte("not json")
	pub.must(422, "POST", "/triggers/"+id+"/fire", bad, "X-Theazo-Signature", sign(secret, bad))
	assert.Len(t, a.srv.Firings(), 1)

	a.must(200, "DELETE", "/triggers/"+id, nil)
	pub.must(404, "POST", "/triggers/"+id+"/fire", body, "X-Theazo-Signature", sign(secret, body))
}

func TestChannels(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ch := a.must(201, "POST", "/channels", map[string]any{"name": "Support", "instructions": "Be kind.", "metadata": map[string]any{"team": "s"}})
	id := ch.str("id")
	assert.Regexp(t, `^ch_`, id)
	pub := a.as("")

	all := pub.open("/channels/" + id + "/stream")
	first := pub.must(200, "POST", "/channels/"+id+"/messages", map[string]any{"content": "How do I reset my password?"})
	thread := first.str("threadId")
	assert.Regexp(t, `^thr_`, thread)
	assert.Equal(t, "assistant", first.str("role"))
	assert.Equal(t, id, first.str("channelId"))
	assert.Equal(t, `You said: "How do I reset my password?" (message 1 of this thread)`, first.str("content"))

	threadOnly := pub.open("/channels/"+id+"/stream?threadId="+thread, "")
	second := pub.must(200, "POST", "/channels/"+id+"/messages", map[string]any{"content": "Thanks", "threadId": thread})
	assert.Equal(t, thread, second.str("threadId"))
	assert.Contains(t, second.str("content"), "message 2 of this thread")
	other := pub.must(200, "POST", "/channels/"+id+"/messages", map[string]any{"content": "New topic"})
	assert.NotEqual(t, thread, other.str("threadId"))
	pub.must(404, "POST", "/channels/"+id+"/messages", map[string]any{"content": "x", "threadId": "thr_nope"})

	evs := all.take(t, 6)
	assert.Equal(t, []string{"message", "message", "message", "message", "message", "message"}, types(evs))
	assert.Contains(t, evs[0].data, `"role":"user"`)
	assert.Contains(t, evs[1].data, `"role":"assistant"`)
	mine := threadOnly.take(t, 2)
	assert.Contains(t, mine[0].data, `"content":"Thanks"`)
	assert.Contains(t, mine[1].data, `"threadId":"`+thread+`"`)

	msgs := pub.must(200, "GET", "/channels/"+id+"/messages?threadId="+thread, nil).list()
	require.Len(t, msgs, 4)
	for i, want := range []string{"user", "assistant", "user", "assistant"} {
		assert.Equal(t, want, msgs[i]["role"], "chronological")
	}
	p1 := pub.must(200, "GET", "/channels/"+id+"/messages?limit=4", nil)
	assert.Len(t, p1.list(), 4)
	p2 := pub.must(200, "GET", "/channels/"+id+"/messages?limit=4&cursor="+p1.str("nextCursor"), nil)
	assert.Len(t, p2.list(), 2)
	assert.Equal(t, false, p2.get("hasMore"))

	// Reconnecting with Last-Event-ID replays what was missed.
	replay := pub.open("/channels/"+id+"/stream", "Last-Event-ID", "4").take(t, 2)
	assert.Equal(t, []string{"5", "6"}, []string{replay[0].id, replay[1].id})

	b := newAPI(t, theazotest.WithChannelReply(func(channelID, threadID string, thread []theazotest.ChatMessage) string {
		return fmt.Sprintf("%d messages so far", len(thread))
	}))
	id = b.must(201, "POST", "/channels", map[string]any{"name": "c"}).str("id")
	r := b.as("").must(200, "POST", "/channels/"+id+"/messages", map[string]any{"content": "a"})
	assert.Equal(t, "1 messages so far", r.str("content"))
	r = b.as("").must(200, "POST", "/channels/"+id+"/messages", map[string]any{"content": "b", "threadId": r.str("threadId")})
	assert.Equal(t, "3 messages so far", r.str("content"))
}

func TestProviderDownAndPanics(t *testing.T) {
	t.Parallel()
	a := newAPI(t, theazotest.WithExec(func(lang, code string) theazotest.ExecResult { panic("boom") }),
		theazotest.WithAgentScript(func(string) []theazotest.Event { panic("script bug") }))
	ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	id := a.must(201, "POST", "/sessions/"+ses+"/agents", map[string]any{"compute": map[string]any{"provider": "fly"}}).str("id")

	a.srv.SetProviderDown("fly", true)
	r := a.must(502, "POST", "/sessions/"+ses+"/agents", map[string]any{"compute": map[string]any{"provider": "fly"}})
	assert.Equal(t, "provider_error", r.str("error.code"))
	a.must(502, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "bash", "code": "true"})
	a.must(502, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})
	a.must(201, "POST", "/sessions/"+ses+"/agents", map[string]any{"compute": map[string]any{"provider": "e2b"}})
	a.srv.SetProviderDown("fly", false)

	r = a.must(500, "POST", "/agents/"+id+"/exec", map[string]any{"lang": "bash", "code": "true"})
	assert.Equal(t, "internal_error", r.str("error.code"))
	assert.Equal(t, r.header.Get("X-Request-Id"), r.str("error.requestId"))

	st := a.open("/agents/" + id + "/stream")
	a.must(202, "POST", "/agents/"+id+"/run", map[string]any{"task": "t"})
	evs := st.rest()
	require.Len(t, evs, 1)
	assert.Equal(t, "error", evs[0].typ)
	assert.Contains(t, evs[0].data, "script bug")
}
