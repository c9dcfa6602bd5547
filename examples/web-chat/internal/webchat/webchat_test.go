package webchat

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go/theazotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// chat serves a chat server on theazotest, whose agents think n times,
// 20 ms apart, then answer.
func chat(t *testing.T, n int) (*theazotest.Server, string) {
	api, base, _ := chatServer(t, n, collectAfter)
	return api, base
}

// chatServer is chat with the server, which collects runs after linger.
func chatServer(t *testing.T, n int, linger time.Duration) (*theazotest.Server, string, *Server) {
	t.Helper()
	script := func(task string) []theazotest.Event {
		var evs []theazotest.Event
		for i := range n {
			evs = append(evs, theazotest.Thinking("step "+strconv.Itoa(i)))
		}
		return append(evs, theazotest.Output("The answer to "+task, 7))
	}
	api := theazotest.NewServer(theazotest.WithAgentScript(script), theazotest.WithEventDelay(20*time.Millisecond))
	t.Cleanup(api.Close)
	s := New(api.Client(), "test", log.New(io.Discard, "", 0))
	s.linger = linger
	t.Cleanup(s.Close)
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return api, srv.URL, s
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

func events(t *testing.T, ctx context.Context, u, lastEventID string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	require.NoError(t, err)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	require.Equal(t, http.StatusOK, resp.StatusCode)
	return resp
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

// Reconnections, with and without Last-Event-ID, attach to the one run;
// the result after the page left is the run's answer.
func TestReconnectionsNeverStartARun(t *testing.T) {
	tests := []struct {
		name string
		// reconnect is the Last-Event-ID of the reconnection: "last" for
		// the last id the page got, "" for none.
		reconnect string
	}{
		{name: "with Last-Event-ID", reconnect: "last"},
		{name: "without Last-Event-ID", reconnect: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api, base := chat(t, 10)
			agent := post(t, base+"/api/agents", nil)["id"]
			task := post(t, base+"/api/agents/"+agent+"/runs", url.Values{"task": {"life"}})["taskId"]
			eventsURL := base + "/api/agents/" + agent + "/runs/" + task + "/events"

			ctx, leave := context.WithCancel(t.Context())
			first := ids(t, events(t, ctx, eventsURL, "").Body, func(ids []int) bool { return len(ids) == 2 })
			leave()
			assert.Equal(t, []int{1, 2}, first, "the first GET relays the run from its first event")

			lastID := ""
			if tc.reconnect == "last" {
				lastID = "2"
			}
			rest := ids(t, events(t, t.Context(), eventsURL, lastID).Body, nil)
			require.NotEmpty(t, rest)
			if lastID != "" {
				assert.Equal(t, 3, rest[0], "resumed after the page's last event")
			}
			assert.Greater(t, rest[0], 2, "no event twice")
			assert.Equal(t, 11, rest[len(rest)-1], "to the run's end")
			assert.Equal(t, 1, runsStarted(api))
		})
	}
}

func TestResultAfterThePageLeft(t *testing.T) {
	tests := []struct {
		name   string
		events int // events the page reads before it leaves; -1: it never asks for them
	}{
		{name: "left mid-run", events: 2},
		{name: "never watched", events: -1},
		{name: "watched to the end", events: 11},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api, base := chat(t, 10)
			agent := post(t, base+"/api/agents", nil)["id"]
			task := post(t, base+"/api/agents/"+agent+"/runs", url.Values{"task": {"life"}})["taskId"]
			runURL := base + "/api/agents/" + agent + "/runs/" + task
			if tc.events >= 0 {
				ctx, leave := context.WithCancel(t.Context())
				got := ids(t, events(t, ctx, runURL+"/events", "").Body, func(ids []int) bool { return len(ids) == tc.events })
				leave()
				require.Len(t, got, tc.events)
			}
			res := result(t, runURL+"/result")
			assert.Equal(t, "The answer to life", res["output"])
			assert.Equal(t, map[string]any{"amount": 7.0, "currency": "usd"}, res["cost"])
			assert.Equal(t, 1, runsStarted(api))
			assert.Eventually(t, func() bool { return api.OpenStreams() == 0 }, time.Second, time.Millisecond, "no stream is left open")
		})
	}
}

// streamGets counts the stream connections api received.
func streamGets(api *theazotest.Server) int {
	n := 0
	for _, r := range api.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/stream") {
			n++
		}
	}
	return n
}

// A run that no page watches any longer, or never did, is read to its end
// by the server itself, so that its result does not depend on the API
// replaying events when someone asks for it later.
func TestARunNoPageWatchesIsCollected(t *testing.T) {
	tests := []struct {
		name   string
		events int // events the page reads before it leaves; -1: it never asks for them
	}{
		{name: "the page left mid-run", events: 2},
		{name: "no page asked for its events", events: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			api, base, s := chatServer(t, 10, 20*time.Millisecond)
			agent := post(t, base+"/api/agents", nil)["id"]
			task := post(t, base+"/api/agents/"+agent+"/runs", url.Values{"task": {"life"}})["taskId"]
			runURL := base + "/api/agents/" + agent + "/runs/" + task
			if tc.events >= 0 {
				ctx, leave := context.WithCancel(t.Context())
				ids(t, events(t, ctx, runURL+"/events", "").Body, func(ids []int) bool { return len(ids) == tc.events })
				leave()
			}
			require.Eventually(t, func() bool {
				s.mu.Lock()
				defer s.mu.Unlock()
				res, _, _ := s.agents[agent].known()
				return res != nil
			}, 5*time.Second, time.Millisecond, "the server read the run to its end")
			gets := streamGets(api)

			res := result(t, runURL+"/result")
			assert.Equal(t, "The answer to life", res["output"])
			assert.Equal(t, gets, streamGets(api), "the result was at hand")
			assert.Equal(t, 1, runsStarted(api))
		})
	}
}

// A page that reconnects within the wait calls the collection off: the
// server reads the run once, for the page.
func TestAReconnectingPageCallsTheCollectionOff(t *testing.T) {
	api, base, _ := chatServer(t, 10, 50*time.Millisecond) // shorter than the reconnection's relay
	agent := post(t, base+"/api/agents", nil)["id"]
	task := post(t, base+"/api/agents/"+agent+"/runs", url.Values{"task": {"life"}})["taskId"]
	eventsURL := base + "/api/agents/" + agent + "/runs/" + task + "/events"
	ctx, leave := context.WithCancel(t.Context())
	ids(t, events(t, ctx, eventsURL, "").Body, func(ids []int) bool { return len(ids) == 2 })
	leave()
	rest := ids(t, events(t, t.Context(), eventsURL, "2").Body, nil)
	assert.Equal(t, []int{3, 4, 5, 6, 7, 8, 9, 10, 11}, rest)
	assert.Equal(t, 2, streamGets(api), "the run's own stream, then the page's reconnection")
}
