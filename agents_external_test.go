package theazo_test

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Follow goes on across runs, where Stream ends after the first output.
func TestAgentsFollowAcrossRuns(t *testing.T) {
	t.Parallel()
	// On synctest's clock: the waits before Follow resumes take no real time.
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		srv, c := newE2E(t)
		_, a := agentFixture(t, c, nil)
		follow, err := c.Agents.Follow(ctx, a.ID)
		require.NoError(t, err)
		defer follow.Close()

		var types, ids []string
		runs := 0
		_, err = c.Agents.Run(ctx, a.ID, "first")
		require.NoError(t, err)
		for ev, err := range follow.Events() {
			require.NoError(t, err)
			types = append(types, ev.EventType())
			ids = append(ids, follow.LastEventID())
			if ev.EventType() != "output" {
				continue
			}
			if runs++; runs == 3 {
				break
			}
			_, err = c.Agents.Run(ctx, a.ID, "next") // the run has ended: the agent is idle
			require.NoError(t, err)
		}
		run := []string{"thinking", "tool_call", "tool_result", "output"}
		assert.Equal(t, append(append(append([]string{}, run...), run...), run...), types)
		assert.Equal(t, []string{"1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12"}, ids)
		assert.Equal(t, []string{"", "4", "8"}, streamLastEventIDs(srv, "/v1/agents/*/stream"), "the server ends each run's connection; Follow resumes")
	})
}
