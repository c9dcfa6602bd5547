package theazotest

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
)

// Event is one event of a scripted agent run: an SSE event name and its
// data, which the server encodes as JSON.
type Event struct {
	// Type is the event name: "thinking", "tool_call", "tool_result",
	// "output", "error", or any other name.
	Type string
	// Data is the event's payload, encoded with encoding/json.
	Data any
}

// AgentScript returns the events an agent streams for a task, in order.
// An "output" or "error" event ends the run; the cost of an output event
// is recorded against the agent's session.
type AgentScript func(task string) []Event

// Thinking returns a "thinking" event.
func Thinking(text string) Event { return Event{"thinking", map[string]any{"text": text}} }

// ToolCall returns a "tool_call" event; input is any JSON-encodable value.
func ToolCall(tool string, input any) Event {
	return Event{"tool_call", map[string]any{"tool": tool, "input": input}}
}

// ToolResult returns a "tool_result" event; output is any JSON-encodable value.
func ToolResult(tool string, output any) Event {
	return Event{"tool_result", map[string]any{"tool": tool, "output": output}}
}

// Output returns the "output" event that ends a run, costing cents.
func Output(text string, cents int64) Event {
	return Event{"output", map[string]any{"text": text, "cost": usd(cents)}}
}

// Failure returns the "error" event that ends a failed run.
func Failure(code, message string) Event {
	return Event{"error", map[string]any{"code": code, "message": message}}
}

// DefaultAgentScript is the script of a server without WithAgentScript: it
// thinks, searches the web, reads the result and answers for 12 cents.
func DefaultAgentScript(task string) []Event {
	return []Event{
		Thinking("Breaking the task into steps: search, read, summarize."),
		ToolCall("web_search", map[string]any{"query": task}),
		ToolResult("web_search", map[string]any{"results": []map[string]string{
			{"title": "A scripted search result", "url": "https://example.com/result"},
		}}),
		Output("Here is a scripted answer to: "+task, 12),
	}
}

// sseEvent is one event of a stream, with its id.
type sseEvent struct {
	id     int
	typ    string
	data   []byte
	thread string // channel messages: the thread, for ?threadId
}

// eventLog is the buffered history of one stream source (an agent, a
// workflow run, a fleet, a channel). Ids are positions: 1, 2, 3, …, so a
// Last-Event-ID of n resumes with event n+1.
//
// A log has a lock of its own, not the server's: background runs append to
// it both with and without s.mu held, and streams read it without taking
// s.mu, so that a stream never waits on the store.
type eventLog struct {
	mu     sync.Mutex // guards the fields below
	events []sseEvent
	wake   chan struct{} // closed and replaced whenever something changes
	done   bool          // no event will follow
}

func newEventLog() *eventLog { return &eventLog{wake: make(chan struct{})} }

// add appends an event and wakes the streams waiting on the log.
func (l *eventLog) add(typ string, data []byte, thread string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.done {
		return
	}
	l.events = append(l.events, sseEvent{id: len(l.events) + 1, typ: typ, data: data, thread: thread})
	close(l.wake)
	l.wake = make(chan struct{})
}

// finish marks the log complete: streams end once they have sent it all.
func (l *eventLog) finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.done {
		l.done = true
		close(l.wake)
		l.wake = make(chan struct{})
	}
}

// since returns the events after position pos, a channel closed on the
// next change, and whether the log is complete.
func (l *eventLog) since(pos int) ([]sseEvent, <-chan struct{}, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	var evs []sseEvent
	if pos < len(l.events) {
		evs = append(evs, l.events[pos:]...)
	}
	return evs, l.wake, l.done
}

func (l *eventLog) len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.events)
}

// logOf returns the event log (as log finds it) of the item of t that the
// call's path parameter param names, or answers the call with its 404 and
// returns nil.
func logOf[T any](c *call, t *table[T], param string, log func(*T) *eventLog) *eventLog {
	var l *eventLog
	var e *apiError
	c.s.locked(func() {
		var v *T
		if v, e = t.find(c, param); e == nil {
			l = log(v)
		}
	})
	if e != nil {
		c.fail(e)
	}
	return l
}

// stream answers the call with the log's events as Server-Sent Events, each
// with an id line. A Last-Event-ID header resumes after that id; otherwise
// the stream starts at the beginning (fromStart) or with the next event.
// keep filters events (nil keeps all); the response ends after an event for
// which terminal is true, when the log is complete, or when the client or
// the server goes away.
func (c *call) stream(l *eventLog, fromStart bool, keep func(sseEvent) bool, terminal func(string) bool) {
	c.s.openStreams.Add(1)
	defer c.s.openStreams.Add(-1)
	n := l.len()
	pos := n
	if id := c.r.Header.Get("Last-Event-ID"); id != "" {
		if k, err := strconv.Atoi(id); err == nil && k >= 0 && k <= n {
			pos = k
		}
	} else if fromStart {
		pos = 0
	}
	h := c.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	c.w.WriteHeader(http.StatusOK)
	if d := c.s.cfg.streamRetry; d > 0 {
		fmt.Fprintf(c.w, "retry: %d\n\n", d.Milliseconds())
	}
	rc := http.NewResponseController(c.w)
	rc.Flush()
	if c.drop == 0 {
		panic(http.ErrAbortHandler)
	}
	sent := 0
	for {
		evs, wake, done := l.since(pos)
		for _, ev := range evs {
			pos = ev.id
			if keep != nil && !keep(ev) {
				continue
			}
			fmt.Fprintf(c.w, "id: %d\nevent: %s\ndata: %s\n\n", ev.id, ev.typ, ev.data)
			if rc.Flush() != nil {
				return
			}
			sent++
			if terminal != nil && terminal(ev.typ) {
				return
			}
			if c.drop > 0 && sent >= c.drop {
				panic(http.ErrAbortHandler)
			}
		}
		if len(evs) == 0 && done {
			return
		}
		if len(evs) > 0 {
			continue
		}
		select {
		case <-wake:
		case <-c.r.Context().Done():
			return
		}
	}
}

// OpenStreams returns how many event streams the server is sending right
// now, e.g. to see that a client closed its stream.
func (s *Server) OpenStreams() int { return int(s.openStreams.Load()) }
