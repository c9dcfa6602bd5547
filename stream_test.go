package theazo_test

// The SDK's streams (stream.go) against theazotest: reconnection and
// resumption with Last-Event-ID and retry:, and relaying a run to a
// browser with sse.Relay.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/internal/memnet"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

// streamLastEventIDs returns the Last-Event-ID header of every stream
// connection srv received on a path that matches pattern (path.Match), in
// order: "" for a first connection.
func streamLastEventIDs(srv *theazotest.Server, pattern string) []string {
	var ids []string
	for _, r := range srv.Requests() {
		if ok, _ := path.Match(pattern, r.Path); ok && r.Method == http.MethodGet {
			ids = append(ids, r.Header.Get("Last-Event-ID"))
		}
	}
	return ids
}

// Against the fake: reconnections the server accepts and ends at once,
// without an event, do not end the stream, however many; every event
// arrives once.
func TestE2EStreamQuietReconnections(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond))
		_, a := agentFixture(t, c, nil)
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 1})
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", HangUp: true, Times: 4})
		st, err := c.Agents.RunStream(ctx, a.ID, "task")
		require.NoError(t, err)
		evs := collect(t, st.Events())
		assert.Equal(t, []string{"*theazo.ThinkingEvent", "*theazo.ToolCallEvent", "*theazo.ToolResultEvent", "*theazo.OutputEvent"}, typeNames(evs))
		assert.Equal(t, []string{"", "1", "1", "1", "1", "1"}, streamLastEventIDs(srv, "/v1/agents/"+a.ID+"/stream"))
	})
}

// Against the fake: failed reconnections count, each attempt once, and
// end the stream after three in a row; fewer do not; a refusal ends it at
// once.
func TestE2EStreamFailedReconnections(t *testing.T) {
	t.Parallel()
	t.Run("two failures", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond))
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", Status: 503, Times: 2})
			st, err := c.Agents.RunStream(ctx, a.ID, "task")
			require.NoError(t, err)
			assert.Len(t, collect(t, st.Events()), 4)
			assert.Equal(t, []string{"", "2", "2", "2"}, streamLastEventIDs(srv, "/v1/agents/"+a.ID+"/stream"))
		})
	})
	for _, tc := range []struct {
		name     string
		status   int
		attempts int // after the first connection
	}{
		{"failing for ever", 503, sse.DefaultMaxReconnects},
		{"refused", 404, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := t.Context()
				srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond))
				_, a := agentFixture(t, c, nil)
				srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
				srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", Status: tc.status, Times: -1})
				st, err := c.Agents.RunStream(ctx, a.ID, "task")
				require.NoError(t, err)
				var n int
				var last error
				for _, err := range st.Events() {
					if err != nil {
						last = err
						continue
					}
					n++
				}
				assert.Equal(t, 2, n)
				require.ErrorIs(t, last, sse.ErrInterrupted)
				var apiErr *theazo.Error
				require.ErrorAs(t, last, &apiErr, "the last failure is kept")
				assert.Equal(t, tc.status, apiErr.StatusCode)
				assert.Len(t, streamLastEventIDs(srv, "/v1/agents/"+a.ID+"/stream"), 1+tc.attempts, "one budget: the transport does not retry a stream's attempts")
			})
		})
	}
}

// Against the fake: a stream's retry: field sets the wait before a
// resumption.
func TestE2EStreamRetryField(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond), theazotest.WithStreamRetry(400*time.Millisecond))
		_, a := agentFixture(t, c, nil)
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
		st, err := c.Agents.RunStream(ctx, a.ID, "task")
		require.NoError(t, err)
		var at []time.Time
		for _, err := range st.Events() {
			require.NoError(t, err)
			at = append(at, time.Now())
		}
		require.Len(t, at, 4)
		assert.Equal(t, 400*time.Millisecond, at[2].Sub(at[1]), "the resumption waited what retry: asked")
		assert.Equal(t, []string{"", "2"}, streamLastEventIDs(srv, "/v1/agents/"+a.ID+"/stream"))
	})
}

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

// memServer is an httptest server of h on in-memory connections
// (internal/memnet), and the client that reaches it: the browser's side of
// a relay, or an API of a test's own. Inside a testing/synctest bubble both
// wait on the bubble's clock.
func memServer(t *testing.T, h http.Handler) (*httptest.Server, *http.Client) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	l := memnet.Listen()
	srv.Listener = l
	srv.Start()
	tr := &http.Transport{DialContext: l.Dial}
	t.Cleanup(srv.Close)
	t.Cleanup(tr.CloseIdleConnections)
	return srv, &http.Client{Transport: tr}
}

// get sends a GET of url with hc, with Last-Event-ID when lastEventID is
// set, as a browser's EventSource does. The response's body is closed when
// the test ends.
func get(t *testing.T, ctx context.Context, hc *http.Client, url, lastEventID string) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	require.NoError(t, err)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	resp, err := hc.Do(req)
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
			synctest.Test(t, func(t *testing.T) {
				srv, c := newE2E(t, theazotest.WithEventDelay(5*time.Millisecond))
				_, a := agentFixture(t, c, nil)
				if tc.fault != nil {
					srv.InjectFault(*tc.fault)
				}
				results := make(chan *theazo.AgentRun, 1)
				relayed := make(chan error, 1)
				backend, browser := memServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					run, err := c.Agents.RunStream(r.Context(), a.ID, r.URL.Query().Get("task"))
					if err != nil {
						http.Error(w, err.Error(), http.StatusBadGateway)
						relayed <- err
						return
					}
					relayed <- sse.Relay(r.Context(), w, r, run.Stream())
					results <- run
				}))

				resp := get(t, t.Context(), browser, backend.URL+"?task=Find+it", "")
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				require.NoError(t, <-relayed)
				assert.Equal(t, wireEvents(t, 1, theazotest.DefaultAgentScript("Find it")), string(body))
				assert.Equal(t, tc.connections, streamLastEventIDs(srv, "/v1/agents/*/stream"))

				res, err := (<-results).Result(t.Context())
				require.NoError(t, err, "the relayed events are collected too")
				assert.Equal(t, "Here is a scripted answer to: Find it", res.Output)
				assert.Equal(t, int64(12), res.Cost.Amount)
			})
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
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		srv, c := newE2E(t, theazotest.WithAgentScript(script), theazotest.WithEventDelay(20*time.Millisecond))
		_, a := agentFixture(t, c, nil)
		done := make(chan error, 2)
		backend, browser := memServer(t, relayHandler(c, a.ID, done))

		// The browser connects, the run starts, and the browser drops after 3 events.
		bctx, leave := context.WithCancel(ctx)
		resp := get(t, bctx, browser, backend.URL, "")
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
		resp = get(t, ctx, browser, backend.URL, "3")
		rest, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, <-done)
		assert.Equal(t, wireEvents(t, 1, script("task")), first.String()+string(rest))
		assert.Equal(t, []string{"", "3"}, streamLastEventIDs(srv, "/v1/agents/*/stream"))
	})
}

// A browser leaving closes the upstream stream at once.
func TestRelayBrowserLeavingClosesTheAgentStream(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		srv, c := newE2E(t, theazotest.WithEventDelay(time.Hour))
		_, a := agentFixture(t, c, nil)
		done := make(chan error, 1)
		backend, browser := memServer(t, relayHandler(c, a.ID, done))
		bctx, leave := context.WithCancel(ctx)
		resp := get(t, bctx, browser, backend.URL, "")
		assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
		synctest.Wait()
		require.Equal(t, 1, srv.OpenStreams())
		leave()
		synctest.Wait()
		require.Zero(t, srv.OpenStreams(), "theazotest sees the upstream closed, with no time passing")
		assert.NoError(t, <-done)
	})
}

// blockable is a ResponseWriter that tells how long its write in flight
// has been blocked. It flushes with FlushError and unwraps, so go-sse and
// http.ResponseController reach the server's writer through it.
type blockable struct {
	http.ResponseWriter
	since atomic.Int64 // Unix nanoseconds; 0 when no write is in flight
	n     atomic.Int64
}

func (w *blockable) track(do func() error) error {
	w.since.Store(time.Now().UnixNano())
	defer w.since.Store(0)
	return do()
}

func (w *blockable) Write(p []byte) (n int, err error) {
	err = w.track(func() error { n, err = w.ResponseWriter.Write(p); return err })
	w.n.Add(int64(n))
	return n, err
}

func (w *blockable) FlushError() error {
	return w.track(http.NewResponseController(w.ResponseWriter).Flush)
}

func (w *blockable) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *blockable) blocked() time.Duration {
	if s := w.since.Load(); s != 0 {
		return time.Since(time.Unix(0, s))
	}
	return 0
}

// smallSendBuffers gives each accepted connection a 4 KiB send buffer, so
// that a browser that does not read blocks the server's writes after a few
// events rather than after the megabytes the kernel would buffer.
type smallSendBuffers struct{ net.Listener }

func (l smallSendBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(4096)
	}
	return c, err
}

// A browser with a 4 KiB receive buffer that never reads, fed 16 KiB
// events: once the handler's context ends, Relay returns within a second,
// the API's stream is closed, no goroutine is left and the server shuts
// down. Not parallel: it checks the goroutines of the whole package.
func TestRelayBrowserThatNeverReadsPinsNothing(t *testing.T) {
	before := goleak.IgnoreCurrent()                   // the goroutines that were there already
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // registered first: runs last
	big := strings.Repeat("x", 16<<10)
	script := func(string) []theazotest.Event {
		evs := make([]theazotest.Event, 400) // 6.4 MiB: more than the sockets buffer
		for i := range evs {
			evs[i] = theazotest.Thinking(big)
		}
		return append(evs, theazotest.Output("done", 1))
	}
	srv, c := newE2E(t, theazotest.WithAgentScript(script))
	_, a := agentFixture(t, c, nil)

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	writers := make(chan *blockable, 1)
	type relayed struct {
		err error
		at  time.Time
	}
	returned := make(chan relayed, 1)
	hs := &http.Server{
		// As a server does to end its streams on shutdown.
		BaseContext: func(net.Listener) context.Context { return ctx },
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			run, err := c.Agents.RunStream(r.Context(), a.ID, "flood")
			if err != nil {
				sse.RelayError(w, r, err)
				returned <- relayed{err, time.Now()}
				return
			}
			defer run.Close()
			bw := &blockable{ResponseWriter: w}
			writers <- bw
			err = sse.Relay(r.Context(), bw, r, run.Stream(), sse.WithHeartbeat(0))
			returned <- relayed{err, time.Now()}
		}),
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	served := make(chan error, 1)
	go func() { served <- hs.Serve(smallSendBuffers{ln}) }()

	// The browser: asks for the stream, then never reads.
	browser, err := net.Dial("tcp", ln.Addr().String())
	require.NoError(t, err)
	defer browser.Close()
	require.NoError(t, browser.(*net.TCPConn).SetReadBuffer(4096))
	_, err = io.WriteString(browser, "GET / HTTP/1.1\r\nHost: backend\r\nAccept: text/event-stream\r\n\r\n")
	require.NoError(t, err)

	var bw *blockable
	select {
	case bw = <-writers:
	case got := <-returned:
		t.Fatalf("the run did not start: %v", got.err)
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not start")
	}
	require.Eventually(t, func() bool { return bw.blocked() > 50*time.Millisecond }, 10*time.Second, time.Millisecond,
		"a write to the browser blocks")
	require.Equal(t, 1, srv.OpenStreams())

	ended := time.Now()
	t.Logf("a write blocked after %d KiB", bw.n.Load()>>10)
	cancel()
	var got relayed
	select {
	case got = <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("Relay did not return")
	}
	took := got.at.Sub(ended)
	t.Logf("Relay returned %v after the handler's context ended", took.Round(time.Millisecond))
	assert.Less(t, took, time.Second)
	assert.NoError(t, got.err, "the handler's context is the request's: a browser going away is no error")
	require.Eventually(t, func() bool { return srv.OpenStreams() == 0 }, time.Second, time.Millisecond,
		"theazotest sees the stream closed")
	t.Logf("theazotest saw the stream closed %v after the handler's context ended", time.Since(ended).Round(time.Millisecond))

	shutdown, stop := context.WithTimeout(context.Background(), 2*time.Second)
	defer stop()
	require.NoError(t, hs.Shutdown(shutdown), "the server shuts down")
	assert.ErrorIs(t, <-served, http.ErrServerClosed)
}

// sseEvent is one event as EventSource sees it.
type sseEvent struct{ id, typ, data string }

// parseSSE parses an event stream to its end.
func parseSSE(body string) []sseEvent {
	var out []sseEvent
	var cur sseEvent
	for _, line := range strings.Split(body, "\n") {
		name, value, _ := strings.Cut(line, ": ")
		switch name {
		case "":
			if cur.data != "" {
				out = append(out, cur)
			}
			cur = sseEvent{id: cur.id}
		case "id":
			cur.id = value
		case "event":
			cur.typ = value
		case "data":
			cur.data += value
		}
	}
	return out
}

// When the API fails, before the first event or mid-run, the browser gets
// a last "error" event with the code, then the end of the response, and
// never the key.
func TestRelayTellsTheBrowserTheAPIFailed(t *testing.T) {
	t.Parallel()
	const key = "th_test_relaykey0123456789abcdef"
	failing := func(task string) []theazotest.Event {
		return []theazotest.Event{theazotest.Thinking("one"), theazotest.Failure("provider_error", "the sandbox died")}
	}
	tests := []struct {
		name   string
		opts   []theazotest.Option
		faults []theazotest.Fault
		// echo, when set, is an API of its own that answers the stream with
		// a 503 quoting the key.
		echo      bool
		wantTypes []string // the events the browser got, in order
		wantError map[string]string
		wantRelay error // what Relay returned, or the error RelayError sent, matched with errors.Is
	}{
		{
			name:      "503 before the first event",
			faults:    []theazotest.Fault{{Method: "GET", Path: "/agents/*/stream", Status: http.StatusServiceUnavailable, Times: -1}},
			wantTypes: []string{"error"},
			wantError: map[string]string{"code": "service_unavailable"},
		},
		{
			name: "503 on resuming mid-run",
			faults: []theazotest.Fault{
				{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2},
				{Method: "GET", Path: "/agents/*/stream", Status: http.StatusServiceUnavailable, Times: -1},
			},
			wantTypes: []string{"thinking", "tool_call", "error"},
			wantError: map[string]string{"code": "service_unavailable"},
			wantRelay: sse.ErrInterrupted,
		},
		{
			name:      "the run's own error event mid-run",
			opts:      []theazotest.Option{theazotest.WithAgentScript(failing)},
			wantTypes: []string{"thinking", "error"},
			wantError: map[string]string{"code": "provider_error", "message": "the sandbox died"},
		},
		{
			name:      "an API that quotes the key",
			echo:      true,
			wantTypes: []string{"error"},
			wantError: map[string]string{"code": "service_unavailable", "message": "key [redacted] is paused", "requestId": "req_[redacted]"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv, _ := newE2E(t, append([]theazotest.Option{theazotest.WithAPIKey(key)}, tc.opts...)...)
				c := srv.Client(theazo.WithMaxRetries(0))
				_, a := agentFixture(t, c, nil)
				streams := c
				if tc.echo {
					api, hc := memServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusServiceUnavailable)
						fmt.Fprintf(w, `{"error":{"code":"service_unavailable","message":"key %s is paused","requestId":"req_%s"}}`, got, got)
					}))
					streams = theazo.NewClient(key, theazo.WithBaseURL(api.URL), theazo.WithHTTPClient(hc), theazo.WithMaxRetries(0))
				}
				for _, f := range tc.faults {
					srv.InjectFault(f)
				}
				done := make(chan error, 1)
				backend, browser := memServer(t, relayHandler(streams, a.ID, done))

				resp := get(t, t.Context(), browser, backend.URL, "")
				if !tc.echo && len(tc.wantTypes) > 1 {
					_, err := c.Agents.Run(t.Context(), a.ID, "task")
					require.NoError(t, err)
				}
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err, "the response ends")
				relayErr := <-done

				assert.Equal(t, http.StatusOK, resp.StatusCode)
				assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
				assert.NotContains(t, string(body), key)
				events := parseSSE(string(body))
				var types []string
				for _, ev := range events {
					types = append(types, ev.typ)
				}
				require.Equal(t, tc.wantTypes, types, string(body))
				var data map[string]any
				require.NoError(t, json.Unmarshal([]byte(events[len(events)-1].data), &data))
				for k, v := range tc.wantError {
					assert.Equal(t, v, data[k], k)
				}
				if tc.wantRelay != nil {
					assert.ErrorIs(t, relayErr, tc.wantRelay)
				}
				assert.NotContains(t, fmt.Sprint(relayErr), key)
			})
		})
	}
}

// A stream dropped mid-way is resumed with Last-Event-ID: every event
// arrives once, in order.
func TestE2EStreamResume(t *testing.T) {
	t.Parallel()
	t.Run("agent", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond))
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
			st, err := c.Agents.RunStream(ctx, a.ID, "task")
			require.NoError(t, err)
			evs := collect(t, st.Events())
			assert.Equal(t, []string{"*theazo.ThinkingEvent", "*theazo.ToolCallEvent", "*theazo.ToolResultEvent", "*theazo.OutputEvent"}, typeNames(evs))
			var resumes []string
			for _, r := range srv.Requests() {
				if r.Path == "/v1/agents/"+a.ID+"/stream" {
					resumes = append(resumes, r.Header.Get("Last-Event-Id"))
				}
			}
			assert.Equal(t, []string{"", "2"}, resumes)
			n, _ := count(srv, "POST", "/v1/agents/"+a.ID+"/run")
			assert.Equal(t, 1, n, "the run is not repeated")
		})
	})
	t.Run("workflow run, dropped twice", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			def := definition(t, c)
			w, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "w", Steps: []theazo.WorkflowStep{
				{Name: "a", DefinitionID: def, Task: "a"}, {Name: "b", DefinitionID: def, Task: "b"}, {Name: "c", DefinitionID: def, Task: "c"}}})
			require.NoError(t, err)
			run, err := c.Workflows.Run(ctx, w.ID, nil)
			require.NoError(t, err)
			srv.InjectFault(theazotest.Fault{Path: "/workflow-runs/*/stream", Times: 2, DropAfterEvents: 2})
			st, err := c.Workflows.Attach(ctx, run.ID)
			require.NoError(t, err)
			evs := collect(t, st.Events())
			require.Len(t, evs, 7)
			for i, name := range []string{"a", "a", "b", "b", "c", "c"} {
				switch e := evs[i].(type) {
				case *theazo.StepStartEvent:
					assert.Equal(t, name, e.Step)
				case *theazo.StepCompleteEvent:
					assert.Equal(t, name, e.Step)
				}
			}
			assert.IsType(t, &theazo.WorkflowCompleteEvent{}, evs[6])
		})
	})
	t.Run("fleet", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			s, _ := agentFixture(t, c, nil)
			tasks := []string{"t0", "t1", "t2", "t3", "t4"}
			f, err := c.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: s.ID, DefinitionID: definition(t, c), Tasks: tasks, Concurrency: 2})
			require.NoError(t, err)
			srv.InjectFault(theazotest.Fault{Path: "/fleets/*/stream", DropAfterEvents: 3})
			st, err := c.Fleets.Attach(ctx, f.ID)
			require.NoError(t, err)
			evs := collect(t, st.Events())
			require.Len(t, evs, 11)
			seen := map[string]int{}
			for _, ev := range evs[:10] {
				switch e := ev.(type) {
				case *theazo.AgentStartEvent:
					seen["start "+e.Task]++
				case *theazo.AgentCompleteEvent:
					seen["done "+tasks[e.Index]]++
				}
			}
			for _, task := range tasks {
				assert.Equal(t, 1, seen["start "+task], task)
				assert.Equal(t, 1, seen["done "+task], task)
			}
			assert.EqualExportedValues(t, &theazo.FleetCompleteEvent{Completed: 5, TotalCost: theazo.Money{Amount: 40, Currency: "usd"}}, evs[10])
		})
	})
	t.Run("channel", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			ch, err := c.Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "c"})
			require.NoError(t, err)
			srv.InjectFault(theazotest.Fault{Path: "/channels/*/stream", DropAfterEvents: 1})
			st, err := c.Channels.Stream(ctx, ch.ID, nil)
			require.NoError(t, err)
			defer st.Close()
			for _, text := range []string{"one", "two"} {
				_, err := c.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: text})
				require.NoError(t, err)
			}
			var got []string
			for ev, err := range st.Events() {
				require.NoError(t, err)
				got = append(got, ev.(*theazo.MessageEvent).Content)
				if len(got) == 4 {
					break
				}
			}
			assert.Equal(t, "one", got[0])
			assert.Equal(t, "two", got[2])
			assert.Len(t, got, 4)
		})
	})
	t.Run("a stream that cannot be resumed ends with an error", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Path: "/agents/*/stream", Times: -1, HangUp: true})
			st, err := c.Agents.RunStream(ctx, a.ID, "t")
			require.NoError(t, err)
			var last error
			for _, err := range st.Events() {
				last = err
			}
			assert.ErrorIs(t, last, sse.ErrInterrupted)
		})
	})
	t.Run("Close unblocks a waiting reader", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			_, c := newE2E(t)
			ch, err := c.Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "c"})
			require.NoError(t, err)
			st, err := c.Channels.Stream(ctx, ch.ID, nil)
			require.NoError(t, err)
			done := make(chan error, 1)
			go func() {
				var last error
				for _, err := range st.Events() {
					last = err
				}
				done <- last
			}()
			time.Sleep(20 * time.Millisecond)
			require.NoError(t, st.Close())
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(2 * time.Second):
				t.Fatal("Close did not unblock the reader")
			}
		})
	})
}
