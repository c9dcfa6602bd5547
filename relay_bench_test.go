package theazo

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/theazo/theazo-go/internal/ssestream"
	"github.com/theazo/theazo-go/sse"
)

// relayBody returns n agent events with ids, as the API sends them: what
// the upstream serves and, byte for byte, what a relay must pass on.
func relayBody(n int) []byte {
	var buf bytes.Buffer
	id := 0
	for block := range bytes.SplitSeq(agentEventStream(n), []byte("\n\n")) {
		if len(block) == 0 {
			continue
		}
		id++
		fmt.Fprintf(&buf, "id: %d\n%s\n\n", id, block)
	}
	return buf.Bytes()
}

// rawProxy is the baseline: a hand-written proxy that copies the upstream's
// SSE bytes line by line and flushes after each event.
func rawProxy(hc *http.Client, upstream string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), http.MethodGet, upstream, nil)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		req.Header.Set("Accept", "text/event-stream")
		resp, err := hc.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		h := w.Header()
		h.Set("Content-Type", "text/event-stream")
		h.Set("Cache-Control", "no-cache")
		h.Set("X-Accel-Buffering", "no")
		http.NewResponseController(w).Flush()
		rawCopy(w, resp.Body)
	}
}

// sdkRelay is the SDK's way: the agent's typed stream, relayed.
func sdkRelay(c *Client, opts ...sse.RelayOption) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.Agents.Stream(r.Context(), "agt_1")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		sse.Relay(r.Context(), w, r, s, opts...)
	}
}

// typedHandWritten ranges the SDK's typed stream, as sse.Relay does, but
// writes each event by hand: it tells the cost of the typed stream from the
// cost of go-sse's writer.
func typedHandWritten(c *Client) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, err := c.Agents.Stream(r.Context(), "agt_1")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer s.Close()
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		rc.Flush()
		for ev, err := range s.Events() {
			if err != nil {
				return
			}
			io.WriteString(w, "id: "+s.LastEventID()+"\nevent: "+ev.EventType()+"\ndata: ")
			w.Write(ev.RawJSON())
			io.WriteString(w, "\n\n")
			if rc.Flush() != nil {
				return
			}
		}
	}
}

// BenchmarkRelay passes 100,000 agent events from an upstream over loopback
// through a proxy to a downstream reader: the SDK's typed stream and
// sse.Relay against a hand-written proxy copying the raw SSE bytes. Both
// flush per event, and the downstream must receive the upstream's bytes
// exactly.
func BenchmarkRelay(b *testing.B) {
	body := relayBody(benchEvents)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(body)
	}))
	b.Cleanup(upstream.Close)
	c := benchClient(upstream.URL)
	b.Cleanup(c.CloseIdleConnections)
	hc := rawClient()
	b.Cleanup(hc.CloseIdleConnections)
	down := rawClient()
	b.Cleanup(down.CloseIdleConnections)

	for _, side := range []struct {
		name  string
		proxy http.HandlerFunc
	}{
		{"sdk", sdkRelay(c, sse.WithHeartbeat(0))},
		{"raw", rawProxy(hc, upstream.URL+"/v1/agents/agt_1/stream")},
		{"typed-hand-written", typedHandWritten(c)},
	} {
		b.Run("AgentEvents/"+side.name, func(b *testing.B) {
			proxy := httptest.NewServer(side.proxy)
			defer proxy.Close()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				resp, err := down.Get(proxy.URL)
				if err != nil {
					b.Fatal(err)
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || !bytes.Equal(got, body) {
					b.Fatalf("the downstream got %d bytes (%v), not the upstream's %d", len(got), err, len(body))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchEvents, "ns/event")
		})
	}
}

// discardFlusher is a ResponseWriter that flushes and keeps nothing.
type discardFlusher struct{ h http.Header }

func (d *discardFlusher) Header() http.Header         { return d.h }
func (d *discardFlusher) Write(p []byte) (int, error) { return len(p), nil }
func (d *discardFlusher) WriteHeader(int)             {}
func (d *discardFlusher) Flush()                      {}

// BenchmarkRelayInMemory splits the relay's cost, in memory and without
// the network: decoding 100,000 agent events (ranging the SDK's stream),
// relaying the same events (decoding included) to a ResponseWriter that
// keeps nothing, and the hand-written proxy's line copy of the same bytes.
// It reports time and allocations per event of each, and the relay's
// allocations per event beyond decoding.
func BenchmarkRelayInMemory(b *testing.B) {
	body := relayBody(benchEvents)
	open := func() *sse.Stream[AgentEvent] {
		connect := func(context.Context, string) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/event-stream"}},
				Body: io.NopCloser(bytes.NewReader(body))}, nil
		}
		s, err := connectStream(context.Background(), connect, ssestream.Config[AgentEvent]{Decode: decodeAgentEvent, Terminal: isAgentTerminal})
		if err != nil {
			b.Fatal(err)
		}
		return s
	}
	type cost struct {
		mallocs uint64
		elapsed time.Duration
	}
	measure := func(c *cost, fn func()) {
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		start := time.Now()
		fn()
		c.elapsed += time.Since(start)
		runtime.ReadMemStats(&m1)
		c.mallocs += m1.Mallocs - m0.Mallocs
	}
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	var decode, relay, raw cost
	for b.Loop() {
		measure(&decode, func() {
			for _, err := range open().Events() {
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		measure(&relay, func() {
			if err := sse.Relay(context.Background(), &discardFlusher{h: http.Header{}}, r, open(), sse.WithHeartbeat(0)); err != nil {
				b.Fatal(err)
			}
		})
		measure(&raw, func() { rawCopy(&discardFlusher{h: http.Header{}}, bytes.NewReader(body)) })
	}
	events := float64(b.N) * benchEvents
	for _, m := range []struct {
		name string
		c    cost
	}{{"decode", decode}, {"relay", relay}, {"raw-copy", raw}} {
		b.ReportMetric(float64(m.c.elapsed.Nanoseconds())/events, m.name+"-ns/event")
		b.ReportMetric(float64(m.c.mallocs)/events, m.name+"-allocs/event")
	}
	b.ReportMetric((float64(relay.mallocs)-float64(decode.mallocs))/events, "beyond-decoding-allocs/event")
}

// rawCopy is rawProxy's loop: copy lines, flush after each event.
func rawCopy(w http.ResponseWriter, r io.Reader) {
	rc := http.NewResponseController(w)
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if _, werr := w.Write(line); werr != nil {
				return
			}
			if len(line) == 1 && rc.Flush() != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// BenchmarkRelayOpenStreams holds 1,000 relayed streams open at once (an
// upstream that sent one event and waits; a browser per stream that read
// it) and reports the memory per open stream, heap and goroutine stacks of
// the whole process (upstream, proxy and downstream), for the SDK's relay
// with its default heartbeat and for the hand-written proxy.
func BenchmarkRelayOpenStreams(b *testing.B) {
	const open = 1000
	release := make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "id: 1\nevent: thinking\ndata: {\"text\":\"working\"}\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	b.Cleanup(upstream.Close)
	b.Cleanup(func() { close(release) })
	c := benchClient(upstream.URL)
	b.Cleanup(c.CloseIdleConnections)
	hc := rawClient()
	b.Cleanup(hc.CloseIdleConnections)

	for _, side := range []struct {
		name  string
		proxy http.HandlerFunc
	}{
		{"sdk", sdkRelay(c)},
		{"raw", rawProxy(hc, upstream.URL+"/v1/agents/agt_1/stream")},
	} {
		b.Run("Open1000/"+side.name, func(b *testing.B) {
			proxy := httptest.NewServer(side.proxy)
			defer proxy.Close()
			down := rawClient()
			down.Transport.(*http.Transport).MaxConnsPerHost = 0
			defer down.CloseIdleConnections()
			var perStream float64
			for b.Loop() {
				before := memInUse()
				ctx, cancel := context.WithCancel(context.Background())
				var wg, ready sync.WaitGroup
				errs := make(chan error, open)
				ready.Add(open)
				for range open {
					wg.Go(func() {
						defer func() { <-ctx.Done() }()
						req, _ := http.NewRequestWithContext(ctx, http.MethodGet, proxy.URL, nil)
						resp, err := down.Do(req)
						if err != nil {
							errs <- err
							ready.Done()
							return
						}
						defer resp.Body.Close()
						line, err := bufio.NewReader(resp.Body).ReadString('\n')
						if err != nil || !strings.HasPrefix(line, "id: 1") {
							errs <- fmt.Errorf("first line %q: %v", line, err)
						}
						ready.Done()
					})
				}
				ready.Wait() // every stream is open and has relayed its first event
				perStream = float64(memInUse()-before) / open
				cancel()
				wg.Wait()
				close(errs)
				for err := range errs {
					b.Fatal(err)
				}
			}
			b.ReportMetric(perStream, "B/open-stream")
		})
	}
}

// memInUse returns the live heap and goroutine stacks after a collection.
func memInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc + m.StackInuse
}
