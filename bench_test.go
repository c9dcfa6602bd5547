package theazo

// Benchmarks of the SDK against a hand-written net/http + encoding/json
// baseline doing the same work against the same loopback server. Each pair
// is named .../sdk and .../raw; scripts/bench prints their ratios.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/theazo/theazo-go/internal/ssestream"
	"github.com/theazo/theazo-go/sse"
)

const (
	benchSession = `{"id":"ses_01HX3K2ABC","userId":"user_123","status":"active","limits":{"maxCost":{"amount":500,"currency":"usd","period":"day"},"maxAgents":3},"metadata":{"plan":"pro"},"cost":{"amount":0,"currency":"usd"},"createdAt":"2025-05-01T09:30:00Z"}`
	benchAgent   = `{"id":"agt_01HX3K2ABC","sessionId":"ses_01HX3K2ABC","status":"idle","browser":true,"instructions":"You are a research assistant. Be concise.","tools":["web_search","write_file"],"timeout":120,"createdAt":"2025-05-01T09:30:00Z"}`
)

// countingServer is a loopback server that counts the TCP connections it accepts.
type countingServer struct {
	*httptest.Server
	conns atomic.Int64
}

func newCountingServer(tb testing.TB, h http.HandlerFunc) *countingServer {
	tb.Helper()
	s := &countingServer{}
	s.Server = httptest.NewUnstartedServer(h)
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.conns.Add(1)
		}
	}
	s.Start()
	tb.Cleanup(s.Close)
	return s
}

// jsonHandler answers every request with body.
func jsonHandler(body string) http.HandlerFunc {
	b := []byte(body)
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	}
}

// rawClient is the baseline's own tuned client: what a careful engineer
// would write by hand for a busy backend.
func rawClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	return &http.Client{Transport: t}
}

// rawCall is the hand-written baseline of one JSON call.
func rawCall(ctx context.Context, hc *http.Client, method, url string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+testKey)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func benchClient(url string) *Client { return NewClient(testKey, WithBaseURL(url+"/v1")) }

// BenchmarkCall measures one call through the SDK against the same call by hand.
func BenchmarkCall(b *testing.B) {
	ctx := context.Background()
	create := &SessionCreateParams{UserID: "user_123", Limits: &SessionLimits{MaxCost: &CostLimit{Amount: 500, Currency: "usd", Period: PeriodDay}, MaxAgents: 3}, Metadata: Metadata{"plan": "pro"}}

	b.Run("SessionsCreate/sdk", func(b *testing.B) {
		c := benchClient(newCountingServer(b, jsonHandler(benchSession)).URL)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Sessions.Create(ctx, create); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SessionsCreate/raw", func(b *testing.B) {
		url := newCountingServer(b, jsonHandler(benchSession)).URL + "/v1/sessions"
		hc := rawClient()
		b.ReportAllocs()
		for b.Loop() {
			var s Session
			if err := rawCall(ctx, hc, http.MethodPost, url, create, &s); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AgentsGet/sdk", func(b *testing.B) {
		c := benchClient(newCountingServer(b, jsonHandler(benchAgent)).URL)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Agents.Get(ctx, "agt_01HX3K2ABC"); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AgentsGet/raw", func(b *testing.B) {
		url := newCountingServer(b, jsonHandler(benchAgent)).URL + "/v1/agents/agt_01HX3K2ABC"
		hc := rawClient()
		b.ReportAllocs()
		for b.Loop() {
			var a Agent
			if err := rawCall(ctx, hc, http.MethodGet, url, nil, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// pagedSessions serves pages×perPage sessions as a cursor-paged list.
func pagedSessions(pages, perPage int) http.HandlerFunc {
	bodies := make([][]byte, pages)
	for p := range pages {
		var sb strings.Builder
		sb.WriteString(`{"data":[`)
		for i := range perPage {
			if i > 0 {
				sb.WriteByte(',')
			}
			sb.WriteString(strings.Replace(benchSession, "ses_01HX3K2ABC", fmt.Sprintf("ses_%03d_%03d", p, i), 1))
		}
		if p < pages-1 {
			fmt.Fprintf(&sb, `],"nextCursor":"cur_%d","hasMore":true}`, p+1)
		} else {
			sb.WriteString(`],"hasMore":false}`)
		}
		bodies[p] = []byte(sb.String())
	}
	return func(w http.ResponseWriter, r *http.Request) {
		p := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			p, _ = strconv.Atoi(strings.TrimPrefix(c, "cur_"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(bodies[p])
	}
}

const benchPages, benchPerPage = 100, 100

// BenchmarkList ranges over 100 pages of 100 sessions.
func BenchmarkList(b *testing.B) {
	ctx := context.Background()
	b.Run("Sessions/sdk", func(b *testing.B) {
		c := benchClient(newCountingServer(b, pagedSessions(benchPages, benchPerPage)).URL)
		b.ReportAllocs()
		for b.Loop() {
			n := 0
			for _, err := range c.Sessions.List(ctx, &SessionListParams{Limit: benchPerPage}) {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != benchPages*benchPerPage {
				b.Fatalf("ranged %d sessions", n)
			}
		}
	})
	b.Run("Sessions/raw", func(b *testing.B) {
		base := newCountingServer(b, pagedSessions(benchPages, benchPerPage)).URL + "/v1/sessions?limit=100"
		hc := rawClient()
		b.ReportAllocs()
		for b.Loop() {
			n, cursor := 0, ""
			for {
				url := base
				if cursor != "" {
					url += "&cursor=" + cursor
				}
				var page Page[Session]
				if err := rawCall(ctx, hc, http.MethodGet, url, nil, &page); err != nil {
					b.Fatal(err)
				}
				n += len(page.Data)
				if !page.HasMore {
					break
				}
				cursor = page.NextCursor
			}
			if n != benchPages*benchPerPage {
				b.Fatalf("ranged %d sessions", n)
			}
		}
	})
}

// liveHeap returns the bytes of live heap objects after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// BenchmarkListHeap reports the peak live heap while ranging 100 pages, next
// to the live heap of one decoded page: the iterator holds one page at a time.
func BenchmarkListHeap(b *testing.B) {
	ctx := context.Background()
	c := benchClient(newCountingServer(b, pagedSessions(benchPages, benchPerPage)).URL)
	var one *Page[Session]
	before := liveHeap()
	one, _ = c.Sessions.ListPage(ctx, &SessionListParams{Limit: benchPerPage})
	onePage := liveHeap() - before
	runtime.KeepAlive(one)
	one = nil

	var peak uint64
	for b.Loop() {
		before := liveHeap()
		i := 0
		for _, err := range c.Sessions.List(ctx, &SessionListParams{Limit: benchPerPage}) {
			if err != nil {
				b.Fatal(err)
			}
			if i%benchPerPage == benchPerPage-1 { // the last item of a page: the page is fully held
				if h := liveHeap(); h > before && h-before > peak {
					peak = h - before
				}
			}
			i++
		}
	}
	b.ReportMetric(float64(peak), "peak-live-B")
	b.ReportMetric(float64(onePage), "one-page-B")
}

// agentEventStream returns n SSE events cycling through the agent event types.
func agentEventStream(n int) []byte {
	events := []string{
		"event: thinking\ndata: {\"text\":\"I'll search for recent AI papers...\"}\n\n",
		"event: tool_call\ndata: {\"tool\":\"web_search\",\"input\":{\"query\":\"AI papers 2025\"}}\n\n",
		"event: tool_result\ndata: {\"tool\":\"web_search\",\"output\":{\"results\":3}}\n\n",
	}
	var buf bytes.Buffer
	for i := range n - 1 {
		buf.WriteString(events[i%len(events)])
	}
	buf.WriteString("event: output\ndata: {\"text\":\"Here are the top 5...\",\"cost\":{\"amount\":12,\"currency\":\"usd\"}}\n\n")
	return buf.Bytes()
}

const benchEvents = 100_000

// BenchmarkStream decodes a 100,000-event in-memory agent stream into typed
// events, through the SDK's stream and by a hand bufio + json.Unmarshal loop.
func BenchmarkStream(b *testing.B) {
	data := agentEventStream(benchEvents)
	b.Run("AgentEvents/sdk", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			connect := func(context.Context, string) (*http.Response, error) {
				return &http.Response{
					StatusCode: http.StatusOK,
					Header:     http.Header{"Content-Type": {"text/event-stream"}},
					Body:       io.NopCloser(bytes.NewReader(data)),
				}, nil
			}
			s, err := connectStream(context.Background(), connect, ssestream.Config[AgentEvent]{Decode: decodeAgentEvent, Terminal: isAgentTerminal})
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for _, err := range s.Events() {
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != benchEvents {
				b.Fatalf("got %d events", n)
			}
		}
	})
	b.Run("AgentEvents/raw", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			n, err := rawAgentEvents(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			if n != benchEvents {
				b.Fatalf("got %d events", n)
			}
		}
	})
}

// rawAgentEvents is the baseline: a bufio.Scanner over lines and a typed
// json.Unmarshal per event.
func rawAgentEvents(r io.Reader) (int, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	n, typ := 0, ""
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case bytes.HasPrefix(line, []byte("event: ")):
			typ = string(line[len("event: "):])
		case bytes.HasPrefix(line, []byte("data: ")):
			var v any
			switch typ {
			case "thinking":
				v = &ThinkingEvent{}
			case "tool_call":
				v = &ToolCallEvent{}
			case "tool_result":
				v = &ToolResultEvent{}
			case "output":
				v = &OutputEvent{}
			default:
				v = &ErrorEvent{}
			}
			if err := json.Unmarshal(line[len("data: "):], v); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, sc.Err()
}

// BenchmarkStreamMemory streams 1,000,000 agent events over loopback and
// reports the live heap during and after the stream, relative to before.
func BenchmarkStreamMemory(b *testing.B) {
	const total = 1_000_000
	chunk := agentEventStream(1000)
	body := chunk[:bytes.LastIndex(chunk[:len(chunk)-2], []byte("\n\nevent: output"))+2] // 999 non-terminal events
	srv := newCountingServer(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for range total / 999 {
			w.Write(body)
		}
		rest := total - (total/999)*999
		w.Write(agentEventStream(rest))
	})
	c := benchClient(srv.URL)
	ctx := context.Background()
	var during, after int64
	for b.Loop() {
		before := liveHeap()
		s, err := c.Agents.Stream(ctx, "agt_1")
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for _, err := range s.Events() {
			if err != nil {
				b.Fatal(err)
			}
			n++
			if n%250_000 == 0 {
				during = max(during, int64(liveHeap())-int64(before))
			}
		}
		if n != total {
			b.Fatalf("got %d events", n)
		}
		s.Close()
		c.CloseIdleConnections()
		after = int64(liveHeap()) - int64(before)
	}
	b.ReportMetric(float64(during), "peak-live-B")
	b.ReportMetric(float64(after), "after-live-B")
}

// BenchmarkConcurrent runs 64 goroutines × 200 calls on one client and
// reports the TCP connections the server accepted.
func BenchmarkConcurrent(b *testing.B) {
	const goroutines, calls = 64, 200
	ctx := context.Background()
	run := func(b *testing.B, call func() error) {
		var wg sync.WaitGroup
		var failed atomic.Int64
		for range goroutines {
			wg.Go(func() {
				for range calls {
					if call() != nil {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		if failed.Load() > 0 {
			b.Fatalf("%d calls failed", failed.Load())
		}
	}
	b.Run("AgentsGet/sdk", func(b *testing.B) {
		srv := newCountingServer(b, jsonHandler(benchAgent))
		c := benchClient(srv.URL)
		b.ReportAllocs()
		for b.Loop() {
			run(b, func() error { _, err := c.Agents.Get(ctx, "agt_01HX3K2ABC"); return err })
		}
		b.ReportMetric(float64(srv.conns.Load()), "conns")
	})
	b.Run("AgentsGet/raw", func(b *testing.B) {
		srv := newCountingServer(b, jsonHandler(benchAgent))
		hc, url := rawClient(), srv.URL+"/v1/agents/agt_01HX3K2ABC"
		b.ReportAllocs()
		for b.Loop() {
			run(b, func() error { var a Agent; return rawCall(ctx, hc, http.MethodGet, url, nil, &a) })
		}
		b.ReportMetric(float64(srv.conns.Load()), "conns")
	})
}

// BenchmarkRetryBurst sends calls from 16 goroutines while every other
// request is answered 429 with Retry-After: 0, and reports the connections
// opened: calls that exhaust their retries must not close the pool under
// the healthy ones.
func BenchmarkRetryBurst(b *testing.B) {
	const goroutines, calls = 16, 50
	var n atomic.Int64
	srv := newCountingServer(b, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			w.Header().Set("Retry-After", "0")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"code":"rate_limited","message":"slow down","details":{"retryAfter":0}}}`)
			return
		}
		jsonHandler(benchAgent)(w, r)
	})
	c := NewClient(testKey, WithBaseURL(srv.URL+"/v1"), WithMaxRetries(1))
	ctx := context.Background()
	for b.Loop() {
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for range calls {
					c.Agents.Get(ctx, "agt_01HX3K2ABC")
				}
			})
		}
		wg.Wait()
	}
	b.ReportMetric(float64(srv.conns.Load()), "conns")
}

// BenchmarkCallOptions measures Agents.Get with no option, with
// WithResponseInto, and with the extras of a typical call, against the same
// loopback server: what the options cost over the plain call of
// BenchmarkCall (allocations above all).
func BenchmarkCallOptions(b *testing.B) {
	ctx := context.Background()
	run := func(b *testing.B, opts func(*Response) []RequestOption) {
		c := benchClient(newCountingServer(b, jsonHandler(benchAgent)).URL)
		var resp Response
		o := opts(&resp)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Agents.Get(ctx, "agt_01HX3K2ABC", o...); err != nil {
				b.Fatal(err)
			}
		}
		if o != nil && resp.StatusCode != http.StatusOK {
			b.Fatalf("the Response was not filled: %+v", resp)
		}
	}
	b.Run("AgentsGet/none", func(b *testing.B) {
		run(b, func(*Response) []RequestOption { return nil })
	})
	b.Run("AgentsGet/WithResponseInto", func(b *testing.B) {
		run(b, func(r *Response) []RequestOption { return []RequestOption{WithResponseInto(r)} })
	})
	b.Run("AgentsGet/WithResponseInto+WithHeader+WithMaxRetries", func(b *testing.B) {
		run(b, func(r *Response) []RequestOption {
			return []RequestOption{WithResponseInto(r), WithHeader("X-Tenant", "t_1"), WithMaxRetries(1)}
		})
	})
}

// cannedTransport answers every request with body, in memory.
type cannedTransport struct{ body string }

func (c cannedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Body != nil {
		io.Copy(io.Discard, r.Body)
		r.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK, Request: r, ContentLength: int64(len(c.body)),
		Header: http.Header{"Content-Type": {"application/json"}},
		Body:   io.NopCloser(strings.NewReader(c.body)),
	}, nil
}

// BenchmarkCallInMemory is BenchmarkCall's Agents.Get over an in-memory
// transport, with and without WithResponseInto: without a server and its
// loopback connection in the figures, the time ratio is the SDK's own
// overhead over the hand-written call (decoding the same JSON included).
func BenchmarkCallInMemory(b *testing.B) {
	ctx := context.Background()
	hc := &http.Client{Transport: cannedTransport{benchAgent}}
	sdk := func(b *testing.B, opts ...RequestOption) {
		c := NewClient(testKey, WithBaseURL("http://127.0.0.1:1/v1"), WithHTTPClient(hc))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Agents.Get(ctx, "agt_01HX3K2ABC", opts...); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.Run("AgentsGet/sdk", func(b *testing.B) { sdk(b) })
	b.Run("AgentsGet/raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var a Agent
			if err := rawCall(ctx, hc, http.MethodGet, "http://127.0.0.1:1/v1/agents/agt_01HX3K2ABC", nil, &a); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("AgentsGetWithResponseInto", func(b *testing.B) {
		var resp Response
		sdk(b, WithResponseInto(&resp))
	})
}

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

// heldOpenStreams serves event streams that send one event and stay open
// until the benchmark ends.
func heldOpenStreams(b *testing.B) *httptest.Server {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "id: 1\nevent: thinking\ndata: {\"text\":\"working\"}\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	b.Cleanup(srv.Close)
	b.Cleanup(func() { close(release) }) // first: the handlers return, then the server closes
	return srv
}

// BenchmarkRelayOpenStreams holds 1,000 relayed streams open at once (an
// upstream that sent one event and waits; a browser per stream that read
// it) and reports the memory per open stream, heap and goroutine stacks of
// the whole process (upstream, proxy and downstream), for the SDK's relay
// with its default heartbeat and for the hand-written proxy.
func BenchmarkRelayOpenStreams(b *testing.B) {
	const open = 1000
	upstream := heldOpenStreams(b)
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

// BenchmarkOpenStream holds one agent stream open, read on a goroutine of
// its own that has received the first event and waits for the next, and
// reports the goroutines and the live heap it adds to the process (client
// and loopback server): the SDK's stream against a raw net/http stream read
// the same way, line by line with a bufio.Scanner. A guard: the SDK should
// hold an open stream for what a hand-written reader does.
func BenchmarkOpenStream(b *testing.B) {
	srv := heldOpenStreams(b)
	url := srv.URL + "/v1/agents/agt_1/stream"

	// measure opens a stream with read, which must signal first after the
	// first event and then read on until ctx ends.
	measure := func(b *testing.B, closeIdle func(), read func(ctx context.Context, first chan<- struct{}) error) {
		var goroutines, heap float64
		for b.Loop() {
			closeIdle()
			g0, h0 := settledGoroutines(), liveHeap()
			ctx, cancel := context.WithCancel(context.Background())
			first, done := make(chan struct{}), make(chan error, 1)
			go func() { done <- read(ctx, first) }()
			select {
			case <-first:
			case err := <-done:
				b.Fatal("the stream ended before its first event:", err)
			}
			g1, h1 := settledGoroutines(), liveHeap()
			goroutines, heap = float64(g1-g0), float64(h1)-float64(h0)
			cancel()
			<-done
		}
		b.ReportMetric(goroutines, "goroutines")
		b.ReportMetric(heap/1024, "live-KiB")
	}
	b.Run("Agents/sdk", func(b *testing.B) {
		c := benchClient(srv.URL)
		measure(b, c.CloseIdleConnections, func(ctx context.Context, first chan<- struct{}) error {
			s, err := c.Agents.Stream(ctx, "agt_1")
			if err != nil {
				return err
			}
			defer s.Close()
			n := 0
			for _, err := range s.Events() {
				if err != nil {
					return err
				}
				if n++; n == 1 {
					close(first)
				}
			}
			return nil
		})
	})
	b.Run("Agents/raw", func(b *testing.B) {
		hc := rawClient()
		measure(b, hc.CloseIdleConnections, func(ctx context.Context, first chan<- struct{}) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			req.Header.Set("Authorization", "Bearer "+testKey)
			req.Header.Set("Accept", "text/event-stream")
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			n := 0
			for sc.Scan() {
				if strings.HasPrefix(sc.Text(), "data: ") {
					if n++; n == 1 {
						close(first)
					}
				}
			}
			return sc.Err()
		})
	})
}

// settledGoroutines returns the number of goroutines once it has stopped
// changing for a few milliseconds (connections closed by the previous
// round wind down in the background), or after a second.
func settledGoroutines() int {
	n, same := runtime.NumGoroutine(), 0
	for deadline := time.Now().Add(time.Second); same < 5 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
		if m := runtime.NumGoroutine(); m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}
