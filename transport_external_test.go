package theazo_test

// The chaos cases theazotest's fault injection offers: a connection
// dropped before the reply, a reply cut mid-body, a reply that never comes,
// a stream that stalls between events. The others (a TCP reset, huge and
// malformed bodies, redirects, refused connections) are in transport_test.go,
// on httptest servers. Each case asserts the caller's error, what the
// server's request log saw, and that the client holds no connection once
// its idle ones are closed.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// connCounter is an HTTP transport that counts the connections it holds
// open, so that a test can check a call released its connection.
type connCounter struct {
	*http.Transport
	open atomic.Int32
}

// newConnCounter counts the connections that dial makes.
func newConnCounter(t *testing.T, dial func(ctx context.Context, network, addr string) (net.Conn, error)) *connCounter {
	cc := &connCounter{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	cc.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		cc.open.Add(1)
		return &countedConn{Conn: conn, cc: cc}, nil
	}
	t.Cleanup(cc.CloseIdleConnections)
	return cc
}

// assertReleased checks that, once idle connections are closed, none is open.
func (cc *connCounter) assertReleased(t *testing.T) {
	t.Helper()
	cc.CloseIdleConnections()
	assert.Eventually(t, func() bool { return cc.open.Load() == 0 }, 5*time.Second, 10*time.Millisecond,
		"the client still holds %d connection(s)", cc.open.Load())
}

type countedConn struct {
	net.Conn
	cc     *connCounter
	closed atomic.Bool
}

func (c *countedConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.cc.open.Add(-1)
	}
	return c.Conn.Close()
}

// chaosFixture is a fake server with one of everything, and a client whose
// connections are counted and whose retries wait at most 20 ms.
type chaosFixture struct {
	srv      *theazotest.Server
	c        *theazo.Client
	conns    *connCounter
	session  *theazo.Session
	agent    *theazo.Agent
	def      *theazo.AgentDefinition
	workflow *theazo.Workflow
	run      *theazo.WorkflowRunInfo
	fleet    *theazo.Fleet
	schedule *theazo.Schedule
	trigger  *theazo.Trigger
	channel  *theazo.Channel
}

func newChaosFixture(t *testing.T, opts ...theazotest.Option) *chaosFixture {
	t.Helper()
	srv := theazotest.NewServer(append([]theazotest.Option{theazotest.WithInMemory()}, opts...)...)
	t.Cleanup(srv.Close)
	conns := newConnCounter(t, srv.HTTPClient().Transport.(*http.Transport).DialContext)
	f := &chaosFixture{srv: srv, conns: conns,
		c: srv.Client(theazo.WithHTTPClient(&http.Client{Transport: conns}), theazo.WithMaxRetryWait(20*time.Millisecond))}
	ctx := t.Context()
	var err error
	f.session, err = f.c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "chaos"})
	require.NoError(t, err)
	f.agent, err = f.c.Agents.Create(ctx, f.session.ID, nil)
	require.NoError(t, err)
	f.def, err = f.c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "chaos"})
	require.NoError(t, err)
	f.workflow, err = f.c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "w", Steps: []theazo.WorkflowStep{{Name: "a", DefinitionID: f.def.ID, Task: "a"}}})
	require.NoError(t, err)
	f.run, err = f.c.Workflows.Run(ctx, f.workflow.ID, nil)
	require.NoError(t, err)
	f.fleet, err = f.c.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: f.session.ID, DefinitionID: f.def.ID, Tasks: []string{"t"}})
	require.NoError(t, err)
	f.schedule, err = f.c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "s", Cron: "0 9 * * 1-5", Action: f.action()})
	require.NoError(t, err)
	f.trigger, err = f.c.Triggers.Create(ctx, &theazo.TriggerCreateParams{Name: "t", Action: f.action()})
	require.NoError(t, err)
	f.channel, err = f.c.Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "c"})
	require.NoError(t, err)
	srv.ResetRequests()
	return f
}

func (f *chaosFixture) action() theazo.Action {
	return theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: f.def.ID, Task: "x"}}
}

// chaosCall is one SDK call and the route the fake matches it by.
type chaosCall struct {
	name   string
	method string
	path   string // relative to /v1, with * for an id, as theazotest.Fault takes it
	call   func(ctx context.Context, f *chaosFixture) error
}

// writes are the calls that are not safe to repeat once sent.
var chaosWrites = []chaosCall{
	{"Sessions.Create", "POST", "/sessions", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "u2"})
		return err
	}},
	{"Agents.Create", "POST", "/sessions/*/agents", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Agents.Create(ctx, f.session.ID, nil)
		return err
	}},
	{"Agents.Run", "POST", "/agents/*/run", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Agents.Run(ctx, f.agent.ID, "task")
		return err
	}},
	{"Agents.Exec", "POST", "/agents/*/exec", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Agents.Exec(ctx, f.agent.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "echo hi"})
		return err
	}},
	{"Agents.Pause", "POST", "/agents/*/pause", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Agents.Pause(ctx, f.agent.ID)
		return err
	}},
	{"Agents.Terminate", "POST", "/agents/*/terminate", func(ctx context.Context, f *chaosFixture) error {
		return f.c.Agents.Terminate(ctx, f.agent.ID)
	}},
	{"Definitions.Create", "POST", "/agent-definitions", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "d2"})
		return err
	}},
	{"Workflows.Create", "POST", "/workflows", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "w2", Steps: []theazo.WorkflowStep{{Name: "a", DefinitionID: f.def.ID, Task: "a"}}})
		return err
	}},
	{"Workflows.Run", "POST", "/workflows/*/run", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Workflows.Run(ctx, f.workflow.ID, nil)
		return err
	}},
	{"Workflows.Estimate", "POST", "/workflows/*/estimate", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Workflows.Estimate(ctx, f.workflow.ID, nil)
		return err
	}},
	{"Fleets.Create", "POST", "/fleets", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: f.session.ID, DefinitionID: f.def.ID, Tasks: []string{"t"}})
		return err
	}},
	{"Fleets.Cancel", "POST", "/fleets/*/cancel", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Fleets.Cancel(ctx, f.fleet.ID)
		return err
	}},
	{"Schedules.Create", "POST", "/schedules", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "s2", Cron: "*/5 * * * *", Action: f.action()})
		return err
	}},
	{"Schedules.Update", "PATCH", "/schedules/*", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Schedules.Update(ctx, f.schedule.ID, &theazo.ScheduleUpdateParams{Name: "renamed"})
		return err
	}},
	{"Schedules.Pause", "POST", "/schedules/*/pause", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Schedules.Pause(ctx, f.schedule.ID)
		return err
	}},
	{"Triggers.Create", "POST", "/triggers", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Triggers.Create(ctx, &theazo.TriggerCreateParams{Name: "t2", Action: f.action()})
		return err
	}},
	{"Triggers.Fire", "POST", "/triggers/*/fire", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Triggers.Fire(ctx, f.trigger.ID, f.trigger.SigningSecret, map[string]string{"k": "v"})
		return err
	}},
	{"Channels.Create", "POST", "/channels", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "c2"})
		return err
	}},
	{"Channels.SendMessage", "POST", "/channels/*/messages", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Channels.SendMessage(ctx, f.channel.ID, &theazo.MessageSendParams{Content: "hi"})
		return err
	}},
	{"Secrets.Set", "POST", "/secrets", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Secrets.Set(ctx, &theazo.SecretSetParams{Name: "K", Value: "v"})
		return err
	}},
	{"Providers.Create", "POST", "/providers", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Providers.Create(ctx, &theazo.ProviderCreateParams{Provider: theazo.ProviderFly, Credentials: theazo.Credentials{"token": "x"}})
		return err
	}},
}

// chaosRepeatable are calls that are safe to repeat: reads, PUT, DELETE,
// get-or-create by user, and stream connections.
var chaosRepeatable = []chaosCall{
	{"Agents.Get", "GET", "/agents/*", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Agents.Get(ctx, f.agent.ID)
		return err
	}},
	{"Sessions.List", "GET", "/sessions", func(ctx context.Context, f *chaosFixture) error {
		for _, err := range f.c.Sessions.List(ctx, nil) {
			if err != nil {
				return err
			}
		}
		return nil
	}},
	{"Sessions.GetOrCreate", "POST", "/sessions/by-user/*", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Sessions.GetOrCreate(ctx, "chaos", nil)
		return err
	}},
	{"Definitions.Update", "PUT", "/agent-definitions/*", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Definitions.Update(ctx, f.def.ID, &theazo.DefinitionUpdateParams{Instructions: theazo.Ptr("x")})
		return err
	}},
	{"Schedules.Delete", "DELETE", "/schedules/*", func(ctx context.Context, f *chaosFixture) error {
		return f.c.Schedules.Delete(ctx, f.schedule.ID)
	}},
	{"Channels.MessagesPage", "GET", "/channels/*/messages", func(ctx context.Context, f *chaosFixture) error {
		_, err := f.c.Channels.MessagesPage(ctx, f.channel.ID, nil)
		return err
	}},
	{"Workflows.Attach", "GET", "/workflow-runs/*/stream", func(ctx context.Context, f *chaosFixture) error {
		s, err := f.c.Workflows.Attach(ctx, f.run.ID)
		if err != nil {
			return err
		}
		for _, err := range s.Events() {
			if err != nil {
				return err
			}
		}
		return nil
	}},
}

// requestsTo counts the logged requests that match method and a path
// pattern relative to /v1 with * for one segment.
func requestsTo(srv *theazotest.Server, method, pattern string) int {
	want := strings.Split("/v1"+pattern, "/")
	n := 0
	for _, r := range srv.Requests() {
		got := strings.Split(r.Path, "/")
		if r.Method != method || len(got) != len(want) {
			continue
		}
		match := true
		for i := range want {
			match = match && (want[i] == "*" || want[i] == got[i])
		}
		if match {
			n++
		}
	}
	return n
}

// isConnectionError reports whether err is a connection that ended before
// its reply (the fake closes it: EOF), not an API error or a bad reply.
func isConnectionError(err error) bool {
	var apiErr *theazo.Error
	return !errors.As(err, &apiErr) && !errors.Is(err, theazo.ErrInvalidResponse) &&
		(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET))
}

// A connection closed before any reply: a write may have reached the
// server, so it fails at once and is never sent again; a repeatable call
// is retried and succeeds.
func TestChaosFakeDroppedBeforeReply(t *testing.T) {
	t.Parallel()
	for _, w := range chaosWrites {
		t.Run(w.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := t.Context()
				f := newChaosFixture(t)
				f.srv.InjectFault(theazotest.Fault{Method: w.method, Path: w.path, Disconnect: true})
				err := w.call(ctx, f)
				require.Error(t, err)
				assert.True(t, isConnectionError(err), "a connection error: %v", err)
				assert.Equal(t, 1, requestsTo(f.srv, w.method, w.path), "sent once, never repeated")
				f.conns.assertReleased(t)
			})
		})
	}
	for _, r := range chaosRepeatable {
		t.Run(r.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := t.Context()
				f := newChaosFixture(t)
				f.srv.InjectFault(theazotest.Fault{Method: r.method, Path: r.path, Disconnect: true, Times: 2})
				require.NoError(t, r.call(ctx, f), "retried past two dropped connections")
				assert.Equal(t, 3, requestsTo(f.srv, r.method, r.path))
				f.conns.assertReleased(t)
			})
		})
	}
}

// A reply cut mid-body: the server handled the call, so no call is
// repeated, even a repeatable one. The caller gets ErrInvalidResponse, or
// for an error reply (the fixture's fleet has finished: cancelling it is a
// 409) an *Error with its status.
func TestChaosFakeCutMidBody(t *testing.T) {
	t.Parallel()
	for _, c := range append(append([]chaosCall(nil), chaosWrites...), chaosRepeatable[:6]...) {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx := t.Context()
				f := newChaosFixture(t)
				f.srv.InjectFault(theazotest.Fault{Method: c.method, Path: c.path, HangUp: true})
				err := c.call(ctx, f)
				var apiErr *theazo.Error
				require.True(t, errors.Is(err, theazo.ErrInvalidResponse) || errors.As(err, &apiErr), "%v", err)
				assert.Equal(t, 1, requestsTo(f.srv, c.method, c.path), "handled once, not repeated")
				f.conns.assertReleased(t)
			})
		})
	}
	t.Run("a created session exists once", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			f := newChaosFixture(t)
			f.srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/sessions", HangUp: true})
			_, err := f.c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "cut"})
			require.ErrorIs(t, err, theazo.ErrInvalidResponse)
			n := 0
			for s, err := range f.c.Sessions.List(ctx, nil) {
				require.NoError(t, err)
				if s.UserID == "cut" {
					n++
				}
			}
			assert.Equal(t, 1, n, "the server created it; the SDK did not create it twice")
		})
	})
}

// A reply that never comes: the context's deadline ends the call, which is
// not retried.
func TestChaosFakeNoReply(t *testing.T) {
	t.Parallel()
	for _, c := range []chaosCall{chaosRepeatable[0], chaosWrites[3], chaosRepeatable[6]} {
		t.Run(c.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newChaosFixture(t)
				f.srv.InjectFault(theazotest.Fault{Method: c.method, Path: c.path, Delay: time.Hour})
				ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
				defer cancel()
				start := time.Now()
				err := c.call(ctx, f)
				require.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, 200*time.Millisecond, time.Since(start), "ended by the deadline")
				assert.Equal(t, 1, requestsTo(f.srv, c.method, c.path))
				f.conns.assertReleased(t)
			})
		})
	}
}

// A stream whose next event never comes: the context's deadline, or Close
// from another goroutine, ends it.
func TestChaosFakeStreamStalls(t *testing.T) {
	stalled := func(t *testing.T, ctx context.Context) (*chaosFixture, *theazo.AgentRun) {
		f := newChaosFixture(t, theazotest.WithEventDelay(time.Hour))
		s, err := f.c.Agents.RunStream(ctx, f.agent.ID, "task")
		require.NoError(t, err)
		return f, s
	}
	t.Run("the context's deadline ends it", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			f, s := stalled(t, ctx)
			var errs []error
			for ev, err := range s.Events() {
				require.Nil(t, ev)
				errs = append(errs, err)
			}
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], context.DeadlineExceeded)
			assert.Equal(t, 300*time.Millisecond, time.Since(start), "ended by the deadline")
			assert.Equal(t, 1, requestsTo(f.srv, "POST", "/agents/*/run"))
			f.conns.assertReleased(t)
		})
	})
	t.Run("Close from another goroutine ends it", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			f, s := stalled(t, t.Context())
			time.AfterFunc(200*time.Millisecond, func() { s.Close() })
			start := time.Now()
			for _, err := range s.Events() {
				require.NoError(t, err, "a stream closed by its owner ends without an error")
			}
			assert.Equal(t, 200*time.Millisecond, time.Since(start), "ended by Close")
			f.conns.assertReleased(t)
		})
	})
}

// TestLoad runs 10,000 mixed calls from 200 goroutines (400 from 20 under
// -short) sharing one client against theazotest, injecting a 503 before 5% of the calls and a 429
// before 2%: faults the next request to arrive, of any goroutine, takes.
// Every GET and every idempotent write must succeed through retries; a
// non-idempotent POST may fail with the injected 503 but must never be
// handled twice, which the server's request log proves; no goroutine may
// be left once the server and the client are closed.
func TestLoad(t *testing.T) {
	theazo.NeedLoad(t)
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

func TestE2ERetries(t *testing.T) {
	t.Parallel()

	t.Run("429 with Retry-After on a GET", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/sessions", Times: 2, Status: 429, RetryAfter: 50 * time.Millisecond})
			start := time.Now()
			_, err := c.Sessions.ListPage(ctx, nil)
			require.NoError(t, err)
			assert.Equal(t, 100*time.Millisecond, time.Since(start), "waited Retry-After twice")
			n, statuses := count(srv, "GET", "/v1/sessions")
			assert.Equal(t, 3, n)
			assert.Equal(t, []int{429, 429, 200}, statuses)
		})
	})
	t.Run("429 on a POST is retried too, and the body replayed", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/sessions", Status: 429, RetryAfter: 10 * time.Millisecond})
			s, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "u", Metadata: theazo.Metadata{"k": "v"}})
			require.NoError(t, err)
			assert.Equal(t, "v", s.Metadata["k"])
			reqs := srv.Requests()
			require.Len(t, reqs, 2)
			assert.Equal(t, reqs[0].Body, reqs[1].Body)
		})
	})
	t.Run("the fake's sliding-window rate limit", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t, theazotest.WithRateLimitWindow(4, time.Second))
			for range 6 {
				// On synctest's clock the window has exactly 1 s left, which
				// the fake, like the API, rounds up to a Retry-After of 2 s.
				_, err := c.Providers.ListPage(ctx, nil, theazo.WithMaxRetryWait(2*time.Second))
				require.NoError(t, err)
			}
			_, statuses := count(srv, "GET", "/v1/providers")
			ok, limited := 0, 0
			for _, st := range statuses {
				switch st {
				case 200:
					ok++
				case 429:
					limited++
				}
			}
			assert.Equal(t, 6, ok)
			assert.Positive(t, limited, "the limit was hit and waited out")
		})
	})
	t.Run("429 without Retry-After backs off", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			srv.InjectFault(theazotest.Fault{Path: "/providers", Status: 429})
			_, err := c.Providers.ListPage(ctx, nil)
			require.NoError(t, err)
			n, _ := count(srv, "GET", "/v1/providers")
			assert.Equal(t, 2, n)
		})
	})
	t.Run("503 on a GET is retried", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*", Status: 503})
			got, err := c.Agents.Get(ctx, a.ID)
			require.NoError(t, err)
			assert.Equal(t, a.ID, got.ID)
		})
	})
	t.Run("500 on get-or-create is retried: it is idempotent", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/sessions/by-user/*", Status: 500})
			_, err := c.Sessions.GetOrCreate(ctx, "u", nil)
			require.NoError(t, err)
			n, _ := count(srv, "POST", "/v1/sessions/by-user/u")
			assert.Equal(t, 2, n)
		})
	})
	t.Run("503 on run is not retried", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/agents/*/run", Status: 503})
			_, err := c.Agents.Run(ctx, a.ID, "t")
			var apiErr *theazo.Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, 503, apiErr.StatusCode)
			n, _ := count(srv, "POST", "/v1/agents/"+a.ID+"/run")
			assert.Equal(t, 1, n)
		})
	})
	t.Run("a dropped connection on a GET is retried", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*", Times: 2, Disconnect: true})
			_, err := c.Agents.Get(ctx, a.ID)
			require.NoError(t, err)
		})
	})
	t.Run("a dropped connection on a create is not retried", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/sessions", Disconnect: true})
			_, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "u"})
			require.Error(t, err)
			n, _ := count(srv, "POST", "/v1/sessions")
			assert.Equal(t, 1, n)
			page, err := c.Sessions.ListPage(ctx, nil)
			require.NoError(t, err)
			assert.Empty(t, page.Data)
		})
	})
	t.Run("a body cut short is an invalid response", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/sessions", HangUp: true})
			_, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "u"})
			assert.ErrorIs(t, err, theazo.ErrInvalidResponse)
		})
	})
	t.Run("retries off", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv := theazotest.NewServer(theazotest.WithInMemory())
			defer srv.Close()
			c := srv.Client(theazo.WithMaxRetries(0))
			srv.InjectFault(theazotest.Fault{Status: 429, RetryAfter: time.Millisecond})
			_, err := c.Providers.ListPage(ctx, nil)
			assert.ErrorIs(t, err, theazo.ErrRateLimited)
			assert.Len(t, srv.Requests(), 1)
		})
	})
	t.Run("a slow reply is cut by the context", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			srv.InjectFault(theazotest.Fault{Path: "/providers", Delay: 5 * time.Second})
			cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err := c.Providers.ListPage(cctx, nil)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.Equal(t, 50*time.Millisecond, time.Since(start), "cut at the deadline")
		})
	})
}

// Against the fake: a 429 asking for longer than any cap, however long, is
// returned at once with RetryAfter at least the cap.
func TestE2ERetryAfterBeyondTheCap(t *testing.T) {
	ctx := t.Context()
	for name, wait := range map[string]time.Duration{
		"2^32 seconds":             4294967296 * time.Second,
		"the largest Duration":     math.MaxInt64,
		"just over the 1 s cap":    2 * time.Second,
		"an hour over the 1 s cap": time.Hour,
	} {
		t.Run(name, func(t *testing.T) {
			srv, c := newE2E(t) // retry waits capped at 1 s
			srv.InjectFault(theazotest.Fault{Path: "/sessions", Status: 429, RetryAfter: wait})
			start := time.Now()
			_, err := c.Sessions.ListPage(ctx, nil)
			assert.Less(t, time.Since(start), 900*time.Millisecond, "returned at once")
			var apiErr *theazo.Error
			require.ErrorAs(t, err, &apiErr)
			assert.ErrorIs(t, err, theazo.ErrRateLimited)
			assert.GreaterOrEqual(t, apiErr.RetryAfter, wait.Truncate(time.Second))
			assert.GreaterOrEqual(t, apiErr.RetryAfter, time.Second, "at least the cap")
			n, _ := count(srv, "GET", "/v1/sessions")
			assert.Equal(t, 1, n, "not retried")
		})
	}
}

// Against the fake: a 503 whose backoff would outlast the deadline is
// returned at once as the server's error, not as a bare deadline error.
func TestE2EBackoffBeyondTheDeadline(t *testing.T) {
	t.Parallel()
	srv, c := newE2E(t)
	srv.InjectFault(theazotest.Fault{Path: "/sessions", Status: 503, Times: -1})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Sessions.ListPage(ctx, nil)
	var apiErr *theazo.Error
	require.ErrorAs(t, err, &apiErr, "%v", err)
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.Equal(t, theazo.ErrorCode("service_unavailable"), apiErr.Code)
	assert.False(t, errors.Is(ctx.Err(), context.DeadlineExceeded), "returned before the deadline")
	n, _ := count(srv, "GET", "/v1/sessions")
	assert.Equal(t, 1, n)
}
