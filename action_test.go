package theazo

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestActionConfigJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string // config as a reply carries it
		want     ActionConfig
		wantSent string // what marshalling the decoded config sends
	}{
		{
			name:     "named fields only",
			in:       `{"definitionId":"adef_1","task":"Daily report"}`,
			want:     ActionConfig{DefinitionID: "adef_1", Task: "Daily report"},
			wantSent: `{"definitionId":"adef_1","task":"Daily report"}`,
		},
		{
			name: "members without a field are kept",
			in:   `{"workflowId":"wf_1","input":{"n":1},"priority":"high","retries":{"max":2}}`,
			want: ActionConfig{WorkflowID: "wf_1", Input: map[string]any{"n": 1.0}, Extra: map[string]json.RawMessage{
				"priority": json.RawMessage(`"high"`), "retries": json.RawMessage(`{"max":2}`),
			}},
			wantSent: `{"workflowId":"wf_1","input":{"n":1},"priority":"high","retries":{"max":2}}`,
		},
		{
			name:     "a named field in another case fills the field, not Extra",
			in:       `{"DefinitionID":"adef_1","TASK":"t"}`,
			want:     ActionConfig{DefinitionID: "adef_1", Task: "t"},
			wantSent: `{"definitionId":"adef_1","task":"t"}`,
		},
		{
			name:     "empty",
			in:       `{}`,
			want:     ActionConfig{},
			wantSent: `{}`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got ActionConfig
			require.NoError(t, json.Unmarshal([]byte(tc.in), &got))
			assert.Equal(t, tc.want, got)
			assert.JSONEq(t, tc.wantSent, mustJSON(t, got))
		})
	}
}

func TestActionConfigExtraSent(t *testing.T) {
	t.Parallel()
	t.Run("a named field wins over Extra", func(t *testing.T) {
		c := ActionConfig{Task: "named", Extra: map[string]json.RawMessage{"task": json.RawMessage(`"extra"`), "priority": json.RawMessage(`1`)}}
		assert.JSONEq(t, `{"task":"named","priority":1}`, mustJSON(t, c))
	})
	t.Run("invalid Extra JSON is refused before sending", func(t *testing.T) {
		srv := newRecorder(t)
		_, err := srv.client().Schedules.Update(t.Context(), "sched_1", &ScheduleUpdateParams{Action: &Action{
			Type: ActionAgentRun, Config: ActionConfig{Extra: map[string]json.RawMessage{"priority": json.RawMessage(`{`)}},
		}})
		require.ErrorIs(t, err, ErrInvalidParams)
		assert.Empty(t, srv.requests())
	})
	t.Run("an action read from a schedule is sent back whole", func(t *testing.T) {
		srv := newRecorder(t,
			reply{Body: `{"data":[{"id":"sched_1","name":"n","cron":"0 9 * * *","action":{"type":"agent-run","config":{"definitionId":"adef_1","task":"t","priority":"high"}},"status":"active"}],"hasMore":false}`},
			reply{Body: `{"id":"sched_1"}`},
		)
		c := srv.client()
		page, err := c.Schedules.ListPage(t.Context(), nil)
		require.NoError(t, err)
		require.Len(t, page.Data, 1)
		sched := page.Data[0]
		_, err = c.Schedules.Update(t.Context(), sched.ID, &ScheduleUpdateParams{Action: &sched.Action})
		require.NoError(t, err)
		reqs := srv.requests()
		require.Len(t, reqs, 2)
		assert.Equal(t, http.MethodPatch, reqs[1].Method)
		assert.JSONEq(t, `{"action":{"type":"agent-run","config":{"definitionId":"adef_1","task":"t","priority":"high"}}}`, string(reqs[1].Body))
	})
}
