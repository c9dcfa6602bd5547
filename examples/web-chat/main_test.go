package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go/internal/memnet"
	"github.com/theazo/theazo-go/theazotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// syncBuffer is the program's output, written and read concurrently.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// page is the example, served for a test.
type page struct {
	url    string       // the page's URL
	client *http.Client // a browser of the page
	out    *syncBuffer  // what the example printed
}

// serve runs the example on ln with fake's options and returns its page;
// the example stops, and must return nil, when the test ends.
func serve(t *testing.T, ln net.Listener, fake ...theazotest.Option) *page {
	t.Helper()
	tr := &http.Transport{}
	if ml, ok := ln.(*memnet.Listener); ok {
		tr.DialContext = ml.Dial
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, out, ln, func(u string) { urls <- u }, fake...) }()
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		cancel()
		select {
		case err := <-done:
			assert.NoError(t, err)
			assert.True(t, strings.HasSuffix(out.String(), "Stopped.\n"), out.String())
		case <-time.After(10 * time.Second):
			t.Error("the server did not stop")
		}
	})
	select {
	case u := <-urls:
		return &page{url: u, client: &http.Client{Transport: tr}, out: out}
	case err := <-done:
		t.Fatalf("the example stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the example did not start")
	}
	return nil
}

// serveInMemory serves the example and its fake in memory: in a
// testing/synctest bubble, the fake's delays (its agents' provisioning,
// its events' pacing) take no real time.
func serveInMemory(t *testing.T) *page {
	t.Helper()
	return serve(t, memnet.Listen(), theazotest.WithInMemory())
}

// TestWebChatServesThePage serves the example on a port, as main does.
func TestWebChatServesThePage(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := serve(t, ln)
	assert.Regexp(t, `^No THEAZO_API_KEY set.*\nOpen http://127\.0\.0\.1:\d+/ in your browser\. Ctrl-C stops\.\n$`, p.out.String())
	resp, err := p.client.Get(p.url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/html; charset=utf-8", resp.Header.Get("Content-Type"))
	html := string(body)
	assert.Contains(t, html, "new EventSource(")
	assert.NotContains(t, html, "<script src", "one page, nothing loaded from elsewhere")
	assert.NotContains(t, html, "<link")
	assert.NotContains(t, html, "innerHTML =", "the agent's text is never HTML")
}

// sseEvent is one event as a browser's EventSource would see it.
type sseEvent struct{ id, typ, data string }

// readEvents parses an event stream to its end.
func readEvents(t *testing.T, r io.Reader) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if line == "" {
			if cur.data != "" {
				out = append(out, cur)
			}
			cur = sseEvent{id: cur.id}
			continue
		}
		name, value, _ := strings.Cut(line, ": ")
		switch name {
		case "id":
			cur.id = value
		case "event":
			cur.typ = value
		case "data":
			cur.data += value
		}
	}
	require.NoError(t, sc.Err())
	return out
}

// newAgent asks the example for an agent, as the page does first.
func newAgent(t *testing.T, p *page) string {
	t.Helper()
	resp, err := p.client.Post(p.url+"api/agents", "", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var agent struct{ ID string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&agent))
	require.True(t, strings.HasPrefix(agent.ID, "agt_"), agent.ID)
	return agent.ID
}

// startRun starts task on the agent, as the page does, and returns its task id.
func startRun(t *testing.T, p *page, agentID, task string) string {
	t.Helper()
	resp, err := p.client.PostForm(p.url+"api/agents/"+agentID+"/runs", url.Values{"task": {task}})
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var run struct{ TaskID string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&run))
	require.True(t, strings.HasPrefix(run.TaskID, "task_"), run.TaskID)
	return run.TaskID
}

// getEvents opens the agent's events as the page's EventSource does, with
// lastEventID if not empty, and returns once the stream is open.
func getEvents(t *testing.T, p *page, agentID, lastEventID string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.url+"api/agents/"+agentID+"/events", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := p.client.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func eventNames(events []sseEvent) []string {
	var got []string
	for _, ev := range events {
		got = append(got, ev.id+" "+ev.typ)
	}
	return got
}

// TestWebChatRunsATask runs on synctest's clock, in memory: the agent's
// provisioning and the run's events take no real time.
func TestWebChatRunsATask(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	synctest.Test(t, func(t *testing.T) {
		p := serveInMemory(t)
		agentID := newAgent(t, p)
		resp := getEvents(t, p, agentID, "") // the page opens the agent's stream, then starts the run
		assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		taskID := startRun(t, p, agentID, "What is new in Go?")
		events := readEvents(t, resp.Body)
		for _, ev := range events {
			assert.True(t, json.Valid([]byte(ev.data)), ev.data)
		}
		assert.Equal(t, []string{"1 thinking", "2 tool_call", "3 tool_result", "4 thinking", "5 output"}, eventNames(events))
		assert.JSONEq(t, `{"cost":{"amount":14,"currency":"usd"},"text":"Here is a scripted answer to: What is new in Go?"}`, events[4].data)

		// A reconnection resumes the same run after its Last-Event-ID.
		again := readEvents(t, getEvents(t, p, agentID, "3").Body)
		assert.Equal(t, []string{"4 thinking", "5 output"}, eventNames(again))

		resp, err := p.client.Get(p.url + "api/agents/" + agentID + "/runs/" + taskID + "/result?after=3")
		require.NoError(t, err)
		defer resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		assert.JSONEq(t, `{"taskId":"`+taskID+`","output":"Here is a scripted answer to: What is new in Go?","cost":{"amount":14,"currency":"usd"}}`, string(body))
	})
}

// TestWebChatRefusesBadRequests runs on synctest's clock, in memory: the
// agent's provisioning takes no real time. (No subtests: a bubble has none.)
func TestWebChatRefusesBadRequests(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	synctest.Test(t, func(t *testing.T) {
		p := serveInMemory(t)
		agentID := newAgent(t, p)
		taskID := startRun(t, p, agentID, "x")
		tests := []struct {
			name, method, path string
			form               url.Values
			status             int
		}{
			{"a run on an agent this server did not create", "POST", "api/agents/agt_other/runs", url.Values{"task": {"x"}}, http.StatusNotFound},
			{"no task", "POST", "api/agents/" + agentID + "/runs", nil, http.StatusBadRequest},
			{"a task too long", "POST", "api/agents/" + agentID + "/runs", url.Values{"task": {strings.Repeat("x", 4001)}}, http.StatusBadRequest},
			{"the events of an agent this server did not create", "GET", "api/agents/agt_other/events", nil, http.StatusNotFound},
			{"an event id too long", "GET", "api/agents/" + agentID + "/events?after=" + strings.Repeat("9", 257), nil, http.StatusBadRequest},
			{"the result of another agent's run", "GET", "api/agents/agt_other/runs/" + taskID + "/result?after=1", nil, http.StatusNotFound},
			{"a result without the id of an event", "GET", "api/agents/" + agentID + "/runs/" + taskID + "/result", nil, http.StatusBadRequest},
			{"a GET does not start a run", "GET", "api/agents/" + agentID + "/runs", nil, http.StatusMethodNotAllowed},
			{"an unknown page", "GET", "nothing-here", nil, http.StatusNotFound},
		}
		for _, tc := range tests {
			req, err := http.NewRequest(tc.method, p.url+tc.path, strings.NewReader(tc.form.Encode()))
			require.NoError(t, err, tc.name)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := p.client.Do(req)
			require.NoError(t, err, tc.name)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode, tc.name)
		}
	})
}
