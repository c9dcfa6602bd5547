package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
)

// spinFrames are the frames of the waiting spinner.
var spinFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

// spinInterval is how often the spinner turns.
const spinInterval = 100 * time.Millisecond

// spin shows a spinner with msg on stderr until the returned stop is
// called; only when stderr is a terminal that takes decoration. stop may be
// called more than once; it returns once the spinner's line is cleared.
func (a *app) spin(msg string) (stop func()) {
	if !a.decorate(a.errTTY) {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(spinInterval)
		defer t.Stop()
		for i := 0; ; i++ {
			fmt.Fprintf(a.stderr, "\r\x1b[36m%s\x1b[0m %s", spinFrames[i%len(spinFrames)], msg)
			select {
			case <-done:
				fmt.Fprint(a.stderr, "\r\x1b[K")
				return
			case <-t.C:
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			<-finished
		})
	}
}

// follow prints each event of stream as it arrives, stopping the spinner
// at the first, until the stream ends or the run is interrupted. With
// --json each event is a line of JSON; human prints it otherwise, and
// returns a *runFailed for a failure event either way.
func follow[E sse.Event](x *inv, stream *sse.Stream[E], stopSpin func(), human func(E) error) error {
	defer stream.Close()
	defer stopSpin()
	defer func() {
		if x.ctx.Err() != nil && x.interrupted != "" {
			stopSpin()
			fmt.Fprintln(x.stderr, x.interrupted)
		}
	}()
	for ev, err := range stream.Events() {
		stopSpin()
		if x.ctx.Err() != nil {
			return x.ctx.Err()
		}
		if err != nil {
			return err
		}
		if x.g.json {
			if err := x.eventJSON(ev); err != nil {
				return err
			}
		}
		if err := human(ev); err != nil { // prints nothing with --json
			return err
		}
	}
	return x.ctx.Err()
}

// startLine is the first line of a followed run with --json: what was
// started, by id, before its events.
type startLine struct {
	Type       string `json:"type"` // "task", "run" or "fleet"
	TaskID     string `json:"taskId,omitempty"`
	AgentID    string `json:"agentId,omitempty"`
	RunID      string `json:"runId,omitempty"`
	WorkflowID string `json:"workflowId,omitempty"`
	FleetID    string `json:"fleetId,omitempty"`
	SessionID  string `json:"sessionId,omitempty"`
}

// announce prints what --follow started, by id, before its events, so that
// a script can follow or stop it again later: line with --json, else text,
// dimmed, on a line of its own: the spinner (stop) is cleared before it and
// started again after it, saying msg. It returns the spinner's stop.
func (x *inv) announce(line startLine, text string, stop func(), msg string) (func(), error) {
	if x.g.json {
		return stop, x.jsonLine(line)
	}
	stop()
	_, err := fmt.Fprintln(x.stdout, x.paint(styleDim, text))
	return x.spin(msg), err
}

// runFailed is a stream that ended with a failure event: exit 1.
type runFailed struct{ msg string }

func (e *runFailed) Error() string { return e.msg }

// eventJSON prints an event as one line: {"type": its wire name, ...the
// members of its data as the API sent them}. The data of an event the SDK
// does not know, or that is not a JSON object, is under "data" instead.
func (x *inv) eventJSON(ev sse.Event) error {
	var data bytes.Buffer
	raw := ev.RawJSON()
	_, unknown := ev.(*theazo.UnknownEvent)
	if unknown || json.Compact(&data, raw) != nil || !bytes.HasPrefix(data.Bytes(), []byte("{")) {
		wrapped := json.RawMessage(raw)
		if !json.Valid(wrapped) {
			wrapped, _ = json.Marshal(string(raw))
		}
		return x.jsonLine(struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}{ev.EventType(), wrapped})
	}
	typ, _ := json.Marshal(ev.EventType())
	line := append([]byte(`{"type":`), typ...)
	if members := data.Bytes()[1:]; len(bytes.TrimSpace(members)) > 1 {
		line = append(line, ',')
		line = append(line, members...)
	} else {
		line = append(line, '}')
	}
	_, err := x.stdout.Write(append(line, '\n'))
	return err
}

// compact returns raw JSON on one line, shortened for a terminal line.
func compact(raw json.RawMessage) string {
	if len(raw) == 0 {
		return ""
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return truncate(string(raw), 120)
	}
	return truncate(b.String(), 120)
}

// printAgentEvent prints an agent event for people: thinking dimmed, tool
// calls and results one line each, the answer, then the cost.
func (x *inv) printAgentEvent(ev theazo.AgentEvent) error {
	var line string
	switch e := ev.(type) {
	case *theazo.ThinkingEvent:
		line = x.paint(styleDim, "thinking: "+strings.Join(strings.Fields(e.Text), " "))
	case *theazo.ToolCallEvent:
		line = x.paint(styleCyan, "→ "+e.Tool) + " " + compact(e.Input)
	case *theazo.ToolResultEvent:
		line = x.paint(styleGreen, "← "+e.Tool) + " " + compact(e.Output)
	case *theazo.OutputEvent:
		line = escape(e.Text) + "\n" + x.paint(styleDim, "cost: "+money(e.Cost))
	case *theazo.ErrorEvent:
		return x.failed(string(e.Code), e.Message)
	case *theazo.UnknownEvent:
		line = x.paint(styleDim, e.Type+": "+truncate(e.Data, 120))
	}
	return x.eventLine(line)
}

// failed reports a failure event: in red on stdout for people, and as the
// error that makes the exit code 1.
func (x *inv) failed(code, msg string) error {
	text := msg
	if code != "" {
		text = code + ": " + msg
	}
	if !x.g.json {
		fmt.Fprintln(x.stdout, x.paint(styleRed, "error: "+text))
	}
	return &runFailed{"run failed: " + text}
}

// eventLine prints a followed event's line for people; nothing with --json,
// which printed the event already.
func (x *inv) eventLine(line string) error {
	if x.g.json {
		return nil
	}
	_, err := fmt.Fprintln(x.stdout, line)
	return err
}
