package theazo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/internal/ssestream"
	"github.com/theazo/theazo-go/sse"
)

// inMemoryAgentStream opens the SDK's typed agent stream over data, in
// memory: BenchmarkStream's path, without a server.
func inMemoryAgentStream(t testing.TB, data []byte) *sse.Stream[AgentEvent] {
	connect := func(context.Context, string) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/event-stream"}},
			Body: io.NopCloser(bytes.NewReader(data))}, nil
	}
	s, err := connectStream(context.Background(), connect, ssestream.Config[AgentEvent]{Decode: decodeAgentEvent, Terminal: isAgentTerminal})
	require.NoError(t, err)
	return s
}

// TestAgentEventAllocations guards the streaming path's allocations: a
// decoded agent event may cost at most one allocation more than with the
// hand-written decoder of BenchmarkStream (go-sse's copy of the event's
// block; its data string serves both decoding and RawJSON), and relaying
// it at most one more than decoding it (now none). Each figure is the difference between streams of two lengths,
// so that a stream's fixed costs do not count.
func TestAgentEventAllocations(t *testing.T) {
	const small, large = 300, 1200 // multiples of the stream's 3 event types
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	plain := map[int][]byte{small: agentEventStream(small), large: agentEventStream(large)}
	ids := map[int][]byte{small: relayBody(small), large: relayBody(large)}
	perEvent := func(run func(events int) int) float64 {
		allocs := func(events int) float64 {
			return testing.AllocsPerRun(2, func() {
				if n := run(events); n != events {
					t.Fatalf("got %d events, want %d", n, events)
				}
			})
		}
		return (allocs(large) - allocs(small)) / (large - small)
	}
	decode := func(streams map[int][]byte) func(int) int {
		return func(events int) int {
			n := 0
			for _, err := range inMemoryAgentStream(t, streams[events]).Events() {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			return n
		}
	}
	raw := perEvent(func(events int) int {
		n, err := rawAgentEvents(bytes.NewReader(plain[events]))
		if err != nil {
			t.Fatal(err)
		}
		return n
	})
	sdk := perEvent(decode(plain))
	withIDs := perEvent(decode(ids))
	relay := perEvent(func(events int) int {
		body := ids[events]
		w := &countingFlusher{h: http.Header{}}
		if err := sse.Relay(context.Background(), w, r, inMemoryAgentStream(t, body), sse.WithHeartbeat(0)); err != nil {
			t.Fatal(err)
		}
		if w.n != len(body) {
			t.Fatalf("relayed %d bytes, not the upstream's %d", w.n, len(body))
		}
		return events
	})
	t.Logf("allocations per event: hand-written decoder %.2f, SDK decoding %.2f (with ids %.2f), relaying %.2f", raw, sdk, withIDs, relay)
	const noise = 0.05 // e.g. the race detector's; a whole allocation more per event still fails
	assert.LessOrEqual(t, sdk, raw+1+noise, "allocations per decoded agent event, against the hand-written decoder's")
	assert.LessOrEqual(t, relay, withIDs+1+noise, "allocations per relayed event beyond decoding")
}

// countingFlusher is a ResponseWriter that keeps nothing but a count of
// the bytes written.
type countingFlusher struct {
	h http.Header
	n int
}

func (c *countingFlusher) Header() http.Header         { return c.h }
func (c *countingFlusher) Write(p []byte) (int, error) { c.n += len(p); return len(p), nil }
func (c *countingFlusher) WriteHeader(int)             {}
func (c *countingFlusher) Flush()                      {}

// TestKeptEventsStayValid keeps every event of a 1,000-event stream and
// checks them once the stream has ended and more streams have been read
// and the heap collected: decoding shares the bytes of an event's data
// between its fields and RawJSON, and no buffer reused for later events
// may show through.
func TestKeptEventsStayValid(t *testing.T) {
	t.Parallel()
	const n = 1000
	var body strings.Builder
	var want []string
	for i := range n {
		var typ, data string
		switch i % 3 {
		case 0:
			typ, data = "thinking", fmt.Sprintf(`{"text":"step %d of a long thought"}`, i)
		case 1:
			typ, data = "tool_call", fmt.Sprintf(`{"tool":"web_search","input":{"query":"q%d","page":%d}}`, i, i)
		default:
			typ, data = "tool_result", fmt.Sprintf(`{ "tool": "web_search", "output": [%d, "r%d"] }`, i, i)
		}
		fmt.Fprintf(&body, "id: %d\nevent: %s\ndata: %s\n\n", i+1, typ, data)
		want = append(want, data)
	}
	final := `{"text":"done","cost":{"amount":1,"currency":"usd"}}`
	fmt.Fprintf(&body, "id: %d\nevent: output\ndata: %s\n\n", n+1, final)
	want = append(want, final)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, body.String())
	}))
	t.Cleanup(srv.Close)
	c := NewClient(testKey, WithBaseURL(srv.URL+"/v1"))
	t.Cleanup(c.CloseIdleConnections)

	read := func() []AgentEvent {
		s, err := c.Agents.Stream(t.Context(), "agt_1")
		require.NoError(t, err)
		defer s.Close()
		var kept []AgentEvent
		for ev, err := range s.Events() {
			require.NoError(t, err)
			kept = append(kept, ev)
		}
		return kept
	}
	kept := read()
	for range 3 { // other events, decoded into whatever memory is free now
		require.Len(t, read(), n+1)
		runtime.GC()
	}

	require.Len(t, kept, n+1)
	for i, ev := range kept {
		require.Equal(t, want[i], string(ev.RawJSON()), "event %d's RawJSON", i)
		switch ev := ev.(type) {
		case *ThinkingEvent:
			assert.Equal(t, fmt.Sprintf("step %d of a long thought", i), ev.Text)
		case *ToolCallEvent:
			assert.Equal(t, "web_search", ev.Tool)
			assert.JSONEq(t, fmt.Sprintf(`{"query":"q%d","page":%d}`, i, i), string(ev.Input))
		case *ToolResultEvent:
			assert.Equal(t, json.RawMessage(fmt.Sprintf(`[%d, "r%d"]`, i, i)), ev.Output)
		case *OutputEvent:
			assert.Equal(t, n, i)
			assert.Equal(t, "done", ev.Text)
		default:
			t.Fatalf("event %d is a %T", i, ev)
		}
	}
}
