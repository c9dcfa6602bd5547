package redisgovernor_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/redisgovernor"
	"github.com/theazo/theazo-go/theazotest"
)

// wire is a RoundTripper under the governors of several clients: it counts
// the replies of each status, and records when each attempt went on the
// wire and when the first 429 came back.
type wire struct {
	base  http.RoundTripper
	mu    sync.Mutex
	sent  []span
	n429  int
	at429 time.Time // zero before the first 429
}

// span is one attempt on the wire: when it started and when its reply came.
type span struct{ start, end time.Time }

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := w.base.RoundTrip(req)
	end := time.Now()
	w.mu.Lock()
	defer w.mu.Unlock()
	w.sent = append(w.sent, span{start, end})
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		w.n429++
		if w.at429.IsZero() {
			w.at429 = end
		}
	}
	return resp, err
}

// replicaClients returns n clients of srv, each sending through w, with
// the options common to all and replica i's own, governor(i).
func replicaClients(srv *theazotest.Server, w *wire, n int, governor func(i int) theazo.Option, opts ...theazo.Option) []*theazo.Client {
	clients := make([]*theazo.Client, n)
	for i := range clients {
		clients[i] = srv.Client(append([]theazo.Option{theazo.WithHTTPClient(&http.Client{Transport: w}), governor(i)}, opts...)...)
	}
	return clients
}

// TestFourReplicasShareTheBudget: four clients, each with its own governor
// and Redis connections on one key, 200 goroutines in all, against a server
// limited to 200 requests in any 2 s (a plan's minute scaled down, slow
// enough for the race detector on two cores, with a window long enough
// that a stall of the test process does not bunch requests past the 10%
// margin), each governor set to 90% of that: no 429 and no call lost. Four local
// WithRateLimit governors at the same setting send 3.6 times the limit and
// collect 429s (fewer than they would without the cool-down each one keeps
// after a 429, of whole seconds here as the window is).
func TestFourReplicasShareTheBudget(t *testing.T) {
	const replicas, goroutines, limit, window = 4, 200, 200, 2 * time.Second
	callsEach := 2 // THEAZO_REPLICA_CALLS makes it more, for BENCHMARKS.md
	if v := os.Getenv("THEAZO_REPLICA_CALLS"); v != "" {
		var err error
		callsEach, err = strconv.Atoi(v)
		require.NoError(t, err, "THEAZO_REPLICA_CALLS")
	}
	perMinute := int(limit*time.Minute/window) * 9 / 10
	rs := startRedis(t)
	logs := &logRecords{}
	run := func(governor func(i int) theazo.Option) (got429, lost int, took time.Duration) {
		srv := theazotest.NewServer(theazotest.WithRateLimitWindow(limit, window))
		defer srv.Close()
		w := &wire{base: srv.HTTPClient().Transport}
		clients := replicaClients(srv, w, replicas, governor, theazo.WithMaxRetries(100), theazo.WithMaxRetryWait(2*window))
		ctx := t.Context()
		var failed atomic.Int64
		start := time.Now()
		var wg sync.WaitGroup
		for g := range goroutines {
			c := clients[g%replicas]
			wg.Go(func() {
				for range callsEach {
					if _, err := c.Usage.Summary(ctx, nil); err != nil {
						failed.Add(1)
					}
				}
			})
		}
		wg.Wait()
		w.mu.Lock()
		defer w.mu.Unlock()
		return w.n429, int(failed.Load()), time.Since(start)
	}

	redis429, redisLost, redisTook := run(func(int) theazo.Option {
		rdb, _ := rs.client(t)
		gov, err := redisgovernor.New(rdb, "theazo:replicas", perMinute, redisgovernor.WithBurst(2), redisgovernor.WithReplicas(replicas), redisgovernor.WithLogger(slog.New(logs)),
			// The race detector on a busy two-core machine can hold a
			// goroutine past the default 50 ms; a replica that fell back
			// would pace alone, and the test is of sharing (the fallback
			// has its own).
			redisgovernor.WithTimeout(time.Second))
		require.NoError(t, err)
		return theazo.WithRateLimiter(gov)
	})
	local429, localLost, localTook := run(func(int) theazo.Option { return theazo.WithRateLimit(perMinute) })
	t.Logf("%d replicas, %d goroutines, %d calls, server limit %d per %s, each governor at %d a minute: "+
		"redisgovernor %d 429s, %d lost, %s; local WithRateLimit %d 429s, %d lost, %s",
		replicas, goroutines, goroutines*callsEach, limit, window, perMinute,
		redis429, redisLost, redisTook.Round(time.Millisecond), local429, localLost, localTook.Round(time.Millisecond))
	assert.Zero(t, logs.count("Redis failed"), "Redis answered throughout: %v", logs.msgs)
	assert.Zero(t, redis429, "no 429 with the shared governor")
	assert.Zero(t, redisLost, "no call lost")
	assert.Positive(t, local429, "local governors go over the limit (each one's cool-down then holds it)")
}

// coolDownSeen wraps a Governor to record when its CoolDown returned, that
// is when the shared cool-down was stored in Redis.
type coolDownSeen struct {
	*redisgovernor.Governor
	mu    sync.Mutex
	saved time.Time
}

func (c *coolDownSeen) CoolDown(ctx context.Context, until time.Time) {
	c.Governor.CoolDown(ctx, until)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.saved.IsZero() {
		c.saved = time.Now()
	}
}

// TestOne429HoldsEveryReplica: four replicas share a key, ten goroutines
// each calling in a loop; one request gets a 429 with Retry-After: 1. No
// request of any of the four starts during that second once the cool-down
// is in Redis, and the server sees only those already on the wire; then
// every replica resumes.
func TestOne429HoldsEveryReplica(t *testing.T) {
	const replicas, goroutines, retryAfter = 4, 40, time.Second
	// A request that Redis let go before the cool-down was stored may start
	// a little later: on its way already.
	const onTheWay = 20 * time.Millisecond
	rs := startRedis(t)
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	w := &wire{base: srv.HTTPClient().Transport}
	govs := make([]*coolDownSeen, replicas)
	clients := replicaClients(srv, w, replicas, func(i int) theazo.Option {
		rdb, _ := rs.client(t)
		gov, err := redisgovernor.New(rdb, "theazo:cool-down", 12000, redisgovernor.WithBurst(1), redisgovernor.WithTimeout(time.Second))
		require.NoError(t, err)
		govs[i] = &coolDownSeen{Governor: gov}
		return theazo.WithRateLimiter(govs[i])
	}, theazo.WithMaxRetryWait(3*time.Second))
	ctx := t.Context()

	var stop atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := range goroutines {
		c := clients[g%replicas]
		wg.Go(func() {
			for !stop.Load() {
				if _, err := c.Usage.Summary(ctx, nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	require.Eventually(t, func() bool { return len(srv.Requests()) >= 20 }, 5*time.Second, time.Millisecond, "the replicas are calling")
	srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/usage/summary", Status: http.StatusTooManyRequests, RetryAfter: retryAfter})
	require.Eventually(t, func() bool {
		w.mu.Lock()
		defer w.mu.Unlock()
		return !w.at429.IsZero() && time.Since(w.at429) > retryAfter+300*time.Millisecond
	}, 5*time.Second, 10*time.Millisecond)
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	w.mu.Lock()
	at429, sent := w.at429, w.sent
	w.mu.Unlock()
	var saved time.Time
	for _, g := range govs {
		g.mu.Lock()
		if !g.saved.IsZero() {
			saved = g.saved
		}
		g.mu.Unlock()
	}
	require.False(t, saved.IsZero(), "the replica that got the 429 stored the cool-down")
	coolEnd := at429.Add(retryAfter)
	startedDuring, onWire, after := 0, 0, 0
	for _, s := range sent {
		switch {
		case s.start.After(saved.Add(onTheWay)) && s.start.Before(coolEnd):
			startedDuring++
		case !s.start.After(saved.Add(onTheWay)) && s.end.After(at429):
			onWire++
		case !s.start.Before(coolEnd):
			after++
		}
	}
	arrivedDuring := 0
	for _, r := range srv.Requests() {
		if r.Time.After(at429) && r.Time.Before(coolEnd) {
			arrivedDuring++
		}
	}
	t.Logf("%d attempts; the cool-down was in Redis %s after the 429 came back; during the %s that followed, %d attempts started "+
		"and %d requests arrived, with %d on the wire at the 429; %d attempts after it",
		len(sent), saved.Sub(at429).Round(time.Microsecond), retryAfter, startedDuring, arrivedDuring, onWire, after)
	assert.Zero(t, startedDuring, "no replica starts a request during the cool-down")
	assert.LessOrEqual(t, arrivedDuring, onWire, "the server sees only the requests already on the wire")
	assert.Greater(t, after, replicas, "the replicas resume")
}
