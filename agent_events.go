package theazo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

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
	// Output is the tool's result as sent (inferred field).
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
	// Code classifies the failure, like an API error code (inferred field).
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

// decodeEvent unmarshals data into v and returns v. An event that is not
// the JSON its type documents, null included, is an invalid response.
func decodeEvent[T interface{ setRaw(json.RawMessage) }](data string, v T) (T, error) {
	b := []byte(data)
	if isNull(b) {
		return v, fmt.Errorf("%w: the event's data is null", ErrInvalidResponse)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return v, fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	v.setRaw(b) // json.Unmarshal keeps no reference to b
	return v, nil
}

// openStream connects req as an event stream of E. Every stream of the API
// goes through here and through the transport's one request path; a
// resumption repeats req with a Last-Event-ID header. The call's options
// apply to every connection, except that WithResponseInto describes the
// first and WithLastEventID is the first's Last-Event-ID.
func openStream[E any](ctx context.Context, t *transport, req request, decode func(string, string) (E, error), terminal func(E) bool) (*sse.Stream[E], error) {
	req.stream = true
	first := true
	connect := func(ctx context.Context, lastEventID string) (*http.Response, error) {
		r := req
		if !first && len(req.opts) > 0 {
			r.opts = append(req.opts[:len(req.opts):len(req.opts)], resumption{})
		}
		first = false
		if lastEventID != "" {
			r.header = req.header.Clone()
			if r.header == nil {
				r.header = http.Header{}
			}
			r.header.Set("Last-Event-ID", lastEventID)
		}
		return t.do(ctx, r)
	}
	return sse.Connect(ctx, connect, sse.Config[E]{Decode: decode, Terminal: terminal, MaxEventSize: t.maxEventSize, WrapError: t.scrub,
		ReconnectWait: t.reconnect, MaxReconnectWait: t.reconnect, MaxServerRetry: t.reconnect})
}

// resumption is the last option of a stream's resumptions: the Response
// describes the first connection, and the stream's own last event id
// replaces WithLastEventID's.
type resumption struct{}

func (resumption) applyRequest(co *callOptions) { co.response, co.lastEventID = nil, "" }
