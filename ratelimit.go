package theazo

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/theazo/theazo-go/internal/retry"
)

// RateLimiter paces a client's requests: Wait blocks until one more request
// may be sent, or returns an error (ctx's, when it ends first). A
// *rate.Limiter of golang.org/x/time/rate is one; a limiter backed by a
// store that several processes share (Redis, a database) lets every replica
// of a backend spend one API key's budget together.
type RateLimiter interface {
	Wait(ctx context.Context) error
}

// WithRateLimit paces the client to at most requestsPerMinute requests a
// minute, spread evenly (a token bucket of golang.org/x/time/rate with a
// burst of one), shared by every call, retry attempt and stream
// (re)connection of the client that carries the API key. Public calls
// (trigger fire, channel messages and stream) do not spend the key's budget
// and are not paced. Waiting honours the call's context. Zero or less turns
// pacing off. For bursts, pass your own *rate.Limiter to WithRateLimiter.
func WithRateLimit(requestsPerMinute int) Option {
	return clientOption(func(c *config) {
		c.limiter = nil
		if requestsPerMinute > 0 {
			c.limiter = rate.NewLimiter(rate.Limit(float64(requestsPerMinute)/60), 1)
		}
	})
}

// WithRateLimiter paces the client with l instead, e.g. one that several
// replicas share; see RateLimiter. It covers the same requests as
// WithRateLimit. A nil l turns pacing off.
func WithRateLimiter(l RateLimiter) Option {
	return clientOption(func(c *config) { c.limiter = l })
}

// governor holds back a client's authenticated requests: until the moment a
// 429 named (the client cools down, so that one 429 does not become one per
// goroutine), then until the rate limiter lets them go.
type governor struct {
	limiter RateLimiter
	// maxCoolDown caps a cool-down (the client's WithMaxRetryWait), so that
	// an absurd Retry-After does not stop the client for years.
	maxCoolDown time.Duration
	// until is when the last 429's Retry-After ends, in Unix nanoseconds.
	until atomic.Int64
}

// coolDown returns how long the client still cools down; zero if it does not.
func (g *governor) coolDown() time.Duration {
	until := g.until.Load()
	if until == 0 {
		return 0
	}
	return max(time.Until(time.Unix(0, until)), 0)
}

// wait blocks until the cool-down is over and the limiter lets a request
// go, or ctx ends.
func (g *governor) wait(ctx context.Context) error {
	for d := g.coolDown(); d > 0; d = g.coolDown() {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return &governorError{err: ctx.Err()}
		}
	}
	if g.limiter == nil {
		return nil
	}
	if err := g.limiter.Wait(ctx); err != nil {
		return &governorError{err: err}
	}
	return nil
}

// observe starts or extends the cool-down when resp is a 429 that says how
// long to wait. It reads the reply (retry.Read) as it comes off the wire,
// before the middleware and the retry policy see it, so that the other calls
// are held from that moment; the policy and the *Error reuse that reading.
func (g *governor) observe(resp *http.Response) {
	if resp.StatusCode != http.StatusTooManyRequests {
		return
	}
	reply := retry.Read(resp, maxErrorBody)
	d := min(reply.After, g.maxCoolDown)
	if !reply.HasAfter || d <= 0 {
		return
	}
	until := time.Now().Add(d).UnixNano()
	for {
		cur := g.until.Load()
		if cur >= until || g.until.CompareAndSwap(cur, until) {
			return
		}
	}
}

// coolingDownError is the *Error of a call refused locally because the
// client cools down for longer than the call may wait.
func coolingDownError(d time.Duration) *Error {
	return &Error{
		StatusCode: http.StatusTooManyRequests,
		Code:       CodeRateLimited,
		Message:    fmt.Sprintf("not sent: the client cools down after a 429 for %s more, longer than this call may wait", d.Round(time.Millisecond)),
		RetryAfter: d,
	}
}

// governorError is a wait of the governor that failed: the context ended or
// the rate limiter refused. Such an attempt was never sent and is not retried.
type governorError struct{ err error }

func (e *governorError) Error() string { return "theazo: rate governor: " + e.err.Error() }
func (e *governorError) Unwrap() error { return e.err }
