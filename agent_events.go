package theazo

import (
	"encoding/json"

	"github.com/theazo/theazo-go/sse"
)

// AgentEvent is an event of an agent's stream: *ThinkingEvent,
// *ToolCallEvent, *ToolResultEvent, *OutputEvent, *ErrorEvent, or
// *UnknownEvent for a type this SDK does not know. Each reports its wire
// name and raw data (sse.Event), e.g. for sse.Relay.
type AgentEvent interface {
	sse.Event
	agentEvent()
}

// ThinkingEvent is the agent's reasoning ("thinking").
type ThinkingEvent struct {
	rawData
	// Text of the reasoning step.
	Text string `json:"text"`
}

// ToolCallEvent is a tool the agent calls ("tool_call").
type ToolCallEvent struct {
	rawData
	// Tool is the tool's name, e.g. "web_search".
	Tool string `json:"tool"`
	// Input is the tool's input as sent.
	Input json.RawMessage `json:"input"`
}

// ToolResultEvent is the result of a tool call ("tool_result").
type ToolResultEvent struct {
	rawData
	// Tool is the tool's name.
	Tool string `json:"tool"`
	// Output is the tool's result as sent.
	Output json.RawMessage `json:"output"`
}

// OutputEvent is the run's final output and cost ("output"); it ends the stream.
type OutputEvent struct {
	rawData
	// Text is the agent's answer.
	Text string `json:"text"`
	// Cost is what the run cost.
	Cost Money `json:"cost"`
}

// ErrorEvent is a failed run ("error"); it ends the stream.
type ErrorEvent struct {
	rawData
	// Code classifies the failure, like an API error code.
	Code ErrorCode `json:"code,omitempty"`
	// Message describes the failure.
	Message string `json:"message"`
}

func (*ThinkingEvent) agentEvent()   {}
func (*ToolCallEvent) agentEvent()   {}
func (*ToolResultEvent) agentEvent() {}
func (*OutputEvent) agentEvent()     {}
func (*ErrorEvent) agentEvent()      {}

// decodeAgentEvent turns a raw agent stream event into its typed form.
func decodeAgentEvent(typ, data string) (AgentEvent, error) {
	switch typ {
	case "thinking":
		return decodeEvent(data, &ThinkingEvent{})
	case "tool_call":
		return decodeEvent(data, &ToolCallEvent{})
	case "tool_result":
		return decodeEvent(data, &ToolResultEvent{})
	case "output":
		return decodeEvent(data, &OutputEvent{})
	case "error":
		return decodeEvent(data, &ErrorEvent{})
	}
	return &UnknownEvent{Type: typ, Data: data}, nil
}

func isAgentTerminal(e AgentEvent) bool {
	switch e.(type) {
	case *OutputEvent, *ErrorEvent:
		return true
	}
	return false
}
