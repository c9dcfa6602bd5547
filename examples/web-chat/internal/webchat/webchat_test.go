package webchat

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/internal/memnet"
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

// api starts theazotest in memory, whose agents think n times, 20 ms
// apart, then answer.
func api(t *testing.T, n int) *theazotest.Server {
	t.Helper()
	api := theazotest.NewServer(theazotest.WithInMemory(), theazotest.WithAgentScript(script(n)), theazotest.WithEventDelay(20*time.Millisecond))
	t.Cleanup(api.Close)
	return api
}

// network is the tests' in-memory network (internal/memnet): each server
// on it has a host name, which its client dials. In a testing/synctest
// bubble, every wait of the servers on it, of theazotest and of the
// client passes on the bubble's clock, taking no real time.
type network struct {
	client *http.Client // a browser: reaches every server of the network

	mu    sync.Mutex
	hosts map[string]*memnet.Listener
}

func newNetwork(t *testing.T) *network {
	n := &network{hosts: map[string]*memnet.Listener{}}
	tr := &http.Transport{DialContext: n.dial}
	t.Cleanup(tr.CloseIdleConnections)
	n.client = &http.Client{Transport: tr}
	return n
}

// dial connects to the server whose host name addr holds.
func (n *network) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	n.mu.Lock()
	l := n.hosts[host]
	n.mu.Unlock()
	if l == nil {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("no such host: " + host)}
	}
	return l.Dial(ctx, network, addr)
}

// serve serves h as http://host until the test ends and returns that URL.
func (n *network) serve(t *testing.T, host string, h http.Handler) string {
	t.Helper()
	l := memnet.Listen()
	n.mu.Lock()
	n.hosts[host] = l
	n.mu.Unlock()
	srv := &http.Server{Handler: h, ErrorLog: log.New(io.Discard, "", 0)}
	served := make(chan struct{})
	go func() {
		defer close(served)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-served
	})
	return "http://" + host
}

// serve serves a chat server on api as http://host and returns its URL.
func serve(t *testing.T, n *network, host string, api *theazotest.Server) string {
	t.Helper()
	return n.serve(t, host, New(api.Client(), "test", log.New(io.Discard, "", 0)))
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

func newProxy(t *testing.T, n *network, backends ...string) *proxy {
	t.Helper()
	var targets []*url.URL
	for _, b := range backends {
		u, err := url.Parse(b)
		require.NoError(t, err)
		targets = append(targets, u)
	}
	p := &proxy{}
	tr := &http.Transport{DialContext: n.dial}
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
	p.URL = n.serve(t, "proxy", rp)
	return p
}

// log returns which server got each request, in order.
func (p *proxy) log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.served...)
}

func (n *network) post(t *testing.T, u string, form url.Values) map[string]string {
	t.Helper()
	resp, err := n.client.PostForm(u, form)
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
func (n *network) events(t *testing.T, ctx context.Context, u, lastEventID string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := n.client.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	return resp
}

// read opens an event stream, reads count of its events (all if count <
// 0), then drops the connection, as a page whose network fails.
func (n *network) read(t *testing.T, u, lastEventID string, count int) []int {
	t.Helper()
	ctx, drop := context.WithCancel(t.Context())
	defer drop()
	return ids(t, n.events(t, ctx, u, lastEventID).Body, func(ids []int) bool { return len(ids) == count })
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

func (n *network) result(t *testing.T, u string) map[string]any {
	t.Helper()
	resp, err := n.client.Get(u)
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
// order, and one run is started. On synctest's clock: the run's events
// take no real time.
func TestReplicasServeOnePage(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork(t)
		api := api(t, 10) // events 1 to 11
		p := newProxy(t, n, serve(t, n, "chat0", api), serve(t, n, "chat1", api))
		agent := n.post(t, p.URL+"/api/agents", nil)["id"]
		runURL := p.URL + "/api/agents/" + agent + "/runs"
		eventsURL := p.URL + "/api/agents/" + agent + "/events"

		// The page opens the agent's stream, then starts the run.
		ctx, drop := context.WithCancel(t.Context())
		stream := n.events(t, ctx, eventsURL, "")
		task := n.post(t, runURL, url.Values{"task": {"life"}})["taskId"]
		first := ids(t, stream.Body, func(ids []int) bool { return len(ids) == 2 })
		drop()
		second := n.read(t, eventsURL, "2", 2)
		rest := n.read(t, eventsURL, "4", -1)

		assert.Equal(t, []int{1, 2}, first)
		assert.Equal(t, []int{3, 4}, second, "resumed after the page's Last-Event-ID")
		assert.Equal(t, upTo(5, 11), rest, "to the run's end")
		assert.Equal(t, 1, runsStarted(api), "one run started")

		res0 := n.result(t, runURL+"/"+task+"/result?after=4")
		res1 := n.result(t, runURL+"/"+task+"/result?after=4")
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
		synctest.Wait() // every goroutine of the bubble is blocked: whatever ends has ended
		assert.Zero(t, api.OpenStreams(), "no stream is left open")
	})
}

// A page whose connection drops before the run's first event reconnects
// without Last-Event-ID; the "after" of its URL, the last event of the
// agent's previous run, says where the run starts, on any replica. On
// synctest's clock: the runs' events take no real time.
func TestReconnectionWithoutLastEventIDResumesAfterThePreviousRun(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		n := newNetwork(t)
		api := api(t, 3) // events 1 to 4, then 5 to 8
		p := newProxy(t, n, serve(t, n, "chat0", api), serve(t, n, "chat1", api))
		agent := n.post(t, p.URL+"/api/agents", nil)["id"]
		runURL := p.URL + "/api/agents/" + agent + "/runs"
		eventsURL := p.URL + "/api/agents/" + agent + "/events"

		ctx, drop := context.WithCancel(t.Context())
		stream := n.events(t, ctx, eventsURL, "")
		n.post(t, runURL, url.Values{"task": {"one"}})
		require.Equal(t, upTo(1, 4), ids(t, stream.Body, nil))
		drop()

		// The second run: the page's connection drops at once, and the run
		// ends before the page is back.
		ctx, drop = context.WithCancel(t.Context())
		n.events(t, ctx, eventsURL+"?after=4", "")
		task := n.post(t, runURL, url.Values{"task": {"two"}})["taskId"]
		drop()
		watch, err := api.Client().Agents.Attach(t.Context(), agent, task, theazo.WithLastEventID("4"))
		require.NoError(t, err)
		defer watch.Close()
		_, err = watch.Result(t.Context())
		require.NoError(t, err, "the run ended")

		assert.Equal(t, upTo(5, 8), n.read(t, eventsURL+"?after=4", "", -1), "every event of the second run, once")
		assert.Equal(t, 2, runsStarted(api))
		assert.Equal(t, "The answer to two", n.result(t, runURL+"/"+task+"/result?after=4")["output"])
	})
}

// After the page left, at any point of the run, the result is the run's
// answer; no GET starts a run. On synctest's clock: the run's events take
// no real time.
func TestResultAfterThePageLeft(t *testing.T) {
	t.Parallel()
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
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				n := newNetwork(t)
				api := api(t, 10)
				base := serve(t, n, "chat", api)
				agent := n.post(t, base+"/api/agents", nil)["id"]
				runURL := base + "/api/agents/" + agent + "/runs"
				ctx, leave := context.WithCancel(t.Context())
				stream := n.events(t, ctx, base+"/api/agents/"+agent+"/events", "")
				task := n.post(t, runURL, url.Values{"task": {"life"}})["taskId"]
				got := ids(t, stream.Body, func(ids []int) bool { return len(ids) == tc.events })
				leave()
				require.Len(t, got, tc.events)

				res := n.result(t, runURL+"/"+task+"/result?after="+strconv.Itoa(got[len(got)-1]))
				assert.Equal(t, "The answer to life", res["output"])
				assert.Equal(t, map[string]any{"amount": 7.0, "currency": "usd"}, res["cost"])
				assert.Equal(t, 1, runsStarted(api))
				synctest.Wait() // every goroutine of the bubble is blocked: whatever ends has ended
				assert.Zero(t, api.OpenStreams(), "no stream is left open")
			})
		})
	}
}

// A page may use only the agents of the chat's own session: the server
// checks with the API, on every replica, and answers 404 for any other.
func TestAgentsOfAnotherSessionAreRefused(t *testing.T) {
	t.Parallel()
	n := newNetwork(t)
	api := api(t, 1)
	base := serve(t, n, "chat", api)
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
			resp, err := n.client.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, http.StatusNotFound, resp.StatusCode)
		})
	}
	assert.Equal(t, 0, runsStarted(api))
}
