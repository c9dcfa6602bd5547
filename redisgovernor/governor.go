package redisgovernor

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
	"golang.org/x/time/rate"

	"github.com/theazo/theazo-go"
)

// Governor is a rate governor for theazo.WithRateLimiter that every replica
// using the same Redis key shares, together with the 429 cool-down (it is a
// theazo.CoolDownLimiter). Its methods are safe for concurrent use; give each
// client its own Governor, or share one among the clients of a process.
type Governor struct {
	rdb   redis.UniversalClient
	gcra  *redis_rate.Limiter
	key   string // redis_rate's key: the state is stored at rate:<key>
	limit redis_rate.Limit
	cfg   config
	// local paces this replica while Redis cannot be reached.
	local *rate.Limiter
	// turn lets one waiting call of this process at a time ask Redis, so
	// that the others queue here rather than all asking again at each slot.
	turn chan struct{}

	mu sync.Mutex
	// down is set while Redis cannot be reached; nextProbe is when one call
	// asks it again.
	down      bool
	nextProbe time.Time
}

var _ theazo.CoolDownLimiter = (*Governor)(nil)

// New returns a governor that lets perMinute requests a minute go, in all the
// replicas that use key on the Redis behind rdb, with bursts of up to
// WithBurst. key names the budget: every replica spending one API key's
// budget must use the same key, and no other key may use it; KeyFor derives
// one from the API key without revealing it. New does not contact Redis, and
// fails only on bad arguments.
func New(rdb redis.UniversalClient, key string, perMinute int, opts ...Option) (*Governor, error) {
	cfg := config{replicas: 1, timeout: 50 * time.Millisecond, probe: time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.burst == 0 {
		cfg.burst = max(1, perMinute/100)
	}
	if cfg.logger == nil {
		cfg.logger = slog.Default()
	}
	switch {
	case rdb == nil:
		return nil, errors.New("redisgovernor: nil Redis client")
	case key == "":
		return nil, errors.New("redisgovernor: empty key: name the budget, e.g. theazo:prod, or use KeyFor")
	case strings.Contains(key, "th_live_") || strings.Contains(key, "th_test_"):
		return nil, errors.New("redisgovernor: the key contains an API key, which Redis would then show to anyone who can read it: use a name, or KeyFor")
	case perMinute <= 0:
		return nil, fmt.Errorf("redisgovernor: perMinute is %d: it must be positive", perMinute)
	case cfg.replicas < 1 || cfg.burst < 1:
		return nil, fmt.Errorf("redisgovernor: replicas %d and burst %d must be at least 1", cfg.replicas, cfg.burst)
	case cfg.timeout <= 0 || cfg.probe <= 0:
		return nil, fmt.Errorf("redisgovernor: timeout %s and probe interval %s must be positive", cfg.timeout, cfg.probe)
	}
	return &Governor{
		rdb:   rdb,
		gcra:  redis_rate.NewLimiter(rdb),
		key:   key,
		limit: redis_rate.Limit{Rate: perMinute, Burst: cfg.burst, Period: time.Minute},
		cfg:   cfg,
		local: rate.NewLimiter(rate.Limit(float64(perMinute)/float64(cfg.replicas)/60), max(1, cfg.burst/cfg.replicas)),
		turn:  make(chan struct{}, 1),
	}, nil
}

// Wait blocks until Redis lets one more request go, or, while Redis cannot
// be reached, the local limit does. It returns ctx's error when ctx ends
// first, and at once an error matching context.DeadlineExceeded when the
// next slot lies past ctx's deadline (the client then refuses the call,
// unsent, with a rate_limited *theazo.Error). A Redis failure is never
// returned.
func (g *Governor) Wait(ctx context.Context) error {
	select {
	case g.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-g.turn }()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !g.useRedis() {
			return g.local.Wait(ctx)
		}
		res, err := bounded(ctx, g.cfg.timeout, func(ctx context.Context) (*redis_rate.Result, error) {
			return g.gcra.Allow(ctx, g.key, g.limit)
		})
		if err != nil {
			if ctx.Err() == nil {
				g.failed(err)
			}
			continue
		}
		g.answered()
		if res.Allowed > 0 {
			return nil
		}
		if err := sleep(ctx, res.RetryAfter); err != nil {
			return err
		}
	}
}

// CoolDown holds every replica using the key until until: it moves the
// shared GCRA state so that Redis lets the next request go then, and the
// following ones at the limit's pace. The client calls it when it receives
// a 429 with Retry-After. While Redis cannot be reached it does nothing (the
// client cools down on its own).
func (g *Governor) CoolDown(ctx context.Context, until time.Time) {
	d := time.Until(until)
	if d <= 0 || !g.useRedis() {
		return
	}
	// The cool-down outlives the call that received the 429.
	ctx = context.WithoutCancel(ctx)
	_, err := bounded(ctx, g.cfg.timeout, func(ctx context.Context) (int64, error) {
		return coolDownScript.Run(ctx, g.rdb, []string{"rate:" + g.key},
			g.limit.Burst, g.limit.Rate, g.limit.Period.Seconds(), d.Seconds()).Int64()
	})
	if err != nil {
		g.failed(err)
		return
	}
	g.answered()
}

// coolDownScript moves redis_rate's GCRA state (the theoretical arrival time
// of the next request, in seconds since 2017 by Redis's clock) so that its
// next request is allowed ARGV[4] seconds from now, with no burst left; it
// never moves it back. Its arithmetic is redis_rate's: allow_at = tat +
// emission_interval - burst_offset.
var coolDownScript = redis.NewScript(`
redis.replicate_commands()
local key = KEYS[1]
local burst = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local period = tonumber(ARGV[3])
local wait = tonumber(ARGV[4])
local emission_interval = period / rate
local t = redis.call("TIME")
local now = (t[1] - 1483228800) + (t[2] / 1000000)
local tat = now + wait + emission_interval * (burst - 1)
local cur = tonumber(redis.call("GET", key))
if cur and cur >= tat then
  return 0
end
redis.call("SET", key, tat, "EX", math.ceil(tat - now))
return 1
`)

// useRedis reports whether to ask Redis: yes unless it failed, and then
// for one call each probe interval.
func (g *Governor) useRedis() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.down {
		return true
	}
	if now := time.Now(); !now.Before(g.nextProbe) {
		g.nextProbe = now.Add(g.cfg.probe)
		return true
	}
	return false
}

// failed switches to the local limit after a Redis call failed, logging it
// when Redis was answering until then.
func (g *Governor) failed(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.nextProbe = time.Now().Add(g.cfg.probe)
	if g.down {
		return
	}
	g.down = true
	g.cfg.logger.Warn("theazo redisgovernor: Redis failed; pacing this replica locally until it answers",
		slog.String("key", g.key), slog.Float64("perMinute", float64(g.local.Limit())*60), slog.String("error", err.Error()))
}

// answered goes back to Redis after a call to it succeeded, logging it when
// Redis had failed.
func (g *Governor) answered() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.down {
		g.down = false
		g.cfg.logger.Info("theazo redisgovernor: Redis answers again; pacing is shared", slog.String("key", g.key))
	}
}

// bounded runs f with ctx, and gives up on it after d: Redis clients
// without ContextTimeoutEnabled do not cut a read that hangs at ctx's
// deadline, and a call must not wait for them. f's goroutine then ends when
// the client's own timeout does.
func bounded[T any](ctx context.Context, d time.Duration, f func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f(ctx)
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		return zero, fmt.Errorf("redisgovernor: no answer from Redis within %s", d)
	}
}

// sleep waits d, or returns ctx's error when it ends first, or at once an
// error matching context.DeadlineExceeded when d lies past its deadline.
func sleep(ctx context.Context, d time.Duration) error {
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
		return fmt.Errorf("redisgovernor: the next slot is %s away, past the call's deadline: %w", d.Round(time.Millisecond), context.DeadlineExceeded)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
