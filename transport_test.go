package theazo

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
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

const (
	sessionJSON = `{"id":"ses_1","userId":"user_1","status":"active","cost":{"amount":0,"currency":"usd"},"createdAt":"2025-05-01T09:30:00Z"}`
	agentJSON   = `{"id":"agt_1","sessionId":"ses_1","status":"idle","browser":false,"createdAt":"2025-05-01T09:30:00Z"}`
)

// retryReply is a failure the retry policy may repeat: status, envelope and
// Retry-After (seconds, as a string; "" for none).
func retryReply(status int, code, retryAfter string) reply {
	h := map[string]string{}
	if retryAfter != "" {
		h["Retry-After"] = retryAfter
	}
	return reply{Status: status, Header: h, Body: envelopeBody(code, "failure "+code, `{}`)}
}

func TestRetryAfterWaits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		first func() reply
		want  time.Duration
	}{
		{name: "Retry-After seconds", first: func() reply { return retryReply(429, "rate_limited", "1") }, want: time.Second},
		{name: "Retry-After HTTP-date", first: func() reply {
			// synctest's clock starts on a whole second: the date is 2 s from now.
			return retryReply(429, "rate_limited", time.Now().Add(2*time.Second).UTC().Format(http.TimeFormat))
		}, want: 2 * time.Second},
		{name: "details.retryAfter only", first: func() reply {
			return reply{Status: 429, Body: envelopeBody("rate_limited", "Too many requests. Retry after 1 seconds.", `{"retryAfter":1}`)}
		}, want: time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newMemRecorder(t, tc.first(), reply{Status: 200, Body: sessionJSON})
				start := time.Now()
				// A POST that is not idempotent: 429 means it was not processed, so it is retried.
				s, err := srv.client().Sessions.Create(t.Context(), &SessionCreateParams{UserID: "user_1"})
				elapsed := time.Since(start)
				require.NoError(t, err)
				assert.Equal(t, "ses_1", s.ID)
				require.Len(t, srv.requests(), 2)
				assert.Equal(t, tc.want, elapsed, "the server's wait is honoured")
			})
		})
	}
}

func TestRetryAfterTooLong(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		status  int
		code    string
		after   string
		details string // the envelope's details, "{}" when empty
		opts    []Option
		want    time.Duration
	}{
		{name: "429 one hour", status: 429, code: "rate_limited", after: "3600", want: time.Hour},
		{name: "503 one hour", status: 503, code: "unavailable", after: "3600", want: time.Hour},
		{name: "429 above a custom cap", status: 429, code: "rate_limited", after: "30", opts: []Option{WithMaxRetryWait(10 * time.Second)}, want: 30 * time.Second},
		// Longer than a 32-bit number of seconds, or than a time.Duration
		// holds: still "longer than the cap", never "no Retry-After".
		{name: "429 Retry-After 2^32 seconds", status: 429, code: "rate_limited", after: "4294967296", want: 4294967296 * time.Second},
		{name: "429 Retry-After beyond a Duration", status: 429, code: "rate_limited", after: "99999999999", want: math.MaxInt64},
		{name: "429 Retry-After in the year 9999", status: 429, code: "rate_limited", after: "Fri, 31 Dec 9999 23:59:59 GMT", want: math.MaxInt64},
		{name: "429 details.retryAfter 1e10", status: 429, code: "rate_limited", details: `{"retryAfter":1e10}`, want: math.MaxInt64},
		{name: "429 details.retryAfter 2^32", status: 429, code: "rate_limited", details: `{"retryAfter":4294967296}`, want: 4294967296 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			first := retryReply(tc.status, tc.code, tc.after)
			if tc.details != "" {
				first.Body = envelopeBody(tc.code, "failure", tc.details)
			}
			srv := newRecorder(t, first, reply{Status: 200, Body: agentJSON})
			start := time.Now()
			_, err := srv.client(tc.opts...).Agents.Get(t.Context(), "agt_1")
			// Waiting would take at least 10 s in every case; the margin
			// below that is for a loaded machine, not for a sleep.
			assert.Less(t, time.Since(start), 5*time.Second, "returned at once")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.want, apiErr.RetryAfter)
			assert.Len(t, srv.requests(), 1, "one attempt")
		})
	}
}

func TestRetryPolicyByStatusAndMethod(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	run := func(c *Client) (any, error) { return c.Agents.Run(ctx, "agt_1", "task") }
	exec := func(c *Client) (any, error) {
		return c.Agents.Exec(ctx, "agt_1", &AgentExecParams{Lang: LangPython, Code: "print(1)"})
	}
	get := func(c *Client) (any, error) { return c.Agents.Get(ctx, "agt_1") }
	getOrCreate := func(c *Client) (any, error) { return c.Sessions.GetOrCreate(ctx, "user_1", nil) }
	create := func(c *Client) (any, error) {
		return c.Sessions.Create(ctx, &SessionCreateParams{UserID: "user_1"})
	}
	list := func(c *Client) (any, error) { return c.Sessions.ListPage(ctx, nil) }
	pause := func(c *Client) (any, error) { return c.Agents.Pause(ctx, "agt_1") }

	tests := []struct {
		name     string
		call     func(*Client) (any, error)
		first    reply
		ok       string // the reply after the failure
		retried  bool
		sentinel error
	}{
		{name: "503 on GET is retried", call: get, first: retryReply(503, "unavailable", "0"), ok: agentJSON, retried: true},
		{name: "500 on GET is retried", call: get, first: retryReply(500, "internal_error", "0"), ok: agentJSON, retried: true, sentinel: ErrInternal},
		{name: "502 on a paged GET is retried", call: list, first: retryReply(502, "provider_error", "0"), ok: `{"data":[],"hasMore":false}`, retried: true},
		{name: "500 on GetOrCreate is retried", call: getOrCreate, first: retryReply(500, "internal_error", "0"), ok: sessionJSON, retried: true},
		{name: "503 on GetOrCreate is retried", call: getOrCreate, first: retryReply(503, "unavailable", "0"), ok: sessionJSON, retried: true},
		{name: "429 on Run is retried", call: run, first: retryReply(429, "rate_limited", "0"), ok: `{"taskId":"task_1"}`, retried: true},
		{name: "429 on Exec is retried", call: exec, first: retryReply(429, "rate_limited", "0"), ok: `{"stdout":"1\n"}`, retried: true},
		{name: "502 on Run is not retried", call: run, first: retryReply(502, "provider_error", "0"), ok: `{"taskId":"task_1"}`, sentinel: ErrProviderError},
		{name: "503 on Run is not retried", call: run, first: retryReply(503, "unavailable", "0"), ok: `{"taskId":"task_1"}`},
		{name: "504 on Exec is not retried", call: exec, first: retryReply(504, "timeout", "0"), ok: `{"stdout":"1\n"}`, sentinel: ErrTimeout},
		{name: "504 on GET is not retried", call: get, first: retryReply(504, "timeout", "0"), ok: agentJSON, sentinel: ErrTimeout},
		{name: "500 on Create is not retried", call: create, first: retryReply(500, "internal_error", "0"), ok: sessionJSON, sentinel: ErrInternal},
		{name: "500 on Pause is not retried", call: pause, first: retryReply(500, "internal_error", "0"), ok: agentJSON, sentinel: ErrInternal},
		{name: "400 on GET is not retried", call: get, first: retryReply(400, "bad_request", "0"), ok: agentJSON},
		{name: "401 on GET is not retried", call: get, first: retryReply(401, "unauthorized", "0"), ok: agentJSON, sentinel: ErrUnauthorized},
		{name: "404 on GET is not retried", call: get, first: retryReply(404, "not_found", "0"), ok: agentJSON, sentinel: ErrNotFound},
		{name: "409 on GET is not retried", call: get, first: retryReply(409, "conflict", "0"), ok: agentJSON, sentinel: ErrConflict},
		{name: "422 on Create is not retried", call: create, first: retryReply(422, "unprocessable_entity", "0"), ok: sessionJSON, sentinel: ErrUnprocessable},
		{name: "402 on Create is not retried", call: create, first: retryReply(402, "session_limit_exceeded", "0"), ok: sessionJSON, sentinel: ErrSessionLimitExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, tc.first, reply{Status: 200, Body: tc.ok})
			got, err := tc.call(srv.client())
			if tc.retried {
				require.NoError(t, err)
				assert.NotNil(t, got)
				require.Len(t, srv.requests(), 2)
				return
			}
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.first.Status, apiErr.StatusCode)
			if tc.sentinel != nil {
				assert.ErrorIs(t, err, tc.sentinel)
			}
			assert.Len(t, srv.requests(), 1, "not retried")
		})
	}
}

func TestRetryBodyReplayedExactly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(*Client) error
		want string
	}{
		{name: "GetOrCreate after 500s", want: `{"limits":{"maxCost":{"amount":1000,"currency":"usd","period":"month"}}}`, call: func(c *Client) error {
			_, err := c.Sessions.GetOrCreate(t.Context(), "user_123", &SessionGetOrCreateParams{Limits: &SessionLimits{MaxCost: &CostLimit{Amount: 1000, Currency: "usd", Period: PeriodMonth}}})
			return err
		}},
		{name: "Create after 429s", want: `{"userId":"user_123","metadata":{"plan":"pro"}}`, call: func(c *Client) error {
			_, err := c.Sessions.Create(t.Context(), &SessionCreateParams{UserID: "user_123", Metadata: Metadata{"plan": "pro"}})
			return err
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, code := 500, "internal_error"
			if tc.name[:6] == "Create" {
				status, code = 429, "rate_limited"
			}
			srv := newRecorder(t, retryReply(status, code, "0"), retryReply(status, code, "0"), reply{Status: 200, Body: sessionJSON})
			require.NoError(t, tc.call(srv.client()))
			reqs := srv.requests()
			require.Len(t, reqs, 3)
			for i, r := range reqs {
				assert.Equal(t, tc.want, string(r.Body), "attempt %d", i+1)
				assert.Equal(t, strconv.Itoa(len(tc.want)), r.Header.Get("Content-Length"), "attempt %d", i+1)
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"), "attempt %d", i+1)
				assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"), "attempt %d", i+1)
			}
		})
	}
}

func TestRetryAttemptsCounted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts []Option
		want int
	}{
		{name: "default: 2 retries", want: 3},
		{name: "WithMaxRetries(0)", opts: []Option{WithMaxRetries(0)}, want: 1},
		{name: "WithMaxRetries(1)", opts: []Option{WithMaxRetries(1)}, want: 2},
		{name: "WithMaxRetries(4)", opts: []Option{WithMaxRetries(4)}, want: 5},
		{name: "negative is 0", opts: []Option{WithMaxRetries(-3)}, want: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var replies []reply
			for i := range 6 {
				r := retryReply(503, "unavailable", "0")
				r.Header["X-Request-Id"] = "req_" + strconv.Itoa(i+1)
				r.Body = `{"error":{"code":"internal_error","message":"attempt ` + strconv.Itoa(i+1) + `"}}`
				replies = append(replies, r)
			}
			srv := newRecorder(t, replies...)
			_, err := srv.client(tc.opts...).Agents.Get(t.Context(), "agt_1")
			assert.Len(t, srv.requests(), tc.want)

			// The error is the last reply, decoded; not the retry library's summary.
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 503, apiErr.StatusCode)
			assert.Equal(t, CodeInternalError, apiErr.Code)
			assert.Equal(t, "attempt "+strconv.Itoa(tc.want), apiErr.Message)
			assert.Equal(t, "req_"+strconv.Itoa(tc.want), apiErr.RequestID)
			assert.NotContains(t, err.Error(), "giving up")
			assert.NotContains(t, err.Error(), "attempt(s)")
		})
	}
}

func TestRetryExponentialBackoff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// No Retry-After: the first backoff step is 250-500 ms.
		srv := newMemRecorder(t, retryReply(500, "internal_error", ""), reply{Status: 200, Body: agentJSON})
		start := time.Now()
		_, err := srv.client().Agents.Get(t.Context(), "agt_1")
		elapsed := time.Since(start)
		require.NoError(t, err)
		require.Len(t, srv.requests(), 2)
		assert.GreaterOrEqual(t, elapsed, 250*time.Millisecond)
		assert.LessOrEqual(t, elapsed, 500*time.Millisecond)
	})
}

func TestRetryContextCancelledDuringWait(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemRecorder(t, retryReply(503, "unavailable", "30"), reply{Status: 200, Body: agentJSON})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		start := time.Now()
		go func() {
			time.Sleep(50 * time.Millisecond) // in the 30 s wait: time passes only once every goroutine waits
			cancel()
		}()
		_, err := srv.client().Agents.Get(ctx, "agt_1")
		require.ErrorIs(t, err, context.Canceled)
		assert.Equal(t, 50*time.Millisecond, time.Since(start), "returned when ctx was cancelled")
		assert.Len(t, srv.requests(), 1)
	})
}

func TestRetryContextDeadline(t *testing.T) {
	t.Parallel()
	t.Run("Retry-After beyond the deadline: the reply at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := newMemRecorder(t, retryReply(429, "rate_limited", "2"), reply{Status: 200, Body: agentJSON})
			ctx, cancel := context.WithTimeout(t.Context(), time.Second)
			defer cancel()
			start := time.Now()
			_, err := srv.client().Agents.Get(ctx, "agt_1")
			assert.Zero(t, time.Since(start), "at once")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.ErrorIs(t, err, ErrRateLimited)
			assert.Equal(t, 2*time.Second, apiErr.RetryAfter)
			assert.Len(t, srv.requests(), 1)
		})
	})
	t.Run("Retry-After within the deadline: waited", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			srv := newMemRecorder(t, retryReply(429, "rate_limited", "0.2"), reply{Status: 200, Body: agentJSON})
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			start := time.Now()
			_, err := srv.client().Agents.Get(ctx, "agt_1")
			require.NoError(t, err)
			assert.Equal(t, 200*time.Millisecond, time.Since(start), "the wait Retry-After named")
			assert.Len(t, srv.requests(), 2)
		})
	})
	t.Run("backoff beyond the deadline: the reply at once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// No Retry-After: the exponential wait (250-500 ms) would outlast
			// the deadline, so the 503 is returned now, not a deadline error
			// that hides it.
			srv := newMemRecorder(t, retryReply(503, "unavailable", ""), reply{Status: 200, Body: agentJSON})
			ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := srv.client().Agents.Get(ctx, "agt_1")
			assert.Zero(t, time.Since(start), "at once, before the deadline")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 503, apiErr.StatusCode)
			assert.Equal(t, "failure unavailable", apiErr.Message)
			assert.Len(t, srv.requests(), 1)
		})
	})
	t.Run("backoff beyond the deadline on a later attempt", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			// The first backoff (250-500 ms) fits in 700 ms; the second
			// (500 ms-1 s), after at least 250 ms, no longer does.
			srv := newMemRecorder(t, retryReply(500, "internal_error", ""), retryReply(502, "provider_error", ""), reply{Status: 200, Body: agentJSON})
			ctx, cancel := context.WithTimeout(t.Context(), 700*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := srv.client().Agents.Get(ctx, "agt_1")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr, "%v", err)
			assert.GreaterOrEqual(t, time.Since(start), 250*time.Millisecond, "after the first backoff")
			assert.LessOrEqual(t, time.Since(start), 500*time.Millisecond, "at once after it")
			assert.ErrorIs(t, err, ErrProviderError, "the last reply")
			assert.Len(t, srv.requests(), 2)
		})
	})
}

// resetServer answers with a TCP reset to the first `resets` requests and
// with body to the others. It counts requests.
func resetServer(t *testing.T, resets int32, body string) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1) <= resets {
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			conn.(*net.TCPConn).SetLinger(0) // RST, not FIN
			conn.Close()
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func TestRetryConnectionReset(t *testing.T) {
	t.Parallel()
	// Real sockets, for a real reset: the retries' backoff is capped at 1 ms.
	t.Run("GET is retried", func(t *testing.T) {
		srv, n := resetServer(t, 1, agentJSON)
		c := newTestClient(t, srv.URL, WithMaxRetryWait(time.Millisecond))
		a, err := c.Agents.Get(t.Context(), "agt_1")
		require.NoError(t, err)
		assert.Equal(t, "agt_1", a.ID)
		assert.Equal(t, int32(2), n.Load())
	})
	t.Run("GET with retries off fails", func(t *testing.T) {
		srv, n := resetServer(t, 1, agentJSON)
		c := newTestClient(t, srv.URL, WithMaxRetryWait(time.Millisecond), WithMaxRetries(0))
		_, err := c.Agents.Get(t.Context(), "agt_1")
		require.Error(t, err, "the reset reaches the policy; the HTTP transport does not repeat it")
		assert.Equal(t, int32(1), n.Load())
	})
	t.Run("POST after it was sent is not retried", func(t *testing.T) {
		srv, n := resetServer(t, 1, `{"taskId":"task_1"}`)
		c := newTestClient(t, srv.URL, WithMaxRetryWait(time.Millisecond))
		_, err := c.Agents.Run(t.Context(), "agt_1", "task")
		require.Error(t, err)
		var apiErr *Error
		assert.False(t, errors.As(err, &apiErr))
		assert.Contains(t, err.Error(), "POST /agents/{id}/run")
		assert.Equal(t, int32(1), n.Load())
	})
	t.Run("GET reset every time gives up after the last attempt", func(t *testing.T) {
		srv, n := resetServer(t, 100, agentJSON)
		c := newTestClient(t, srv.URL, WithMaxRetryWait(time.Millisecond), WithMaxRetries(1))
		_, err := c.Agents.Get(t.Context(), "agt_1")
		require.Error(t, err)
		assert.NotContains(t, err.Error(), "giving up")
		assert.Equal(t, int32(2), n.Load())
	})
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	return addr
}

func TestRetryConnectionRefused(t *testing.T) {
	t.Parallel()
	// Real sockets, for a real refusal: the retries' backoff is capped at 1 ms.
	t.Run("POST is retried: nothing was sent", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: 200, Body: `{"taskId":"task_1","agentId":"agt_1"}`})
		dead := closedAddr(t)
		var dials atomic.Int32
		tr := defaultRoundTripper()
		t.Cleanup(tr.CloseIdleConnections)
		d := &net.Dialer{}
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if dials.Add(1) == 1 {
				addr = dead // the first connection is refused
			}
			return d.DialContext(ctx, network, addr)
		}
		c := newTestClient(t, srv.URL, WithHTTPClient(&http.Client{Transport: tr}), WithMaxRetryWait(time.Millisecond))
		ref, err := c.Agents.Run(t.Context(), "agt_1", "task")
		require.NoError(t, err)
		assert.Equal(t, "task_1", ref.TaskID)
		assert.Equal(t, int32(2), dials.Load())
		reqs := srv.requests()
		require.Len(t, reqs, 1, "the server saw the POST once")
		assert.JSONEq(t, `{"task":"task"}`, string(reqs[0].Body))
	})
	t.Run("refused every time", func(t *testing.T) {
		counter := &countingRT{next: defaultRoundTripper()}
		c := newTestClient(t, "http://"+closedAddr(t), WithHTTPClient(&http.Client{Transport: counter}), WithMaxRetries(1), WithMaxRetryWait(time.Millisecond))
		_, err := c.Agents.Run(t.Context(), "agt_1", "task")
		require.ErrorIs(t, err, syscall.ECONNREFUSED)
		assert.Equal(t, int32(2), counter.n.Load())
		assert.NotContains(t, err.Error(), "giving up")
	})
}

func TestFailuresDoNotChurnThePool(t *testing.T) {
	t.Parallel()
	// go-retryablehttp closes idle connections after exhausted retries; the
	// SDK's transport ignores that, so healthy calls keep their connections.
	var conns atomic.Int32
	var fail atomic.Bool
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if fail.Load() {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, envelopeBody("unavailable", "down", `{}`))
			return
		}
		io.WriteString(w, agentJSON)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL)
	ctx := t.Context()

	_, err := c.Agents.Get(ctx, "agt_1")
	require.NoError(t, err)
	fail.Store(true)
	_, err = c.Agents.Get(ctx, "agt_1")
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	require.Equal(t, 503, apiErr.StatusCode)
	fail.Store(false)
	_, err = c.Agents.Get(ctx, "agt_1")
	require.NoError(t, err)
	assert.Equal(t, int32(1), conns.Load(), "one connection, reused throughout")

	c.CloseIdleConnections()
	_, err = c.Agents.Get(ctx, "agt_1")
	require.NoError(t, err)
	assert.Equal(t, int32(2), conns.Load(), "CloseIdleConnections does close them")
}

// Calls that exhaust their retries must not close the pool under the healthy
// calls sharing the client: go-retryablehttp closes idle connections after
// every exhausted retry, and the SDK's transport does not let it.
func TestExhaustedRetriesKeepThePool(t *testing.T) {
	t.Parallel()
	const goroutines, calls = 8, 15
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/limited") {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"code":"rate_limited","message":"slow down"}}`)
			return
		}
		jsonHandler(benchAgent)(w, r)
	})
	c := NewClient(testKey, WithBaseURL(srv.URL+"/v1"), WithMaxRetries(1))
	ctx := t.Context()

	var wg sync.WaitGroup
	errs := make(chan error, 2*goroutines*calls)
	for range goroutines {
		wg.Go(func() {
			for range calls {
				_, err := c.Agents.Get(ctx, "healthy")
				errs <- err
			}
		})
		wg.Go(func() {
			for range calls {
				_, err := c.Agents.Get(ctx, "limited")
				if assert.ErrorIs(t, err, ErrRateLimited) {
					errs <- nil
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// 16 goroutines need about 16 connections; net/http may dial a few spares
	// while a connection is on its way back to the pool. Closing the pool on
	// each of the 120 exhausted calls would open about as many.
	assert.LessOrEqual(t, srv.conns.Load(), int64(2*2*goroutines), "connections opened")
}

func TestPathInjection(t *testing.T) {
	t.Parallel()
	ids := []struct {
		id      string
		escaped string // "" means refused locally
	}{
		{id: "../providers", escaped: "..%2Fproviders"},
		{id: "a/b?x", escaped: "a%2Fb%3Fx"},
		{id: "%2e%2e", escaped: "%252e%252e"},
		{id: "..%2f", escaped: "..%252f"},
		{id: "/", escaped: "%2F"},
		{id: "a#b", escaped: "a%23b"},
		{id: "a b", escaped: "a%20b"},
		{id: "a;b", escaped: "a%3Bb"},
		{id: `a\b`, escaped: "a%5Cb"},
		{id: "a\nb", escaped: "a%0Ab"},
		{id: "ünï", escaped: "%C3%BCn%C3%AF"},
		{id: "...", escaped: "..."},
		{id: "."},
		{id: ".."},
	}
	methods := []struct {
		name   string
		path   string // with %s for the escaped id
		method string
		call   func(c *Client, id string) error
	}{
		{name: "Agents.Get", method: "GET", path: "/v1/agents/%s", call: func(c *Client, id string) error {
			_, err := c.Agents.Get(t.Context(), id)
			return err
		}},
		{name: "Agents.Run", method: "POST", path: "/v1/agents/%s/run", call: func(c *Client, id string) error {
			_, err := c.Agents.Run(t.Context(), id, "task")
			return err
		}},
		{name: "Agents.Create", method: "POST", path: "/v1/sessions/%s/agents", call: func(c *Client, id string) error {
			_, err := c.Agents.Create(t.Context(), id, nil)
			return err
		}},
		{name: "Agents.Terminate", method: "POST", path: "/v1/agents/%s/terminate", call: func(c *Client, id string) error {
			return c.Agents.Terminate(t.Context(), id)
		}},
		{name: "Sessions.GetOrCreate", method: "POST", path: "/v1/sessions/by-user/%s", call: func(c *Client, id string) error {
			_, err := c.Sessions.GetOrCreate(t.Context(), id, nil)
			return err
		}},
		{name: "Agents.Exec", method: "POST", path: "/v1/agents/%s/exec", call: func(c *Client, id string) error {
			_, err := c.Agents.Exec(t.Context(), id, &AgentExecParams{Lang: LangPython, Code: "print(1)"})
			return err
		}},
		{name: "Agents.Pause", method: "POST", path: "/v1/agents/%s/pause", call: func(c *Client, id string) error {
			_, err := c.Agents.Pause(t.Context(), id)
			return err
		}},
		{name: "Agents.Resume", method: "POST", path: "/v1/agents/%s/resume", call: func(c *Client, id string) error {
			_, err := c.Agents.Resume(t.Context(), id)
			return err
		}},
		{name: "Definitions.Get", method: "GET", path: "/v1/agent-definitions/%s", call: func(c *Client, id string) error {
			_, err := c.Definitions.Get(t.Context(), id)
			return err
		}},
		{name: "Definitions.Update", method: "PUT", path: "/v1/agent-definitions/%s", call: func(c *Client, id string) error {
			_, err := c.Definitions.Update(t.Context(), id, &DefinitionUpdateParams{Instructions: Ptr("x")})
			return err
		}},
		{name: "Definitions.Archive", method: "DELETE", path: "/v1/agent-definitions/%s", call: func(c *Client, id string) error {
			return c.Definitions.Archive(t.Context(), id)
		}},
		{name: "Workflows.Get", method: "GET", path: "/v1/workflows/%s", call: func(c *Client, id string) error {
			_, err := c.Workflows.Get(t.Context(), id)
			return err
		}},
		{name: "Workflows.Update", method: "PUT", path: "/v1/workflows/%s", call: func(c *Client, id string) error {
			_, err := c.Workflows.Update(t.Context(), id, &WorkflowUpdateParams{Name: "w", Steps: []WorkflowStep{{Name: "s", DefinitionID: "adef_1", Task: "t"}}})
			return err
		}},
		{name: "Workflows.Delete", method: "DELETE", path: "/v1/workflows/%s", call: func(c *Client, id string) error {
			return c.Workflows.Delete(t.Context(), id)
		}},
		{name: "Workflows.Run", method: "POST", path: "/v1/workflows/%s/run", call: func(c *Client, id string) error {
			_, err := c.Workflows.Run(t.Context(), id, nil)
			return err
		}},
		{name: "Workflows.GetRun", method: "GET", path: "/v1/workflow-runs/%s", call: func(c *Client, id string) error {
			_, err := c.Workflows.GetRun(t.Context(), id)
			return err
		}},
		{name: "Workflows.Estimate", method: "POST", path: "/v1/workflows/%s/estimate", call: func(c *Client, id string) error {
			_, err := c.Workflows.Estimate(t.Context(), id, nil)
			return err
		}},
		{name: "Fleets.Get", method: "GET", path: "/v1/fleets/%s", call: func(c *Client, id string) error {
			_, err := c.Fleets.Get(t.Context(), id)
			return err
		}},
		{name: "Fleets.Cancel", method: "POST", path: "/v1/fleets/%s/cancel", call: func(c *Client, id string) error {
			_, err := c.Fleets.Cancel(t.Context(), id)
			return err
		}},
		{name: "Schedules.Update", method: "PATCH", path: "/v1/schedules/%s", call: func(c *Client, id string) error {
			_, err := c.Schedules.Update(t.Context(), id, &ScheduleUpdateParams{Name: "n"})
			return err
		}},
		{name: "Schedules.Delete", method: "DELETE", path: "/v1/schedules/%s", call: func(c *Client, id string) error {
			return c.Schedules.Delete(t.Context(), id)
		}},
		{name: "Schedules.Pause", method: "POST", path: "/v1/schedules/%s/pause", call: func(c *Client, id string) error {
			_, err := c.Schedules.Pause(t.Context(), id)
			return err
		}},
		{name: "Schedules.Resume", method: "POST", path: "/v1/schedules/%s/resume", call: func(c *Client, id string) error {
			_, err := c.Schedules.Resume(t.Context(), id)
			return err
		}},
		{name: "Triggers.Delete", method: "DELETE", path: "/v1/triggers/%s", call: func(c *Client, id string) error {
			return c.Triggers.Delete(t.Context(), id)
		}},
		{name: "Triggers.Fire", method: "POST", path: "/v1/triggers/%s/fire", call: func(c *Client, id string) error {
			_, err := c.Triggers.Fire(t.Context(), id, "whsec_1", map[string]int{"a": 1})
			return err
		}},
		{name: "Channels.SendMessage", method: "POST", path: "/v1/channels/%s/messages", call: func(c *Client, id string) error {
			_, err := c.Channels.SendMessage(t.Context(), id, &MessageSendParams{Content: "hi"})
			return err
		}},
		{name: "Channels.MessagesPage", method: "GET", path: "/v1/channels/%s/messages", call: func(c *Client, id string) error {
			_, err := c.Channels.MessagesPage(t.Context(), id, nil)
			return err
		}},
		{name: "Channels.Messages", method: "GET", path: "/v1/channels/%s/messages", call: func(c *Client, id string) error {
			for _, err := range c.Channels.Messages(t.Context(), id, nil) {
				return err
			}
			return nil
		}},
		{name: "Providers.Delete", method: "DELETE", path: "/v1/providers/%s", call: func(c *Client, id string) error {
			return c.Providers.Delete(t.Context(), ProviderName(id))
		}},
		{name: "Secrets.Delete", method: "DELETE", path: "/v1/secrets/%s", call: func(c *Client, id string) error {
			return c.Secrets.Delete(t.Context(), id, nil)
		}},
	}
	// One server and client for every case: the cases run one at a time,
	// and each looks only at the requests made since it started.
	srv := newRecorder(t, reply{Body: `{"ok":true}`})
	c := srv.client()
	for _, m := range methods {
		t.Run(m.name, func(t *testing.T) {
			for _, tc := range ids {
				t.Run(tc.id, func(t *testing.T) {
					before := len(srv.requests())
					err := m.call(c, tc.id)
					reqs := srv.requests()[before:]
					if tc.escaped == "" {
						require.ErrorIs(t, err, ErrInvalidParams)
						assert.Empty(t, reqs, "refused locally")
						return
					}
					require.NoError(t, err)
					require.Len(t, reqs, 1)
					assert.Equal(t, m.method, reqs[0].Method)
					assert.Equal(t, strings.Replace(m.path, "%s", tc.escaped, 1), reqs[0].Path)
					assert.Empty(t, reqs[0].RawQuery, "nothing in an id starts a query")
				})
			}
		})
	}
}

// TestPathInjectionEveryStream sends a hostile id to every stream: it stays
// one escaped path segment, or is refused locally when it is a dot segment.
func TestPathInjectionEveryStream(t *testing.T) {
	t.Parallel()
	streams := []struct {
		name string
		path string
		open func(c *Client, id string) (io.Closer, error)
	}{
		{name: "Agents.Stream", path: "/v1/agents/%s/stream", open: func(c *Client, id string) (io.Closer, error) {
			return c.Agents.Stream(t.Context(), id)
		}},
		{name: "Workflows.Attach", path: "/v1/workflow-runs/%s/stream", open: func(c *Client, id string) (io.Closer, error) {
			return c.Workflows.Attach(t.Context(), id)
		}},
		{name: "Fleets.Attach", path: "/v1/fleets/%s/stream", open: func(c *Client, id string) (io.Closer, error) {
			return c.Fleets.Attach(t.Context(), id)
		}},
		{name: "Channels.Stream", path: "/v1/channels/%s/stream", open: func(c *Client, id string) (io.Closer, error) {
			return c.Channels.Stream(t.Context(), id, nil)
		}},
	}
	for _, st := range streams {
		t.Run(st.name, func(t *testing.T) {
			srv := newRecorder(t, streamReply("event: x\ndata: {}\n\n"))
			s, err := st.open(srv.client(), "../../sessions?x=1#f")
			require.NoError(t, err)
			s.Close()
			reqs := srv.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, strings.Replace(st.path, "%s", "..%2F..%2Fsessions%3Fx=1%23f", 1), reqs[0].Path)
			assert.Empty(t, reqs[0].RawQuery)

			for _, id := range []string{"..", ".", ""} {
				_, err := st.open(srv.client(), id)
				require.Error(t, err, "%q", id)
				assert.True(t, errors.Is(err, ErrInvalidParams) || errors.Is(err, ErrEmptyID), "%q: %v", id, err)
			}
			assert.Len(t, srv.requests(), 1, "refused locally")
		})
	}
}

func TestPathInjectionStream(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, streamReply(golden(t, "agents/stream.txt")))
	s, err := srv.client().Agents.Stream(t.Context(), "../../sessions?x=1")
	require.NoError(t, err)
	s.Close()
	reqs := srv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/agents/..%2F..%2Fsessions%3Fx=1/stream", reqs[0].Path)
	assert.Empty(t, reqs[0].RawQuery)

	_, err = srv.client().Agents.Stream(t.Context(), "..")
	require.ErrorIs(t, err, ErrInvalidParams)
	assert.Len(t, srv.requests(), 1)
}

func TestEscapePath(t *testing.T) {
	t.Parallel()
	got, err := escapePath("/x/%s/y/%s", []string{"a/b", "c d"})
	require.NoError(t, err)
	assert.Equal(t, "/x/a%2Fb/y/c%20d", got)
	_, err = escapePath("/x/%s/y/%s", []string{"a", ""})
	assert.ErrorIs(t, err, ErrEmptyID)
	got, err = escapePath("/sessions", nil)
	require.NoError(t, err)
	assert.Equal(t, "/sessions", got)
	assert.Equal(t, "/agents/{id}/run", request{method: http.MethodPost, path: "/agents/%s/run"}.route())
}

func TestRedirectDropsKeyOnOtherOrigin(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]string{}
	record := func(name string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			seen[name] = r.Header.Get("Authorization")
			mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"id":"agt_1"}`)
		}
	}
	other := httptest.NewServer(record("other"))
	t.Cleanup(other.Close)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/agents/same" {
			http.Redirect(w, r, "/v1/moved", http.StatusFound)
			return
		}
		if r.URL.Path == "/v1/moved" {
			record("same")(w, r)
			return
		}
		http.Redirect(w, r, other.URL+"/v1/agents/agt_1", http.StatusTemporaryRedirect)
	}))
	t.Cleanup(origin.Close)

	c := NewClient(testKey, WithBaseURL(origin.URL+"/v1"))
	t.Cleanup(c.CloseIdleConnections)
	_, err := c.Agents.Get(t.Context(), "agt_1")
	require.NoError(t, err)
	_, err = c.Agents.Get(t.Context(), "same")
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	assert.Empty(t, seen["other"], "the key must not follow a redirect to another origin")
	assert.Equal(t, "Bearer "+testKey, seen["same"], "a same-origin redirect keeps the key")
}

func TestRedirectLoopNotRetried(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	}))
	t.Cleanup(srv.Close)
	c := NewClient(testKey, WithBaseURL(srv.URL+"/v1"))
	t.Cleanup(c.CloseIdleConnections)
	_, err := c.Agents.Get(t.Context(), "agt_1")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "stopped after 10 redirects")
	var apiErr *Error
	assert.False(t, errors.As(err, &apiErr), "a refused redirect is not an API error")
	assert.Equal(t, int32(10), n.Load(), "the redirect chain is followed once, not retried")
}

// Query values a caller passes are encoded: they cannot add parameters.
func TestQueryInjection(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Body: `{"ok":true,"data":[]}`})
	c := srv.client()
	require.NoError(t, c.Secrets.Delete(t.Context(), "OPENAI_KEY", &SecretDeleteParams{SessionID: "ses_1&scope=org#x"}))
	_, err := c.Channels.MessagesPage(t.Context(), "ch_1", &ChannelMessagesParams{ThreadID: "thr_1&limit=1000", Cursor: "c=1&d"})
	require.NoError(t, err)
	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "sessionId=ses_1%26scope%3Dorg%23x", reqs[0].RawQuery)
	assert.Equal(t, "cursor=c%3D1%26d&threadId=thr_1%26limit%3D1000", reqs[1].RawQuery)
}

// The redirect policy drops the key whenever a redirect leaves the origin:
// another host, another port, or the same host over another scheme (an
// https to http downgrade would send it in clear text). It then applies
// the caller's own policy.
func TestRedirectPolicyDropsKeyOffOrigin(t *testing.T) {
	t.Parallel()
	var nextCalled int
	policy := checkRedirect(func(*http.Request, []*http.Request) error { nextCalled++; return nil })
	origin, err := http.NewRequest(http.MethodGet, "https://api.theazo.com/v1/agents/agt_1", nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		to   string
		keep bool
	}{
		{to: "https://api.theazo.com/v1/agents/agt_2", keep: true},
		{to: "http://api.theazo.com/v1/agents/agt_1"},
		{to: "https://api.theazo.com:8443/v1/agents/agt_1"},
		{to: "https://evil.example.com/v1/agents/agt_1"},
		{to: "https://api.theazo.com.evil.example.com/v1/agents/agt_1"},
		{to: "https://theazo.com/v1/agents/agt_1"},
	} {
		req, err := http.NewRequest(http.MethodGet, tc.to, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+liveKey)
		require.NoError(t, policy(req, []*http.Request{origin}))
		if tc.keep {
			assert.Equal(t, "Bearer "+liveKey, req.Header.Get("Authorization"), tc.to)
		} else {
			assert.Empty(t, req.Header.Get("Authorization"), tc.to)
		}
	}
	assert.Equal(t, 6, nextCalled, "the caller's policy still applies")
}

// The chaos suite: what the SDK does when the network or the server
// misbehaves. Every case asserts the error the caller gets (or the result),
// how many requests reached the server, and that no connection is left
// open once the client's idle connections are closed. The package's
// TestMain (main_test.go) fails the run if any goroutine outlives it.
//
// The faults theazotest injects (a connection closed before the reply, a
// reply cut mid-body, a reply that never comes, a stream that stalls) are
// run against it in transport_external_test.go, for every call. This file has the
// faults it does not offer, on httptest servers: a refused connection, a
// TCP reset, a stall after the headers, huge, malformed and hostile bodies,
// a very long stream, redirects.

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
// instead; transport_external_test.go runs that fault on every call.
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
// between events, are in transport_external_test.go.)
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
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Agents.Get(ctx, "agt_1")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Equal(t, int32(1), srv.hits.Load())
	srv.assertReleased(t, c)
}

// bigAgentParts returns the JSON of an agent before and after its
// instructions.
func bigAgentParts() (head, tail string) {
	return `{"id":"agt_1","sessionId":"ses_1","status":"idle","instructions":"`, `","createdAt":"2025-05-01T09:30:00Z"}`
}

// TestReadBody checks readBody at its limit, with the size known and not:
// a body of the limit's length is read whole, a longer one to limit+1
// bytes, and one whose known size is over the limit not at all.
func TestReadBody(t *testing.T) {
	t.Parallel()
	const limit = 1000
	tests := []struct {
		name    string
		size    int64 // the Content-Length; -1 when unknown
		body    int
		wantLen int
		wantNil bool
	}{
		{"empty, size unknown", -1, 0, 0, false},
		{"at the limit, size known", limit, limit, limit, false},
		{"at the limit, size unknown", -1, limit, limit, false},
		{"one over, size unknown", -1, limit + 1, limit + 1, false},
		{"far over, size unknown", -1, 50 * limit, limit + 1, false},
		{"over, size known", limit + 1, limit + 1, 0, true},
		{"size lies low", 10, limit, limit, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &countingReader{r: strings.NewReader(strings.Repeat("x", tc.body))}
			b, err := readBody(r, tc.size, limit)
			require.NoError(t, err)
			assert.Len(t, b, tc.wantLen)
			assert.Equal(t, tc.wantNil, b == nil)
			assert.LessOrEqual(t, r.n, limit+1, "read no further than one byte past the limit")
		})
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestChaosLargeBodies(t *testing.T) {
	t.Parallel()
	for _, chunked := range []bool{false, true} {
		name := "Content-Length"
		if chunked {
			name = "chunked"
		}
		t.Run(name, func(t *testing.T) {
			// serve answers an agent whose instructions are n bytes, written
			// a chunk at a time rather than built whole.
			serve := func(n int) *chaosServer {
				head, tail := bigAgentParts()
				chunk := []byte(strings.Repeat("a", 64<<10))
				return newChaosServer(t, func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Content-Type", "application/json")
					if !chunked {
						w.Header().Set("Content-Length", strconv.Itoa(len(head)+n+len(tail)))
					}
					io.WriteString(w, head)
					for left := n; left > 0; left -= len(chunk) {
						if _, err := w.Write(chunk[:min(left, len(chunk))]); err != nil {
							return // the client stopped reading
						}
					}
					io.WriteString(w, tail)
				})
			}
			t.Run("2 MiB is decoded", func(t *testing.T) {
				srv := serve(2 << 20)
				c := srv.client(t)
				a, err := c.Agents.Get(t.Context(), "agt_1")
				require.NoError(t, err)
				assert.Len(t, a.Instructions, 2<<20)
				srv.assertReleased(t, c)
			})
			t.Run("over 16 MiB is ErrInvalidResponse", func(t *testing.T) {
				srv := serve(maxResponseBody + 1024)
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
	const n = 25_000
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
		case 2_500:
			early = heapAt()
		case 22_500:
			late = heapAt()
		}
	}
	assert.Equal(t, n+1, count, "every event, then the terminal one")
	assert.IsType(t, &OutputEvent{}, last)
	assert.Equal(t, strconv.Itoa(n-1), s.LastEventID())
	assert.Less(t, int64(late)-int64(early), int64(1<<20), "memory does not grow with the events read (%d -> %d bytes)", early, late)
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
						n := fn.Type().NumIn()
						if fn.Type().IsVariadic() {
							n-- // the options: none
						}
						var hasID, hasParams bool
						for a := range n {
							hasID = hasID || fn.Type().In(a).Kind() == reflect.String
							hasParams = hasParams || fn.Type().In(a).Kind() == reflect.Pointer
						}
						for _, id := range []string{"", "x"} {
							for _, zeroParams := range []bool{false, true} {
								if (id == "" && !hasID) || (zeroParams && !hasParams) {
									continue // the same call as another
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
