package theazo_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
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

// TestRateGovernorLoad runs 200 goroutines against theazotest limited to 100
// requests per window (200 a second with the default 500 ms window, see
// governorScale: low enough that a loaded machine running -race still goes
// past it without a governor), once without a rate governor and once with
// WithRateLimit at 90% of that rate: with it, the 429s received drop by at
// least 90%, and no call is lost.
func TestRateGovernorLoad(t *testing.T) {
	theazo.NeedLoad(t)
	const goroutines, limit = 200, 100
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

// blockingLimiter lets nothing go: Wait returns when ctx ends.
type blockingLimiter struct{}

func (blockingLimiter) Wait(ctx context.Context) error {
	<-ctx.Done()
	return ctx.Err()
}

// TestGovernorRefusalIsDeadlineExceeded: a call the rate governor refuses
// because its context would expire first (the limiter's next token comes
// after the deadline, the deadline passes while it waits, or the client
// cools down past it) is a rate_limited *theazo.Error, unsent and returned
// at once, that matches context.DeadlineExceeded and is neither a
// *url.Error nor a net.Error; a cancelled call is not such a refusal.
func TestGovernorRefusalIsDeadlineExceeded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// setup returns a client whose next call the governor holds past
		// the 50 ms deadline.
		setup func(t *testing.T, srv *theazotest.Server) *theazo.Client
		// prompt: the refusal comes before the deadline.
		prompt bool
	}{
		{"the limiter's next token comes after the deadline", func(t *testing.T, srv *theazotest.Server) *theazo.Client {
			c := srv.Client(theazo.WithRateLimiter(rate.NewLimiter(rate.Every(time.Hour), 1)))
			_, err := c.Usage.Summary(t.Context(), nil)
			require.NoError(t, err, "the first token")
			return c
		}, true},
		{"the deadline passes while the limiter waits", func(t *testing.T, srv *theazotest.Server) *theazo.Client {
			return srv.Client(theazo.WithRateLimiter(blockingLimiter{}))
		}, false},
		{"the client cools down past the deadline", func(t *testing.T, srv *theazotest.Server) *theazo.Client {
			c := srv.Client(theazo.WithMaxRetries(0))
			srv.InjectFault(theazotest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 5 * time.Second})
			_, err := c.Usage.Summary(t.Context(), nil)
			require.ErrorIs(t, err, theazo.ErrRateLimited)
			return c
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := theazotest.NewServer()
			t.Cleanup(srv.Close)
			c := tt.setup(t, srv)
			sent := len(srv.Requests())

			ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := c.Agents.Get(ctx, "agt_1")
			took := time.Since(start)

			require.ErrorIs(t, err, context.DeadlineExceeded)
			require.ErrorIs(t, err, theazo.ErrRateLimited)
			var apiErr *theazo.Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, theazo.CodeRateLimited, apiErr.Code)
			assert.Contains(t, apiErr.Message, "not sent")
			var netErr net.Error
			assert.False(t, errors.As(err, &netErr), "not a net.Error: %#v", err)
			var urlErr *url.Error
			assert.False(t, errors.As(err, &urlErr), "not a *url.Error")
			assert.NotContains(t, err.Error(), srv.APIKey())
			assert.Len(t, srv.Requests(), sent, "nothing sent, nothing retried")
			if tt.prompt {
				assert.Less(t, took, 40*time.Millisecond, "refused at once, not at the deadline")
			}
		})
	}

	t.Run("a cancelled wait is not a refusal", func(t *testing.T) {
		t.Parallel()
		srv := theazotest.NewServer()
		t.Cleanup(srv.Close)
		c := srv.Client(theazo.WithRateLimiter(blockingLimiter{}))
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(20*time.Millisecond, cancel)
		_, err := c.Agents.Get(ctx, "agt_1")
		require.ErrorIs(t, err, context.Canceled)
		assert.NotErrorIs(t, err, context.DeadlineExceeded)
		assert.NotErrorIs(t, err, theazo.ErrRateLimited)
		assert.Empty(t, srv.Requests())
	})
}

// wireLog is a RoundTripper under the client's governor that records when
// each attempt went on the wire and when its reply came back, and when the
// first 429 came back.
type wireLog struct {
	base http.RoundTripper
	mu   sync.Mutex
	sent []wireSpan
	// at429 is when the first 429 came back; zero before.
	at429 time.Time
}

// wireSpan is one attempt on the wire.
type wireSpan struct{ start, end time.Time }

func (w *wireLog) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := w.base.RoundTrip(req)
	end := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent = append(w.sent, wireSpan{start, end})
	if err == nil && resp.StatusCode == http.StatusTooManyRequests && w.at429.IsZero() {
		w.at429 = end
	}
	return resp, err
}

// TestCoolDownHoldsCallsWaitingInTheLimiter: 200 calls wait in
// WithRateLimit's limiter when one of them gets a 429 with Retry-After: 1.
// The limiter goes on letting calls go at its pace, but each checks the
// cool-down again before it is sent: no attempt starts during the
// cool-down, and the server sees nothing then but the requests already on
// the wire. After it every call completes.
func TestCoolDownHoldsCallsWaitingInTheLimiter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const calls, perMinute, retryAfter = 200, 12000, time.Second
		// Requests whose attempt started this soon after the 429 came back had
		// passed the governor before it: on their way already.
		const onTheWay = 2 * time.Millisecond
		srv := theazotest.NewServer(theazotest.WithInMemory())
		t.Cleanup(srv.Close)
		wire := &wireLog{base: srv.HTTPClient().Transport}
		c := srv.Client(theazo.WithHTTPClient(&http.Client{Transport: wire}), theazo.WithRateLimit(perMinute),
			theazo.WithMaxRetryWait(5*time.Second))
		// The first request to go gets the 429, while the others wait in the limiter.
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/usage/summary", Status: http.StatusTooManyRequests, RetryAfter: retryAfter})
		ctx := t.Context()

		var wg sync.WaitGroup
		errs := make([]error, calls)
		for i := range calls {
			wg.Go(func() { _, errs[i] = c.Usage.Summary(ctx, nil) })
		}
		wg.Wait()
		for _, err := range errs {
			require.NoError(t, err, "every call completes")
		}

		wire.mu.Lock()
		at429, sent := wire.at429, wire.sent
		wire.mu.Unlock()
		require.False(t, at429.IsZero(), "a 429 came back")
		coolEnd := at429.Add(retryAfter)
		startedDuring, onWire := 0, 0
		for _, s := range sent {
			if s.start.After(at429.Add(onTheWay)) && s.start.Before(coolEnd) {
				startedDuring++
			}
			if !s.start.After(at429.Add(onTheWay)) && s.end.After(at429) {
				onWire++
			}
		}
		arrivedDuring := 0
		for _, r := range srv.Requests() {
			if r.Time.After(at429) && r.Time.Before(coolEnd) {
				arrivedDuring++
			}
		}
		t.Logf("%d calls, %d attempts: during the %s cool-down %d attempts started, %d requests arrived, %d were on the wire at the 429",
			calls, len(sent), retryAfter, startedDuring, arrivedDuring, onWire)
		assert.Zero(t, startedDuring, "no attempt starts while the client cools down")
		assert.LessOrEqual(t, arrivedDuring, onWire, "the server sees only the requests already on the wire")
		assert.Len(t, sent, calls+1, "each call once, and the retry of the 429")
	})
}

// coolDownRecorder is a CoolDownLimiter that lets every request go and
// records the cool-downs it is told of.
type coolDownRecorder struct {
	mu    sync.Mutex
	until []time.Time
}

func (l *coolDownRecorder) Wait(ctx context.Context) error { return ctx.Err() }

func (l *coolDownRecorder) CoolDown(_ context.Context, until time.Time) {
	l.mu.Lock()
	l.until = append(l.until, until)
	l.mu.Unlock()
}

// TestCoolDownLimiterIsToldOfEach429: a limiter that implements
// CoolDownLimiter hears of each 429 that names its wait, with the moment it
// ends (capped by WithMaxRetryWait), before the call is retried; a 429
// without a wait, or another status, tells it nothing.
func TestCoolDownLimiterIsToldOfEach429(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault theazotest.Fault
		want  time.Duration // 0: not told
	}{
		{"Retry-After", theazotest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 200 * time.Millisecond}, 200 * time.Millisecond},
		{"capped by WithMaxRetryWait", theazotest.Fault{Status: http.StatusTooManyRequests, RetryAfter: time.Hour}, 300 * time.Millisecond},
		{"a 429 without a wait", theazotest.Fault{Status: http.StatusTooManyRequests}, 0},
		{"a 503", theazotest.Fault{Status: http.StatusServiceUnavailable, RetryAfter: 200 * time.Millisecond}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := theazotest.NewServer(theazotest.WithInMemory())
				t.Cleanup(srv.Close)
				lim := &coolDownRecorder{}
				c := srv.Client(theazo.WithRateLimiter(lim), theazo.WithMaxRetryWait(300*time.Millisecond))
				srv.InjectFault(tt.fault)
				start := time.Now()
				_, err := c.Usage.Summary(t.Context(), nil)
				if tt.fault.RetryAfter > time.Minute {
					require.ErrorIs(t, err, theazo.ErrRateLimited, "a wait beyond WithMaxRetryWait is not retried")
				} else {
					require.NoError(t, err, "retried after the wait")
				}
				lim.mu.Lock()
				defer lim.mu.Unlock()
				if tt.want == 0 {
					assert.Empty(t, lim.until)
					return
				}
				require.Len(t, lim.until, 1)
				assert.Equal(t, start.Add(tt.want), lim.until[0], "the moment the cool-down ends")
			})
		})
	}
}
