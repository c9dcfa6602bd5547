package theazo_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

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
			srv := theazotest.NewServer()
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
			assert.WithinRange(t, lim.until[0], start.Add(tt.want), time.Now().Add(tt.want))
		})
	}
}
