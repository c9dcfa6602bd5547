package redisgovernor_test

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/redisgovernor"
	"github.com/theazo/theazo-go/theazotest"
)

// TestRedisStoppedThenRestarted: two replicas call in a loop while Redis is
// killed mid-run (once 20 calls have completed), then restarted (once 60
// more have). Every call completes, in bounded time, under the local
// fallback; no error reaches a caller; each governor logs the failure once,
// not once per call. When Redis runs again (empty: persistence is off) each
// governor logs that once, and sharing resumes: the GCRA state is back in Redis. No goroutine
// is left.
func TestRedisStoppedThenRestarted(t *testing.T) {
	before := goleak.IgnoreCurrent()                   // the goroutines that were there already
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // runs last
	const replicas, goroutines = 2, 10
	rs := startRedis(t)
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	logs := &logRecords{}
	rdb, _ := rs.client(t)
	clients := make([]*theazo.Client, replicas)
	for i := range clients {
		rdb, _ := rs.client(t)
		gov, err := redisgovernor.New(rdb, "theazo:fallback", 12000, redisgovernor.WithReplicas(replicas),
			redisgovernor.WithProbeInterval(100*time.Millisecond), redisgovernor.WithLogger(slog.New(logs)))
		require.NoError(t, err)
		clients[i] = srv.Client(theazo.WithRateLimiter(gov))
	}
	ctx := t.Context()

	var stop atomic.Bool
	var done [3]atomic.Int64 // calls completed before the kill, while Redis was down, after the restart
	var phase atomic.Int32
	var slowest atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		c := clients[g%replicas]
		wg.Go(func() {
			for !stop.Load() {
				start := time.Now()
				if _, err := c.Usage.Summary(ctx, nil); err != nil {
					errs <- err
					return
				}
				took := int64(time.Since(start))
				for cur := slowest.Load(); took > cur && !slowest.CompareAndSwap(cur, took); cur = slowest.Load() {
				}
				done[phase.Load()].Add(1)
			}
		})
	}
	// Each phase lasts until its share of calls has completed.
	completed := func(p, n int) func() bool { return func() bool { return done[p].Load() >= int64(n) } }
	require.Eventually(t, completed(0, 20), 5*time.Second, time.Millisecond)
	rs.stop() // killed by its PID
	phase.Store(1)
	require.Eventually(t, completed(1, 60), 5*time.Second, time.Millisecond, "calls complete while Redis is down")
	rs.start()
	phase.Store(2)
	require.Eventually(t, func() bool {
		back := logs.count("Redis answers again")
		return back >= replicas && back == logs.count("Redis failed")
	}, 3*time.Second, 10*time.Millisecond, "both governors go back to Redis")
	require.Eventually(t, completed(2, 40), 5*time.Second, time.Millisecond)
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err, "no error from the governor")
	}

	exists, err := rdb.Exists(ctx, "rate:theazo:fallback").Result()
	require.NoError(t, err)
	t.Logf("calls completed: %d before the kill, %d while Redis was down, %d after the restart; slowest %s; log: %q",
		done[0].Load(), done[1].Load(), done[2].Load(), time.Duration(slowest.Load()).Round(time.Millisecond), logs.msgs)
	assert.Positive(t, done[0].Load())
	assert.Positive(t, done[1].Load(), "calls go on under the local limit")
	assert.Positive(t, done[2].Load())
	assert.Less(t, time.Duration(slowest.Load()), time.Second, "no call waits long for Redis")
	// Once per outage each way; a busy machine may make a Redis call miss
	// the 50 ms before the kill too, which is an outage of its own.
	assert.LessOrEqual(t, logs.count("Redis failed"), 2*replicas, "each governor logs a failure once, not once per call")
	assert.Equal(t, int64(1), exists, "the shared state is back in Redis")
	calls := rs.commandCalls(t)
	assert.Positive(t, calls["evalsha"]+calls["eval"], "the restarted Redis admits calls: %v", calls)
}

// TestSlowRedisFallsBackWithinTheTimeout: a Redis that hangs (stopped with
// SIGSTOP: connections stay open, nothing answers) costs a call the
// governor's timeout, 50 ms by default, not the client's read timeout;
// later calls pace locally without waiting for it; when it answers again
// the governor goes back to it.
func TestSlowRedisFallsBackWithinTheTimeout(t *testing.T) {
	before := goleak.IgnoreCurrent()                   // the goroutines that were there already
	t.Cleanup(func() { goleak.VerifyNone(t, before) }) // runs last
	rs := startRedis(t)
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	logs := &logRecords{}
	rdb, _ := rs.client(t)
	gov, err := redisgovernor.New(rdb, "theazo:slow", 60000, redisgovernor.WithBurst(100),
		redisgovernor.WithProbeInterval(100*time.Millisecond), redisgovernor.WithLogger(slog.New(logs)))
	require.NoError(t, err)
	c := srv.Client(theazo.WithRateLimiter(gov))
	ctx := t.Context()
	_, err = c.Usage.Summary(ctx, nil)
	require.NoError(t, err)

	require.NoError(t, rs.cmd.Process.Signal(syscall.SIGSTOP))
	resumed := false
	defer func() {
		if !resumed {
			_ = rs.cmd.Process.Signal(syscall.SIGCONT)
		}
	}()
	for i := range 5 {
		start := time.Now()
		_, err := c.Usage.Summary(ctx, nil)
		require.NoError(t, err)
		assert.Less(t, time.Since(start), 500*time.Millisecond, "call %d: bounded by the governor's timeout, not Redis's", i)
	}
	assert.Equal(t, 1, logs.count("Redis failed"), "logged once: %q", logs.msgs)

	require.NoError(t, rs.cmd.Process.Signal(syscall.SIGCONT))
	resumed = true
	require.Eventually(t, func() bool {
		_, err := c.Usage.Summary(ctx, nil)
		require.NoError(t, err)
		return logs.count("Redis answers again") == 1
	}, 5*time.Second, 20*time.Millisecond, "back to Redis")
}
