package retry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var policy = Policy{
	BaseWait:     500 * time.Millisecond,
	MaxBackoff:   8 * time.Second,
	MaxWait:      60 * time.Second,
	MaxBodyBytes: 1 << 20,
}

// trackedBody records whether it was closed.
type trackedBody struct {
	io.Reader
	closed bool
}

func (b *trackedBody) Close() error { b.closed = true; return nil }

func response(status int, header http.Header, body string) (*http.Response, *trackedBody) {
	if header == nil {
		header = http.Header{}
	}
	b := &trackedBody{Reader: strings.NewReader(body)}
	return &http.Response{StatusCode: status, Header: header, Body: b}, b
}

// first returns the response of response(...).
func first(resp *http.Response, _ *trackedBody) *http.Response { return resp }

func TestAfter(t *testing.T) {
	future := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	past := time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat)
	tests := []struct {
		name   string
		header string
		body   string
		want   time.Duration
		ok     bool
	}{
		{name: "seconds", header: "2", want: 2 * time.Second, ok: true},
		{name: "zero", header: "0", want: 0, ok: true},
		{name: "fraction", header: "1.5", want: 1500 * time.Millisecond, ok: true},
		{name: "past date", header: past, want: 0, ok: true},
		{name: "negative falls back to body", header: "-1", body: `{"error":{"details":{"retryAfter":3}}}`, want: 3 * time.Second, ok: true},
		{name: "garbage falls back to body", header: "soon", body: `{"error":{"details":{"retryAfter":3}}}`, want: 3 * time.Second, ok: true},
		{name: "header wins over body", header: "1", body: `{"error":{"details":{"retryAfter":3}}}`, want: time.Second, ok: true},
		{name: "details only", body: `{"error":{"code":"rate_limited","details":{"retryAfter":2}}}`, want: 2 * time.Second, ok: true},
		{name: "details zero", body: `{"error":{"details":{"retryAfter":0}}}`, want: 0, ok: true},
		{name: "details negative", body: `{"error":{"details":{"retryAfter":-2}}}`},
		// Beyond what a time.Duration holds: longer than any cap, never "unsaid".
		{name: "details huge", body: `{"error":{"details":{"retryAfter":1e12}}}`, want: math.MaxInt64, ok: true},
		{name: "details 1e10", body: `{"error":{"details":{"retryAfter":1e10}}}`, want: math.MaxInt64, ok: true},
		{name: "details beyond float64", body: `{"error":{"details":{"retryAfter":1e400}}}`, want: math.MaxInt64, ok: true},
		{name: "header huge", header: "1e12", want: math.MaxInt64, ok: true},
		{name: "header 2^32", header: "4294967296", want: 4294967296 * time.Second, ok: true},
		{name: "header 2^31", header: "2147483648", want: 2147483648 * time.Second, ok: true},
		{name: "header many digits", header: strings.Repeat("9", 400), want: math.MaxInt64, ok: true},
		{name: "header just under the largest Duration", header: "9223372036", want: 9223372036 * time.Second, ok: true},
		{name: "header just over the largest Duration", header: "9223372037", want: math.MaxInt64, ok: true},
		{name: "far future date", header: "Fri, 31 Dec 9999 23:59:59 GMT", want: math.MaxInt64, ok: true},
		{name: "header Inf is not a number of seconds", header: "Inf"},
		{name: "header NaN is not a number of seconds", header: "NaN", body: `{"error":{"details":{"retryAfter":3}}}`, want: 3 * time.Second, ok: true},
		{name: "details not a number", body: `{"error":{"details":{"retryAfter":"2"}}}`},
		{name: "no details", body: `{"error":{"code":"rate_limited"}}`},
		{name: "not JSON", body: `<html>`},
		{name: "nothing"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			if tc.header != "" {
				h.Set("Retry-After", tc.header)
			}
			got, ok := After(h, []byte(tc.body))
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
	t.Run("future date", func(t *testing.T) {
		got, ok := After(http.Header{"Retry-After": {future}}, nil)
		require.True(t, ok)
		assert.InDelta(t, float64(90*time.Second), float64(got), float64(2*time.Second))
	})
}

func TestCheckRetry(t *testing.T) {
	dialErr := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	readErr := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/x", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	tests := []struct {
		name       string
		idempotent bool
		status     int // 0: no response
		header     http.Header
		err        error
		want       bool
	}{
		{name: "200", idempotent: true, status: 200},
		{name: "201 POST", status: 201},
		{name: "429 POST", status: 429, want: true},
		{name: "429 GET", idempotent: true, status: 429, want: true},
		{name: "500 GET", idempotent: true, status: 500, want: true},
		{name: "502 GET", idempotent: true, status: 502, want: true},
		{name: "503 GET", idempotent: true, status: 503, want: true},
		{name: "504 GET", idempotent: true, status: 504},
		{name: "500 POST", status: 500},
		{name: "502 POST", status: 502},
		{name: "503 POST", status: 503},
		{name: "400 GET", idempotent: true, status: 400},
		{name: "401 GET", idempotent: true, status: 401},
		{name: "404 GET", idempotent: true, status: 404},
		{name: "409 GET", idempotent: true, status: 409},
		{name: "422 POST", status: 422},
		{name: "429 Retry-After above MaxWait", status: 429, header: http.Header{"Retry-After": {"61"}}},
		{name: "429 Retry-After at MaxWait", status: 429, header: http.Header{"Retry-After": {"60"}}, want: true},
		{name: "503 GET Retry-After above MaxWait", idempotent: true, status: 503, header: http.Header{"Retry-After": {"3600"}}},
		{name: "reset GET", idempotent: true, err: readErr, want: true},
		{name: "reset POST", err: readErr},
		{name: "refused POST", err: dialErr, want: true},
		{name: "refused GET", idempotent: true, err: dialErr, want: true},
		{name: "unknown error POST", err: errors.New("boom")},
		{name: "redirect refused GET", idempotent: true, status: 302, err: errors.New("stopped after 10 redirects")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := WithInfo(context.Background(), &Info{Idempotent: tc.idempotent})
			var resp *http.Response
			if tc.status != 0 {
				resp, _ = response(tc.status, tc.header, `{"error":{"code":"x"}}`)
			}
			got, err := policy.CheckRetry(ctx, resp, tc.err)
			require.NoError(t, err, "CheckRetry reports decisions, not errors")
			assert.Equal(t, tc.want, got)
			if resp != nil {
				body, _ := io.ReadAll(resp.Body)
				assert.Equal(t, `{"error":{"code":"x"}}`, string(body), "the body survives the policy")
			}
		})
	}
	t.Run("no Info is not idempotent", func(t *testing.T) {
		resp, _ := response(503, nil, "")
		got, err := policy.CheckRetry(context.Background(), resp, nil)
		require.NoError(t, err)
		assert.False(t, got)
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(WithInfo(context.Background(), &Info{Idempotent: true}))
		cancel()
		resp, _ := response(503, nil, "")
		got, err := policy.CheckRetry(ctx, resp, nil)
		assert.False(t, got)
		assert.ErrorIs(t, err, context.Canceled)
	})
	t.Run("wait beyond the deadline", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		resp, _ := response(429, http.Header{"Retry-After": {"5"}}, "")
		got, err := policy.CheckRetry(ctx, resp, nil)
		require.NoError(t, err)
		assert.False(t, got)
		resp, _ = response(429, http.Header{"Retry-After": {"0"}}, "")
		got, err = policy.CheckRetry(ctx, resp, nil)
		require.NoError(t, err)
		assert.True(t, got)
	})
	t.Run("a wait beyond what a Duration holds is not waited for", func(t *testing.T) {
		for _, resp := range []*http.Response{
			first(response(429, http.Header{"Retry-After": {"4294967296"}}, "")),
			first(response(429, http.Header{"Retry-After": {"99999999999999999999"}}, "")),
			first(response(429, nil, `{"error":{"code":"rate_limited","details":{"retryAfter":1e10}}}`)),
			first(response(429, http.Header{"Retry-After": {"Fri, 31 Dec 9999 23:59:59 GMT"}}, "")),
		} {
			got, err := policy.CheckRetry(context.Background(), resp, nil)
			require.NoError(t, err)
			assert.False(t, got, "%v", resp.Header)
		}
	})
	t.Run("a backoff beyond the deadline returns the reply", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(WithInfo(context.Background(), &Info{Idempotent: true, Attempts: 1}), 100*time.Millisecond)
		defer cancel()
		resp, _ := response(503, nil, "")
		got, err := policy.CheckRetry(ctx, resp, nil)
		require.NoError(t, err)
		assert.False(t, got, "the first backoff (250-500 ms) outlasts a 100 ms deadline")
	})
	t.Run("Backoff waits what CheckRetry checked", func(t *testing.T) {
		info := &Info{Idempotent: true, Attempts: 3}
		ctx, cancel := context.WithTimeout(WithInfo(context.Background(), info), time.Minute)
		defer cancel()
		resp, _ := response(503, nil, "")
		got, err := policy.CheckRetry(ctx, resp, nil)
		require.NoError(t, err)
		require.True(t, got)
		d := Read(resp, policy.MaxBodyBytes).Decision
		assert.Equal(t, Decision{Retry: true, Wait: d.Wait, Reason: ServerError}, d)
		assert.GreaterOrEqual(t, d.Wait, policy.BaseWait<<2/2, "the third attempt's step")
		assert.LessOrEqual(t, d.Wait, policy.BaseWait<<2)
		assert.Equal(t, d.Wait, policy.Backoff(0, 0, 2, resp))
		assert.Equal(t, d.Wait, policy.Backoff(0, 0, 7, resp), "the decision's wait, whatever the attempt number")
	})
	t.Run("details-only wait reaches Backoff", func(t *testing.T) {
		resp, _ := response(429, nil, `{"error":{"code":"rate_limited","details":{"retryAfter":1.25}}}`)
		got, err := policy.CheckRetry(context.Background(), resp, nil)
		require.NoError(t, err)
		require.True(t, got)
		assert.Empty(t, resp.Header.Get("Retry-After"), "the headers stay as the server sent them")
		assert.Equal(t, 1250*time.Millisecond, policy.Backoff(0, 0, 0, resp))
	})
	t.Run("body is read once, within bounds", func(t *testing.T) {
		small := Policy{MaxWait: time.Minute, MaxBodyBytes: 10}
		resp, orig := response(429, nil, strings.Repeat("x", 100))
		_, err := small.CheckRetry(context.Background(), resp, nil)
		require.NoError(t, err)
		_, err = small.CheckRetry(context.Background(), resp, nil)
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		assert.Len(t, body, 10)
		require.NoError(t, resp.Body.Close())
		assert.True(t, orig.closed, "closing the buffered body closes the connection's")
	})
}

func TestBackoff(t *testing.T) {
	t.Run("Retry-After", func(t *testing.T) {
		resp, _ := response(429, http.Header{"Retry-After": {"3"}}, "")
		got, err := policy.CheckRetry(context.Background(), resp, nil)
		require.NoError(t, err)
		require.True(t, got)
		assert.Equal(t, 3*time.Second, policy.Backoff(0, 0, 0, resp))
		assert.Equal(t, 3*time.Second, policy.Backoff(0, 0, 5, resp), "the server's wait, whatever the attempt")
		resp, _ = response(429, http.Header{"Retry-After": {"600"}}, "")
		got, err = policy.CheckRetry(context.Background(), resp, nil)
		require.NoError(t, err)
		require.False(t, got, "600 s is beyond MaxWait: not waited for")
		assert.LessOrEqual(t, policy.Backoff(0, 0, 0, resp), policy.MaxWait, "capped")
	})
	t.Run("exponential with jitter", func(t *testing.T) {
		resp, _ := response(500, nil, "")
		for attempt := range 8 {
			step := min(policy.BaseWait<<attempt, policy.MaxBackoff)
			for range 50 {
				got := policy.Backoff(0, 0, attempt, resp)
				assert.GreaterOrEqual(t, got, step/2, "attempt %d", attempt)
				assert.LessOrEqual(t, got, step, "attempt %d", attempt)
			}
		}
	})
	t.Run("no response", func(t *testing.T) {
		got := policy.Backoff(0, 0, 1, nil)
		assert.GreaterOrEqual(t, got, 500*time.Millisecond)
		assert.LessOrEqual(t, got, time.Second)
	})
	t.Run("huge attempt does not overflow", func(t *testing.T) {
		got := policy.Backoff(0, 0, 1000, nil)
		assert.GreaterOrEqual(t, got, policy.MaxBackoff/2)
		assert.LessOrEqual(t, got, policy.MaxBackoff)
	})
	t.Run("MaxWait caps the backoff too", func(t *testing.T) {
		p := policy
		p.MaxWait = 100 * time.Millisecond
		assert.LessOrEqual(t, p.Backoff(0, 0, 5, nil), 100*time.Millisecond)
		p.MaxWait = 0
		assert.Zero(t, p.Backoff(0, 0, 5, nil))
	})
}

func TestErrorHandler(t *testing.T) {
	t.Run("spent on a reply: the reply", func(t *testing.T) {
		resp, body := response(503, nil, "x")
		got, err := policy.ErrorHandler(resp, nil, 3)
		require.NoError(t, err)
		assert.Same(t, resp, got)
		assert.False(t, body.closed)
	})
	t.Run("network error", func(t *testing.T) {
		want := fmt.Errorf("dial: %w", syscall.ECONNREFUSED)
		got, err := policy.ErrorHandler(nil, want, 3)
		assert.Nil(t, got)
		assert.Same(t, want, err)
	})
	t.Run("error with a reply: the error, reply closed", func(t *testing.T) {
		resp, body := response(302, nil, "")
		got, err := policy.ErrorHandler(resp, context.Canceled, 1)
		assert.Nil(t, got)
		assert.ErrorIs(t, err, context.Canceled)
		assert.True(t, body.closed)
	})
	t.Run("neither", func(t *testing.T) {
		got, err := policy.ErrorHandler(nil, nil, 1)
		assert.Nil(t, got)
		assert.Error(t, err)
	})
}

func TestDecide(t *testing.T) {
	dialErr := &url.Error{Op: "Post", URL: "http://127.0.0.1:1/v1/x", Err: &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}}
	readErr := &url.Error{Op: "Get", URL: "http://127.0.0.1:1/v1/x", Err: &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	soon, cancelSoon := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancelSoon()
	tests := []struct {
		name string
		ctx  context.Context // Background when nil
		o    Outcome
		want Decision
		// backoff bounds the wait of a Retry without a Retry-After: [step/2, step].
		backoff time.Duration
	}{
		{name: "200", o: Outcome{Status: 200, Idempotent: true}, want: Decision{Reason: Final}},
		{name: "504 GET", o: Outcome{Status: 504, Idempotent: true}, want: Decision{Reason: Final}},
		{name: "404 GET with Retry-After", o: Outcome{Status: 404, Idempotent: true, After: time.Second, HasAfter: true}, want: Decision{Reason: Final}},
		{name: "422 POST", o: Outcome{Status: 422}, want: Decision{Reason: Final}},
		{name: "429 POST Retry-After", o: Outcome{Status: 429, After: 2 * time.Second, HasAfter: true}, want: Decision{Retry: true, Wait: 2 * time.Second, Reason: RateLimited}},
		{name: "429 POST Retry-After 0", o: Outcome{Status: 429, HasAfter: true}, want: Decision{Retry: true, Reason: RateLimited}},
		{name: "429 at MaxWait", o: Outcome{Status: 429, After: time.Minute, HasAfter: true}, want: Decision{Retry: true, Wait: time.Minute, Reason: RateLimited}},
		{name: "429 beyond MaxWait", o: Outcome{Status: 429, After: time.Minute + 1, HasAfter: true}, want: Decision{Reason: WaitTooLong}},
		{name: "429 beyond any Duration", o: Outcome{Status: 429, After: math.MaxInt64, HasAfter: true}, want: Decision{Reason: WaitTooLong}},
		{name: "429 without a wait backs off", o: Outcome{Status: 429, Retries: 1}, want: Decision{Retry: true, Reason: RateLimited}, backoff: time.Second},
		{name: "503 GET backs off", o: Outcome{Status: 503, Idempotent: true, Retries: 2}, want: Decision{Retry: true, Reason: ServerError}, backoff: 2 * time.Second},
		{name: "500 GET backoff capped", o: Outcome{Status: 500, Idempotent: true, Retries: 40}, want: Decision{Retry: true, Reason: ServerError}, backoff: 8 * time.Second},
		{name: "502 GET Retry-After", o: Outcome{Status: 502, Idempotent: true, After: time.Second, HasAfter: true}, want: Decision{Retry: true, Wait: time.Second, Reason: ServerError}},
		{name: "503 GET beyond MaxWait", o: Outcome{Status: 503, Idempotent: true, After: time.Hour, HasAfter: true}, want: Decision{Reason: WaitTooLong}},
		{name: "503 POST", o: Outcome{Status: 503, After: time.Second, HasAfter: true}, want: Decision{Reason: NotIdempotent}},
		{name: "500 POST", o: Outcome{Status: 500}, want: Decision{Reason: NotIdempotent}},
		{name: "429 past the deadline", ctx: soon, o: Outcome{Status: 429, After: 5 * time.Second, HasAfter: true}, want: Decision{Reason: PastDeadline}},
		{name: "503 backoff past the deadline", ctx: soon, o: Outcome{Status: 503, Idempotent: true, Retries: 3}, want: Decision{Reason: PastDeadline}},
		{name: "429 within the deadline", ctx: soon, o: Outcome{Status: 429, HasAfter: true}, want: Decision{Retry: true, Reason: RateLimited}},
		{name: "reset GET", o: Outcome{Err: readErr, Idempotent: true}, want: Decision{Retry: true, Reason: NetworkError}},
		{name: "reset POST", o: Outcome{Err: readErr}, want: Decision{Reason: NotIdempotent}},
		{name: "refused POST", o: Outcome{Err: dialErr}, want: Decision{Retry: true, Reason: NotSent}},
		{name: "redirect refused", o: Outcome{Status: 302, Err: errors.New("stopped after 10 redirects"), Idempotent: true}, want: Decision{Reason: Refused}},
		{name: "cancelled", ctx: cancelled, o: Outcome{Status: 429, HasAfter: true}, want: Decision{Reason: Cancelled}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx := tc.ctx
			if ctx == nil {
				ctx = context.Background()
			}
			got := policy.Decide(ctx, tc.o)
			if tc.backoff > 0 {
				assert.GreaterOrEqual(t, got.Wait, tc.backoff/2)
				assert.LessOrEqual(t, got.Wait, tc.backoff)
				got.Wait = 0
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRead(t *testing.T) {
	resp, orig := response(429, http.Header{"Retry-After": {"2"}}, `{"error":{"details":{"retryAfter":9}}}`)
	r := Read(resp, 1<<10)
	assert.Same(t, r, Read(resp, 1<<10), "read once")
	assert.Equal(t, `{"error":{"details":{"retryAfter":9}}}`, string(r.Data))
	assert.Equal(t, 2*time.Second, r.After, "the header wins")
	assert.True(t, r.HasAfter)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	assert.Equal(t, r.Data, body, "the body still reads whole")
	require.NoError(t, resp.Body.Close())
	assert.True(t, orig.closed)
	assert.Nil(t, replyOf(nil))
	empty := Read(&http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {"1"}}}, 1<<10)
	assert.Empty(t, empty.Data, "a nil body reads as empty")
	assert.Equal(t, time.Second, empty.After)
	assert.NoError(t, empty.Close())
	assert.Equal(t, "past deadline", PastDeadline.String())
	assert.Equal(t, "reason(200)", Reason(200).String())
}

func TestInfo(t *testing.T) {
	assert.Nil(t, InfoFrom(context.Background()))
	info := &Info{Idempotent: true}
	assert.Same(t, info, InfoFrom(WithInfo(context.Background(), info)))
}

func TestNeverSent(t *testing.T) {
	assert.True(t, neverSent(&url.Error{Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}))
	assert.False(t, neverSent(&url.Error{Err: &net.OpError{Op: "read", Err: syscall.ECONNRESET}}))
	assert.False(t, neverSent(io.EOF))
}
