package sse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go/internal/memnet"
	"github.com/theazo/theazo-go/internal/ssestream"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// event is the typed event of these tests: the raw type and data.
type event struct{ Type, Data string }

func decode(typ, data string) (event, error) {
	if typ == "bad" {
		return event{}, errors.New("cannot decode")
	}
	return event{Type: typ, Data: data}, nil
}

func isEnd(e event) bool { return e.Type == "end" }

// server is an SSE test server. Each connection is passed to handle with its
// number (from 1) and the Last-Event-ID it asked for.
type server struct {
	*httptest.Server
	mu      sync.Mutex
	lastIDs []string
	times   []time.Time // when each connection arrived
	ended   []time.Time // when each connection's handler returned
	gone    chan int    // connection numbers whose client went away

	// dial reaches a server in memory; nil for one on a socket.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

func newServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *server {
	t.Helper()
	return serveOn(t, nil, handle)
}

// newMemServer is newServer over in-memory connections (internal/memnet),
// which only the ConnectFunc of its connect method reaches. In a
// testing/synctest bubble, the server and its client wait on the bubble's
// clock: reconnection waits take no real time, and are exact.
func newMemServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, n int)) *server {
	t.Helper()
	return serveOn(t, memnet.Listen(), handle)
}

// serveOn starts a server on l, or on a loopback socket if l is nil.
func serveOn(t *testing.T, l *memnet.Listener, handle func(w http.ResponseWriter, r *http.Request, n int)) *server {
	t.Helper()
	s := &server{gone: make(chan int, 100)}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.lastIDs = append(s.lastIDs, r.Header.Get("Last-Event-ID"))
		s.times = append(s.times, time.Now())
		n := len(s.lastIDs)
		s.mu.Unlock()
		handle(w, r, n)
		s.mu.Lock()
		s.ended = append(s.ended, time.Now())
		s.mu.Unlock()
		if r.Context().Err() != nil {
			s.gone <- n
		}
	}))
	if l != nil {
		s.Listener.Close()
		s.Listener = l
		s.dial = l.Dial
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

// connect returns a ConnectFunc to the server (see connector).
func (s *server) connect(t *testing.T) ConnectFunc {
	t.Helper()
	return dialer(t, s.URL, s.dial)
}

// connections returns the Last-Event-ID header of every connection made.
func (s *server) connections() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lastIDs...)
}

// start sends the event-stream headers at once, as the API does.
func start(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/event-stream; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
}

func send(w http.ResponseWriter, s string) {
	io.WriteString(w, s)
	w.(http.Flusher).Flush()
}

// connector returns a ConnectFunc to url over its own transport. Every
// failed attempt may be retried, as the SDK's are when its retry policy
// says so.
func connector(t *testing.T, url string) ConnectFunc {
	t.Helper()
	return dialer(t, url, nil)
}

// dialer is connector over dial, if not nil.
func dialer(t *testing.T, url string, dial func(ctx context.Context, network, addr string) (net.Conn, error)) ConnectFunc {
	t.Helper()
	tr := &http.Transport{DialContext: dial}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}
	return func(ctx context.Context, lastEventID string) (*http.Response, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return nil, err
		}
		if lastEventID != "" {
			req.Header.Set("Last-Event-ID", lastEventID)
		}
		resp, err := hc.Do(req)
		if err != nil {
			return nil, ssestream.Retry(err, 0)
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, ssestream.Retry(fmt.Errorf("status %d", resp.StatusCode), 0)
		}
		return resp, nil
	}
}

// cfg is the config of most tests: reconnections wait 1 to 10 ms, so that
// tests of resumption run fast; the waits themselves are tested apart.
var cfg = Config[event]{Decode: decode, Terminal: isEnd, ReconnectWait: time.Millisecond, MaxReconnectWait: 10 * time.Millisecond}

// gaps returns, for each connection after the first, how long after the
// previous connection's handler returned it arrived: the client's wait.
func (s *server) gaps() []time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(s.times) && i-1 < len(s.ended); i++ {
		out = append(out, s.times[i].Sub(s.ended[i-1]))
	}
	return out
}

// mustConnect opens a stream of srv with c, and fails the test if it cannot.
func mustConnect(t *testing.T, srv *server, c Config[event]) *Stream[event] {
	t.Helper()
	s, err := Connect(context.Background(), srv.connect(t), c)
	require.NoError(t, err)
	return s
}

// drain ranges over the stream and returns the events and errors in order.
func drain(s *Stream[event]) (events []event, errs []error) {
	for e, err := range s.Events() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		events = append(events, e)
	}
	return events, errs
}

// within fails the test if fn does not return within d.
func within(t *testing.T, d time.Duration, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); fn() }()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("did not return within %s", d)
	}
}

func TestEvents(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, ": comment\n\nretry: 10\n\n")
		send(w, "event: a\ndata: one\n\n")
		send(w, "event: ping\ndata:\n\n")         // empty data: skipped
		send(w, "event: heartbeat\n\n")           // no data: skipped
		send(w, "data: unnamed\r\n\r\n")          // CRLF, no type
		send(w, "event: b\ndata: x\ndata: y\n\n") // two data lines
		send(w, "event: end\ndata: bye\n\n")
		send(w, "event: a\ndata: after the end\n\n")
		<-r.Context().Done() // the client hangs up after the terminal event
	})
	s := mustConnect(t, srv, cfg)
	events, errs := drain(s)
	assert.Empty(t, errs)
	assert.Equal(t, []event{{"a", "one"}, {"message", "unnamed"}, {"b", "x\ny"}, {"end", "bye"}}, events)
	assert.Empty(t, s.LastEventID())
	select {
	case <-srv.gone:
	case <-time.After(5 * time.Second):
		t.Fatal("the connection was not released after the terminal event")
	}
	require.NoError(t, s.Close())
}

func TestEventTooLarge(t *testing.T) {
	t.Parallel()
	big := func(size int) func(w http.ResponseWriter, r *http.Request, n int) {
		return func(w http.ResponseWriter, r *http.Request, n int) {
			start(w)
			send(w, "event: a\ndata: small\n\n")
			send(w, "event: a\ndata: "+strings.Repeat("x", size)+"\n\n")
			send(w, "event: end\ndata: bye\n\n")
			<-r.Context().Done()
		}
	}
	tests := []struct {
		name    string
		size    int
		max     int
		wantErr bool
	}{
		{name: "2 MiB over the default 1 MiB", size: 2 << 20, wantErr: true},
		{name: "just under the default", size: 1<<20 - 100},
		{name: "2 KiB over a 1 KiB bound", size: 2 << 10, max: 1 << 10, wantErr: true},
		{name: "512 B under a 1 KiB bound", size: 512, max: 1 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, big(tc.size))
			c := cfg
			c.MaxEventSize = tc.max
			s := mustConnect(t, srv, c)
			var events []event
			var errs []error
			within(t, 10*time.Second, func() { events, errs = drain(s) })
			if !tc.wantErr {
				assert.Empty(t, errs)
				require.Len(t, events, 3)
				assert.Len(t, events[1].Data, tc.size)
				return
			}
			assert.Equal(t, []event{{"a", "small"}}, events)
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], ErrEventTooLarge)
			assert.Equal(t, []string{""}, srv.connections(), "an oversized event is not resumed")
		})
	}
}

func TestInterruptedWithoutIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cut  func(w http.ResponseWriter)
	}{
		{name: "clean end mid-event", cut: func(w http.ResponseWriter) {
			send(w, "event: a\ndata: one\n\nevent: end\ndata: by")
		}},
		{name: "clean end between events", cut: func(w http.ResponseWriter) {
			send(w, "event: a\ndata: one\n\n")
		}},
		{name: "connection reset mid-event", cut: func(w http.ResponseWriter) {
			send(w, "event: a\ndata: one\n\nevent: end\ndata: by")
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			conn.(*net.TCPConn).SetLinger(0)
			conn.Close()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				start(w)
				tc.cut(w)
			})
			s := mustConnect(t, srv, cfg)
			events, errs := drain(s)
			assert.Equal(t, []event{{"a", "one"}}, events, "the cut event is not delivered")
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], ErrInterrupted)
			assert.Len(t, srv.connections(), 1, "nothing to resume from")
		})
	}
}

func TestNoTerminalEventStreamEnds(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "event: a\ndata: one\n\n")
	})
	c := cfg
	c.Terminal = nil
	s := mustConnect(t, srv, c)
	events, errs := drain(s)
	assert.Equal(t, []event{{"a", "one"}}, events)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrInterrupted)
}

func TestResume(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			start(w)
			switch n {
			case 1:
				send(w, "id: 1\nevent: a\ndata: one\n\nid: 2\nevent: a\ndata: two\n\nid: 3\nevent: a\ndata: thr")
			case 2:
				send(w, "id: 3\nevent: a\ndata: three\n\n: no id on the next one\n\nevent: a\ndata: four\n\n")
			case 3:
				// A connection whose events carry no id leaves the last id as it was.
				send(w, "event: a\ndata: five\n\n")
			case 4:
				send(w, "id: 6\nevent: a\ndata: six\n\nid: 7\nevent: end\ndata: seven\n\n")
				<-r.Context().Done()
			default:
				http.Error(w, "unexpected", http.StatusBadRequest)
			}
		})
		s := mustConnect(t, srv, cfg)
		events, errs := drain(s)
		assert.Empty(t, errs)
		assert.Equal(t, []event{{"a", "one"}, {"a", "two"}, {"a", "three"}, {"a", "four"}, {"a", "five"}, {"a", "six"}, {"end", "seven"}}, events, "nothing lost, nothing repeated")
		assert.Equal(t, []string{"", "2", "3", "3"}, srv.connections(), "each resumption sends the last id received")
		assert.Equal(t, "7", s.LastEventID())
	})
}

// A server (or proxy) that accepts a reconnection and ends it without a new
// event, as connections are recycled, does not end the stream: only failed
// attempts count.
func TestQuietReconnectionsAreNotFailures(t *testing.T) {
	t.Parallel()
	for _, maxReconnects := range []int{0, 1, 3} {
		t.Run(fmt.Sprint("MaxReconnects ", maxReconnects), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				const quiet = 6
				srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
					start(w)
					switch {
					case n == 1:
						send(w, "id: 1\nevent: a\ndata: one\n\n")
					case n <= 1+quiet:
						send(w, ": nothing new\n\n") // and ends
					default:
						send(w, "id: 2\nevent: end\ndata: two\n\n")
						<-r.Context().Done()
					}
				})
				c := cfg
				c.MaxReconnects = maxReconnects
				s := mustConnect(t, srv, c)
				events, errs := drain(s)
				assert.Empty(t, errs)
				assert.Equal(t, []event{{"a", "one"}, {"end", "two"}}, events)
				conns := srv.connections()
				require.Len(t, conns, 2+quiet)
				for _, id := range conns[1:] {
					assert.Equal(t, "1", id)
				}
			})
		})
	}
	t.Run("resumption disabled", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				start(w)
				send(w, "id: 1\nevent: a\ndata: one\n\n")
			})
			c := cfg
			c.MaxReconnects = -1
			s := mustConnect(t, srv, c)
			events, errs := drain(s)
			assert.Equal(t, []event{{"a", "one"}}, events)
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], ErrInterrupted)
			assert.Len(t, srv.connections(), 1)
		})
	})
}

// Failed attempts (an error status, a reply that is not an event stream)
// count, in a row: a successful connection in between starts the count over.
func TestFailedReconnectionsCount(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		plan      string // per connection after the first: F failed status, H not an event stream, Q quiet, E the end
		wantConns int
		wantErr   string
	}{
		{name: "three failures in a row end it", plan: "FFFE", wantConns: 4, wantErr: "failed 3 times in a row, last: status 404"},
		{name: "not an event stream is a failure", plan: "HHHE", wantConns: 4, wantErr: "not an event stream"},
		{name: "a quiet success in between starts over", plan: "FFQFFQHFE", wantConns: 10},
		{name: "two failures, then the end", plan: "FFE", wantConns: 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
					step := byte('E')
					if n >= 2 && n-2 < len(tc.plan) {
						step = tc.plan[n-2]
					}
					switch {
					case n == 1:
						start(w)
						send(w, "id: 1\nevent: a\ndata: one\n\n")
					case step == 'F':
						http.Error(w, "gone", http.StatusNotFound)
					case step == 'H':
						w.Header().Set("Content-Type", "text/html")
						io.WriteString(w, "<html>")
					case step == 'Q':
						start(w)
					default:
						start(w)
						send(w, "id: 2\nevent: end\ndata: two\n\n")
						<-r.Context().Done()
					}
				})
				s := mustConnect(t, srv, cfg)
				events, errs := drain(s)
				assert.Len(t, srv.connections(), tc.wantConns)
				if tc.wantErr == "" {
					assert.Empty(t, errs)
					assert.Equal(t, []event{{"a", "one"}, {"end", "two"}}, events)
					return
				}
				assert.Equal(t, []event{{"a", "one"}}, events)
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], ErrInterrupted)
				assert.Contains(t, errs[0].Error(), tc.wantErr)
			})
		})
	}
}

func TestResumeProgressResetsTheCount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// Every connection brings one new event and drops: the stream goes on
		// past MaxReconnects because each reconnection made progress.
		srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			start(w)
			if n == 6 {
				send(w, fmt.Sprintf("id: %d\nevent: end\ndata: %d\n\n", n, n))
				<-r.Context().Done()
				return
			}
			send(w, fmt.Sprintf("id: %d\nevent: a\ndata: %d\n\n", n, n))
		})
		s := mustConnect(t, srv, cfg)
		events, errs := drain(s)
		assert.Empty(t, errs)
		assert.Len(t, events, 6)
		assert.Equal(t, []string{"", "1", "2", "3", "4", "5"}, srv.connections())
	})
}

func TestResumeReplayingServerGivesUp(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// A server that ignores Last-Event-ID replays the same events on every
		// connection: the stream must not reconnect for ever.
		srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			start(w)
			send(w, "id: 1\nevent: a\ndata: one\n\nid: 2\nevent: a\ndata: two\n\n")
		})
		s := mustConnect(t, srv, cfg)
		var events []event
		var errs []error
		within(t, 5*time.Second, func() { events, errs = drain(s) })
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], ErrInterrupted)
		assert.Len(t, srv.connections(), 1+DefaultMaxReconnects)
		assert.Equal(t, []event{{"a", "one"}, {"a", "two"}}, events, "the replayed events are delivered once")
	})
}

func TestResumeConnectFails(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n > 1 {
				http.Error(w, "gone", http.StatusNotFound)
				return
			}
			start(w)
			send(w, "id: 1\nevent: a\ndata: one\n\n")
		})
		s := mustConnect(t, srv, cfg)
		events, errs := drain(s)
		assert.Len(t, events, 1)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], ErrInterrupted)
		assert.Contains(t, errs[0].Error(), "status 404")
		assert.Len(t, srv.connections(), 1+DefaultMaxReconnects, "each failed attempt counts, up to the bound")
	})
}

// blockingServer sends one event and then nothing until the client leaves.
func blockingServer(t *testing.T) *server {
	return newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "id: 1\nevent: a\ndata: one\n\n")
		<-r.Context().Done()
	})
}

func TestCloseFromAnotherGoroutine(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := blockingServer(t)
		s := mustConnect(t, srv, cfg)

		var closedAt atomic.Int64
		var events []event
		var errs []error
		within(t, 5*time.Second, func() {
			for e, err := range s.Events() {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				events = append(events, e)
				go func() {
					time.Sleep(50 * time.Millisecond) // on synctest's clock: once the reader is blocked
					closedAt.Store(time.Now().UnixNano())
					assert.NoError(t, s.Close())
				}()
			}
		})
		assert.Equal(t, time.Duration(0), time.Since(time.Unix(0, closedAt.Load())), "Close unblocks the reader at once")
		assert.Equal(t, []event{{"a", "one"}}, events)
		assert.Empty(t, errs, "a closed stream ends without an error")
		select {
		case <-srv.gone:
		case <-time.After(5 * time.Second):
			t.Fatal("the server still has the connection")
		}
	})
}

func TestCloseDuringResumption(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		reconnecting := make(chan struct{})
		srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 2 {
				close(reconnecting)
				<-r.Context().Done() // never answers
				return
			}
			start(w)
			send(w, "id: 1\nevent: a\ndata: one\n\n")
		})
		s := mustConnect(t, srv, cfg)
		go func() {
			<-reconnecting
			s.Close()
		}()
		var events []event
		var errs []error
		within(t, 5*time.Second, func() { events, errs = drain(s) })
		assert.Len(t, events, 1)
		assert.Empty(t, errs)
	})
}

// The stream's context ending, cancelled or past its deadline, ends the
// stream at that instant of synctest's clock, with the context's error,
// and without a resumption.
func TestContextCancel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		timeout time.Duration // 0: cancelled 20 ms after the first event
		wantErr error
	}{
		{name: "cancel", wantErr: context.Canceled},
		{name: "deadline", timeout: 100 * time.Millisecond, wantErr: context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := blockingServer(t)
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				end := time.Now().Add(tc.timeout)
				if tc.timeout > 0 {
					ctx, cancel = context.WithDeadline(ctx, end)
					defer cancel()
				}
				s, err := Connect(ctx, srv.connect(t), cfg)
				require.NoError(t, err)
				var errs []error
				within(t, 5*time.Second, func() {
					for _, err := range s.Events() {
						if err != nil {
							errs = append(errs, err)
							continue
						}
						if tc.timeout == 0 {
							end = time.Now().Add(20 * time.Millisecond)
							go func() { time.Sleep(20 * time.Millisecond); cancel() }()
						}
					}
				})
				assert.WithinDuration(t, end, time.Now(), 0, "the stream ends with its context")
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], tc.wantErr)
				assert.Equal(t, []string{""}, srv.connections(), "a cancelled stream is not resumed")
			})
		})
	}
}

func TestCloseIdempotentAndBeforeEvents(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := blockingServer(t)
		s := mustConnect(t, srv, cfg)
		require.NoError(t, s.Close())
		require.NoError(t, s.Close())
		events, errs := drain(s)
		assert.Empty(t, events)
		assert.Empty(t, errs)
		require.NoError(t, s.Close())
	})
}

func TestConcurrentClose(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := blockingServer(t)
		s := mustConnect(t, srv, cfg)
		var wg sync.WaitGroup
		var reader atomic.Bool
		wg.Go(func() {
			drain(s)
			reader.Store(true)
		})
		for range 8 {
			wg.Go(func() { assert.NoError(t, s.Close()) })
		}
		within(t, 5*time.Second, wg.Wait)
		assert.True(t, reader.Load())
	})
}

func TestNotEventStream(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		contentType string
	}{
		{name: "JSON", contentType: "application/json"},
		{name: "none", contentType: ""},
		{name: "HTML", contentType: "text/html; charset=utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header()["Content-Type"] = []string{tc.contentType}
				io.WriteString(w, "event: a\ndata: one\n\n")
			})
			s, err := Connect(context.Background(), connector(t, srv.URL), cfg)
			require.ErrorIs(t, err, ErrNotEventStream)
			assert.Nil(t, s)
		})
	}
	t.Run("parameters and case are accepted", func(t *testing.T) {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Content-Type", "Text/Event-Stream;charset=UTF-8")
			io.WriteString(w, "event: end\ndata: one\n\n")
		})
		s := mustConnect(t, srv, cfg)
		events, errs := drain(s)
		assert.Empty(t, errs)
		assert.Len(t, events, 1)
	})
}

func TestConnectError(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		http.Error(w, "no", http.StatusUnauthorized)
	})
	s, err := Connect(context.Background(), connector(t, srv.URL), cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "status 401")
	assert.Nil(t, s)
}

func TestEventsConsumedOnce(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "event: end\ndata: one\n\n")
	})
	s := mustConnect(t, srv, cfg)
	events, errs := drain(s)
	assert.Len(t, events, 1)
	assert.Empty(t, errs)

	events, errs = drain(s)
	assert.Empty(t, events)
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], ErrConsumed)
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "id: 1\nevent: a\ndata: one\n\nid: 2\nevent: bad\ndata: {\n\nid: 3\nevent: end\ndata: x\n\n")
		<-r.Context().Done()
	})
	s := mustConnect(t, srv, cfg)
	events, errs := drain(s)
	assert.Equal(t, []event{{"a", "one"}}, events)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), `decoding "bad" event: cannot decode`)
}

func TestBreakReleasesConnection(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := blockingServer(t)
		s := mustConnect(t, srv, cfg)
		for range s.Events() {
			break
		}
		select {
		case <-srv.gone:
		case <-time.After(5 * time.Second):
			t.Fatal("breaking out of the loop did not release the connection")
		}
		assert.Equal(t, "1", s.LastEventID())
	})
}
