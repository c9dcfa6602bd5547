package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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

// serve runs the example on a free port and returns the page's URL; the
// example stops, and must return nil, when the test ends.
func serve(t *testing.T) (string, *syncBuffer) {
	t.Helper()
	t.Setenv("THEAZO_API_KEY", "")
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	urls := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, out, "127.0.0.1:0", func(u string) { urls <- u }) }()
	t.Cleanup(func() {
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
		return u, out
	case err := <-done:
		t.Fatalf("the example stopped: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the example did not start")
	}
	return "", nil
}

func TestWebChatServesThePage(t *testing.T) {
	page, out := serve(t)
	assert.Regexp(t, `^No THEAZO_API_KEY set.*\nOpen http://127\.0\.0\.1:\d+/ in your browser\. Ctrl-C stops\.\n$`, out.String())
	resp, err := http.Get(page)
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
func newAgent(t *testing.T, page string) string {
	t.Helper()
	resp, err := http.Post(page+"api/agents", "", nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var agent struct{ ID string }
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&agent))
	require.True(t, strings.HasPrefix(agent.ID, "agt_"), agent.ID)
	return agent.ID
}

// startRun starts task on the agent, as the page does, and returns its task id.
func startRun(t *testing.T, page, agentID, task string) string {
	t.Helper()
	resp, err := http.PostForm(page+"api/agents/"+agentID+"/runs", url.Values{"task": {task}})
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
func getEvents(t *testing.T, page, agentID, lastEventID string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, page+"api/agents/"+agentID+"/events", nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
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

func TestWebChatRunsATask(t *testing.T) {
	page, _ := serve(t)
	agentID := newAgent(t, page)
	resp := getEvents(t, page, agentID, "") // the page opens the agent's stream, then starts the run
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	taskID := startRun(t, page, agentID, "What is new in Go?")
	events := readEvents(t, resp.Body)
	for _, ev := range events {
		assert.True(t, json.Valid([]byte(ev.data)), ev.data)
	}
	assert.Equal(t, []string{"1 thinking", "2 tool_call", "3 tool_result", "4 thinking", "5 output"}, eventNames(events))
	assert.JSONEq(t, `{"cost":{"amount":14,"currency":"usd"},"text":"Here is a scripted answer to: What is new in Go?"}`, events[4].data)

	// A reconnection resumes the same run after its Last-Event-ID.
	again := readEvents(t, getEvents(t, page, agentID, "3").Body)
	assert.Equal(t, []string{"4 thinking", "5 output"}, eventNames(again))

	resp, err := http.Get(page + "api/agents/" + agentID + "/runs/" + taskID + "/result?after=3")
	require.NoError(t, err)
	defer resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.JSONEq(t, `{"taskId":"`+taskID+`","output":"Here is a scripted answer to: What is new in Go?","cost":{"amount":14,"currency":"usd"}}`, string(body))
}

func TestWebChatRefusesBadRequests(t *testing.T) {
	page, _ := serve(t)
	agentID := newAgent(t, page)
	taskID := startRun(t, page, agentID, "x")
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
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, page+tc.path, strings.NewReader(tc.form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			resp.Body.Close()
			assert.Equal(t, tc.status, resp.StatusCode)
		})
	}
}
