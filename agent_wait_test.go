package theazo_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

func TestAgentsWaitUntil(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		srv, c := newE2E(t, theazotest.WithProvisionDelay(600*time.Millisecond))
		_, a := agentFixture(t, c, nil)
		require.Equal(t, theazo.AgentStatusProvisioning, a.Status)
		_, err := c.Agents.Run(ctx, a.ID, "too early")
		require.ErrorIs(t, err, theazo.ErrConflict, "a provisioning agent takes no task")

		srv.ResetRequests()
		start := time.Now()
		got, err := c.Agents.WaitUntil(ctx, a.ID, theazo.AgentStatusIdle)
		took := time.Since(start)
		require.NoError(t, err)
		assert.Equal(t, theazo.AgentStatusIdle, got.Status)
		assert.Equal(t, a.ID, got.ID)
		assert.GreaterOrEqual(t, took, 600*time.Millisecond)
		assert.Less(t, took, 3*time.Second, "polls back off from ~250 ms, not to the 5 s cap at once")
		polls, _ := count(srv, "GET", "/v1/agents/"+a.ID)
		assert.GreaterOrEqual(t, polls, 3)
		assert.LessOrEqual(t, polls, 8, "polls back off rather than spin")

		res, err := c.Agents.RunAndWait(ctx, got.ID, "now")
		require.NoError(t, err)
		assert.NotEmpty(t, res.Output)

		// Already there: one poll, no wait.
		srv.ResetRequests()
		got, err = c.Agents.WaitUntil(ctx, a.ID, theazo.AgentStatusIdle)
		require.NoError(t, err)
		assert.Equal(t, theazo.AgentStatusIdle, got.Status)
		polls, _ = count(srv, "GET", "/v1/agents/"+a.ID)
		assert.Equal(t, 1, polls)
	})
}

func TestAgentsWaitUntilFailures(t *testing.T) {
	tests := []struct {
		name      string
		terminate bool
		want      theazo.AgentStatus
		timeout   time.Duration
		check     func(t *testing.T, err error)
	}{
		{
			name: "terminated cannot become idle", terminate: true, want: theazo.AgentStatusIdle,
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, theazo.ErrStatusUnreachable)
				assert.Contains(t, err.Error(), "is terminated, waiting for idle")
			},
		},
		{
			name: "terminated is reachable when wanted", terminate: true, want: theazo.AgentStatusTerminated,
			check: func(t *testing.T, err error) { assert.NoError(t, err) },
		},
		{
			name: "context deadline", want: theazo.AgentStatusIdle, timeout: 300 * time.Millisecond,
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Contains(t, err.Error(), "(it was provisioning)")
			},
		},
		{
			name: "no status", want: "",
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, theazo.ErrInvalidParams) },
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				_, c := newE2E(t, theazotest.WithProvisionDelay(time.Hour))
				_, a := agentFixture(t, c, nil)
				if tc.terminate {
					require.NoError(t, c.Agents.Terminate(t.Context(), a.ID))
				}
				ctx, cancel := context.WithCancel(t.Context())
				if tc.timeout > 0 {
					ctx, cancel = context.WithTimeout(t.Context(), tc.timeout)
				}
				defer cancel()
				start := time.Now()
				_, err := c.Agents.WaitUntil(ctx, a.ID, tc.want)
				tc.check(t, err)
				assert.Equal(t, tc.timeout, time.Since(start), "fails at once, or when ctx ends")
			})
		})
	}
}

// An idle agent never becomes provisioning again.
func TestAgentsWaitUntilProvisioningIsUnreachable(t *testing.T) {
	t.Parallel()
	_, c := newE2E(t)
	_, a := agentFixture(t, c, nil)
	_, err := c.Agents.WaitUntil(t.Context(), a.ID, theazo.AgentStatusProvisioning)
	assert.ErrorIs(t, err, theazo.ErrStatusUnreachable)
}

// A reply without a status cannot end the wait: it is an invalid response,
// not a poll for ever.
func TestAgentsWaitUntilWithoutAStatus(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":"agt_1"}`)
	}))
	t.Cleanup(srv.Close)
	c := theazo.NewClient("th_test_key", theazo.WithBaseURL(srv.URL+"/v1"))
	t.Cleanup(c.CloseIdleConnections)
	_, err := c.Agents.WaitUntil(t.Context(), "agt_1", theazo.AgentStatusIdle)
	assert.ErrorIs(t, err, theazo.ErrInvalidResponse)
}

// TestAgentsWaitUntilDeadlineDuringAPoll ends ctx while a poll is on the
// wire: the error still names the agent, the wanted status and the last
// status seen, and matches ctx's error. It runs on synctest's clock against
// an in-memory theazotest, so its seconds take no real time.
func TestAgentsWaitUntilDeadlineDuringAPoll(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := theazotest.NewServer(theazotest.WithInMemory(), theazotest.WithProvisionDelay(time.Hour))
		defer srv.Close()
		c := srv.Client()
		defer c.CloseIdleConnections()
		_, a := agentFixture(t, c, nil)
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*", Delay: time.Second, Times: -1})
		ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Agents.WaitUntil(ctx, a.ID, theazo.AgentStatusIdle)
		require.ErrorIs(t, err, context.DeadlineExceeded)
		assert.Contains(t, err.Error(), "waiting for agent "+a.ID+" to be idle (it was provisioning)")
		assert.Equal(t, 1500*time.Millisecond, time.Since(start), "it returns when ctx ends")
	})
}
