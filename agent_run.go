package theazo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"sync"

	"github.com/theazo/theazo-go/sse"
)

// AgentRun is a task running on an agent and its event stream, as returned
// by Agents.RunStream. Range over Events (or relay Stream with sse.Relay),
// then read Result. Close it when done; Close may be called from any
// goroutine, any number of times.
type AgentRun struct {
	// TaskID identifies the task.
	TaskID string
	// AgentID is the agent running it.
	AgentID string

	stream *sse.Stream[AgentEvent]

	mu     sync.Mutex
	result RunResult
	calls  map[string][]int // tool name → indexes in result.ToolCalls still awaiting their result
	end    AgentEvent       // the *OutputEvent or *ErrorEvent, once seen
}

// RunResult is what an agent's run produced, collected from its events.
type RunResult struct {
	// TaskID identifies the task.
	TaskID string
	// AgentID is the agent that ran it.
	AgentID string
	// Output is the agent's answer.
	Output string
	// Cost is what the run cost.
	Cost Money
	// ToolCalls are the tools the agent called, in order, each with its result.
	ToolCalls []ToolCall
	// Thinking holds the texts of the agent's reasoning steps, in order.
	Thinking []string
}

// ToolCall is one tool call of a run and its result.
type ToolCall struct {
	// Tool is the tool's name, e.g. "web_search".
	Tool string
	// Input is the tool's input as sent; nil for a result whose call was not seen.
	Input json.RawMessage
	// Output is the tool's result as sent; nil if none arrived.
	Output json.RawMessage
}

// RunError is a run that failed on the server: an agent's "error" event, a
// workflow run's "workflow:failed" or a fleet's "fleet:failed". errors.Is
// matches it with the sentinel of its code, e.g. ErrProviderError.
type RunError struct {
	// ID identifies what failed: the agent's task, the workflow run or the fleet.
	ID string
	// Step is the workflow step that failed; empty otherwise.
	Step string
	// Code classifies the failure, like an API error code; empty if the server gave none.
	Code ErrorCode
	// Message describes the failure.
	Message string
	// Cost is what the run cost up to the failure, zero if the server does not say.
	Cost Money
}

// Error formats the run, the code and the message.
func (e *RunError) Error() string {
	s := "theazo: run " + e.ID
	if e.Step != "" {
		s += " failed at step " + e.Step
	} else {
		s += " failed"
	}
	if e.Code != "" {
		s += ": " + string(e.Code)
	}
	return s + ": " + e.Message
}

// Is reports whether target is the sentinel of the error's code.
func (e *RunError) Is(target error) bool {
	c, ok := target.(codeError)
	return ok && e.Code != "" && ErrorCode(c) == e.Code
}

// RunStream connects to the agent's stream, then starts task, so that no
// event of the run is missed. The run's events end after its output or
// error event. Close the run when done.
func (s *AgentsService) RunStream(ctx context.Context, agentID, task string, opts ...RequestOption) (*AgentRun, error) {
	if task == "" {
		return nil, fmt.Errorf("%w: task is required", ErrInvalidParams)
	}
	run := &AgentRun{AgentID: agentID, calls: map[string][]int{}}
	// The run collects every event the stream decodes, so that Result is
	// right whether the events were ranged over here or relayed.
	decode := func(typ, data string) (AgentEvent, error) {
		ev, err := decodeAgentEvent(typ, data)
		if err == nil {
			run.collect(ev)
		}
		return ev, err
	}
	stream, err := openStream(ctx, s.t, agentStreamRequest(agentID, opts), decode, isAgentTerminal)
	if err != nil {
		return nil, err
	}
	ref, err := s.Run(ctx, agentID, task, opts...)
	if err != nil {
		stream.Close()
		return nil, err
	}
	run.stream = stream
	run.TaskID = ref.TaskID
	run.result.TaskID, run.result.AgentID = ref.TaskID, agentID
	return run, nil
}

// RunAndWait runs task on the agent and waits for its end. It returns the
// run's output, cost, tool calls and thinking; a *RunError if the run
// failed; sse.ErrInterrupted if the stream ended before the run did; or
// ctx's error.
func (s *AgentsService) RunAndWait(ctx context.Context, agentID, task string, opts ...RequestOption) (*RunResult, error) {
	run, err := s.RunStream(ctx, agentID, task, opts...)
	if err != nil {
		return nil, err
	}
	defer run.Close()
	for _, err := range run.Events() {
		if err != nil {
			return nil, fmt.Errorf("theazo: following run %s on agent %s: %w", run.TaskID, agentID, err)
		}
	}
	return run.Result()
}

// Events ranges over the run's events until its output or error event,
// an error, Close, or a break out of the loop, as sse.Stream.Events does.
func (r *AgentRun) Events() iter.Seq2[AgentEvent, error] { return r.stream.Events() }

// Stream returns the run's event stream, e.g. for sse.Relay. Its events
// are collected into Result as well.
func (r *AgentRun) Stream() *sse.Stream[AgentEvent] { return r.stream }

// LastEventID returns the id of the last event received.
func (r *AgentRun) LastEventID() string { return r.stream.LastEventID() }

// Close ends the run's stream and releases its connection; the run itself
// goes on on the server. It always returns nil.
func (r *AgentRun) Close() error { return r.stream.Close() }

// Result returns what the run produced once its events have been ranged
// over to the end: the output and what led to it, or the *RunError of an
// error event. Before the run's end event has arrived it returns an error
// wrapping sse.ErrInterrupted: never an empty result with a nil error.
func (r *AgentRun) Result() (*RunResult, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch e := r.end.(type) {
	case *OutputEvent:
		res := r.result
		res.ToolCalls = append([]ToolCall(nil), res.ToolCalls...)
		res.Thinking = append([]string(nil), res.Thinking...)
		return &res, nil
	case *ErrorEvent:
		return nil, &RunError{ID: r.TaskID, Code: e.Code, Message: e.Message}
	}
	return nil, fmt.Errorf("%w: run %s on agent %s has not sent its output or error event", sse.ErrInterrupted, r.TaskID, r.AgentID)
}

// collect adds one event to the run's result.
func (r *AgentRun) collect(ev AgentEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.end != nil {
		return
	}
	res := &r.result
	switch e := ev.(type) {
	case *ThinkingEvent:
		res.Thinking = append(res.Thinking, e.Text)
	case *ToolCallEvent:
		r.calls[e.Tool] = append(r.calls[e.Tool], len(res.ToolCalls))
		res.ToolCalls = append(res.ToolCalls, ToolCall{Tool: e.Tool, Input: e.Input})
	case *ToolResultEvent:
		// A result answers the oldest call of its tool still waiting.
		if waiting := r.calls[e.Tool]; len(waiting) > 0 {
			res.ToolCalls[waiting[0]].Output = e.Output
			r.calls[e.Tool] = waiting[1:]
		} else {
			res.ToolCalls = append(res.ToolCalls, ToolCall{Tool: e.Tool, Output: e.Output})
		}
	case *OutputEvent:
		res.Output, res.Cost = e.Text, e.Cost
		r.end = e
	case *ErrorEvent:
		r.end = e
	}
}
