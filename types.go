package theazo

import (
	"fmt"
	"strings"
)

// Ptr returns a pointer to v, for optional fields where the zero value is
// meaningful: Temperature: theazo.Ptr(0.0).
func Ptr[T any](v T) *T { return &v }

// Money is an amount in the smallest unit of its currency (cents for "usd").
type Money struct {
	// Amount in cents.
	Amount int64 `json:"amount"`
	// Currency is a lowercase ISO 4217 code, e.g. "usd".
	Currency string `json:"currency"`
}

// String formats m as e.g. "5.00 USD" for two-decimal currencies.
func (m Money) String() string {
	sign, a := "", m.Amount
	if a < 0 {
		sign, a = "-", -a
	}
	return fmt.Sprintf("%s%d.%02d %s", sign, a/100, a%100, strings.ToUpper(m.Currency))
}

// Metadata holds arbitrary key-value pairs stored with a resource.
type Metadata map[string]any

// okReply is the {"ok": true} reply of deletions and terminations; callOK
// turns it into a nil error, so no method returns it.
type okReply struct {
	// OK is true when the operation succeeded.
	OK bool `json:"ok"`
}

// TaskRef is the reply of calls that start work in the background.
type TaskRef struct {
	// TaskID identifies the started task.
	TaskID string `json:"taskId"`
	// AgentID is the agent running it, when the server says.
	AgentID string `json:"agentId,omitempty"`
}

// UnknownEvent is a stream event of a type this SDK version does not know.
// It is passed through, not dropped, so new server events stay visible.
type UnknownEvent struct {
	// Type is the SSE event name.
	Type string
	// Data is the event's data as sent.
	Data string
}

func (*UnknownEvent) agentEvent()    {}
func (*UnknownEvent) workflowEvent() {}
func (*UnknownEvent) fleetEvent()    {}
func (*UnknownEvent) channelEvent()  {}
