package theazo

// The chaos suite: what the SDK does when the network or the server
// misbehaves. Every case asserts the error the caller gets (or the result),
// how many requests reached the server, and that no connection is left
// open once the client's idle connections are closed. The package's
// TestMain (main_test.go) fails the run if any goroutine outlives it.
//
// The faults theazotest injects (a connection closed before the reply, a
// reply cut mid-body, a reply that never comes, a stream that stalls) are
// run against it in chaos_fake_test.go, for every call. This file has the
// faults it does not offer, on httptest servers: a refused connection, a
// TCP reset, a stall after the headers, huge, malformed and hostile bodies,
// a very long stream, redirects.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/sse"
)

// chaosServer is an httptest server that counts requests and tracks the
// state of every connection, so that a test can check none is left open.
type chaosServer struct {
	*httptest.Server
	hits atomic.Int32
	// release is closed when the test ends, to free handlers that stall.
	release chan struct{}

	mu    sync.Mutex
	conns map[net.Conn]http.ConnState
}

func newChaosServer(t *testing.T, h http.HandlerFunc) *chaosServer {
	t.Helper()
	s := &chaosServer{release: make(chan struct{}), conns: map[net.Conn]http.ConnState{}}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		h(w, r)
	}))
	s.Config.ConnState = func(c net.Conn, state http.ConnState) {
		s.mu.Lock()
		defer s.mu.Unlock()
		if state == http.StateClosed || state == http.StateHijacked {
			delete(s.conns, c)
			return
		}
		s.conns[c] = state
	}
	s.Start()
	t.Cleanup(func() {
		close(s.release)
		s.Close()
	})
	return s
}

// open counts the connections the server still holds.
func (s *chaosServer) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// client returns a client of the server whose retries wait at most 20 ms;
// opts follow these defaults.
func (s *chaosServer) client(t *testing.T, opts ...Option) *Client {
	c := NewClient(testKey, append([]Option{WithBaseURL(s.URL + "/v1"), WithMaxRetryWait(20 * time.Millisecond)}, opts...)...)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// assertReleased checks that, once c closes its idle connections, the
// server holds none: no call left a connection busy or dangling.
func (s *chaosServer) assertReleased(t *testing.T, c *Client) {
	t.Helper()
	c.CloseIdleConnections()
	assert.Eventually(t, func() bool { return s.open() == 0 }, 5*time.Second, 10*time.Millisecond,
		"the server still holds %d connection(s)", s.open())
}

// resetConn hijacks the request's connection and resets it (RST, not FIN).
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	conn.(*net.TCPConn).SetLinger(0)
	conn.Close()
}

// isNetworkError reports whether err is a failure of the connection, not a
// reply: what a caller gets when the network or the server's process fails.
func isNetworkError(err error) bool {
	var apiErr *Error
	var netErr net.Error
	return !errors.As(err, &apiErr) && (errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE))
}

func TestChaosConnectionRefused(t *testing.T) {
	t.Parallel()
	// Nothing was sent, so every call is retried, then fails with the dial error.
	for _, tc := range []struct {
		name string
		call func(c *Client) error
	}{
		{"GET", func(c *Client) error { _, err := c.Agents.Get(t.Context(), "agt_1"); return err }},
		{"POST", func(c *Client) error { _, err := c.Agents.Run(t.Context(), "agt_1", "task"); return err }},
		{"stream", func(c *Client) error { _, err := c.Agents.Stream(t.Context(), "agt_1"); return err }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			counter := &countingRT{next: defaultRoundTripper()}
			c := NewClient(testKey, WithBaseURL("http://"+closedAddr(t)+"/v1"), WithHTTPClient(&http.Client{Transport: counter}), WithMaxRetries(2), WithMaxRetryWait(20*time.Millisecond))
			start := time.Now()
			err := tc.call(c)
			require.ErrorIs(t, err, syscall.ECONNREFUSED)
			assert.True(t, isNetworkError(err))
			assert.Equal(t, int32(3), counter.n.Load(), "a refused connection sent nothing: retried on any method")
			assert.Less(t, time.Since(start), 5*time.Second)
		})
	}
}

// A TCP reset (RST) before any reply: a GET is retried, then fails with
// the reset; a POST is sent once. theazotest closes connections cleanly
// instead; chaos_fake_test.go runs that fault on every call.
func TestChaosResetBeforeHeaders(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		call     func(c *Client) error
		wantHits int32
	}{
		{"GET is retried, then fails", func(c *Client) error { _, err := c.Agents.Get(t.Context(), "agt_1"); return err }, 3},
		{"POST is sent once", func(c *Client) error { _, err := c.Agents.Run(t.Context(), "agt_1", "task"); return err }, 1},
		{"stream connect is retried, then fails", func(c *Client) error { _, err := c.Fleets.Attach(t.Context(), "flt_1"); return err }, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				resetConn(w)
			})
			c := srv.client(t, WithMaxRetries(2))
			err := tc.call(c)
			require.Error(t, err)
			assert.True(t, isNetworkError(err), "a connection failure, not an API error: %v", err)
			assert.Equal(t, tc.wantHits, srv.hits.Load())
			srv.assertReleased(t, c)
		})
	}
}

// The reply starts (200, a Content-Length) and the connection is reset
// mid-body: the call fails with ErrInvalidResponse; it is not repeated,
// even for a GET, since the server already handled it.
func TestChaosResetAfterHeaders(t *testing.T) {
	t.Parallel()
	handler := func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(status)
			io.WriteString(w, `{"id":"agt_1","sta`)
			http.NewResponseController(w).Flush()
			resetConn(w)
		}
	}
	t.Run("GET 200", func(t *testing.T) {
		srv := newChaosServer(t, handler(200))
		c := srv.client(t)
		_, err := c.Agents.Get(t.Context(), "agt_1")
		require.ErrorIs(t, err, ErrInvalidResponse)
		assert.Contains(t, err.Error(), "reading body")
		assert.Equal(t, int32(1), srv.hits.Load())
		srv.assertReleased(t, c)
	})
	t.Run("POST 200", func(t *testing.T) {
		srv := newChaosServer(t, handler(200))
		c := srv.client(t)
		_, err := c.Agents.Run(t.Context(), "agt_1", "task")
		require.ErrorIs(t, err, ErrInvalidResponse)
		assert.Equal(t, int32(1), srv.hits.Load())
		srv.assertReleased(t, c)
	})
	t.Run("404 whose body is cut", func(t *testing.T) {
		srv := newChaosServer(t, handler(404))
		c := srv.client(t)
		_, err := c.Agents.Get(t.Context(), "agt_1")
		var apiErr *Error
		require.ErrorAs(t, err, &apiErr, "the status arrived: an API error, with what came of the body")
		assert.Equal(t, 404, apiErr.StatusCode)
		assert.ErrorIs(t, err, ErrNotFound)
		assert.Equal(t, int32(1), srv.hits.Load())
		srv.assertReleased(t, c)
	})
	t.Run("stream cut after the headers, without ids", func(t *testing.T) {
		srv := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(200)
			io.WriteString(w, "event: thinking\ndata: {\"text\":\"a\"}\n\nevent: out")
			http.NewResponseController(w).Flush()
			resetConn(w)
		})
		c := srv.client(t)
		s, err := c.Agents.Stream(t.Context(), "agt_1")
		require.NoError(t, err)
		events, err := drainStream(t, s)
		require.ErrorIs(t, err, sse.ErrInterrupted)
		assert.Len(t, events, 1)
		assert.Equal(t, int32(1), srv.hits.Load(), "no id to resume from")
		srv.assertReleased(t, c)
	})
}

// A reply whose headers came but whose body stalls: the context's deadline
// ends the call. (A reply that never starts, and a stream that stalls
// between events, are in chaos_fake_test.go.)
func TestChaosStallMidBody(t *testing.T) {
	t.Parallel()
	var srv *chaosServer
	srv = newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(200)
		io.WriteString(w, `{"id":"agt_1",`)
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
		case <-srv.release:
		}
	})
	c := srv.client(t)
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Agents.Get(ctx, "agt_1")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, int32(1), srv.hits.Load())
	srv.assertReleased(t, c)
}

// bigAgent returns an agent reply whose instructions are n bytes long.
func bigAgent(n int) string {
	return `{"id":"agt_1","sessionId":"ses_1","status":"idle","instructions":"` + strings.Repeat("a", n) + `","createdAt":"2025-05-01T09:30:00Z"}`
}

func TestChaosLargeBodies(t *testing.T) {
	t.Parallel()
	for _, chunked := range []bool{false, true} {
		name := "Content-Length"
		if chunked {
			name = "chunked"
		}
		t.Run(name, func(t *testing.T) {
			serve := func(body string) *chaosServer {
				return newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					if !chunked {
						w.Header().Set("Content-Length", strconv.Itoa(len(body)))
					}
					bw := bufio.NewWriterSize(w, 64<<10)
					io.WriteString(bw, body)
					bw.Flush()
				})
			}
			t.Run("10 MiB is decoded", func(t *testing.T) {
				srv := serve(bigAgent(10 << 20))
				c := srv.client(t)
				a, err := c.Agents.Get(t.Context(), "agt_1")
				require.NoError(t, err)
				assert.Len(t, a.Instructions, 10<<20)
				srv.assertReleased(t, c)
			})
			t.Run("over 16 MiB is ErrInvalidResponse", func(t *testing.T) {
				srv := serve(bigAgent(maxResponseBody + 1024))
				c := srv.client(t)
				_, err := c.Agents.Get(t.Context(), "agt_1")
				require.ErrorIs(t, err, ErrInvalidResponse)
				assert.Contains(t, err.Error(), fmt.Sprintf("body exceeds %d bytes", maxResponseBody))
				assert.Equal(t, int32(1), srv.hits.Load())
				srv.assertReleased(t, c)
			})
		})
	}
	t.Run("a 50 MiB error body is read up to its bound", func(t *testing.T) {
		const total = 50 << 20
		written := make(chan int, 1)
		srv := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadRequest)
			chunk := []byte(strings.Repeat("<p>x</p>", 8<<10))
			n := 0
			for n < total {
				if _, err := w.Write(chunk); err != nil {
					break // the client stopped reading
				}
				n += len(chunk)
			}
			written <- n
		})
		c := srv.client(t)
		_, err := c.Agents.Get(t.Context(), "agt_1")
		var apiErr *Error
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 400, apiErr.StatusCode)
		assert.LessOrEqual(t, utf8.RuneCountInString(apiErr.Message), maxExcerpt+1, "an excerpt, not the body")
		srv.assertReleased(t, c)
		select {
		case n := <-written:
			assert.Less(t, n, total, "the client closed the connection instead of reading the whole body")
		case <-time.After(10 * time.Second):
			t.Fatal("the server is still writing: the client neither read nor closed")
		}
	})
	t.Run("an event over the bound ends the stream", func(t *testing.T) {
		srv := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: thinking\ndata: {\"text\":\"a\"}\n\nevent: thinking\ndata: {\"text\":\""+strings.Repeat("b", 2<<20)+"\"}\n\n")
		})
		c := srv.client(t)
		s, err := c.Agents.Stream(t.Context(), "agt_1")
		require.NoError(t, err)
		events, err := drainStream(t, s)
		require.ErrorIs(t, err, sse.ErrEventTooLarge)
		assert.Len(t, events, 1)
		srv.assertReleased(t, c)
	})
}

func TestChaosMalformedBodies(t *testing.T) {
	t.Parallel()
	t.Run("invalid UTF-8 in strings is replaced, not an error", func(t *testing.T) {
		srv := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, "{\"id\":\"agt_\xff1\",\"status\":\"idle\",\"instructions\":\"caf\xc3\x28 \xed\xa0\x80\",\"createdAt\":\"2025-05-01T09:30:00Z\"}")
		})
		c := srv.client(t)
		a, err := c.Agents.Get(t.Context(), "agt_1")
		require.NoError(t, err)
		assert.Equal(t, "agt_\uFFFD1", a.ID)
		assert.True(t, utf8.ValidString(a.Instructions))
		assert.Contains(t, a.Instructions, "\uFFFD")
		srv.assertReleased(t, c)
	})
	for name, body := range map[string]string{
		"number for a string":   `{"id":42}`,
		"string for a number":   `{"id":"ses_1","cost":{"amount":"12","currency":"usd"}}`,
		"fraction for cents":    `{"id":"ses_1","cost":{"amount":12.5,"currency":"usd"}}`,
		"object for a list":     `{"data":{"id":"ses_1"},"hasMore":false}`,
		"string for a bool":     `{"data":[],"hasMore":"false"}`,
		"bad timestamp":         `{"id":"ses_1","createdAt":"yesterday"}`,
		"invalid UTF-8 outside": "{\"id\":\"ses_1\"}\xff",
	} {
		t.Run(name, func(t *testing.T) {
			srv := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				io.WriteString(w, body)
			})
			c := srv.client(t)
			var err error
			if strings.Contains(body, `"data"`) {
				_, err = c.Sessions.ListPage(t.Context(), nil)
			} else {
				_, err = c.Sessions.Create(t.Context(), &SessionCreateParams{UserID: "user_1"})
			}
			require.ErrorIs(t, err, ErrInvalidResponse)
			var apiErr *Error
			assert.False(t, errors.As(err, &apiErr), "a 2xx is not an API error")
			assert.Equal(t, int32(1), srv.hits.Load())
			srv.assertReleased(t, c)
		})
	}
	t.Run("error envelope with wrong types", func(t *testing.T) {
		srv := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusConflict)
			io.WriteString(w, "{\"error\":{\"code\":409,\"message\":[\"\xff\"]}}")
		})
		c := srv.client(t)
		_, err := c.Agents.Resume(t.Context(), "agt_1")
		var apiErr *Error
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, http.StatusConflict, apiErr.StatusCode)
		assert.Empty(t, apiErr.Code, "not the envelope")
		assert.ErrorIs(t, err, ErrConflict, "still matched by its status")
		assert.True(t, utf8.ValidString(apiErr.Message))
		srv.assertReleased(t, c)
	})
	t.Run("stream event with wrong types", func(t *testing.T) {
		srv := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event: step:start\ndata: {\"step\":\"a\",\"index\":0}\n\nevent: step:complete\ndata: {\"step\":7}\n\nevent: workflow:complete\ndata: {}\n\n")
		})
		c := srv.client(t)
		s, err := c.Workflows.Attach(t.Context(), "wfr_1")
		require.NoError(t, err)
		events, err := drainStream(t, s.Stream())
		require.ErrorIs(t, err, ErrInvalidResponse)
		assert.Contains(t, err.Error(), `decoding "step:complete" event`)
		assert.Len(t, events, 1, "the stream ends at the bad event")
		srv.assertReleased(t, c)
	})
}

func TestChaosLongStream(t *testing.T) {
	const n = 100_000
	srv := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		bw := bufio.NewWriterSize(w, 64<<10)
		for i := range n {
			fmt.Fprintf(bw, "id: %d\nevent: tool_result\ndata: {\"tool\":\"t\",\"output\":{\"i\":%d}}\n\n", i, i)
		}
		io.WriteString(bw, "event: output\ndata: {\"text\":\"done\",\"cost\":{\"amount\":1,\"currency\":\"usd\"}}\n\n")
		bw.Flush()
	})
	c := srv.client(t)
	s, err := c.Agents.Stream(t.Context(), "agt_1")
	require.NoError(t, err)
	defer s.Close()

	heapAt := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var count int
	var early, late uint64
	var last AgentEvent
	for ev, err := range s.Events() {
		require.NoError(t, err)
		count++
		last = ev
		switch count {
		case 10_000:
			early = heapAt()
		case 90_000:
			late = heapAt()
		}
	}
	assert.Equal(t, n+1, count, "every event, then the terminal one")
	assert.IsType(t, &OutputEvent{}, last)
	assert.Equal(t, strconv.Itoa(n-1), s.LastEventID())
	assert.Less(t, int64(late)-int64(early), int64(4<<20), "memory does not grow with the events read (%d -> %d bytes)", early, late)
	assert.Equal(t, int32(1), srv.hits.Load())
	srv.assertReleased(t, c)
}

func TestChaosRedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	type seen struct {
		method, auth, body string
	}
	var mu sync.Mutex
	var atOther []seen
	other := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		atOther = append(atOther, seen{r.Method, r.Header.Get("Authorization"), string(body)})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"agt_1","taskId":"task_1"}`)
	})
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		for _, host := range []string{"127.0.0.1", "localhost"} {
			t.Run(fmt.Sprintf("%d to %s", status, host), func(t *testing.T) {
				mu.Lock()
				atOther = nil
				mu.Unlock()
				target := strings.Replace(other.URL, "127.0.0.1", host, 1)
				origin := newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, target+r.URL.Path, status)
				})
				c := NewClient(liveKey, WithBaseURL(origin.URL+"/v1"))
				t.Cleanup(c.CloseIdleConnections)

				_, err := c.Agents.Get(t.Context(), "agt_1")
				require.NoError(t, err)
				_, err = c.Agents.Run(t.Context(), "agt_1", "task")
				require.NoError(t, err)

				mu.Lock()
				defer mu.Unlock()
				require.Len(t, atOther, 2, "each call reached the other host once")
				for _, s := range atOther {
					assert.Empty(t, s.auth, "%s: the key never follows a redirect to another origin", s.method)
				}
				if status == http.StatusTemporaryRedirect || status == http.StatusPermanentRedirect {
					assert.Equal(t, "POST", atOther[1].method)
					assert.JSONEq(t, `{"task":"task"}`, atOther[1].body, "307 and 308 replay the body")
				}
				assert.Equal(t, int32(2), origin.hits.Load(), "the POST is not repeated")
				origin.assertReleased(t, c)
			})
		}
	}
}

// TestChaosNoMethodPanics calls every method of every service, by
// reflection, with empty and zero arguments, against servers that answer
// nonsense: JSON of every shape, an empty body, HTML, an error, an event
// stream of garbage. Each call must return, without a panic, either a
// result or one of the SDK's documented errors; each list and stream is
// ranged over to its end.
func TestChaosNoMethodPanics(t *testing.T) {
	t.Parallel()
	replies := map[string]reply{
		"null":           {Body: `null`},
		"empty object":   {Body: `{}`},
		"array":          {Body: `[1,"x",null]`},
		"string":         {Body: `"x"`},
		"empty body":     {Body: ``},
		"html 200":       {Header: map[string]string{"Content-Type": "text/html"}, Body: `<html>ok</html>`},
		"html 500":       {Status: 500, Header: map[string]string{"Content-Type": "text/html"}, Body: `<html>oops</html>`},
		"wrong types":    {Body: `{"id":1,"data":{"x":1},"hasMore":"yes","ok":"true","createdAt":5,"cost":"free"}`},
		"garbage events": streamReply("id: 1\nevent: output\ndata: {\"cost\":\"free\"}\n\nevent: message\ndata: [\n\n: x\n\ndata"),
		"unknown events": streamReply("id: 7\nevent: zzz\ndata: {}\n\n"),
	}
	defined := func(err error) bool {
		var apiErr *Error
		return errors.As(err, &apiErr) || errors.Is(err, ErrInvalidResponse) || errors.Is(err, ErrInvalidParams) ||
			errors.Is(err, ErrEmptyID) || errors.Is(err, sse.ErrNotEventStream) || errors.Is(err, sse.ErrInterrupted) ||
			errors.Is(err, sse.ErrEventTooLarge)
	}
	ctxType := reflect.TypeFor[context.Context]()
	errType := reflect.TypeFor[error]()
	for name, rep := range replies {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv := newMemRecorder(t, rep)
				c := srv.client(WithMaxRetryWait(time.Millisecond))
				services := reflect.ValueOf(c).Elem()
				methods := 0
				for i := range services.NumField() {
					field := services.Type().Field(i)
					if !field.IsExported() {
						continue
					}
					svc := services.Field(i)
					for m := range svc.NumMethod() {
						methods++
						method := svc.Type().Method(m)
						fn := svc.Method(m)
						for _, id := range []string{"", "x"} {
							for _, zeroParams := range []bool{false, true} {
								n := fn.Type().NumIn()
								if fn.Type().IsVariadic() {
									n-- // the options: none
								}
								args := make([]reflect.Value, n)
								for a := range args {
									in := fn.Type().In(a)
									switch {
									case in == ctxType:
										args[a] = reflect.ValueOf(t.Context())
									case in.Kind() == reflect.String:
										args[a] = reflect.ValueOf(id).Convert(in)
									case in.Kind() == reflect.Pointer && zeroParams:
										args[a] = reflect.New(in.Elem())
									default:
										args[a] = reflect.Zero(in)
									}
								}
								label := fmt.Sprintf("%s.%s(id %q, zero params %v)", field.Name, method.Name, id, zeroParams)
								for _, err := range callAndDrain(t, fn, args, errType) {
									assert.True(t, defined(err), "%s: undocumented error %T: %v", label, err, err)
								}
							}
						}
					}
				}
				assert.GreaterOrEqual(t, methods, 60, "every method of every service")
				assert.NotEmpty(t, srv.requests())
			})
		})
	}
}

// callAndDrain calls fn, fails the test on a panic, ranges over a returned
// iterator or stream to its end, closes a stream, and returns every error
// it met.
func callAndDrain(t *testing.T, fn reflect.Value, args []reflect.Value, errType reflect.Type) (errs []error) {
	t.Helper()
	defer func() {
		if v := recover(); v != nil {
			t.Fatalf("%s panicked: %v", fn.Type(), v)
		}
	}()
	out := fn.Call(args) // a variadic method's options are left out: none
	for _, o := range out {
		if o.Type() == errType && !o.IsNil() {
			errs = append(errs, o.Interface().(error))
		}
	}
	rangeSeq := func(seq reflect.Value) {
		yield := reflect.MakeFunc(seq.Type().In(0), func(in []reflect.Value) []reflect.Value {
			if e := in[1]; !e.IsNil() {
				errs = append(errs, e.Interface().(error))
			}
			return []reflect.Value{reflect.ValueOf(true)}
		})
		seq.Call([]reflect.Value{yield})
	}
	first := out[0]
	switch {
	case first.Kind() == reflect.Func:
		rangeSeq(first)
	case first.Kind() == reflect.Pointer && !first.IsNil() && first.MethodByName("Events").IsValid():
		rangeSeq(first.MethodByName("Events").Call(nil)[0])
		first.MethodByName("Close").Call(nil)
	}
	return errs
}
