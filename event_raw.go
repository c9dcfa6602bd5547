package theazo

import "encoding/json"

// rawData keeps an event's data as received, so that it can be relayed
// byte for byte. It is embedded, unexported, in every typed event.
type rawData struct{ raw json.RawMessage }

func (r *rawData) setRaw(b json.RawMessage) { r.raw = b }

// rawOr returns raw, or for an event made in code (raw is nil) the JSON
// encoding of v; nil if v cannot be encoded.
func rawOr(raw json.RawMessage, v any) json.RawMessage {
	if raw != nil {
		return raw
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// EventType returns "thinking".
func (*ThinkingEvent) EventType() string { return "thinking" }

// EventType returns "tool_call".
func (*ToolCallEvent) EventType() string { return "tool_call" }

// EventType returns "tool_result".
func (*ToolResultEvent) EventType() string { return "tool_result" }

// EventType returns "output".
func (*OutputEvent) EventType() string { return "output" }

// EventType returns "error".
func (*ErrorEvent) EventType() string { return "error" }

// EventType returns "step:start".
func (*StepStartEvent) EventType() string { return "step:start" }

// EventType returns "step:complete".
func (*StepCompleteEvent) EventType() string { return "step:complete" }

// EventType returns "workflow:complete".
func (*WorkflowCompleteEvent) EventType() string { return "workflow:complete" }

// EventType returns "workflow:failed".
func (*WorkflowFailedEvent) EventType() string { return "workflow:failed" }

// EventType returns "agent:start".
func (*AgentStartEvent) EventType() string { return "agent:start" }

// EventType returns "agent:complete".
func (*AgentCompleteEvent) EventType() string { return "agent:complete" }

// EventType returns "agent:failed".
func (*AgentFailedEvent) EventType() string { return "agent:failed" }

// EventType returns "fleet:complete".
func (*FleetCompleteEvent) EventType() string { return "fleet:complete" }

// EventType returns "fleet:failed".
func (*FleetFailedEvent) EventType() string { return "fleet:failed" }

// EventType returns "message".
func (*MessageEvent) EventType() string { return "message" }

// EventType returns the event's wire name as received.
func (e *UnknownEvent) EventType() string { return e.Type }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *ThinkingEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *ToolCallEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *ToolResultEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *OutputEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *ErrorEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *StepStartEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *StepCompleteEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *WorkflowCompleteEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *WorkflowFailedEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *AgentStartEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *AgentCompleteEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *AgentFailedEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *FleetCompleteEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *FleetFailedEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received, or its JSON encoding.
func (e *MessageEvent) RawJSON() json.RawMessage { return rawOr(e.raw, e) }

// RawJSON returns the event's data as received. Unlike the other events'
// RawJSON it copies (Data is a string), and data that is not JSON is
// returned as it is.
func (e *UnknownEvent) RawJSON() json.RawMessage { return json.RawMessage(e.Data) }
