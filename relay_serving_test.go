package theazo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

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
	t.Cleanup(func() { goleak.VerifyNone(t, goleak.IgnoreCurrent()) }) // registered first: runs last
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
			srv, _ := newE2E(t, append([]theazotest.Option{theazotest.WithAPIKey(key)}, tc.opts...)...)
			c := srv.Client(theazo.WithMaxRetries(0))
			_, a := agentFixture(t, c, nil)
			streams := c
			if tc.echo {
				api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					got := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(http.StatusServiceUnavailable)
					fmt.Fprintf(w, `{"error":{"code":"service_unavailable","message":"key %s is paused","requestId":"req_%s"}}`, got, got)
				}))
				t.Cleanup(api.Close)
				streams = theazo.NewClient(key, theazo.WithBaseURL(api.URL), theazo.WithMaxRetries(0))
			}
			for _, f := range tc.faults {
				srv.InjectFault(f)
			}
			done := make(chan error, 1)
			backend := httptest.NewServer(relayHandler(streams, a.ID, done))
			t.Cleanup(backend.Close)

			resp := get(t, t.Context(), backend.URL, "")
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
	}
}
