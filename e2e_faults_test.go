package theazo_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

// agentFixture makes a session and an idle agent.
func agentFixture(t *testing.T, c *theazo.Client, limits *theazo.SessionLimits) (*theazo.Session, *theazo.Agent) {
	t.Helper()
	ctx := t.Context()
	s, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_fixture", Limits: limits})
	require.NoError(t, err)
	a, err := c.Agents.Create(ctx, s.ID, nil)
	require.NoError(t, err)
	return s, a
}

// count returns how many received requests match method and path.
func count(srv *theazotest.Server, method, path string) (n int, statuses []int) {
	for _, r := range srv.Requests() {
		if r.Method == method && r.Path == path {
			n++
			statuses = append(statuses, r.Status)
		}
	}
	return n, statuses
}

// Every error code of the reference, produced by what the fake does, not
// by a canned reply.
func TestE2EErrorCodes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv, c := newE2E(t,
		theazotest.WithRateLimit(1000),
		theazotest.WithExec(func(lang, code string) theazotest.ExecResult {
			switch code {
			case "crash":
				panic("sandbox crashed")
			case "spin":
				return theazotest.ExecResult{TimedOut: true}
			}
			return theazotest.DefaultExec(lang, code)
		}))
	s, a := agentFixture(t, c, &theazo.SessionLimits{MaxAgents: 1})
	with := func(key string) *theazo.Client {
		return theazo.NewClient(key, theazo.WithBaseURL(srv.URL()), theazo.WithHTTPClient(srv.HTTPClient()), theazo.WithMaxRetryWait(time.Second))
	}

	cases := []struct {
		name     string
		call     func() error
		sentinel error
		code     theazo.ErrorCode
		status   int
	}{
		{"unauthorized", func() error { _, err := with("th_test_not_a_key").Sessions.ListPage(ctx, nil); return err },
			theazo.ErrUnauthorized, theazo.CodeUnauthorized, 401},
		{"forbidden", func() error {
			_, err := with(srv.RestrictedKey("GET *")).Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "u"})
			return err
		}, theazo.ErrForbidden, theazo.CodeForbidden, 403},
		{"not found", func() error { _, err := c.Agents.Get(ctx, "agt_missing"); return err },
			theazo.ErrNotFound, theazo.CodeNotFound, 404},
		{"conflict", func() error { _, err := c.Agents.Resume(ctx, a.ID); return err },
			theazo.ErrConflict, theazo.CodeConflict, 409},
		{"unprocessable", func() error {
			_, err := c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{Compute: &theazo.AgentCompute{Provider: "aws"}})
			return err
		}, theazo.ErrUnprocessable, theazo.CodeUnprocessableEntity, 422},
		{"session limit", func() error { _, err := c.Agents.Create(ctx, s.ID, nil); return err },
			theazo.ErrSessionLimitExceeded, theazo.CodeSessionLimitExceeded, 402},
		{"timeout", func() error {
			_, err := c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "spin"})
			return err
		}, theazo.ErrTimeout, theazo.CodeTimeout, 504},
		{"internal", func() error {
			_, err := c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "crash"})
			return err
		}, theazo.ErrInternal, theazo.CodeInternalError, 500},
		{"provider", func() error {
			srv.SetProviderDown("e2b", true)
			defer srv.SetProviderDown("e2b", false)
			_, err := c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "echo hi"})
			return err
		}, theazo.ErrProviderError, theazo.CodeProviderError, 502},
		{"rate limited", func() error {
			limited := with(srv.RestrictedKey("*"))
			srv.SetRateLimit(1, time.Minute)
			defer srv.SetRateLimit(0, 0)
			if _, err := limited.Providers.ListPage(ctx, nil); err != nil {
				return err
			}
			_, err := limited.Providers.ListPage(ctx, nil) // Retry-After is beyond the client's cap: returned at once
			return err
		}, theazo.ErrRateLimited, theazo.CodeRateLimited, 429},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.sentinel)
			var apiErr *theazo.Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.NotEmpty(t, apiErr.Message)
			reqs := srv.Requests()
			last := reqs[len(reqs)-1]
			assert.Equal(t, last.RequestID, apiErr.RequestID, "the request id of the reply")
			assert.Equal(t, tc.status, last.Status)
			assert.NotContains(t, err.Error(), srv.APIKey())
			if tc.status == 429 {
				assert.Greater(t, apiErr.RetryAfter, time.Second)
			}
			if tc.status == 422 {
				require.Len(t, apiErr.Fields, 1)
				assert.Equal(t, "compute.provider", apiErr.Fields[0].Field)
				assert.Contains(t, apiErr.Fields[0].Message, "'docker'")
			}
			if tc.status == 402 {
				assert.Equal(t, "maxAgents", apiErr.Details["limit"])
			}
		})
	}
}

// A session over its cost limit refuses more work with 402 until the period turns.
func TestE2ECostLimit(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	_, a := agentFixture(t, c, &theazo.SessionLimits{MaxCost: &theazo.CostLimit{Amount: 10, Currency: "usd", Period: theazo.PeriodSession}})
	st, err := c.Agents.RunStream(ctx, a.ID, "expensive")
	require.NoError(t, err)
	collect(t, st.Events())
	waitIdle(t, c, a.ID)
	_, err = c.Agents.RunStream(ctx, a.ID, "more")
	assert.ErrorIs(t, err, theazo.ErrSessionLimitExceeded)
	_, err = c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "true"})
	assert.ErrorIs(t, err, theazo.ErrSessionLimitExceeded)

	// Compute minutes: the session pauses itself.
	s2, a2 := agentFixture(t, c, &theazo.SessionLimits{MaxComputeMinutes: 1})
	_, err = c.Agents.Exec(ctx, a2.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "true"})
	require.NoError(t, err)
	_, err = c.Agents.Exec(ctx, a2.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "true"})
	assert.ErrorIs(t, err, theazo.ErrSessionLimitExceeded)
	for s, err := range c.Sessions.List(ctx, nil) {
		require.NoError(t, err)
		if s.ID == s2.ID {
			assert.Equal(t, theazo.SessionStatusPaused, s.Status)
		}
	}
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

// A stream dropped mid-way is resumed with Last-Event-ID: every event
// arrives once, in order.
func TestE2EStreamResume(t *testing.T) {
	t.Parallel()
	t.Run("agent", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond))
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
			st, err := c.Agents.RunStream(ctx, a.ID, "task")
			require.NoError(t, err)
			evs := collect(t, st.Events())
			assert.Equal(t, []string{"*theazo.ThinkingEvent", "*theazo.ToolCallEvent", "*theazo.ToolResultEvent", "*theazo.OutputEvent"}, typeNames(evs))
			var resumes []string
			for _, r := range srv.Requests() {
				if r.Path == "/v1/agents/"+a.ID+"/stream" {
					resumes = append(resumes, r.Header.Get("Last-Event-Id"))
				}
			}
			assert.Equal(t, []string{"", "2"}, resumes)
			n, _ := count(srv, "POST", "/v1/agents/"+a.ID+"/run")
			assert.Equal(t, 1, n, "the run is not repeated")
		})
	})
	t.Run("workflow run, dropped twice", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			def := definition(t, c)
			w, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "w", Steps: []theazo.WorkflowStep{
				{Name: "a", DefinitionID: def, Task: "a"}, {Name: "b", DefinitionID: def, Task: "b"}, {Name: "c", DefinitionID: def, Task: "c"}}})
			require.NoError(t, err)
			run, err := c.Workflows.Run(ctx, w.ID, nil)
			require.NoError(t, err)
			srv.InjectFault(theazotest.Fault{Path: "/workflow-runs/*/stream", Times: 2, DropAfterEvents: 2})
			st, err := c.Workflows.Attach(ctx, run.ID)
			require.NoError(t, err)
			evs := collect(t, st.Events())
			require.Len(t, evs, 7)
			for i, name := range []string{"a", "a", "b", "b", "c", "c"} {
				switch e := evs[i].(type) {
				case *theazo.StepStartEvent:
					assert.Equal(t, name, e.Step)
				case *theazo.StepCompleteEvent:
					assert.Equal(t, name, e.Step)
				}
			}
			assert.IsType(t, &theazo.WorkflowCompleteEvent{}, evs[6])
		})
	})
	t.Run("fleet", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			s, _ := agentFixture(t, c, nil)
			tasks := []string{"t0", "t1", "t2", "t3", "t4"}
			f, err := c.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: s.ID, DefinitionID: definition(t, c), Tasks: tasks, Concurrency: 2})
			require.NoError(t, err)
			srv.InjectFault(theazotest.Fault{Path: "/fleets/*/stream", DropAfterEvents: 3})
			st, err := c.Fleets.Attach(ctx, f.ID)
			require.NoError(t, err)
			evs := collect(t, st.Events())
			require.Len(t, evs, 11)
			seen := map[string]int{}
			for _, ev := range evs[:10] {
				switch e := ev.(type) {
				case *theazo.AgentStartEvent:
					seen["start "+e.Task]++
				case *theazo.AgentCompleteEvent:
					seen["done "+tasks[e.Index]]++
				}
			}
			for _, task := range tasks {
				assert.Equal(t, 1, seen["start "+task], task)
				assert.Equal(t, 1, seen["done "+task], task)
			}
			assert.EqualExportedValues(t, &theazo.FleetCompleteEvent{Completed: 5, TotalCost: theazo.Money{Amount: 40, Currency: "usd"}}, evs[10])
		})
	})
	t.Run("channel", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			ch, err := c.Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "c"})
			require.NoError(t, err)
			srv.InjectFault(theazotest.Fault{Path: "/channels/*/stream", DropAfterEvents: 1})
			st, err := c.Channels.Stream(ctx, ch.ID, nil)
			require.NoError(t, err)
			defer st.Close()
			for _, text := range []string{"one", "two"} {
				_, err := c.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: text})
				require.NoError(t, err)
			}
			var got []string
			for ev, err := range st.Events() {
				require.NoError(t, err)
				got = append(got, ev.(*theazo.MessageEvent).Content)
				if len(got) == 4 {
					break
				}
			}
			assert.Equal(t, "one", got[0])
			assert.Equal(t, "two", got[2])
			assert.Len(t, got, 4)
		})
	})
	t.Run("a stream that cannot be resumed ends with an error", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t)
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Path: "/agents/*/stream", Times: -1, HangUp: true})
			st, err := c.Agents.RunStream(ctx, a.ID, "t")
			require.NoError(t, err)
			var last error
			for _, err := range st.Events() {
				last = err
			}
			assert.ErrorIs(t, last, sse.ErrInterrupted)
		})
	})
	t.Run("Close unblocks a waiting reader", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			_, c := newE2E(t)
			ch, err := c.Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "c"})
			require.NoError(t, err)
			st, err := c.Channels.Stream(ctx, ch.ID, nil)
			require.NoError(t, err)
			done := make(chan error, 1)
			go func() {
				var last error
				for _, err := range st.Events() {
					last = err
				}
				done <- last
			}()
			time.Sleep(20 * time.Millisecond)
			require.NoError(t, st.Close())
			select {
			case err := <-done:
				assert.NoError(t, err)
			case <-time.After(2 * time.Second):
				t.Fatal("Close did not unblock the reader")
			}
		})
	})
}

// One client shared by 50 goroutines for 2,000 calls: every result is the
// one its own call asked for.
func TestE2EConcurrentClient(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	// A plain client: this test is about sharing one client, and checking
	// 2,000 replies against the document would only slow it down.
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	const workers, perWorker = 50, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			errs <- func() error {
				user := fmt.Sprintf("user_%02d", w)
				s, err := c.Sessions.GetOrCreate(ctx, user, &theazo.SessionGetOrCreateParams{Metadata: theazo.Metadata{"worker": w}})
				if err != nil {
					return err
				}
				if s.UserID != user {
					return fmt.Errorf("worker %d: got session of %q", w, s.UserID)
				}
				a, err := c.Agents.Create(ctx, s.ID, nil)
				if err != nil {
					return err
				}
				for i := range perWorker - 3 {
					want := w*1000 + i
					res, err := c.Agents.Exec(ctx, a.ID, &theazo.AgentExecParams{Lang: theazo.LangPython, Code: fmt.Sprintf("print(%d * 1000 + %d)", w, i)})
					if err != nil {
						return err
					}
					if res.Stdout != strconv.Itoa(want)+"\n" {
						return fmt.Errorf("worker %d call %d: stdout %q, want %d", w, i, res.Stdout, want)
					}
				}
				got, err := c.Agents.Get(ctx, a.ID)
				if err != nil {
					return err
				}
				if got.SessionID != s.ID {
					return fmt.Errorf("worker %d: agent in session %s, want %s", w, got.SessionID, s.ID)
				}
				return nil
			}()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	reqs := srv.Requests()
	assert.Len(t, reqs, workers*perWorker)
	for _, r := range reqs {
		if r.Status != 200 && r.Status != 201 {
			t.Fatalf("%s %s answered %d", r.Method, r.Path, r.Status)
		}
	}
	var sessions int
	for s, err := range c.Sessions.List(ctx, &theazo.SessionListParams{Limit: 7}) {
		require.NoError(t, err)
		assert.Equal(t, int64((perWorker-3)*2), s.Cost.Amount, "every exec minute charged to the right session")
		sessions++
	}
	assert.Equal(t, workers, sessions)
}
