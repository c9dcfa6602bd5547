package theazo_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

// wireEvents is what theazotest sends for events, numbered from first: the
// bytes a relay must pass on.
func wireEvents(t *testing.T, first int, events []theazotest.Event) string {
	t.Helper()
	var b strings.Builder
	for i, ev := range events {
		data, err := json.Marshal(ev.Data)
		require.NoError(t, err)
		fmt.Fprintf(&b, "id: %d\nevent: %s\ndata: %s\n\n", first+i, ev.Type, data)
	}
	return b.String()
}

// relayHandler relays an agent's stream to a browser: each request opens
// the stream, resuming after the browser's Last-Event-ID, and relays it; a
// stream that cannot be opened reaches the browser as the error event.
func relayHandler(client *theazo.Client, agentID string, done chan<- error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		stream, err := client.Agents.Stream(r.Context(), agentID, theazo.WithLastEventID(r.Header.Get("Last-Event-ID")))
		if err != nil {
			sse.RelayError(w, r, err)
			done <- err
			return
		}
		done <- sse.Relay(r.Context(), w, r, stream, sse.WithHeartbeat(0))
	}
}

func get(t *testing.T, ctx context.Context, url, lastEventID string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func TestRelayAgentRunByteForByte(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		fault       *theazotest.Fault
		connections []string // the Last-Event-ID of each upstream connection
	}{
		{name: "one connection", connections: []string{""}},
		{
			name:        "upstream dropped every 2 events",
			fault:       &theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2, Times: -1},
			connections: []string{"", "2"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, c := newE2E(t, theazotest.WithEventDelay(5*time.Millisecond))
			_, a := agentFixture(t, c, nil)
			if tc.fault != nil {
				srv.InjectFault(*tc.fault)
			}
			results := make(chan *theazo.AgentRun, 1)
			relayed := make(chan error, 1)
			backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				run, err := c.Agents.RunStream(r.Context(), a.ID, r.URL.Query().Get("task"))
				if err != nil {
					http.Error(w, err.Error(), http.StatusBadGateway)
					relayed <- err
					return
				}
				relayed <- sse.Relay(r.Context(), w, r, run.Stream())
				results <- run
			}))
			t.Cleanup(backend.Close)

			resp := get(t, t.Context(), backend.URL+"?task=Find+it", "")
			body, err := io.ReadAll(resp.Body)
			require.NoError(t, err)
			require.NoError(t, <-relayed)
			assert.Equal(t, wireEvents(t, 1, theazotest.DefaultAgentScript("Find it")), string(body))
			assert.Equal(t, tc.connections, streamLastEventIDs(srv))

			res, err := (<-results).Result(t.Context())
			require.NoError(t, err, "the relayed events are collected too")
			assert.Equal(t, "Here is a scripted answer to: Find it", res.Output)
			assert.Equal(t, int64(12), res.Cost.Amount)
		})
	}
}

// A browser that reconnects with Last-Event-ID gets
// the rest of the run, each event once.
func TestRelayRecipeResumesAfterTheBrowsersLastEventID(t *testing.T) {
	t.Parallel()
	script := func(task string) []theazotest.Event {
		var evs []theazotest.Event
		for i := range 6 {
			evs = append(evs, theazotest.Thinking("step "+strconv.Itoa(i)))
		}
		return append(evs, theazotest.Output("done", 4))
	}
	ctx := t.Context()
	srv, c := newE2E(t, theazotest.WithAgentScript(script), theazotest.WithEventDelay(20*time.Millisecond))
	_, a := agentFixture(t, c, nil)
	done := make(chan error, 2)
	backend := httptest.NewServer(relayHandler(c, a.ID, done))
	t.Cleanup(backend.Close)

	// The browser connects, the run starts, and the browser drops after 3 events.
	bctx, leave := context.WithCancel(ctx)
	resp := get(t, bctx, backend.URL, "")
	_, err := c.Agents.Run(ctx, a.ID, "task")
	require.NoError(t, err)
	br := bufio.NewReader(resp.Body)
	var first strings.Builder
	for range 3 * 4 { // 3 events of 4 lines
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		first.WriteString(line)
	}
	leave()
	assert.NoError(t, <-done, "a browser leaving is no error")

	// It reconnects with the last id it saw, as EventSource does.
	resp = get(t, ctx, backend.URL, "3")
	rest, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, <-done)
	assert.Equal(t, wireEvents(t, 1, script("task")), first.String()+string(rest))
	assert.Equal(t, []string{"", "3"}, streamLastEventIDs(srv))
}

// streamLastEventIDs returns the Last-Event-ID header of every stream
// connection srv received, in order: "" for a first connection.
func streamLastEventIDs(srv *theazotest.Server) []string {
	var ids []string
	for _, r := range srv.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/stream") {
			ids = append(ids, r.Header.Get("Last-Event-ID"))
		}
	}
	return ids
}

// A browser leaving closes the upstream stream at once.
func TestRelayBrowserLeavingClosesTheAgentStream(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := newE2E(t, theazotest.WithEventDelay(time.Hour))
	_, a := agentFixture(t, c, nil)
	done := make(chan error, 1)
	backend := httptest.NewServer(relayHandler(c, a.ID, done))
	t.Cleanup(backend.Close)
	bctx, leave := context.WithCancel(ctx)
	resp := get(t, bctx, backend.URL, "")
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	require.Eventually(t, func() bool { return srv.OpenStreams() == 1 }, time.Second, 5*time.Millisecond)
	leave()
	require.Eventually(t, func() bool { return srv.OpenStreams() == 0 }, time.Second, 5*time.Millisecond,
		"theazotest sees the upstream closed within 1 s")
	assert.NoError(t, <-done)
}
