package sse

import "encoding/json"

// Event is what every typed event of the SDK's streams reports about itself,
// so that it can be passed on without being re-encoded: its wire name (the
// SSE "event" field, e.g. "tool_call" or "step:complete") and its data as
// received. The id of the event is the stream's LastEventID while the event
// is being handled.
type Event interface {
	// EventType returns the event's wire name.
	EventType() string
	// RawJSON returns the event's data byte for byte as received; for an
	// event made in code, its JSON encoding. The slice must not be modified.
	RawJSON() json.RawMessage
}
