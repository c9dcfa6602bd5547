package sse

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go/internal/memnet"
)

// watched is a ResponseWriter that tells whether a write is blocked. It
// flushes with FlushError and unwraps, so go-sse and
// http.ResponseController use it as they would the server's.
type watched struct {
	http.ResponseWriter
	since atomic.Int64 // when the write in flight began, in Unix nanoseconds; 0 if none
	last  atomic.Int64 // when the last write began
}

func (w *watched) track(do func() error) error {
	now := time.Now().UnixNano()
	w.since.Store(now)
	w.last.Store(now)
	defer w.since.Store(0)
	return do()
}

func (w *watched) Write(p []byte) (n int, err error) {
	err = w.track(func() error { n, err = w.ResponseWriter.Write(p); return err })
	return n, err
}

func (w *watched) FlushError() error {
	return w.track(http.NewResponseController(w.ResponseWriter).Flush)
}

func (w *watched) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// blocked returns how long the write in flight has been going on.
func (w *watched) blocked() time.Duration {
	if s := w.since.Load(); s != 0 {
		return time.Since(time.Unix(0, s))
	}
	return 0
}

// stallingBrowser connects to addr with a 4 KiB receive buffer, asks for
// the event stream, and never reads a byte of the answer.
func stallingBrowser(t *testing.T, addr string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	require.NoError(t, c.(*net.TCPConn).SetReadBuffer(4096))
	_, err = io.WriteString(c, "GET / HTTP/1.1\r\nHost: relay\r\nAccept: text/event-stream\r\n\r\n")
	require.NoError(t, err)
}

// floodingUpstream sends 16 KiB events, as fast as it can be read, until
// its client goes away.
func floodingUpstream(t *testing.T) *server {
	data := strings.Repeat("x", 16<<10)
	return newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		rc := http.NewResponseController(w)
		for i := 1; r.Context().Err() == nil; i++ {
			fmt.Fprintf(w, "id: %d\nevent: step\ndata: %s\n\n", i, data)
			if rc.Flush() != nil {
				return
			}
		}
	})
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

type relayReturn struct {
	err error
	at  time.Time
}

// A browser that keeps its connection open but reads nothing pins neither
// Relay, nor the upstream connection, nor the server: over HTTP/1.1 and
// HTTP/2, Relay returns soon after its context ends or a write times out,
// and no goroutine of the test outlives it. The browser is a real socket,
// whose buffers fill, so the test takes real time: its cases run in
// parallel, but the test itself does not, so that the check for leaked
// goroutines sees only its own.
func TestRelayBrowserThatNeverReads(t *testing.T) {
	// The goroutines of now, before the cases: taken in the cleanup, they
	// would be all those left, and the check could not fail.
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // after the cases, parallel or not
	tests := []struct {
		name string
		run  func(t *testing.T)
	}{
		{name: "HTTP1.1", run: relayToABrowserThatNeverReads},
		{name: "HTTP2", run: relayToAnHTTP2BrowserThatNeverReads},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t)
		})
	}
}

// relayToABrowserThatNeverReads runs the cases of
// TestRelayBrowserThatNeverReads over HTTP/1.1, whose browser has a small
// receive buffer: Relay returns within a second of its context ending, or
// of the failing write's start, and the server shuts down.
func relayToABrowserThatNeverReads(t *testing.T) {
	tests := []struct {
		name    string
		opts    []RelayOption
		cancel  bool // the test ends Relay's context once a write is blocked
		wantErr error
		within  time.Duration // of the context's end, or of the failing write's start
	}{
		{name: "the context ends", cancel: true, wantErr: context.Canceled, within: time.Second},
		{
			name:    "a write times out",
			opts:    []RelayOption{WithWriteTimeout(20 * time.Millisecond)},
			wantErr: os.ErrDeadlineExceeded,
			within:  20*time.Millisecond + time.Second,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			upstream := floodingUpstream(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			writers := make(chan *watched, 1)
			returned := make(chan relayReturn, 1)
			hs := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, err := Connect(r.Context(), connector(t, upstream.URL), cfg)
				if err != nil {
					returned <- relayReturn{err: err}
					return
				}
				ww := &watched{ResponseWriter: w}
				writers <- ww
				err = Relay(ctx, ww, r, s, append([]RelayOption{WithHeartbeat(0)}, tc.opts...)...)
				returned <- relayReturn{err, time.Now()}
			})}
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			require.NoError(t, err)
			served := make(chan error, 1)
			go func() { served <- hs.Serve(smallSendBuffers{ln}) }()

			stallingBrowser(t, ln.Addr().String())
			var ww *watched
			select {
			case ww = <-writers:
			case <-time.After(5 * time.Second):
				t.Fatal("the relay did not start")
			}
			var from time.Time
			if tc.cancel {
				require.Eventually(t, func() bool { return ww.blocked() > 50*time.Millisecond }, 10*time.Second, time.Millisecond,
					"a write to the browser blocks")
				from = time.Now()
				cancel()
			}

			var got relayReturn
			select {
			case got = <-returned:
			case <-time.After(5 * time.Second):
				t.Fatal("Relay did not return")
			}
			if !tc.cancel {
				from = time.Unix(0, ww.last.Load())
			}
			took := got.at.Sub(from)
			t.Logf("Relay returned %v after %s", took.Round(time.Millisecond), map[bool]string{true: "its context ended", false: "the failing write began"}[tc.cancel])
			assert.ErrorIs(t, got.err, tc.wantErr)
			assert.Less(t, took, tc.within)
			select {
			case <-upstream.gone:
			case <-time.After(time.Second):
				t.Fatal("the upstream was not closed")
			}

			shutdown, stop := context.WithTimeout(context.Background(), 2*time.Second)
			defer stop()
			began := time.Now()
			require.NoError(t, hs.Shutdown(shutdown), "the server shuts down")
			t.Logf("Shutdown took %v", time.Since(began).Round(time.Millisecond))
			assert.ErrorIs(t, <-served, http.ErrServerClosed)
		})
	}
}

// hidden is a ResponseWriter that flushes but hides the server's writer,
// and with it the write deadlines.
type hidden struct{ w http.ResponseWriter }

func (h hidden) Header() http.Header         { return h.w.Header() }
func (h hidden) Write(p []byte) (int, error) { return h.w.Write(p) }
func (h hidden) WriteHeader(code int)        { h.w.WriteHeader(code) }
func (h hidden) Flush()                      { h.w.(http.Flusher).Flush() }

// A writer without deadlines still gets its events, and the end of
// Relay's context still closes the upstream at once.
func TestRelayWithoutWriteDeadlines(t *testing.T) {
	t.Parallel()
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		send(w, "id: 1\nevent: step\ndata: {}\n\n")
		<-r.Context().Done()
	})
	ctx, cancel := context.WithCancel(context.Background())
	results := make(chan error, 1)
	backend := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
		s, err := Connect(r.Context(), connector(t, srv.URL), cfg)
		if !assert.NoError(t, err) {
			return
		}
		results <- Relay(ctx, hidden{w}, r, s, WithHeartbeat(0))
	})
	resp := browse(t, context.Background(), backend)
	assert.Equal(t, "id: 1\nevent: step\ndata: {}\n", readBlock(t, bufio.NewReader(resp.Body)))
	cancel()
	assert.ErrorIs(t, result(t, results), context.Canceled)
	select {
	case <-srv.gone:
	case <-time.After(time.Second):
		t.Fatal("the upstream was not closed")
	}
}

// Relay's deadlines replace the server's WriteTimeout, which would cut
// any stream longer than it.
func TestRelayOutlivesTheServersWriteTimeout(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			start(w)
			for i := 1; i <= 4; i++ {
				send(w, fmt.Sprintf("id: %d\nevent: step\ndata: {}\n\n", i))
				time.Sleep(20 * time.Millisecond)
			}
			send(w, "id: 5\nevent: end\ndata: {}\n\n")
		})
		results := make(chan error, 1)
		backend := newBackend(t, func(w http.ResponseWriter, r *http.Request) {
			s, err := Connect(r.Context(), srv.connect(t), cfg)
			if !assert.NoError(t, err) {
				return
			}
			results <- Relay(r.Context(), w, r, s, WithHeartbeat(0))
		}, func(hs *http.Server) { hs.WriteTimeout = 30 * time.Millisecond })
		began := time.Now()
		resp := browse(t, context.Background(), backend)
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, result(t, results))
		assert.Equal(t, 5, strings.Count(string(body), "event: "), string(body))
		assert.Equal(t, 80*time.Millisecond, time.Since(began), "the stream lasted beyond the server's WriteTimeout")
	})
}

// A browser that reads gets the events of an upstream quiet for longer
// than the write timeout: over HTTP/2, whose deadlines reset the stream
// when they pass even with no write in flight, as over HTTP/1.1. On
// synctest's clock, with the default timeout, over in-memory TLS.
func TestRelayQuietUpstreamOutlivesTheWriteTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		proto int // the major version of HTTP
	}{
		{name: "HTTP1.1", proto: 1},
		{name: "HTTP2", proto: 2},
	}
	for _, tc := range tests {
		proto := tc.proto
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
					start(w)
					send(w, "id: 1\nevent: step\ndata: {}\n\n")
					time.Sleep(2 * DefaultWriteTimeout) // a minute of synctest's clock: no real time
					send(w, "id: 2\nevent: end\ndata: {}\n\n")
				})
				results := make(chan error, 1)
				backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					assert.Equal(t, proto, r.ProtoMajor)
					s, err := Connect(r.Context(), srv.connect(t), cfg)
					if !assert.NoError(t, err) {
						return
					}
					results <- Relay(r.Context(), w, r, s, WithHeartbeat(0))
				}))
				l := memnet.Listen()
				backend.Listener.Close()
				backend.Listener = l
				backend.EnableHTTP2 = proto == 2
				backend.StartTLS()
				t.Cleanup(backend.Close)
				tr := backend.Client().Transport.(*http.Transport)
				tr.DialContext = l.Dial
				t.Cleanup(tr.CloseIdleConnections)

				began := time.Now()
				resp, err := backend.Client().Get(backend.URL)
				require.NoError(t, err)
				defer resp.Body.Close()
				body, err := io.ReadAll(resp.Body)
				require.NoError(t, err)
				assert.Equal(t, "id: 1\nevent: step\ndata: {}\n\nid: 2\nevent: end\ndata: {}\n\n", string(body))
				assert.Equal(t, 2*DefaultWriteTimeout, time.Since(began))
				require.NoError(t, result(t, results))
			})
		})
	}
}

// newBackend serves handler, on a server that configure may change, over
// in-memory connections (internal/memnet) that only its Client reaches: in
// a testing/synctest bubble, its waits are on the bubble's clock.
func newBackend(t *testing.T, handler http.HandlerFunc, configure ...func(*http.Server)) *httptest.Server {
	t.Helper()
	backend := httptest.NewUnstartedServer(handler)
	for _, c := range configure {
		c(backend.Config)
	}
	l := memnet.Listen()
	backend.Listener.Close()
	backend.Listener = l
	backend.Start()
	backend.Client().Transport.(*http.Transport).DialContext = l.Dial
	t.Cleanup(backend.Close)
	return backend
}

// relayToAnHTTP2BrowserThatNeverReads runs the cases of
// TestRelayBrowserThatNeverReads over HTTP/2, whose flow control stops the
// writes to a browser that does not read: the deadlines work as over
// HTTP/1.1.
func relayToAnHTTP2BrowserThatNeverReads(t *testing.T) {
	tests := []struct {
		name    string
		opts    []RelayOption
		cancel  bool // the test ends Relay's context once a write is blocked
		wantErr error
	}{
		{name: "the context ends", cancel: true, wantErr: context.Canceled},
		{name: "a write times out", opts: []RelayOption{WithWriteTimeout(50 * time.Millisecond)}, wantErr: os.ErrDeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			upstream := floodingUpstream(t)
			relayCtx, cancelRelay := context.WithCancel(context.Background())
			defer cancelRelay()
			writers := make(chan *watched, 1)
			returned := make(chan relayReturn, 1)
			backend := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				assert.Equal(t, 2, r.ProtoMajor)
				s, err := Connect(r.Context(), connector(t, upstream.URL), cfg)
				if !assert.NoError(t, err) {
					return
				}
				ww := &watched{ResponseWriter: w}
				writers <- ww
				err = Relay(relayCtx, ww, r, s, append([]RelayOption{WithHeartbeat(0)}, tc.opts...)...)
				returned <- relayReturn{err, time.Now()}
			}))
			backend.EnableHTTP2 = true
			backend.StartTLS()
			t.Cleanup(backend.Close)

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, backend.URL, nil)
			require.NoError(t, err)
			// The browser's windows are HTTP/2's smallest, so that a few
			// events fill them, as small socket buffers do over HTTP/1.1.
			backend.Client().Transport.(*http.Transport).HTTP2 = &http.HTTP2Config{
				MaxReceiveBufferPerConnection: 64 << 10,
				MaxReceiveBufferPerStream:     64 << 10,
			}
			resp, err := backend.Client().Do(req) // and never read
			require.NoError(t, err)
			defer resp.Body.Close()
			ww := <-writers
			from := time.Now()
			if tc.cancel {
				require.Eventually(t, func() bool { return ww.blocked() > 50*time.Millisecond }, 10*time.Second, time.Millisecond,
					"a write to the browser blocks")
				from = time.Now()
				cancelRelay()
			}
			select {
			case got := <-returned:
				assert.ErrorIs(t, got.err, tc.wantErr)
				assert.Less(t, got.at.Sub(from), 2*time.Second)
			case <-time.After(5 * time.Second):
				t.Fatal("Relay did not return")
			}
			select {
			case <-upstream.gone:
			case <-time.After(time.Second):
				t.Fatal("the upstream was not closed")
			}
		})
	}
}
