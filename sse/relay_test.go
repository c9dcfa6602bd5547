package sse

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test event relays as what it was received as.
func (e event) EventType() string        { return e.Type }
func (e event) RawJSON() json.RawMessage { return json.RawMessage(e.Data) }

// relayServer is the "backend" between the upstream srv and a browser: each
// request opens a stream of srv and relays it with opts. Relay's result
// goes to the returned channel.
func relayServer(t *testing.T, srv *server, ctx context.Context, opts ...RelayOption) (*httptest.Server, <-chan error) {
	t.Helper()
	results := make(chan error, 10)
	backend := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		s, err := Connect(r.Context(), srv.connect(t), cfg)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			results <- err
			return
		}
		results <- Relay(ctx, w, r, s, opts...)
	})
	return backend, results
}

// browse opens backend (see newBackend) as a browser would and returns the
// response.
func browse(t *testing.T, ctx context.Context, backend *httptest.Server) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, backend.URL, nil)
	require.NoError(t, err)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := backend.Client().Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// result waits for Relay's result.
func result(t *testing.T, results <-chan error) error {
	t.Helper()
	select {
	case err := <-results:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("Relay did not return")
		return nil
	}
}

func TestRelayIsByteExact(t *testing.T) {
	t.Parallel()
	const upstream = "retry: 10\n" +
		"id: 1\nevent: thinking\ndata: { \"text\" : \"caf\u00e9 \\u00e9\",  \"z\": [1, 2] }\n\n" +
		": a comment upstream\n\n" +
		"event: tool_call\ndata: {\"b\":1,\"a\":2}\n\n" + // no id line: the id stays 1
		"id: 7\nevent: step:complete\ndata: line one\ndata: line two\n\n" +
		"id: 8\ndata: {\"unnamed\":true}\n\n" +
		"event: tail\ndata: a\ndata:\n\n" + // data "a\n": its last line is empty
		"id: 9\nevent: end\ndata: {}\n\n"
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, upstream)
	})
	backend, results := relayServer(t, srv, context.Background(), WithHeartbeat(0))

	resp := browse(t, context.Background(), backend)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, result(t, results))

	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	assert.Equal(t, "no-cache", resp.Header.Get("Cache-Control"))
	assert.Equal(t, "no", resp.Header.Get("X-Accel-Buffering"))
	assert.Equal(t, "id: 1\nevent: thinking\ndata: { \"text\" : \"caf\u00e9 \\u00e9\",  \"z\": [1, 2] }\n\n"+
		"event: tool_call\ndata: {\"b\":1,\"a\":2}\n\n"+
		"id: 7\nevent: step:complete\ndata: line one\ndata: line two\n\n"+
		"id: 8\nevent: message\ndata: {\"unnamed\":true}\n\n"+
		"event: tail\ndata: a\ndata: \n\n"+
		"id: 9\nevent: end\ndata: {}\n\n", string(body))
}

// Each event reaches the browser before the upstream sends the next one.
func TestRelayFlushesEachEvent(t *testing.T) {
	t.Parallel()
	next := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		for i := range 3 {
			send(w, "id: "+string(rune('1'+i))+"\nevent: step\ndata: {}\n\n")
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
		send(w, "id: 4\nevent: end\ndata: {}\n\n")
	})
	backend, results := relayServer(t, srv, context.Background(), WithHeartbeat(0))
	resp := browse(t, context.Background(), backend)
	br := bufio.NewReader(resp.Body)
	for i := range 3 {
		block := readBlock(t, br)
		assert.Equal(t, "id: "+string(rune('1'+i))+"\nevent: step\ndata: {}\n", block)
		next <- struct{}{} // the upstream sends the next event only now
	}
	assert.Equal(t, "id: 4\nevent: end\ndata: {}\n", readBlock(t, br))
	require.NoError(t, result(t, results))
}

// readBlock reads one SSE block, up to its blank line, within 2 s.
func readBlock(t *testing.T, br *bufio.Reader) string {
	t.Helper()
	return readBlockWithin(t, br, 2*time.Second)
}

// readBlockWithin reads one SSE block, up to its blank line, within d.
func readBlockWithin(t *testing.T, br *bufio.Reader, d time.Duration) string {
	t.Helper()
	var b strings.Builder
	within(t, d, func() {
		for {
			line, err := br.ReadString('\n')
			if err != nil || line == "\n" {
				return
			}
			b.WriteString(line)
		}
	})
	return b.String()
}

// Heartbeats come every DefaultHeartbeat, or as WithHeartbeat says, to
// the instant on synctest's clock, while the upstream is idle.
func TestRelayHeartbeats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		opts  []RelayOption
		every time.Duration
	}{
		{name: "default", every: DefaultHeartbeat},
		{name: "WithHeartbeat", opts: []RelayOption{WithHeartbeat(20 * time.Millisecond)}, every: 20 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
					start(w)
					send(w, "id: 1\nevent: step\ndata: {}\n\n")
					<-r.Context().Done() // an idle upstream
				})
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				backend, results := relayServer(t, srv, context.Background(), tc.opts...)
				resp := browse(t, ctx, backend)
				br := bufio.NewReader(resp.Body)
				assert.Equal(t, "id: 1\nevent: step\ndata: {}\n", readBlock(t, br))
				began := time.Now()
				for i := range 3 {
					assert.Equal(t, ": heartbeat\n", readBlockWithin(t, br, 2*tc.every))
					assert.Equal(t, time.Duration(i+1)*tc.every, time.Since(began), "heartbeat %d", i+1)
				}
				cancel() // the browser leaves
				assert.NoError(t, result(t, results))
				select {
				case <-srv.gone:
				case <-time.After(time.Second):
					t.Fatal("the upstream was not closed")
				}
			})
		})
	}
}

// A browser that leaves closes the upstream connection at once, on
// synctest's clock, and Relay returns nil.
func TestRelayBrowserLeavesClosesUpstream(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			start(w)
			send(w, "id: 1\nevent: step\ndata: {}\n\n")
			<-r.Context().Done()
		})
		backend, results := relayServer(t, srv, context.Background()) // default heartbeat: none in this test's time
		ctx, cancel := context.WithCancel(context.Background())
		resp := browse(t, ctx, backend)
		assert.Equal(t, "id: 1\nevent: step\ndata: {}\n", readBlock(t, bufio.NewReader(resp.Body)))
		left := time.Now()
		cancel()
		select {
		case <-srv.gone:
			assert.Equal(t, time.Duration(0), time.Since(left))
		case <-time.After(time.Second):
			t.Fatal("the upstream was not closed within 1 s of the browser leaving")
		}
		assert.NoError(t, result(t, results))
	})
}

// Relay's own context ending closes the upstream and is Relay's error.
func TestRelayContextEnds(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "id: 1\nevent: step\ndata: {}\n\n")
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	backend, results := relayServer(t, srv, ctx, WithHeartbeat(0))
	resp := browse(t, context.Background(), backend)
	br := bufio.NewReader(resp.Body)
	assert.Equal(t, "id: 1\nevent: step\ndata: {}\n", readBlock(t, br))
	cancel()
	assert.ErrorIs(t, result(t, results), context.Canceled)
	select {
	case <-srv.gone:
	case <-time.After(time.Second):
		t.Fatal("the upstream was not closed")
	}
	_, err := br.ReadString('\n')
	assert.ErrorIs(t, err, io.EOF, "the response ends")
}

// The stream's error is Relay's; what came before it was relayed.
func TestRelayReturnsTheStreamError(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "event: step\ndata: {}\n\n") // no id: the cut cannot be resumed
	})
	backend, results := relayServer(t, srv, context.Background(), WithHeartbeat(0))
	resp := browse(t, context.Background(), backend)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, "event: step\ndata: {}\n\n"+
		"event: error\n"+
		`data: {"code":"interrupted","message":"the event stream ended early and could not be resumed","requestId":""}`+"\n\n",
		string(body), "the browser is told, and the response ends")
	assert.ErrorIs(t, result(t, results), ErrInterrupted)
}

func TestRelayHook(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "id: 1\nevent: thinking\ndata: {\"text\":\"secret\"}\n\n"+
			"id: 2\nevent: step\ndata: {\"n\":2}\n\n"+
			"id: 3\nevent: thinking\ndata: {\"text\":\"more\"}\n\n"+
			"id: 4\nevent: end\ndata: {}\n\n")
	})
	var seen []string
	hook := func(ev Event) (Event, bool) {
		seen = append(seen, ev.EventType())
		switch ev.EventType() {
		case "thinking":
			return nil, false // dropped
		case "step":
			return event{Type: "progress", Data: `{"rewritten":true}`}, true
		}
		return ev, true
	}
	backend, results := relayServer(t, srv, context.Background(), WithHeartbeat(0), WithEventHook(hook))
	resp := browse(t, context.Background(), backend)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.NoError(t, result(t, results))
	assert.Equal(t, "id: 2\nevent: progress\ndata: {\"rewritten\":true}\n\n"+
		"id: 4\nevent: end\ndata: {}\n\n", string(body), "a dropped event's id travels with the next one relayed")
	assert.Equal(t, []string{"thinking", "step", "thinking", "end"}, seen)
}

// A hook may not make an event that SSE cannot carry.
func TestRelayRefusesAMultilineName(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "id: 1\nevent: step\ndata: {}\n\n")
		<-r.Context().Done()
	})
	hook := func(Event) (Event, bool) { return event{Type: "a\nb", Data: "{}"}, true }
	backend, results := relayServer(t, srv, context.Background(), WithHeartbeat(0), WithEventHook(hook))
	resp := browse(t, context.Background(), backend)
	_, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.ErrorContains(t, result(t, results), `relaying an event named "a\nb"`)
}

// flushless is a ResponseWriter that cannot flush.
type flushless struct{ h http.Header }

func (f flushless) Header() http.Header         { return f.h }
func (f flushless) Write(b []byte) (int, error) { return len(b), nil }
func (f flushless) WriteHeader(int)             {}

func TestRelayNeedsAFlusher(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		<-r.Context().Done()
	})
	s := mustConnect(t, srv, cfg)
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	err := Relay(context.Background(), flushless{http.Header{}}, r, s)
	assert.ErrorIs(t, err, ErrRelayUnsupported)
	select {
	case <-srv.gone:
	case <-time.After(time.Second):
		t.Fatal("the upstream was not closed")
	}
}
