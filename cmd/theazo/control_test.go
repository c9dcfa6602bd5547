package main

import (
	"bufio"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawClient speaks plain HTTP and JSON to theazo mock, as a test in
// another language would: no SDK, no theazotest.
type rawClient struct {
	t    *testing.T
	hc   *http.Client
	root string // http://host:port, without /v1
	key  string
}

func newRawClient(t *testing.T, key, base string) *rawClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &rawClient{t: t, hc: &http.Client{Transport: tr}, root: strings.TrimSuffix(base, "/v1"), key: key}
}

// do sends body (JSON, or none) to path (under root) and returns the
// status and the decoded JSON reply.
func (c *rawClient) do(method, path, body string, header ...string) (int, map[string]any) {
	c.t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(c.t.Context(), method, c.root+path, r)
	require.NoError(c.t, err)
	if strings.HasPrefix(path, "/v1/") {
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var out map[string]any
	b, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	if len(b) > 0 {
		require.NoError(c.t, json.Unmarshal(b, &out), "%s %s: %s", method, path, b)
	}
	return resp.StatusCode, out
}

// must is do, requiring the status.
func (c *rawClient) must(status int, method, path, body string, header ...string) map[string]any {
	c.t.Helper()
	got, out := c.do(method, path, body, header...)
	require.Equal(c.t, status, got, "%s %s: %v", method, path, out)
	return out
}

// events reads an SSE stream from after the event id after until it ends,
// and returns "type data" lines and the last id.
func (c *rawClient) events(path, after string) ([]string, string) {
	c.t.Helper()
	req, err := http.NewRequestWithContext(c.t.Context(), "GET", c.root+path, nil)
	require.NoError(c.t, err)
	req.Header.Set("Authorization", "Bearer "+c.key)
	req.Header.Set("Last-Event-ID", after)
	resp, err := c.hc.Do(req)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	var out []string
	typ, id := "", after
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			typ = v
		}
		if v, ok := strings.CutPrefix(line, "id: "); ok {
			id = v
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok {
			out = append(out, typ+" "+v)
		}
	}
	return out, id
}

// usageTotal is the total of GET /v1/usage/summary, in cents.
func (c *rawClient) usageTotal() float64 {
	c.t.Helper()
	u := c.must(200, "GET", "/v1/usage/summary", "")
	return u["total"].(map[string]any)["amount"].(float64)
}

// agent creates a session and an agent and returns the agent's id.
func (c *rawClient) agent() string {
	c.t.Helper()
	s := c.must(201, "POST", "/v1/sessions", `{"userId":"raw_user"}`)
	a := c.must(201, "POST", "/v1/sessions/"+s["id"].(string)+"/agents", `{}`)
	return a["id"].(string)
}

func TestControlAPIFaultMakesTheNextCall503ThenClears(t *testing.T) {
	t.Parallel()
	const key = "th_test_controlfault"
	_, base := startMock(t, key)
	c := newRawClient(t, key, base)

	c.must(201, "POST", "/_theazo/faults", `{"method":"GET","path":"/sessions","status":503}`)
	_, body := c.do("GET", "/v1/sessions", "")
	assert.Equal(t, "service_unavailable", body["error"].(map[string]any)["code"])
	c.must(200, "GET", "/v1/sessions", "")

	c.must(201, "POST", "/_theazo/faults", `{"path":"*","status":500,"times":-1}`)
	c.must(500, "GET", "/v1/sessions", "")
	c.must(500, "GET", "/v1/sessions", "")
	c.must(200, "DELETE", "/_theazo/faults", "")
	c.must(200, "GET", "/v1/sessions", "")

	c.must(422, "POST", "/_theazo/faults", `{"status":503,"hangUp":true}`)
	c.must(422, "POST", "/_theazo/faults", `{"delay":"soon"}`)
	c.must(404, "GET", "/_theazo/nothing", "")
}

func TestControlAPIScriptMakesARunEmitItsOutput(t *testing.T) {
	t.Parallel()
	const key = "th_test_controlscript"
	_, base := startMock(t, key)
	c := newRawClient(t, key, base)
	agent := c.agent()

	c.must(201, "POST", "/_theazo/agent-scripts",
		`{"task":"Summarize*","events":[{"type":"thinking","data":{"text":"Reading."}}],"output":"Three papers.","cost":40}`)
	c.must(201, "POST", "/_theazo/agent-scripts", `{"task":"Crash*","error":{"code":"provider_error","message":"The sandbox crashed."}}`)

	before := c.usageTotal()
	c.must(202, "POST", "/v1/agents/"+agent+"/run", `{"task":"Summarize the week"}`)
	got, last := c.events("/v1/agents/"+agent+"/stream", "0")
	assert.Equal(t, []string{
		`thinking {"text":"Reading."}`,
		`output {"cost":{"amount":40,"currency":"usd"},"text":"Three papers."}`,
	}, got)
	assert.Equal(t, before+40, c.usageTotal(), "the scripted cost is recorded")

	c.must(202, "POST", "/v1/agents/"+agent+"/run", `{"task":"Crash now"}`)
	got, last = c.events("/v1/agents/"+agent+"/stream", last)
	assert.Equal(t, []string{`error {"code":"provider_error","message":"The sandbox crashed."}`}, got)

	c.must(200, "DELETE", "/_theazo/agent-scripts", "")
	c.must(202, "POST", "/v1/agents/"+agent+"/run", `{"task":"Summarize again"}`)
	got, _ = c.events("/v1/agents/"+agent+"/stream", last)
	require.NotEmpty(t, got)
	assert.Contains(t, got[len(got)-1], "Here is a scripted answer to: Summarize again", "the default script once the scripts are gone")
}

func TestControlAPIManualClockFiresSchedulesAndTriggersStartRuns(t *testing.T) {
	t.Parallel()
	const key = "th_test_controlclock"
	_, base := startMock(t, key, "--clock", "manual")
	c := newRawClient(t, key, base)

	now, err := time.Parse(time.RFC3339, c.must(200, "GET", "/_theazo/clock", "")["now"].(string))
	require.NoError(t, err)
	def := c.must(201, "POST", "/v1/agent-definitions", `{"name":"digest","instructions":"Summarize."}`)["id"].(string)
	action := `{"type":"agent-run","config":{"definitionId":"` + def + `","task":"Daily digest"}}`
	active := c.must(201, "POST", "/v1/schedules", `{"name":"hourly","cron":"0 * * * *","action":`+action+`}`)
	paused := c.must(201, "POST", "/v1/schedules", `{"name":"paused","cron":"0 * * * *","action":`+action+`}`)
	c.must(200, "POST", "/v1/schedules/"+paused["id"].(string)+"/pause", "")
	next, err := time.Parse(time.RFC3339, active["nextRunAt"].(string))
	require.NoError(t, err)
	require.Equal(t, now.Truncate(time.Hour).Add(time.Hour), next)

	// Not yet its time: nothing fires.
	before := c.usageTotal()
	moved := c.must(200, "POST", "/_theazo/clock", `{"set":"`+next.Add(-time.Second).Format(time.RFC3339)+`"}`)
	assert.Empty(t, moved["fired"])

	// Past its time: the active schedule fires once, the paused one not at all.
	moved = c.must(200, "POST", "/_theazo/clock", `{"advance":"2s"}`)
	fired := moved["fired"].([]any)
	require.Len(t, fired, 1)
	f := fired[0].(map[string]any)
	assert.Equal(t, active["id"], f["scheduleId"])
	assert.NotEmpty(t, f["agentId"])
	assert.Eventually(t, func() bool { return c.usageTotal() > before }, 5*time.Second, 20*time.Millisecond, "the run's cost is recorded")
	got, _ := c.events("/v1/agents/"+f["agentId"].(string)+"/stream", "0")
	require.NotEmpty(t, got)
	assert.Contains(t, got[len(got)-1], "Here is a scripted answer to: Daily digest")

	schedules := c.must(200, "GET", "/v1/schedules", "")["data"].([]any)
	for _, s := range schedules {
		s := s.(map[string]any)
		if s["id"] == active["id"] {
			assert.Equal(t, next.Add(time.Hour).Format(time.RFC3339), s["nextRunAt"], "nextRunAt moves on")
		} else {
			assert.Nil(t, s["nextRunAt"], "a paused schedule has no next run")
		}
	}
	firings := c.must(200, "GET", "/_theazo/firings", "")["data"].([]any)
	assert.Len(t, firings, 1)

	// A trigger fired with a signed body starts a workflow run on it.
	wf := c.must(201, "POST", "/v1/workflows",
		`{"name":"triage","steps":[{"name":"read","definitionId":"`+def+`","task":"Read it"}]}`)["id"].(string)
	trg := c.must(201, "POST", "/v1/triggers", `{"name":"on issue","action":{"type":"workflow-run","config":{"workflowId":"`+wf+`"}}}`)
	payload := `{"issue":42}`
	mac := hmac.New(sha256.New, []byte(trg["signingSecret"].(string)))
	mac.Write([]byte(payload))
	c.must(202, "POST", "/v1/triggers/"+trg["id"].(string)+"/fire", payload, "X-Theazo-Signature", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	firings = c.must(200, "GET", "/_theazo/firings", "")["data"].([]any)
	require.Len(t, firings, 2)
	tf := firings[1].(map[string]any)
	assert.Equal(t, trg["id"], tf["triggerId"])
	assert.Equal(t, map[string]any{"issue": float64(42)}, tf["payload"])
	run := tf["runId"].(string)
	assert.Eventually(t, func() bool {
		return c.must(200, "GET", "/v1/workflow-runs/"+run, "")["status"] == "completed"
	}, 5*time.Second, 20*time.Millisecond, "the trigger's workflow run completes")
}

func TestControlAPIRequestLog(t *testing.T) {
	t.Parallel()
	const key = "th_test_controlrequests"
	_, base := startMock(t, key, "--history", "3")
	c := newRawClient(t, key, base)
	for _, u := range []string{"a", "b", "c", "d"} {
		c.must(201, "POST", "/v1/sessions", `{"userId":"`+u+`"}`)
	}
	c.must(200, "GET", "/v1/sessions", "")
	reqs := c.must(200, "GET", "/_theazo/requests", "")["data"].([]any)
	require.Len(t, reqs, 3, "--history 3 keeps the latest three")
	assert.Equal(t, "GET", reqs[2].(map[string]any)["method"])
	posts := c.must(200, "GET", "/_theazo/requests?method=POST&path=/sessions&status=201&limit=1", "")["data"].([]any)
	require.Len(t, posts, 1)
	p := posts[0].(map[string]any)
	assert.Nil(t, p["body"], "no bodies without --log-bodies")
	assert.Equal(t, []any{"Bearer th_test_[redacted]"}, p["headers"].(map[string]any)["Authorization"])
	c.must(200, "DELETE", "/_theazo/requests", "")
	assert.Empty(t, c.must(200, "GET", "/_theazo/requests", "")["data"])

	_, off := startMock(t, key, "--no-control")
	c = newRawClient(t, key, off)
	c.must(404, "GET", "/_theazo/requests", "")
}

func TestControlAPIWorkflowStepFailsTheRun(t *testing.T) {
	t.Parallel()
	const key = "th_test_controlsteps"
	_, base := startMock(t, key)
	c := newRawClient(t, key, base)
	def := c.must(201, "POST", "/v1/agent-definitions", `{"name":"d","instructions":"x"}`)["id"].(string)
	wf := c.must(201, "POST", "/v1/workflows", `{"name":"w","steps":[{"name":"research","definitionId":"`+def+
		`","task":"a"},{"name":"write","definitionId":"`+def+`","task":"b","dependsOn":["research"]}]}`)["id"].(string)
	c.must(201, "POST", "/_theazo/workflow-steps", `{"step":"write","error":"The model refused."}`)
	run := c.must(202, "POST", "/v1/workflows/"+wf+"/run", `{}`)["id"].(string)
	got, _ := c.events("/v1/workflow-runs/"+run+"/stream", "0")
	require.NotEmpty(t, got)
	assert.Equal(t, `workflow:failed {"cost":{"amount":5,"currency":"usd"},"message":"The model refused.","step":"write"}`, got[len(got)-1])
	assert.Equal(t, "failed", c.must(200, "GET", "/v1/workflow-runs/"+run, "")["status"])

	c.must(200, "DELETE", "/_theazo/workflow-steps", "")
	run = c.must(202, "POST", "/v1/workflows/"+wf+"/run", `{}`)["id"].(string)
	got, _ = c.events("/v1/workflow-runs/"+run+"/stream", "0")
	assert.Contains(t, got[len(got)-1], "workflow:complete")
}
