package theazotest_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

func TestManualClockFiresSchedulesAsItPassesThem(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 5, 14, 8, 59, 0, 0, time.UTC)
	srv := theazotest.NewServer(theazotest.WithManualClock(start))
	defer srv.Close()
	c := srv.Client()
	ctx := t.Context()
	def, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "digest", Instructions: "Summarize."})
	require.NoError(t, err)
	wf, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "wf", Steps: []theazo.WorkflowStep{{Name: "s", DefinitionID: def.ID, Task: "t"}}})
	require.NoError(t, err)
	agentRun := theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: def.ID, Task: "Daily digest"}}
	daily, err := c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "daily", Cron: "0 9 * * *", Action: agentRun})
	require.NoError(t, err)
	wfDaily, err := c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "wf", Cron: "0 9 * * *",
		Action: theazo.Action{Type: theazo.ActionWorkflowRun, Config: theazo.ActionConfig{WorkflowID: wf.ID}}})
	require.NoError(t, err)
	paused, err := c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "paused", Cron: "0 9 * * *", Action: agentRun})
	require.NoError(t, err)
	_, err = c.Schedules.Pause(ctx, paused.ID)
	require.NoError(t, err)

	_, fired, err := srv.AdvanceClock(30 * time.Second)
	require.NoError(t, err)
	assert.Empty(t, fired, "not yet 9:00")

	now, fired, err := srv.AdvanceClock(2 * time.Minute)
	require.NoError(t, err)
	assert.Equal(t, start.Add(150*time.Second), now)
	require.Len(t, fired, 2, "the two active schedules, once each")
	assert.Equal(t, daily.ID, fired[0].ScheduleID)
	assert.NotEmpty(t, fired[0].AgentID)
	assert.Equal(t, wfDaily.ID, fired[1].ScheduleID)
	assert.NotEmpty(t, fired[1].RunID)

	// The agent run ends with the default script's output, and its cost is recorded.
	require.Eventually(t, func() bool {
		a, err := c.Agents.Get(ctx, fired[0].AgentID)
		return err == nil && a.Status == theazo.AgentStatusIdle
	}, 5*time.Second, 5*time.Millisecond)
	require.Eventually(t, func() bool {
		r, err := c.Workflows.GetRun(ctx, fired[1].RunID)
		return err == nil && r.Status == "completed"
	}, 5*time.Second, 5*time.Millisecond)
	u, err := c.Usage.Summary(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, int64(12+5), u.Total.Amount, "the agent run's 12 cents and the workflow step's 5")

	for s, err := range c.Schedules.List(ctx, nil) {
		require.NoError(t, err)
		if s.ID == paused.ID {
			assert.True(t, s.NextRunAt.IsZero())
		} else {
			assert.Equal(t, time.Date(2026, 5, 15, 9, 0, 0, 0, time.UTC), s.NextRunAt, "nextRunAt moves to the next day")
		}
	}

	// Two days later: each active schedule fires once more, not twice.
	fired, err = srv.SetClock(start.Add(48 * time.Hour))
	require.NoError(t, err)
	assert.Len(t, fired, 2)
	assert.Len(t, srv.Firings(), 4)

	_, err = srv.SetClock(start)
	assert.Error(t, err, "the clock moves forward only")
	_, _, err = srv.AdvanceClock(-time.Second)
	assert.Error(t, err)

	wall := theazotest.NewServer()
	defer wall.Close()
	_, _, err = wall.AdvanceClock(time.Hour)
	assert.ErrorIs(t, err, theazotest.ErrNoManualClock)
}

func TestFiredTriggerRunsItsActionWithTheBodyAsInput(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	defer srv.Close()
	c := srv.Client()
	ctx := t.Context()
	def, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "triage", Instructions: "Triage."})
	require.NoError(t, err)
	trg, err := c.Triggers.Create(ctx, &theazo.TriggerCreateParams{Name: "on issue",
		Action: theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: def.ID, Task: "Triage the issue"}}})
	require.NoError(t, err)
	ref, err := c.Triggers.Fire(ctx, trg.ID, trg.SigningSecret, map[string]int{"issue": 42})
	require.NoError(t, err)

	firings := srv.Firings()
	require.Len(t, firings, 1)
	f := firings[0]
	assert.Equal(t, ref.TaskID, f.TaskID)
	assert.Empty(t, f.Error)
	stream, err := c.Agents.Stream(ctx, f.AgentID, theazo.WithLastEventID("0"))
	require.NoError(t, err)
	defer stream.Close()
	var out string
	for ev, err := range stream.Events() {
		require.NoError(t, err)
		if o, ok := ev.(*theazo.OutputEvent); ok {
			out = o.Text
		}
	}
	assert.True(t, strings.HasSuffix(out, "Triage the issue\n\nInput: {\"issue\":42}"), out)
}
