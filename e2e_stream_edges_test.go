package theazo_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

// streamResumes returns the Last-Event-ID of every request of path.
func streamResumes(srv *theazotest.Server, path string) []string {
	var out []string
	for _, r := range srv.Requests() {
		if r.Path == path {
			out = append(out, r.Header.Get("Last-Event-Id"))
		}
	}
	return out
}

// Against the fake: reconnections the server accepts and ends at once,
// without an event, do not end the stream, however many; every event
// arrives once.
func TestE2EStreamQuietReconnections(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond))
		_, a := agentFixture(t, c, nil)
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 1})
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", HangUp: true, Times: 4})
		st, err := c.Agents.RunStream(ctx, a.ID, "task")
		require.NoError(t, err)
		evs := collect(t, st.Events())
		assert.Equal(t, []string{"*theazo.ThinkingEvent", "*theazo.ToolCallEvent", "*theazo.ToolResultEvent", "*theazo.OutputEvent"}, typeNames(evs))
		assert.Equal(t, []string{"", "1", "1", "1", "1", "1"}, streamResumes(srv, "/v1/agents/"+a.ID+"/stream"))
	})
}

// Against the fake: failed reconnections count, and end the stream after
// three in a row; fewer do not.
func TestE2EStreamFailedReconnections(t *testing.T) {
	t.Parallel()
	t.Run("two failures", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond))
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", Status: 404, Times: 2})
			st, err := c.Agents.RunStream(ctx, a.ID, "task")
			require.NoError(t, err)
			assert.Len(t, collect(t, st.Events()), 4)
			assert.Equal(t, []string{"", "2", "2", "2"}, streamResumes(srv, "/v1/agents/"+a.ID+"/stream"))
		})
	})
	t.Run("failing for ever", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			ctx := t.Context()
			srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond))
			_, a := agentFixture(t, c, nil)
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
			srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", Status: 404, Times: -1})
			st, err := c.Agents.RunStream(ctx, a.ID, "task")
			require.NoError(t, err)
			var n int
			var last error
			for _, err := range st.Events() {
				if err != nil {
					last = err
					continue
				}
				n++
			}
			assert.Equal(t, 2, n)
			require.ErrorIs(t, last, sse.ErrInterrupted)
			assert.ErrorIs(t, last, theazo.ErrNotFound, "the last failure is kept")
			assert.Len(t, streamResumes(srv, "/v1/agents/"+a.ID+"/stream"), 1+sse.DefaultMaxReconnects)
		})
	})
}

// Against the fake: a stream's retry: field sets the wait before a
// resumption.
func TestE2EStreamRetryField(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		srv, c := newE2E(t, theazotest.WithEventDelay(2*time.Millisecond), theazotest.WithStreamRetry(400*time.Millisecond))
		_, a := agentFixture(t, c, nil)
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
		st, err := c.Agents.RunStream(ctx, a.ID, "task")
		require.NoError(t, err)
		var at []time.Time
		for _, err := range st.Events() {
			require.NoError(t, err)
			at = append(at, time.Now())
		}
		require.Len(t, at, 4)
		assert.Equal(t, 400*time.Millisecond, at[2].Sub(at[1]), "the resumption waited what retry: asked")
		assert.Equal(t, []string{"", "2"}, streamResumes(srv, "/v1/agents/"+a.ID+"/stream"))
	})
}
