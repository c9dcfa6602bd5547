package webchat

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// script thinks n times, then answers: events 1 to n+1 of a run.
func script(n int) theazotest.AgentScript {
	return func(task string) []theazotest.Event {
		var evs []theazotest.Event
		for i := range n {
			evs = append(evs, theazotest.Thinking("step "+strconv.Itoa(i)))
		}
		return append(evs, theazotest.Output("The answer to "+task, 7))
	}
}

// api starts theazotest, whose agents think n times, 20 ms apart, then answer.
func api(t *testing.T, n int) *theazotest.Server {
	t.Helper()
	api := theazotest.NewServer(theazotest.WithAgentScript(script(n)), theazotest.WithEventDelay(20*time.Millisecond))
	t.Cleanup(api.Close)
	return api
}

// serve serves a chat server on api and returns its URL.
func serve(t *testing.T, api *theazotest.Server) string {
	t.Helper()
	srv := httptest.NewServer(New(api.Client(), "test", log.New(io.Discard, "", 0)))
	t.Cleanup(srv.Close)
	return srv.URL
}

// proxy is a round-robin reverse proxy before several chat servers: the
// i-th request goes to server i mod n. It notes which server got each
// request.
type proxy struct {
	URL string

	mu     sync.Mutex
	next   int
	served []string // "server method path" of each request, in order
}

func newProxy(t *testing.T, backends ...string) *proxy {
	t.Helper()
	var targets []*url.URL
	for _, b := range backends {
		u, err := url.Parse(b)
		require.NoError(t, err)
		targets = append(targets, u)
	}
	p := &proxy{}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	rp := &httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(pr *httputil.ProxyRequest) {
			p.mu.Lock()
			i := p.next % len(targets)
			p.next++
			p.served = append(p.served, strconv.Itoa(i)+" "+pr.In.Method+" "+pr.In.URL.Path)
			p.mu.Unlock()
			pr.SetURL(targets[i])
		},
		ErrorLog: log.New(io.Discard, "", 0), // a page that leaves cancels the proxied request
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// log returns which server got each request, in order.
func (p *proxy) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.served...)
}

func post(t *testing.T, u string, form url.Values) map[string]string {
	t.Helper()
	resp, err := http.PostForm(u, form)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var v map[string]string
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return v
}

// ids reads the ids of the events of an event stream, until stop says so
// or the stream ends.
func ids(t *testing.T, body io.Reader, stop func(ids []int) bool) []int {
	t.Helper()
	var out []int
	sc := bufio.NewScanner(body)
	for sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			n, err := strconv.Atoi(id)
			require.NoError(t, err)
			out = append(out, n)
			if stop != nil && stop(out) {
				break
			}
		}
	}
	return out
}

// upTo returns from, from+1, …, n.
func upTo(from, n int) []int {
	var out []int
	for i := from; i <= n; i++ {
		out = append(out, i)
	}
	return out
}

// events opens an event stream as EventSource does, with lastEventID if
// not empty, and returns once it is open.
func events(t *testing.T, ctx context.Context, u, lastEventID string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	return resp
}

// read opens an event stream, reads n of its events (all if n < 0), then
// drops the connection, as a page whose network fails.
func read(t *testing.T, u, lastEventID string, n int) []int {
	t.Helper()
	ctx, drop := context.WithCancel(t.Context())
	defer drop()
	return ids(t, events(t, ctx, u, lastEventID).Body, func(ids []int) bool { return len(ids) == n })
}

func runsStarted(api *theazotest.Server) int {
	n := 0
	for _, r := range api.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/run") {
			n++
		}
	}
	return n
}

// streamLastEventIDs returns the Last-Event-ID of each connection to an
// agent's stream api received, in order.
func streamLastEventIDs(api *theazotest.Server) []string {
	var out []string
	for _, r := range api.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/stream") {
			out = append(out, r.Header.Get("Last-Event-ID"))
		}
	}
	return out
}

func result(t *testing.T, u string) map[string]any {
	t.Helper()
	resp, err := http.Get(u)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var v map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return v
}

// Two replicas behind a round-robin proxy serve one page: the run is
// started on one and streamed from the other, the page's connection drops
// twice mid-run and it resumes with Last-Event-ID on whichever replica it
// lands, and the result is fetched from both. Each event arrives once, in
// order, and one run is started.
func TestReplicasServeOnePage(t *testing.T) {
	api := api(t, 10) // events 1 to 11
	p := newProxy(t, serve(t, api), serve(t, api))
	agent := post(t, p.URL+"/api/agents", nil)["id"]
	runURL := p.URL + "/api/agents/" + agent + "/runs"
	eventsURL := p.URL + "/api/agents/" + agent + "/events"

	// The page opens the agent's stream, then starts the run.
	ctx, drop := context.WithCancel(t.Context())
	stream := events(t, ctx, eventsURL, "")
	task := post(t, runURL, url.Values{"task": {"life"}})["taskId"]
	first := ids(t, stream.Body, func(ids []int) bool { return len(ids) == 2 })
	drop()
	second := read(t, eventsURL, "2", 2)
	rest := read(t, eventsURL, "4", -1)

	assert.Equal(t, []int{1, 2}, first)
	assert.Equal(t, []int{3, 4}, second, "resumed after the page's Last-Event-ID")
	assert.Equal(t, upTo(5, 11), rest, "to the run's end")
	assert.Equal(t, 1, runsStarted(api), "one run started")

	res0 := result(t, runURL+"/"+task+"/result?after=4")
	res1 := result(t, runURL+"/"+task+"/result?after=4")
	for _, res := range []map[string]any{res0, res1} {
		assert.Equal(t, "The answer to life", res["output"])
		assert.Equal(t, map[string]any{"amount": 7.0, "currency": "usd"}, res["cost"])
		assert.Equal(t, task, res["taskId"])
	}
	assert.Equal(t, []string{
		"0 POST /api/agents",
		"1 GET /api/agents/" + agent + "/events",
		"0 POST /api/agents/" + agent + "/runs", // not the replica streaming the run
		"1 GET /api/agents/" + agent + "/events",
		"0 GET /api/agents/" + agent + "/events", // resumed on the other replica
		"1 GET /api/agents/" + agent + "/runs/" + task + "/result",
		"0 GET /api/agents/" + agent + "/runs/" + task + "/result",
	}, p.log(), "the requests went round the replicas")
	assert.Equal(t, []string{"", "2", "4", "4", "4"}, streamLastEventIDs(api), "each replica resumed the agent's stream after the page's id")
	assert.Eventually(t, func() bool { return api.OpenStreams() == 0 }, time.Second, time.Millisecond, "no stream is left open")
}

// A page whose connection drops before the run's first event reconnects
// without Last-Event-ID; the "after" of its URL, the last event of the
// agent's previous run, says where the run starts, on any replica.
func TestReconnectionWithoutLastEventIDResumesAfterThePreviousRun(t *testing.T) {
	api := api(t, 3) // events 1 to 4, then 5 to 8
	p := newProxy(t, serve(t, api), serve(t, api))
	agent := post(t, p.URL+"/api/agents", nil)["id"]
	runURL := p.URL + "/api/agents/" + agent + "/runs"
	eventsURL := p.URL + "/api/agents/" + agent + "/events"

	ctx, drop := context.WithCancel(t.Context())
	stream := events(t, ctx, eventsURL, "")
	post(t, runURL, url.Values{"task": {"one"}})
	require.Equal(t, upTo(1, 4), ids(t, stream.Body, nil))
	drop()

	// The second run: the page's connection drops at once, and the run
	// ends before the page is back.
	ctx, drop = context.WithCancel(t.Context())
	events(t, ctx, eventsURL+"?after=4", "")
	task := post(t, runURL, url.Values{"task": {"two"}})["taskId"]
	drop()
	watch, err := api.Client().Agents.Attach(t.Context(), agent, task, theazo.WithLastEventID("4"))
	require.NoError(t, err)
	defer watch.Close()
	_, err = watch.Result(t.Context())
	require.NoError(t, err, "the run ended")

	assert.Equal(t, upTo(5, 8), read(t, eventsURL+"?after=4", "", -1), "every event of the second run, once")
	assert.Equal(t, 2, runsStarted(api))
	assert.Equal(t, "The answer to two", result(t, runURL+"/"+task+"/result?after=4")["output"])
}

// After the page left, at any point of the run, the result is the run's
// answer; no GET starts a run.
func TestResultAfterThePageLeft(t *testing.T) {
	tests := []struct {
		name   string
		events int // events the page got before it left
	}{
		{name: "after the first event", events: 1},
		{name: "mid-run", events: 5},
		{name: "before the answer", events: 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api := api(t, 10)
			base := serve(t, api)
			agent := post(t, base+"/api/agents", nil)["id"]
			runURL := base + "/api/agents/" + agent + "/runs"
			ctx, leave := context.WithCancel(t.Context())
			stream := events(t, ctx, base+"/api/agents/"+agent+"/events", "")
			task := post(t, runURL, url.Values{"task": {"life"}})["taskId"]
			got := ids(t, stream.Body, func(ids []int) bool { return len(ids) == tc.events })
			leave()
			require.Len(t, got, tc.events)

			res := result(t, runURL+"/"+task+"/result?after="+strconv.Itoa(got[len(got)-1]))
			assert.Equal(t, "The answer to life", res["output"])
			assert.Equal(t, map[string]any{"amount": 7.0, "currency": "usd"}, res["cost"])
			assert.Equal(t, 1, runsStarted(api))
			assert.Eventually(t, func() bool { return api.OpenStreams() == 0 }, time.Second, time.Millisecond, "no stream is left open")
		})
	}
}

// A page may use only the agents of the chat's own session: the server
// checks with the API, on every replica, and answers 404 for any other.
func TestAgentsOfAnotherSessionAreRefused(t *testing.T) {
	api := api(t, 1)
	base := serve(t, api)
	ctx := t.Context()
	other, err := api.Client().Sessions.GetOrCreate(ctx, "someone else", nil)
	require.NoError(t, err)
	agent, err := api.Client().Agents.Create(ctx, other.ID, nil)
	require.NoError(t, err)
	tests := []struct{ name, method, path string }{
		{"its events", http.MethodGet, "/api/agents/" + agent.ID + "/events"},
		{"a run", http.MethodPost, "/api/agents/" + agent.ID + "/runs"},
		{"a result", http.MethodGet, "/api/agents/" + agent.ID + "/runs/task_1/result?after=1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequestWithContext(ctx, tc.method, base+tc.path, strings.NewReader("task=x"))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		})
	}
	assert.Equal(t, 0, runsStarted(api))
}
