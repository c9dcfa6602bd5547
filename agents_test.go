package theazo

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// idleAgent is testdata/agents/agent_idle.json, decoded.
func idleAgent(status AgentStatus) *Agent {
	return &Agent{
		ID:             "agt_01HX3K4ABC",
		SessionID:      "ses_01HX3K2ABC",
		Status:         status,
		Compute:        &AgentCompute{Provider: ComputeE2B},
		Model:          &AgentModel{ID: "claude-3-5-sonnet-20241022"},
		Browser:        true,
		Instructions:   "You are a research assistant. Be concise.",
		Tools:          []string{"web_search", "write_file"},
		TimeoutSeconds: 120,
		CreatedAt:      time.Date(2025, 5, 1, 9, 31, 0, 0, time.UTC),
	}
}

func TestAgentsEndpoints(t *testing.T) {
	t.Parallel()
	runEndpointCases(t, []endpointCase{
		{
			name: "Create, the reference's example",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Create(ctx, "ses_01HX3K2ABC", &AgentCreateParams{
					Browser:        true,
					Tools:          []string{"web_search", "write_file"},
					Instructions:   "You are a research assistant. Be concise.",
					TimeoutSeconds: 120,
				})
			},
			reply:      reply{Status: 201, Body: golden(t, "agents/agent.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/ses_01HX3K2ABC/agents",
			wantBody: `{"browser":true,"tools":["web_search","write_file"],"instructions":"You are a research assistant. Be concise.","timeout":120}`,
			check: func(t *testing.T, got any) {
				want := idleAgent(AgentStatusProvisioning)
				want.Model = nil
				assert.Equal(t, want, got)
			},
		},
		{
			name: "Create from a definition",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Create(ctx, "ses_1", &AgentCreateParams{DefinitionID: "adef_01HX3K2DEF", Tools: []string{"web_search"}})
			},
			reply:      reply{Status: 201, Body: golden(t, "agents/agent.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/ses_1/agents",
			wantBody: `{"definitionId":"adef_01HX3K2DEF","tools":["web_search"]}`,
		},
		{
			name: "Create, compute and model",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Create(ctx, "ses_1", &AgentCreateParams{
					Compute: &AgentCompute{Provider: ComputeFly},
					Model:   &AgentModel{ID: "claude-3-5-sonnet-20241022"},
				})
			},
			reply:      reply{Body: golden(t, "agents/agent.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/ses_1/agents",
			wantBody: `{"compute":{"provider":"fly"},"model":{"id":"claude-3-5-sonnet-20241022"}}`,
		},
		{
			name:       "Create, nil params sends {}",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Agents.Create(ctx, "ses_1", nil) },
			reply:      reply{Body: golden(t, "agents/agent.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/ses_1/agents",
			wantBody: `{}`,
		},
		{
			name:       "Get",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Agents.Get(ctx, "agt_01HX3K4ABC") },
			reply:      reply{Body: golden(t, "agents/agent_idle.json")},
			wantMethod: "GET", wantPath: "/v1/agents/agt_01HX3K4ABC",
			check: func(t *testing.T, got any) {
				assert.Equal(t, idleAgent(AgentStatusIdle), got)
			},
		},
		{
			name: "Run, the reference's example",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Run(ctx, "agt_01HX3K4ABC", "Summarize the top 5 AI research papers from this week")
			},
			reply:      reply{Status: 202, Body: golden(t, "agents/run.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/run",
			wantBody: `{"task":"Summarize the top 5 AI research papers from this week"}`,
			check: func(t *testing.T, got any) {
				assert.Equal(t, &TaskRef{TaskID: "task_01HX3K5ABC", AgentID: "agt_01HX3K4ABC"}, got)
			},
		},
		{
			name: "Exec, the reference's example",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Exec(ctx, "agt_01HX3K4ABC", &AgentExecParams{Lang: LangPython, Code: "print(2 + 2)"})
			},
			reply:      reply{Body: golden(t, "agents/exec.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/exec",
			wantBody: `{"lang":"python","code":"print(2 + 2)"}`,
			check: func(t *testing.T, got any) {
				assert.Equal(t, &ExecResult{Stdout: "4\n", Stderr: "", ExitCode: 0, DurationMs: 312}, got)
			},
		},
		{
			name: "Exec, bash",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Exec(ctx, "agt_1", &AgentExecParams{Lang: LangBash, Code: "echo \"$HOME\" && exit 3"})
			},
			reply:      reply{Body: `{"stdout":"/root\n","stderr":"","exitCode":3,"durationMs":5}`},
			wantMethod: "POST", wantPath: "/v1/agents/agt_1/exec",
			wantBody: `{"lang":"bash","code":"echo \"$HOME\" && exit 3"}`,
			check: func(t *testing.T, got any) {
				assert.Equal(t, 3, got.(*ExecResult).ExitCode)
			},
		},
		{
			name:       "Pause",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Agents.Pause(ctx, "agt_01HX3K4ABC") },
			reply:      reply{Body: golden(t, "agents/agent_paused.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/pause",
			check: func(t *testing.T, got any) {
				assert.Equal(t, idleAgent(AgentStatusPaused), got)
			},
		},
		{
			name:       "Resume",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Agents.Resume(ctx, "agt_01HX3K4ABC") },
			reply:      reply{Body: golden(t, "agents/agent_running.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/resume",
			check: func(t *testing.T, got any) {
				assert.Equal(t, idleAgent(AgentStatusRunning), got)
			},
		},
		{
			name: "Terminate",
			call: func(ctx context.Context, c *Client) (any, error) {
				return "terminated", c.Agents.Terminate(ctx, "agt_01HX3K4ABC")
			},
			reply:      reply{Body: golden(t, "agents/terminate.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/terminate",
		},
	})
}

func TestAgentsLocalValidation(t *testing.T) {
	t.Parallel()
	exec := &AgentExecParams{Lang: LangPython, Code: "print(1)"}
	runLocalErrorCases(t, []localErrorCase{
		{name: "Create empty session", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Create(ctx, "", nil) }},
		{name: "Get empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Get(ctx, "") }},
		{name: "Run empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Run(ctx, "", "task") }},
		{name: "Run empty task", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Run(ctx, "agt_1", "") }},
		{name: "RunStream empty task", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.RunStream(ctx, "agt_1", "") }},
		{name: "RunStream empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.RunStream(ctx, "", "task") }},
		{name: "Exec empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Exec(ctx, "", exec) }},
		{name: "Exec nil params", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Exec(ctx, "agt_1", nil) }},
		{name: "Exec no lang", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Agents.Exec(ctx, "agt_1", &AgentExecParams{Code: "x"})
		}},
		{name: "Exec no code", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Agents.Exec(ctx, "agt_1", &AgentExecParams{Lang: LangBash})
		}},
		{name: "Stream empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Stream(ctx, "") }},
		{name: "Pause empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Pause(ctx, "") }},
		{name: "Resume empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Resume(ctx, "") }},
		{name: "Terminate empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Agents.Terminate(ctx, "") }},
	})
}

func TestAgentResumeConflict(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Status: 409, Body: envelopeBody("conflict", "Agent is not paused.", `{"status":"idle"}`)})
	_, err := srv.client().Agents.Resume(t.Context(), "agt_1")
	require.ErrorIs(t, err, ErrConflict)
	assert.Len(t, srv.requests(), 1)
}

func TestAgentUnknownStatusKept(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Body: `{"id":"agt_1","status":"hibernating","compute":{"provider":"modal"},"createdAt":"2025-05-01T09:30:00Z"}`})
	a, err := srv.client().Agents.Get(t.Context(), "agt_1")
	require.NoError(t, err)
	assert.Equal(t, AgentStatus("hibernating"), a.Status)
	assert.Equal(t, ComputeProvider("modal"), a.Compute.Provider)
}
