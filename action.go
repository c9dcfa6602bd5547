package theazo

import "fmt"

// Action is what a schedule or a trigger runs: an agent definition on a task,
// or a workflow.
type Action struct {
	// Type says what runs: ActionAgentRun or ActionWorkflowRun (required).
	Type ActionType `json:"type"`
	// Config holds the parameters of that run.
	Config ActionConfig `json:"config"`
}

// ActionType is the kind of run an Action starts. Values the SDK does not
// know are kept as they are.
type ActionType string

// The kinds of run an Action starts.
const (
	// ActionAgentRun runs an agent definition on a task.
	ActionAgentRun ActionType = "agent-run"
	// ActionWorkflowRun runs a workflow with an input.
	ActionWorkflowRun ActionType = "workflow-run"
)

// ActionConfig is the configuration of an Action. An agent run sets
// DefinitionID and Task; a workflow run sets WorkflowID and, optionally,
// Input. The field names follow the reference's example; WorkflowID and
// Input are inferred.
type ActionConfig struct {
	// DefinitionID is the agent definition an agent run uses.
	DefinitionID string `json:"definitionId,omitempty"`
	// Task is the task an agent run is given.
	Task string `json:"task,omitempty"`
	// WorkflowID is the workflow a workflow run starts (inferred).
	WorkflowID string `json:"workflowId,omitempty"`
	// Input is the workflow's input object (inferred). A fired trigger
	// passes its request body as input instead.
	Input map[string]any `json:"input,omitempty"`
}

// validate checks what the SDK can check locally: the type is set. The
// contents of Config are left to the server, which knows each type's needs.
func (a *Action) validate() error {
	if a.Type == "" {
		return fmt.Errorf("%w: Action.Type is required", ErrInvalidParams)
	}
	return nil
}
