package theazo

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/sse"
)

// Every event of every stream reports the wire name it arrived with and its
// data byte for byte: white space, key order and unknown members included.
func TestEventsKeepTheirWireNameAndRawData(t *testing.T) {
	t.Parallel()
	decoders := map[string]func(typ, data string) (sse.Event, error){
		"agent":    func(typ, data string) (sse.Event, error) { return decodeAgentEvent(typ, data) },
		"workflow": func(typ, data string) (sse.Event, error) { return decodeWorkflowEvent(typ, data) },
		"fleet":    func(typ, data string) (sse.Event, error) { return decodeFleetEvent(typ, data) },
		"channel":  func(typ, data string) (sse.Event, error) { return decodeChannelEvent(typ, data) },
	}
	tests := []struct {
		stream, typ, data string
		want              sse.Event // the type decoded
	}{
		{"agent", "thinking", `{ "text" : "a\u00e9b",  "extra": [1, 2] }`, &ThinkingEvent{}},
		{"agent", "tool_call", `{"input":{"q":"x"},"tool":"web_search"}`, &ToolCallEvent{}},
		{"agent", "tool_result", `{"tool":"web_search","output":[ {"title":"A"} ]}`, &ToolResultEvent{}},
		{"agent", "output", `{"text":"done","cost":{"amount":12,"currency":"usd"}}`, &OutputEvent{}},
		{"agent", "error", `{"code":"provider_error","message":"gone"}`, &ErrorEvent{}},
		{"agent", "progress", `{"percent": 50}`, &UnknownEvent{}},
		{"workflow", "step:start", `{"step":"scrape","index":0}`, &StepStartEvent{}},
		{"workflow", "step:complete", `{"step":"scrape","index":0,"output":{"html":"<p>"},"durationMs":5}`, &StepCompleteEvent{}},
		{"workflow", "workflow:complete", `{"output":"ok","cost":{"amount":9,"currency":"usd"}}`, &WorkflowCompleteEvent{}},
		{"workflow", "workflow:failed", `{"step":"a","message":"boom"}`, &WorkflowFailedEvent{}},
		{"fleet", "agent:start", `{"agentId":"agt_1","index":0,"task":"t"}`, &AgentStartEvent{}},
		{"fleet", "agent:complete", `{"agentId":"agt_1","index":0,"output":"o","cost":{"amount":8,"currency":"usd"}}`, &AgentCompleteEvent{}},
		{"fleet", "agent:failed", `{"agentId":"agt_1","index":0,"message":"m"}`, &AgentFailedEvent{}},
		{"fleet", "fleet:complete", `{"completed":1,"failed":0,"totalCost":{"amount":8,"currency":"usd"}}`, &FleetCompleteEvent{}},
		{"fleet", "fleet:failed", `{"message":"cancelled","completed":0,"failed":0,"totalCost":{"amount":0,"currency":"usd"}}`, &FleetFailedEvent{}},
		{"channel", "message", `{"id":"msg_1","role":"user","content":"hi"}`, &MessageEvent{}},
		{"channel", "typing", `not json at all`, &UnknownEvent{}},
	}
	for _, tc := range tests {
		t.Run(tc.stream+" "+tc.typ, func(t *testing.T) {
			ev, err := decoders[tc.stream](tc.typ, tc.data)
			require.NoError(t, err)
			assert.IsType(t, tc.want, ev)
			assert.Equal(t, tc.typ, ev.EventType())
			assert.Equal(t, tc.data, string(ev.RawJSON()), "byte for byte")
		})
	}
}

// An event made in code, e.g. by a relay's hook, has no raw data: RawJSON
// encodes it.
func TestRawJSONOfAnEventMadeInCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		ev   sse.Event
		want string
	}{
		{&ThinkingEvent{Text: "…"}, `{"text":"…"}`},
		{&OutputEvent{Text: "hi", Cost: Money{Amount: 3, Currency: "usd"}}, `{"text":"hi","cost":{"amount":3,"currency":"usd"}}`},
		{&ErrorEvent{Message: "m"}, `{"message":"m"}`},
		{&MessageEvent{Message: Message{ID: "msg_1", Role: MessageRoleUser, Content: "c"}}, `{"id":"msg_1","channelId":"","threadId":"","role":"user","content":"c","createdAt":"0001-01-01T00:00:00Z"}`},
		{&UnknownEvent{Type: "x", Data: `{"a":1}`}, `{"a":1}`},
		{&ToolCallEvent{Tool: "t", Input: json.RawMessage(`{bad`)}, ``}, // cannot be encoded
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, string(tc.ev.RawJSON()), "%T", tc.ev)
	}
}
