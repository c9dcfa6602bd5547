package theazo

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/theazo/theazo-go/sse"
)

// AgentsService manages agents: isolated compute environments inside a
// session that run tasks, execute code and stream their events.
type AgentsService struct{ t *transport }

// Agent is an isolated compute environment inside a session.
type Agent struct {
	// ID identifies the agent, e.g. "agt_01HX…".
	ID string `json:"id"`
	// SessionID is the session the agent runs in.
	SessionID string `json:"sessionId"`
	// Status is the agent's state; it accepts tasks once idle.
	Status AgentStatus `json:"status"`
	// Compute names the provider the agent runs on.
	Compute *AgentCompute `json:"compute,omitempty"`
	// Model is the model configuration of orchestrator mode.
	Model *AgentModel `json:"model,omitempty"`
	// Browser reports whether a headless browser is attached.
	Browser bool `json:"browser"`
	// Instructions are prepended to every task prompt.
	Instructions string `json:"instructions,omitempty"`
	// Tools lists the enabled built-in tools.
	Tools []string `json:"tools,omitempty"`
	// TimeoutSeconds is the maximum run time before the agent is terminated.
	TimeoutSeconds int `json:"timeout,omitempty"`
	// DefinitionID is the agent definition the agent was created from,
	// empty if none.
	DefinitionID string `json:"definitionId,omitempty"`
	// CreatedAt is when the agent was created.
	CreatedAt time.Time `json:"createdAt"`
}

// AgentStatus is an agent's state. Values the SDK does not know are kept.
type AgentStatus string

// Agent states: idle → running → idle, paused, and terminated, which is final.
const (
	AgentStatusProvisioning AgentStatus = "provisioning"
	AgentStatusIdle         AgentStatus = "idle"
	AgentStatusRunning      AgentStatus = "running"
	AgentStatusPaused       AgentStatus = "paused"
	AgentStatusTerminated   AgentStatus = "terminated"
)

// ComputeProvider names the sandbox backend of one agent or definition.
// Values the SDK does not know are kept.
type ComputeProvider string

// The compute providers an agent can run on.
const (
	ComputeE2B    ComputeProvider = "e2b"
	ComputeFly    ComputeProvider = "fly"
	ComputeDocker ComputeProvider = "docker"
)

// AgentCompute overrides the compute provider of one agent.
type AgentCompute struct {
	// Provider runs the agent's sandbox.
	Provider ComputeProvider `json:"provider"`
}

// AgentModel configures the model of orchestrator mode.
type AgentModel struct {
	// ID of the model, e.g. "claude-sonnet-4-20250514".
	ID string `json:"id"`
}

// AgentCreateParams configure a new agent. All fields are optional.
type AgentCreateParams struct {
	// DefinitionID creates the agent from an agent definition, whose
	// instructions, tools, model and compute apply where the fields below
	// are left unset. An archived definition cannot create agents:
	// theazotest answers it with ErrConflict, and an unknown one with
	// ErrNotFound.
	DefinitionID string `json:"definitionId,omitempty"`
	// Compute overrides the platform's default provider.
	Compute *AgentCompute `json:"compute,omitempty"`
	// Model configures orchestrator mode.
	Model *AgentModel `json:"model,omitempty"`
	// Browser attaches a headless browser to the sandbox.
	Browser bool `json:"browser,omitempty"`
	// Instructions are prepended to every task prompt.
	Instructions string `json:"instructions,omitempty"`
	// Tools enables built-in tools: "web_search", "http_request", "write_file", …
	Tools []string `json:"tools,omitempty"`
	// TimeoutSeconds caps one run; zero means the server default (300).
	TimeoutSeconds int `json:"timeout,omitempty"`
}

// ExecLang is the language of code run by Exec.
type ExecLang string

// The languages Exec runs.
const (
	LangPython     ExecLang = "python"
	LangTypeScript ExecLang = "typescript"
	LangBash       ExecLang = "bash"
)

// AgentExecParams is code to run in an agent's sandbox.
type AgentExecParams struct {
	// Lang of the code (required).
	Lang ExecLang `json:"lang"`
	// Code to run (required).
	Code string `json:"code"`
}

// ExecResult is the outcome of code run by Exec.
type ExecResult struct {
	// Stdout is the code's standard output.
	Stdout string `json:"stdout"`
	// Stderr is the code's standard error.
	Stderr string `json:"stderr"`
	// ExitCode is the process's exit status.
	ExitCode int `json:"exitCode"`
	// DurationMs is the run time in milliseconds.
	DurationMs int64 `json:"durationMs"`
}

// Create provisions an agent in a session (POST /sessions/{id}/agents).
// It accepts tasks once its status is idle.
func (s *AgentsService) Create(ctx context.Context, sessionID string, params *AgentCreateParams, opts ...RequestOption) (*Agent, error) {
	return call[Agent](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/sessions/%s/agents", ids: []string{sessionID}, body: orEmpty(params)})
}

// Get returns an agent, e.g. to poll its status (GET /agents/{id}).
func (s *AgentsService) Get(ctx context.Context, agentID string, opts ...RequestOption) (*Agent, error) {
	return call[Agent](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/agents/%s", ids: []string{agentID}})
}

// Run starts a task in the background (POST /agents/{id}/run) and returns at
// once with its id. Follow it with Stream, or use RunStream.
func (s *AgentsService) Run(ctx context.Context, agentID, task string, opts ...RequestOption) (*TaskRef, error) {
	if task == "" {
		return nil, fmt.Errorf("%w: task is required", ErrInvalidParams)
	}
	return call[TaskRef](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/agents/%s/run", ids: []string{agentID}, body: agentRunBody{Task: task}})
}

type agentRunBody struct {
	Task string `json:"task"`
}

// Exec runs code in the agent's sandbox and waits for it to finish
// (POST /agents/{id}/exec). The server allows 120 s, then answers 504:
// errors.Is(err, ErrTimeout). Once sent it is retried only after a 429,
// which the API answers without running anything, so the SDK never runs
// the code twice.
func (s *AgentsService) Exec(ctx context.Context, agentID string, params *AgentExecParams, opts ...RequestOption) (*ExecResult, error) {
	if params == nil || params.Lang == "" || params.Code == "" {
		return nil, fmt.Errorf("%w: Lang and Code are required", ErrInvalidParams)
	}
	return call[ExecResult](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/agents/%s/exec", ids: []string{agentID}, body: params})
}

// Stream connects to the agent's event stream (GET /agents/{id}/stream) and
// returns once the server has answered. Connect before Run to receive every
// event of the run. The stream ends after an output or error event.
func (s *AgentsService) Stream(ctx context.Context, agentID string, opts ...RequestOption) (*sse.Stream[AgentEvent], error) {
	return openStream(ctx, s.t, agentStreamRequest(agentID, opts), decodeAgentEvent, isAgentTerminal)
}

// Follow connects to the agent's event stream like Stream, but follows the
// agent across runs, e.g. for a dashboard: output and error events do not
// end it, and when the server ends the connection after a run it is
// resumed with Last-Event-ID. It stays open until it is closed or ctx
// ends, or a resumption fails (sse.ErrInterrupted).
func (s *AgentsService) Follow(ctx context.Context, agentID string, opts ...RequestOption) (*sse.Stream[AgentEvent], error) {
	return openStream(ctx, s.t, agentStreamRequest(agentID, opts), decodeAgentEvent, nil)
}

// Pause suspends a running agent after its current tool call and snapshots
// its state (POST /agents/{id}/pause).
func (s *AgentsService) Pause(ctx context.Context, agentID string, opts ...RequestOption) (*Agent, error) {
	return call[Agent](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/agents/%s/pause", ids: []string{agentID}})
}

// Resume restores a paused agent from its snapshot (POST /agents/{id}/resume).
// Resuming an agent that is not paused is ErrConflict.
func (s *AgentsService) Resume(ctx context.Context, agentID string, opts ...RequestOption) (*Agent, error) {
	return call[Agent](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/agents/%s/resume", ids: []string{agentID}})
}

// Terminate permanently ends an agent, releasing its compute and deleting its
// snapshot (POST /agents/{id}/terminate). It cannot be undone.
func (s *AgentsService) Terminate(ctx context.Context, agentID string, opts ...RequestOption) error {
	return callOK(ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/agents/%s/terminate", ids: []string{agentID}})
}

// agentStreamRequest is the GET of an agent's event stream, which Stream,
// Follow and RunStream open.
func agentStreamRequest(agentID string, opts []RequestOption) request {
	return request{opts: opts, method: http.MethodGet, path: "/agents/%s/stream", ids: []string{agentID}}
}
