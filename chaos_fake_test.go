package theazo_test

// The chaos cases theazotest's fault injection offers: a connection
// dropped before the reply, a reply cut mid-body, a reply that never comes,
// a stream that stalls between events. The others (a TCP reset, huge and
// malformed bodies, redirects, refused connections) are in chaos_test.go,
// on httptest servers. Each case asserts the caller's error, what the
// server's request log saw, and that the client holds no connection once
// its idle ones are closed.

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
