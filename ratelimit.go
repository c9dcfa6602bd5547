package theazo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/theazo/theazo-go/internal/retry"
)

// RateLimiter paces a client's requests: Wait blocks until one more request
// may be sent, or returns an error: ctx's when it ends first, or one that
// matches context.DeadlineExceeded (errors.Is) when ctx's deadline would pass
// before the request may go (*rate.Limiter's "would exceed context deadline"
// is recognised too). The client turns such a refusal into a rate_limited
// *Error, unsent. A *rate.Limiter of golang.org/x/time/rate is one; a
// limiter backed by a store that several processes share (Redis, a
// database) lets every replica of a backend spend one API key's budget
// together. One that also implements CoolDownLimiter shares the client's 429
// cool-down as well.
type RateLimiter interface {
	Wait(ctx context.Context) error
}

// CoolDownLimiter is a RateLimiter that also carries the client's 429
// cool-down, for a limiter that several replicas share: when a reply of the
// client is a 429 that names its wait (Retry-After, capped by
// WithMaxRetryWait), the client calls CoolDown with the moment the wait ends,
// on the goroutine that received the reply, before it is retried. The
// limiter then holds its Wait, in every process that shares it, until that
// moment. The client keeps its own cool-down whether or not its limiter is a
// CoolDownLimiter. CoolDown must return promptly (a bounded call to the
// store, at most) and never fail the request; ctx is the request's.
type CoolDownLimiter interface {
	RateLimiter
	CoolDown(ctx context.Context, until time.Time)
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
// replicas share; see RateLimiter and CoolDownLimiter. It covers the same
// requests as WithRateLimit. A nil l turns pacing off.
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

// wait blocks until the limiter lets a request go outside the cool-down, or
// refuses it. The cool-down is checked again once the limiter has let the
// request go, since a 429 may have arrived meanwhile: then the request waits
// out the cool-down and asks the limiter again, so that no request starts
// while the client cools down, and those held do not all start together when
// it ends.
func (g *governor) wait(ctx context.Context) error {
	for {
		if d := g.coolDown(); d > 0 {
			if beyondDeadline(ctx, d) {
				return &governorError{err: context.DeadlineExceeded, refusal: coolingDownError(d, true)}
			}
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return limiterError(ctx, ctx.Err())
			}
			continue
		}
		if g.limiter == nil {
			return nil
		}
		if err := g.limiter.Wait(ctx); err != nil {
			return limiterError(ctx, err)
		}
		if g.coolDown() == 0 {
			return nil
		}
	}
}

// limiterError is the governorError of a wait that failed with err: a
// rate_limited refusal when ctx's deadline passed or would pass first, err
// itself otherwise (ctx was cancelled, or the limiter refused).
func limiterError(ctx context.Context, err error) *governorError {
	_, hasDeadline := ctx.Deadline()
	deadline := errors.Is(err, context.DeadlineExceeded) ||
		hasDeadline && ctx.Err() == nil && strings.Contains(err.Error(), "context deadline")
	if !deadline {
		return &governorError{err: err}
	}
	return &governorError{err: err, refusal: &Error{
		StatusCode: http.StatusTooManyRequests,
		Code:       CodeRateLimited,
		Message:    "not sent: the rate limiter would let this call go only after its context's deadline",
		deadline:   true,
	}}
}

// observe starts or extends the cool-down when resp is a 429 that says how
// long to wait, and passes it on to a CoolDownLimiter. It reads the reply
// (retry.Read) as it comes off the wire, before the middleware and the retry
// policy see it, so that the other calls are held from that moment; the
// policy and the *Error reuse that reading.
func (g *governor) observe(ctx context.Context, resp *http.Response) {
	if resp.StatusCode != http.StatusTooManyRequests {
		return
	}
	reply := retry.Read(resp, maxErrorBody)
	d := min(reply.After, g.maxCoolDown)
	if !reply.HasAfter || d <= 0 {
		return
	}
	end := time.Now().Add(d)
	until := end.UnixNano()
	for {
		cur := g.until.Load()
		if cur >= until || g.until.CompareAndSwap(cur, until) {
			break
		}
	}
	if shared, ok := g.limiter.(CoolDownLimiter); ok {
		shared.CoolDown(ctx, end)
	}
}

// coolingDownError is the *Error of a call refused locally because the
// client cools down for longer than the call may wait; byDeadline when it is
// the call's deadline that would pass first.
func coolingDownError(d time.Duration, byDeadline bool) *Error {
	return &Error{
		StatusCode: http.StatusTooManyRequests,
		Code:       CodeRateLimited,
		Message:    fmt.Sprintf("not sent: the client cools down after a 429 for %s more, longer than this call may wait", d.Round(time.Millisecond)),
		RetryAfter: d,
		deadline:   byDeadline,
	}
}

// governorError is a wait of the governor that failed: the context ended or
// the rate limiter refused. Such an attempt was never sent and is not
// retried. refusal, when set, is the rate_limited *Error the call returns
// instead (the context's deadline passed or would pass first).
type governorError struct {
	err     error
	refusal *Error
}

func (e *governorError) Error() string { return "theazo: rate governor: " + e.err.Error() }
func (e *governorError) Unwrap() error { return e.err }

// governorRefusal returns the rate_limited *Error that err, a failed call,
// carries when the governor refused it because of its deadline; nil otherwise.
func governorRefusal(err error) *Error {
	var gerr *governorError
	if errors.As(err, &gerr) {
		return gerr.refusal
	}
	return nil
}
