package theazo_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// loadFlag asks for the paced load tests, which wait in real time: they
// run with -load or THEAZO_LOAD=1 (scripts/test sets it), else they skip.
var loadFlag = flag.Bool("load", false, "run the paced load tests, which take seconds of real time (or THEAZO_LOAD=1)")

// needLoad skips a paced load test unless -load or THEAZO_LOAD=1 asks for it.
func needLoad(t *testing.T) {
	t.Helper()
	if !*loadFlag && os.Getenv("THEAZO_LOAD") != "1" {
		t.Skip("a paced load test, in real time: run it with -load or THEAZO_LOAD=1")
	}
}

// TestLoad runs 10,000 mixed calls from 200 goroutines (400 from 20 under
// -short) sharing one client against theazotest, injecting a 503 before 5% of the calls and a 429
// before 2%: faults the next request to arrive, of any goroutine, takes.
// Every GET and every idempotent write must succeed through retries; a
// non-idempotent POST may fail with the injected 503 but must never be
// handled twice, which the server's request log proves; no goroutine may
// be left once the server and the client are closed.
func TestLoad(t *testing.T) {
	needLoad(t)
	goroutines, callsEach := 200, 50
	if testing.Short() {
		// The same mix at a twenty-fifth of the load: 400 calls from 20
		// goroutines, each still making every kind of call (i % 20).
		goroutines, callsEach = 20, 20
	}
	leaks := goleak.IgnoreCurrent()
	srv := theazotest.NewServer()
	// Six retries, none waiting over 100 ms: a GET fails only if seven
	// attempts in a row take an injected fault.
	c := srv.Client(theazo.WithMaxRetries(6), theazo.WithMaxRetryWait(100*time.Millisecond))
	ctx := t.Context()

	// Each goroutine has its own session and agent; they share a definition.
	def, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "load"})
	require.NoError(t, err)
	agents := make([]*theazo.Agent, goroutines)
	for g := range agents {
		s, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: fmt.Sprintf("load-user-%d", g)})
		require.NoError(t, err)
		agents[g], err = c.Agents.Create(ctx, s.ID, nil)
		require.NoError(t, err)
	}
	srv.ResetRequests()

	type kind int
	const (
		read kind = iota
		idempotentWrite
		post
	)
	type result struct {
		kind kind
		dur  time.Duration
		err  error
	}
	results := make([][]result, goroutines)
	var injected503, injected429 atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			agent := agents[g]
			for i := range callsEach {
				switch r := rng.Float64(); {
				case r < 0.05:
					srv.InjectFault(theazotest.Fault{Status: http.StatusServiceUnavailable})
					injected503.Add(1)
				case r < 0.07:
					srv.InjectFault(theazotest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 10 * time.Millisecond})
					injected429.Add(1)
				}
				marker := fmt.Sprintf("load-%d-%d", g, i)
				var k kind
				var err error
				t0 := time.Now()
				switch i % 20 {
				case 0, 1, 2, 3:
					k = read
					_, err = c.Agents.Get(ctx, agent.ID)
				case 4, 5, 6, 7:
					k = read
					_, err = c.Sessions.ListPage(ctx, &theazo.SessionListParams{Limit: 5})
				case 8, 9, 10, 11:
					k = read
					_, err = c.Definitions.Get(ctx, def.ID)
				case 12, 13:
					k = idempotentWrite
					_, err = c.Sessions.GetOrCreate(ctx, fmt.Sprintf("load-user-%d", g), nil)
				case 14:
					k = idempotentWrite
					_, err = c.Definitions.Update(ctx, def.ID, &theazo.DefinitionUpdateParams{Instructions: theazo.Ptr(marker)})
				case 15, 16, 17:
					k = post
					_, err = c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: marker})
				default:
					k = post
					_, err = c.Agents.Exec(ctx, agent.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "echo " + marker})
				}
				results[g] = append(results[g], result{kind: k, dur: time.Since(t0), err: err})
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	srv.ClearFaults()
	reqs := srv.Requests()

	// Outcomes: reads and idempotent writes all succeed; a POST succeeds or
	// fails with the injected 503, which is not retried.
	var durations []time.Duration
	postsFailed := 0
	for _, rs := range results {
		for _, r := range rs {
			durations = append(durations, r.dur)
			if r.kind != post {
				assert.NoError(t, r.err, "a GET or idempotent write must succeed through retries")
				continue
			}
			if r.err != nil {
				var apiErr *theazo.Error
				require.ErrorAs(t, r.err, &apiErr)
				assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode, "only an injected 503 may fail a POST")
				postsFailed++
			}
		}
	}
	calls := len(durations)
	require.Equal(t, goroutines*callsEach, calls)

	// The request log: every non-idempotent POST, identified by its marker,
	// was handled at most once. Its only repeats are after a 429, which the
	// server answers without handling the request.
	attempts := map[string][]int{} // marker -> statuses, in order
	for _, r := range reqs {
		isCreate := r.Method == http.MethodPost && r.Path == "/v1/sessions"
		isExec := r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/exec")
		if !isCreate && !isExec {
			continue
		}
		i := strings.Index(string(r.Body), "load-")
		require.GreaterOrEqual(t, i, 0, "%s", r.Body)
		marker := strings.TrimRight(strings.Fields(string(r.Body)[i:])[0], `"}`)
		attempts[marker] = append(attempts[marker], r.Status)
	}
	posts := 0
	for _, rs := range results {
		for _, r := range rs {
			if r.kind == post {
				posts++
			}
		}
	}
	assert.Len(t, attempts, posts, "every POST reached the server")
	duplicates := 0
	for marker, statuses := range attempts {
		for j, s := range statuses {
			if j < len(statuses)-1 && s != http.StatusTooManyRequests {
				duplicates++
				t.Errorf("POST %s was sent again after a %d: %v", marker, s, statuses)
			}
		}
	}

	statusCount := map[int]int{}
	for _, r := range reqs {
		statusCount[r.Status]++
	}
	slices.Sort(durations)
	pct := func(p float64) time.Duration { return durations[int(p*float64(len(durations)-1))] }
	t.Logf("%d calls from %d goroutines in %s (%.0f calls/s); %d requests, so %d retries; injected %d 503s and %d 429s; the server answered %d 503s and %d 429s",
		calls, goroutines, elapsed.Round(time.Millisecond), float64(calls)/elapsed.Seconds(), len(reqs), len(reqs)-calls,
		injected503.Load(), injected429.Load(), statusCount[503], statusCount[429])
	t.Logf("latency p50 %s, p99 %s, max %s; %d of %d non-idempotent POSTs failed with an injected 503, none was handled twice (%d duplicates)",
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), durations[len(durations)-1].Round(time.Microsecond), postsFailed, posts, duplicates)
	assert.Greater(t, len(reqs), calls, "faults were injected and retried")

	srv.Close()
	c.CloseIdleConnections()
	goleak.VerifyNone(t, leaks)
}
