package theazo

import (
	"encoding/json"

	"github.com/theazo/theazo-go/sse"
)

// WorkflowEvent is an event of a workflow run's stream: *StepStartEvent,
// *StepCompleteEvent, *WorkflowCompleteEvent, *WorkflowFailedEvent, or
// *UnknownEvent for a type this SDK does not know. Each reports its wire
// name and raw data (sse.Event), e.g. for sse.Relay.
type WorkflowEvent interface {
	sse.Event
	workflowEvent()
}

// StepStartEvent is a step that started ("step:start").
type StepStartEvent struct {
	rawData
	// Step is the step's name.
	Step string `json:"step"`
	// Index is the step's position in the workflow, from 0.
	Index int `json:"index"`
	// Status is the step's state, WorkflowStepStatusRunning; empty when the
	// server does not send it (the reference's example does not).
	Status WorkflowStepStatus `json:"status,omitempty"`
}

// StepCompleteEvent is a step that finished, with its output ("step:complete").
type StepCompleteEvent struct {
	rawData
	// Step is the step's name.
	Step string `json:"step"`
	// Index is the step's position in the workflow, from 0.
	Index int `json:"index"`
	// Status is the step's state: the reference says each event carries
	// it, e.g. WorkflowStepStatusCompleted; empty when the server does not
	// send it.
	Status WorkflowStepStatus `json:"status,omitempty"`
	// Output is the step's result as sent.
	Output json.RawMessage `json:"output"`
	// DurationMs is how long the step ran, in milliseconds.
	DurationMs int64 `json:"durationMs"`
}

// WorkflowCompleteEvent is the run's final output and cost
// ("workflow:complete"); it ends the stream.
type WorkflowCompleteEvent struct {
	rawData
	// Output is the run's result as sent.
	Output json.RawMessage `json:"output"`
	// Cost is what the run cost.
	Cost Money `json:"cost"`
}

// WorkflowFailedEvent is a failed run ("workflow:failed");
// it ends the stream.
type WorkflowFailedEvent struct {
	rawData
	// Step is the step that failed, empty when the failure is not a step's.
	Step string `json:"step,omitempty"`
	// Message describes the failure.
	Message string `json:"message"`
	// Cost is what the run cost up to the failure, zero if the server does not say.
	Cost Money `json:"cost,omitzero"`
}

func (*StepStartEvent) workflowEvent()        {}
func (*StepCompleteEvent) workflowEvent()     {}
func (*WorkflowCompleteEvent) workflowEvent() {}
func (*WorkflowFailedEvent) workflowEvent()   {}

// decodeWorkflowEvent turns a raw workflow run event into its typed form.
func decodeWorkflowEvent(typ, data string) (WorkflowEvent, error) {
	switch typ {
	case "step:start":
		return decodeEvent(data, &StepStartEvent{})
	case "step:complete":
		return decodeEvent(data, &StepCompleteEvent{})
	case "workflow:complete":
		return decodeEvent(data, &WorkflowCompleteEvent{})
	case "workflow:failed":
		return decodeEvent(data, &WorkflowFailedEvent{})
	}
	return &UnknownEvent{Type: typ, Data: data}, nil
}

func isWorkflowTerminal(e WorkflowEvent) bool {
	switch e.(type) {
	case *WorkflowCompleteEvent, *WorkflowFailedEvent:
		return true
	}
	return false
}
