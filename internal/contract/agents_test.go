//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// contractAgentRun asserts the events of the document's agent stream example.
func contractAgentRun(t *testing.T, events []theazo.AgentEvent) {
	t.Helper()
	require.Len(t, events, 4, "thinking, tool_call, tool_result, output; the stream ends at output")
	thinking := contractEventAs[*theazo.ThinkingEvent](t, events, 0)
	assert.Equal(t, "I'll search for recent AI papers...", thinking.Text)
	call := contractEventAs[*theazo.ToolCallEvent](t, events, 1)
	assert.Equal(t, "web_search", call.Tool)
	assert.JSONEq(t, `{"query":"AI papers 2025"}`, string(call.Input))
	result := contractEventAs[*theazo.ToolResultEvent](t, events, 2)
	assert.Equal(t, "web_search", result.Tool)
	assert.Contains(t, string(result.Output), "Attention Is Still All You Need")
	out := contractEventAs[*theazo.OutputEvent](t, events, 3)
	assert.Equal(t, "Here are the top 5...", out.Text)
	assert.Equal(t, theazo.Money{Amount: 12, Currency: "usd"}, out.Cost)
}

func contractAgentsCases() []contractCase {
	return []contractCase{{
		name: "Create",
		ops:  []string{"POST /v1/sessions/{id}/agents"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			a, err := c.Agents.Create(ctx, "ses_01HX3K2ABC", &theazo.AgentCreateParams{
				Compute:        &theazo.AgentCompute{Provider: theazo.ComputeE2B},
				Model:          &theazo.AgentModel{ID: "claude-3-5-sonnet-20241022"},
				Browser:        true,
				Instructions:   "You are a research assistant. Be concise.",
				Tools:          []string{"web_search", "http_request", "write_file"},
				TimeoutSeconds: 120,
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "agt_01HX3K2DEF", a.ID)
			assert.Equal(t, "ses_01HX3K2ABC", a.SessionID)
			assert.Equal(t, theazo.AgentStatusProvisioning, a.Status)
			require.NotNil(t, a.Compute)
			assert.Equal(t, theazo.ComputeE2B, a.Compute.Provider)
			require.NotNil(t, a.Model)
			assert.Equal(t, "claude-3-5-sonnet-20241022", a.Model.ID)
			assert.True(t, a.Browser)
			assert.Equal(t, []string{"web_search", "write_file"}, a.Tools)
			assert.Equal(t, 120, a.TimeoutSeconds)
			assert.Equal(t, contractTime(t, "2025-05-01T09:31:00Z"), a.CreatedAt)
		},
	}, {
		name: "Create/from a definition",
		ops:  []string{"POST /v1/sessions/{id}/agents"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			a, err := c.Agents.Create(ctx, "ses_01HX3K2ABC", &theazo.AgentCreateParams{DefinitionID: "adef_01HX3K2JKL"}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "agt_01HX3K2DEF", a.ID)
		},
	}, {
		name: "Create/each agent provider",
		ops:  []string{"POST /v1/sessions/{id}/agents", "POST /v1/sessions/{id}/agents", "POST /v1/sessions/{id}/agents"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			for _, p := range []theazo.ComputeProvider{theazo.ComputeE2B, theazo.ComputeFly, theazo.ComputeDocker} {
				_, err := c.Agents.Create(ctx, "ses_01HX3K2ABC", &theazo.AgentCreateParams{Compute: &theazo.AgentCompute{Provider: p}}, contractOpts(t)...)
				require.NoError(t, err, p)
			}
		},
	}, {
		name: "Create/nil params",
		ops:  []string{"POST /v1/sessions/{id}/agents"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			a, err := c.Agents.Create(ctx, "ses_01HX3K2ABC", nil, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "agt_01HX3K2DEF", a.ID)
		},
	}, {
		name: "Get",
		ops:  []string{"GET /v1/agents/{id}"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			a, err := c.Agents.Get(ctx, "agt_01HX3K2DEF", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.AgentStatusIdle, a.Status)
			assert.Equal(t, "You are a research assistant. Be concise.", a.Instructions)
		},
	}, {
		name: "Run",
		ops:  []string{"POST /v1/agents/{id}/run"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			ref, err := c.Agents.Run(ctx, "agt_01HX3K2DEF", "Summarize the top 5 AI research papers from this week", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.TaskRef{TaskID: "task_01HX3K2GHI", AgentID: "agt_01HX3K2DEF"}, *ref)
		},
	}, {
		name: "Exec",
		ops:  []string{"POST /v1/agents/{id}/exec", "POST /v1/agents/{id}/exec", "POST /v1/agents/{id}/exec"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			for _, p := range []theazo.AgentExecParams{
				{Lang: theazo.LangPython, Code: "print(2 + 2)"},
				{Lang: theazo.LangTypeScript, Code: "console.log(2 + 2)"},
				{Lang: theazo.LangBash, Code: "echo $((2 + 2))"},
			} {
				res, err := c.Agents.Exec(ctx, "agt_01HX3K2DEF", &p, contractOpts(t)...)
				require.NoError(t, err, p.Lang)
				assert.Equal(t, theazo.ExecResult{Stdout: "4\n", Stderr: "", ExitCode: 0, DurationMs: 312}, *res)
			}
		},
	}, {
		name: "Stream",
		ops:  []string{"GET /v1/agents/{id}/stream"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			stream, err := c.Agents.Stream(ctx, "agt_01HX3K2DEF", contractOpts(t)...)
			require.NoError(t, err)
			defer stream.Close()
			contractAgentRun(t, contractEvents(t, stream.Events(), 0))
			assert.Equal(t, "3", stream.LastEventID())
		},
	}, {
		name: "RunStream",
		ops:  []string{"GET /v1/agents/{id}/stream", "POST /v1/agents/{id}/run"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			stream, err := c.Agents.RunStream(ctx, "agt_01HX3K2DEF", "Summarize the top 5 AI research papers from this week", contractOpts(t)...)
			require.NoError(t, err)
			defer stream.Close()
			contractAgentRun(t, contractEvents(t, stream.Events(), 0))
		},
	}, {
		name: "Pause",
		ops:  []string{"POST /v1/agents/{id}/pause"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			a, err := c.Agents.Pause(ctx, "agt_01HX3K2DEF", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.AgentStatusPaused, a.Status)
		},
	}, {
		name: "Resume",
		ops:  []string{"POST /v1/agents/{id}/resume"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			a, err := c.Agents.Resume(ctx, "agt_01HX3K2DEF", contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.AgentStatusRunning, a.Status)
		},
	}, {
		name: "Terminate",
		ops:  []string{"POST /v1/agents/{id}/terminate"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			require.NoError(t, c.Agents.Terminate(ctx, "agt_01HX3K2DEF", contractOpts(t)...))
		},
	}}
}
