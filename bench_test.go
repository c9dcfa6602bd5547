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

	"github.com/theazo/theazo-go/internal/ssestream"
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
