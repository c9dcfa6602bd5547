package theazo

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
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

// Date is a calendar day, as the API's date-only fields carry it
// ("2025-05-01"). It holds a time.Time at midnight UTC, so the usual time
// methods apply; it marshals to and from "2006-01-02" in JSON and text.
// As the From or Until of a usage or billing range it covers the whole
// day (see RangeBound).
type Date struct {
	time.Time
}

// NewDate returns the Date of year, month and day, normalized like time.Date.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	return NewDate(t.Date())
}

// ParseDate parses a "2006-01-02" string.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("theazo: invalid date %q: want YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// String returns the date as "2006-01-02".
func (d Date) String() string { return d.Format(time.DateOnly) }

// AppendText appends the date as "2006-01-02".
func (d Date) AppendText(b []byte) ([]byte, error) { return d.AppendFormat(b, time.DateOnly), nil }

// MarshalText returns the date as "2006-01-02".
func (d Date) MarshalText() ([]byte, error) { return d.AppendText(nil) }

// UnmarshalText parses a "2006-01-02" date.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON returns the date as a JSON string "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, len(time.DateOnly)+2), '"')
	b = d.AppendFormat(b, time.DateOnly)
	return append(b, '"'), nil
}

// UnmarshalJSON parses a JSON string "2006-01-02"; null leaves d unchanged.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("theazo: invalid date %s: want a JSON string", excerpt(b))
	}
	return d.UnmarshalText([]byte(s))
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
