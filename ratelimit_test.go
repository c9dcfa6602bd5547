package theazo_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// statusCounter is a RoundTripper that counts the replies of each status.
type statusCounter struct {
	base http.RoundTripper
	mu   sync.Mutex
	n    map[int]int
}

func (s *statusCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(req)
	if err == nil {
		s.mu.Lock()
		if s.n == nil {
			s.n = map[int]int{}
		}
		s.n[resp.StatusCode]++
		s.mu.Unlock()
	}
	return resp, err
}

func (s *statusCounter) count(status int) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n[status]
}

// governorScale is how many calls each of the 200 goroutines makes in
// TestRateGovernorLoad, and the window of the server's limit: 5 calls and
// 500 ms by default, so that it runs in seconds under -race;
// THEAZO_GOVERNOR_CALLS and THEAZO_GOVERNOR_WINDOW change them (1,000 calls
// and 100 ms is the full load: 200,000 calls per run).
func governorScale(t *testing.T) (calls int, window time.Duration) {
	calls, window = 5, 500*time.Millisecond
	if v := os.Getenv("THEAZO_GOVERNOR_CALLS"); v != "" {
		var err error
		calls, err = strconv.Atoi(v)
		require.NoError(t, err, "THEAZO_GOVERNOR_CALLS")
	}
	if v := os.Getenv("THEAZO_GOVERNOR_WINDOW"); v != "" {
		var err error
		window, err = time.ParseDuration(v)
		require.NoError(t, err, "THEAZO_GOVERNOR_WINDOW")
	}
	return calls, window
}

// TestRateGovernorLoad runs 200 goroutines against theazotest limited to 300
// requests per window (the Cloud plan's 300 a minute, scaled to a 500 ms
// window; see governorScale), once without a rate governor and once with
// WithRateLimit at 90% of that rate: with it, the 429s received drop by at
// least 90%, and no call is lost.
func TestRateGovernorLoad(t *testing.T) {
	needLoad(t)
	const goroutines, limit = 200, 300
	calls, window := governorScale(t)
	// The governor is set 10% under the server's limit, as the README advises:
	// a request the limiter lets through on time can still reach the server
	// late, behind other goroutines, and bunch up with the next ones there.
	perMinute := int(limit*time.Minute/window) * 9 / 10
	run := func(opts ...theazo.Option) (got429, failed int, took time.Duration) {
		srv := theazotest.NewServer(theazotest.WithRateLimitWindow(limit, window))
		defer srv.Close()
		counter := &statusCounter{base: srv.HTTPClient().Transport}
		c := srv.Client(append([]theazo.Option{
			theazo.WithHTTPClient(&http.Client{Transport: counter}),
			theazo.WithMaxRetries(100), theazo.WithMaxRetryWait(2 * window),
		}, opts...)...)
		ctx := t.Context()
		var lost atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for range calls {
					if _, err := c.Usage.Summary(ctx, nil); err != nil {
						lost.Add(1)
					}
				}
			})
		}
		wg.Wait()
		return counter.count(http.StatusTooManyRequests), int(lost.Load()), time.Since(start)
	}

	free429, freeLost, freeTook := run()
	gov429, govLost, govTook := run(theazo.WithRateLimit(perMinute))
	t.Logf("%d calls: without a governor %d 429s, %d lost, %s; with WithRateLimit(%d) %d 429s, %d lost, %s",
		goroutines*calls, free429, freeLost, freeTook, perMinute, gov429, govLost, govTook)
	require.Positive(t, free429, "without a governor the limit is hit")
	assert.LessOrEqual(t, float64(gov429), 0.1*float64(free429), "the governor cuts the 429s by 90% or more")
	assert.Zero(t, govLost, "no call is lost")
}

// TestCoolDownHoldsEveryCall: after one 429 with Retry-After, the other
// calls of the client wait until that moment instead of each collecting a
// 429 of its own: the server sees the 429, then nothing until the
// Retry-After has passed, then every call once.
func TestCoolDownHoldsEveryCall(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const n, retryAfter = 50, 300 * time.Millisecond
		srv := theazotest.NewServer(theazotest.WithInMemory())
		t.Cleanup(srv.Close)
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/usage/summary", Status: http.StatusTooManyRequests, RetryAfter: retryAfter})
		got429 := make(chan struct{})
		var once sync.Once
		signal := func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
			resp, err := next(req)
			if err == nil && resp.StatusCode == http.StatusTooManyRequests {
				once.Do(func() { close(got429) })
			}
			return resp, err
		}
		c := srv.Client(theazo.WithMiddleware(signal))
		ctx := t.Context()

		var wg sync.WaitGroup
		errs := make([]error, n+1)
		wg.Go(func() { _, errs[n] = c.Usage.Summary(ctx, nil) })
		<-got429
		for i := range n {
			wg.Go(func() { _, errs[i] = c.Agents.Get(ctx, "agt_missing") })
		}
		wg.Wait()

		reqs := srv.Requests()
		require.Len(t, reqs, n+2, "the 429, its retry, and each other call once")
		assert.Equal(t, http.StatusTooManyRequests, reqs[0].Status)
		held := 0
		for _, r := range reqs[1:] {
			if r.Time.Sub(reqs[0].Time) >= retryAfter {
				held++
			}
			assert.NotEqual(t, http.StatusTooManyRequests, r.Status)
		}
		assert.Equal(t, n+1, held, "no request arrived during the cool-down")
		require.NoError(t, errs[n], "the call that got the 429 succeeds on its retry")
		for _, err := range errs[:n] {
			assert.ErrorIs(t, err, theazo.ErrNotFound)
		}
	})
}

// TestCoolDownLongerThanTheCallMayWait: a call made while the client cools
// down for longer than its WithMaxRetryWait (or its deadline) is refused at
// once with a rate_limited *Error carrying the remaining wait, unsent; one
// that may wait that long waits and is sent; a public call is not held, as
// it does not spend the key's budget.
func TestCoolDownLongerThanTheCallMayWait(t *testing.T) {
	t.Parallel()
	// On the bubble's clock: the 2 s cool-down takes no real time, and its
	// durations are exact.
	synctest.Test(t, func(t *testing.T) {
		srv := theazotest.NewServer(theazotest.WithInMemory())
		t.Cleanup(srv.Close)
		c := srv.Client(theazo.WithMaxRetryWait(3 * time.Second))
		ctx := t.Context()
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/usage/summary", Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second})
		start := time.Now()
		_, err := c.Usage.Summary(ctx, nil, theazo.WithMaxRetryWait(time.Second))
		var apiErr *theazo.Error
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 2*time.Second, apiErr.RetryAfter, "the server's 429, not waited for by this call")
		srv.ResetRequests()

		var resp theazo.Response
		_, err = c.Agents.Get(ctx, "agt_1", theazo.WithResponseInto(&resp), theazo.WithMaxRetryWait(50*time.Millisecond))
		require.ErrorIs(t, err, theazo.ErrRateLimited)
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 2*time.Second, apiErr.RetryAfter, "the whole cool-down remains")
		assert.Contains(t, apiErr.Message, "cools down")
		assert.Zero(t, time.Since(start), "refused at once")
		assert.Zero(t, resp, "nothing received")

		_, err = c.Agents.Get(ctx, "")
		require.ErrorIs(t, err, theazo.ErrEmptyID, "local checks come first")

		short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		defer cancel()
		_, err = c.Agents.Get(short, "agt_1")
		require.ErrorIs(t, err, theazo.ErrRateLimited, "the wait would outlast the deadline")

		_, err = c.Channels.SendMessage(ctx, "ch_missing", &theazo.MessageSendParams{Content: "hi"})
		require.ErrorIs(t, err, theazo.ErrNotFound, "a public call is sent")
		reqs := srv.Requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, "/v1/channels/ch_missing/messages", reqs[0].Path)

		// A call that may wait that long (the client's 3 s) waits, and is sent
		// once the cool-down is over.
		_, err = c.Usage.Summary(ctx, nil)
		require.NoError(t, err)
		assert.Equal(t, 2*time.Second, time.Since(start), "it waited for the cool-down, no longer")
	})
}

// TestCoolDownIsCappedByMaxRetryWait: a Retry-After far beyond the client's
// WithMaxRetryWait cools the client down for that long at most, so that a
// wrong or hostile Retry-After does not stop the client.
func TestCoolDownIsCappedByMaxRetryWait(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := theazotest.NewServer(theazotest.WithInMemory())
		t.Cleanup(srv.Close)
		c := srv.Client(theazo.WithMaxRetryWait(100 * time.Millisecond))
		ctx := t.Context()
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/usage/summary", Status: http.StatusTooManyRequests, RetryAfter: time.Hour})
		_, err := c.Usage.Summary(ctx, nil)
		require.ErrorIs(t, err, theazo.ErrRateLimited)
		start := time.Now()
		_, err = c.Usage.Summary(ctx, nil)
		require.NoError(t, err, "sent after at most the client's 100 ms")
		assert.Equal(t, 100*time.Millisecond, time.Since(start), "held for the client's 100 ms")
		reqs := srv.Requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, 100*time.Millisecond, reqs[1].Time.Sub(reqs[0].Time), "it did cool down")
	})
}

// TestRateLimiterIsSharedAndHonoursContext: WithRateLimiter's limiter is
// asked once per attempt that carries the key, stream connections included,
// never for public calls; a cancelled wait returns the context's error,
// unsent and not retried.
func TestRateLimiterIsSharedAndHonoursContext(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	lim := &countingLimiter{}
	c := srv.Client(theazo.WithRateLimiter(lim), theazo.WithMaxRetryWait(time.Millisecond))
	ctx := t.Context()

	srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/usage/summary", Status: http.StatusServiceUnavailable})
	_, err := c.Usage.Summary(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(2), lim.n.Load(), "the call and its retry")

	_, err = c.Channels.SendMessage(ctx, "ch_missing", &theazo.MessageSendParams{Content: "hi"})
	require.ErrorIs(t, err, theazo.ErrNotFound)
	assert.Equal(t, int64(2), lim.n.Load(), "a public call is not paced")

	_, err = c.Agents.Stream(ctx, "agt_missing")
	require.ErrorIs(t, err, theazo.ErrNotFound)
	assert.Equal(t, int64(3), lim.n.Load(), "a stream's connection is paced")

	srv.ResetRequests()
	slow := theazo.NewClient(srv.APIKey(), theazo.WithBaseURL(srv.URL()), theazo.WithHTTPClient(srv.HTTPClient()),
		theazo.WithRateLimiter(rate.NewLimiter(rate.Every(time.Hour), 1)))
	_, err = slow.Usage.Summary(ctx, nil)
	require.NoError(t, err, "the first token")
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	_, err = slow.Agents.Get(short, "agt_1")
	require.ErrorIs(t, err, theazo.ErrRateLimited, "refused, as its deadline would pass first")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Len(t, srv.Requests(), 1, "the second call was never sent nor retried")

	cancelled, cancel2 := context.WithCancel(ctx)
	cancel2()
	_, err = slow.Agents.Get(cancelled, "agt_1")
	require.ErrorIs(t, err, context.Canceled)
}

// countingLimiter lets every request go and counts them.
type countingLimiter struct{ n atomic.Int64 }

func (l *countingLimiter) Wait(ctx context.Context) error {
	l.n.Add(1)
	return ctx.Err()
}

// TestErrorLimit reads which session limit a 402 hit, against theazotest's
// session limits.
func TestErrorLimit(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := t.Context()
	sess, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "u", Limits: &theazo.SessionLimits{MaxAgents: 1}})
	require.NoError(t, err)
	_, err = c.Agents.Create(ctx, sess.ID, nil)
	require.NoError(t, err)
	_, err = c.Agents.Create(ctx, sess.ID, nil)
	var apiErr *theazo.Error
	require.ErrorAs(t, err, &apiErr)
	require.ErrorIs(t, err, theazo.ErrSessionLimitExceeded)
	assert.Equal(t, theazo.LimitAgents, apiErr.Limit())

	_, err = c.Agents.Get(ctx, "agt_missing")
	require.True(t, errors.As(err, &apiErr))
	assert.Equal(t, theazo.SessionLimit(""), apiErr.Limit(), "not a 402")
}
