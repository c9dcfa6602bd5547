package theazo

import (
	"encoding/json"
	"fmt"
	"strings"
)

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
// Input. The API leaves config open, so members the SDK has no field for
// are kept in Extra.
type ActionConfig struct {
	// DefinitionID is the agent definition an agent run uses.
	DefinitionID string `json:"definitionId,omitempty"`
	// Task is the task an agent run is given.
	Task string `json:"task,omitempty"`
	// WorkflowID is the workflow a workflow run starts.
	WorkflowID string `json:"workflowId,omitempty"`
	// Input is the workflow's input object. A fired trigger
	// passes its request body as input instead.
	Input map[string]any `json:"input,omitempty"`
	// Extra holds the members of config that have no field above, each as
	// its JSON. Those a reply carries are kept, so that an Action read from
	// a schedule is sent back whole; those set here are sent. A field above
	// wins over an Extra member of the same name.
	Extra map[string]json.RawMessage `json:"-"`
}

// actionConfigFields has ActionConfig's named fields, without its methods.
type actionConfigFields ActionConfig

// isActionConfigName reports whether k names one of ActionConfig's named
// fields, matched without regard to case as encoding/json matches them.
func isActionConfigName(k string) bool {
	for _, name := range [...]string{"definitionId", "task", "workflowId", "input"} {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// MarshalJSON sends the named fields and the members of Extra.
func (c ActionConfig) MarshalJSON() ([]byte, error) {
	named, err := json.Marshal(actionConfigFields(c))
	if err != nil || len(c.Extra) == 0 {
		return named, err
	}
	all := make(map[string]json.RawMessage, len(c.Extra)+4)
	for k, v := range c.Extra {
		all[k] = v
	}
	if err := json.Unmarshal(named, &all); err != nil {
		return nil, err
	}
	return json.Marshal(all)
}

// UnmarshalJSON fills the named fields and keeps every other member in
// Extra.
func (c *ActionConfig) UnmarshalJSON(data []byte) error {
	var named actionConfigFields
	if err := json.Unmarshal(data, &named); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	for k := range all {
		if isActionConfigName(k) {
			delete(all, k)
		}
	}
	named.Extra = nil
	if len(all) > 0 {
		named.Extra = all
	}
	*c = ActionConfig(named)
	return nil
}

// validate checks what the SDK can check locally: the type is set. The
// contents of Config are left to the server, which knows each type's needs.
func (a *Action) validate() error {
	if a.Type == "" {
		return fmt.Errorf("%w: Action.Type is required", ErrInvalidParams)
	}
	return nil
}
