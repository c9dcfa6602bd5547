package theazo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"

	"github.com/theazo/theazo-go/sse"
)

// AgentRun is a task running on an agent and its event stream, as returned
// by Agents.RunStream and Agents.Attach. Range over Events (or relay Stream
// with sse.Relay), then read Result; or read Result alone. Close it when
// done; Close may be called from any goroutine, any number of times.
type AgentRun struct {
	// TaskID identifies the task.
	TaskID string
	// AgentID is the agent running it.
	AgentID string

	run *run[AgentEvent, AgentResult]
}

// AgentResult is what an agent's run produced, collected from its events.
type AgentResult struct {
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

// RunStream connects to the agent's stream, then starts task, so that no
// event of the run is missed, and returns the run's handle. The run's events
// end after its output or error event. WithResponseInto describes the
// stream's reply; WithLastEventID resumes the stream after that event.
// Close the run when done.
func (s *AgentsService) RunStream(ctx context.Context, agentID, task string, opts ...RequestOption) (*AgentRun, error) {
	if task == "" {
		return nil, fmt.Errorf("%w: task is required", ErrInvalidParams)
	}
	r, err := newRun(ctx, false, decodeAgentEvent, newAgentFold, s.openRun(agentID), opts)
	if err != nil {
		return nil, err
	}
	// The stream's reply is the call's Response, unless the start fails.
	var started Response
	ref, err := s.Run(ctx, agentID, task, append(opts[:len(opts):len(opts)], WithResponseInto(&started))...)
	if err != nil {
		r.close()
		if p := responseOf(opts); p != nil && started.StatusCode != 0 {
			*p = started
		}
		return nil, err
	}
	return newAgentRun(r, agentID, ref.TaskID), nil
}

// Attach returns the handle of task taskID, already started on the agent,
// connecting to the agent's stream (GET /agents/{id}/stream). The stream
// starts with the agent's next event, or after the event that
// WithLastEventID names, e.g. the Last-Event-ID of a browser that
// reconnected; Attach never starts a run. The handle's Result holds what
// the stream delivered from there on.
func (s *AgentsService) Attach(ctx context.Context, agentID, taskID string, opts ...RequestOption) (*AgentRun, error) {
	if taskID == "" {
		return nil, ErrEmptyID
	}
	r, err := newRun(ctx, false, decodeAgentEvent, newAgentFold, s.openRun(agentID), opts)
	if err != nil {
		return nil, err
	}
	return newAgentRun(r, agentID, taskID), nil
}

// RunAndWait runs task on the agent and waits for its end: RunStream, then
// Result. It returns the run's output, cost, tool calls and thinking; a
// *RunError if the run failed; or an error if ctx ended or the API refused.
func (s *AgentsService) RunAndWait(ctx context.Context, agentID, task string, opts ...RequestOption) (*AgentResult, error) {
	run, err := s.RunStream(ctx, agentID, task, opts...)
	if err != nil {
		return nil, err
	}
	defer run.Close()
	return run.Result(ctx)
}

// openRun opens the agent's stream for a run handle.
func (s *AgentsService) openRun(agentID string) openFunc[AgentEvent] {
	return func(ctx context.Context, decode func(string, string) (AgentEvent, error), opts []RequestOption) (*sse.Stream[AgentEvent], error) {
		return openStream(ctx, s.t, agentStreamRequest(agentID, opts), decode, isAgentTerminal)
	}
}

func newAgentRun(r *run[AgentEvent, AgentResult], agentID, taskID string) *AgentRun {
	r.name(taskID, "agent run "+taskID+" on agent "+agentID)
	return &AgentRun{TaskID: taskID, AgentID: agentID, run: r}
}

// Events ranges over the run's events until its output or error event,
// an error, Close, or a break out of the loop, as sse.Stream.Events does.
// A resumption never delivers an event twice.
func (r *AgentRun) Events() iter.Seq2[AgentEvent, error] { return r.run.stream.Events() }

// Stream returns the run's event stream, e.g. for sse.Relay. Its events
// are collected into Result as well.
func (r *AgentRun) Stream() *sse.Stream[AgentEvent] { return r.run.stream }

// LastEventID returns the id of the last event collected into the result,
// where the run's stream would resume; empty if the server sends no ids.
func (r *AgentRun) LastEventID() string { return r.run.lastEventID() }

// Close ends the run's stream and releases its connection; the run itself
// goes on on the server, and Result still returns its result. Close may be
// called from any goroutine, any number of times. It always returns nil.
func (r *AgentRun) Close() error { return r.run.close() }

// Result waits for the run's end and returns its output and what led to
// it, or the *RunError of its error event. It collects every event the
// stream delivers, however it is consumed: ranged over, relayed, or by
// Result itself, which reads the stream if no one did. If the stream
// stopped before the run's end (a loop that broke off, a browser that
// left a relay, a cut beyond the reconnection budget, Close), Result
// connects again from the last event id and reads to the end, under ctx
// and the client's rate limit and reconnection rules. It returns an
// error only if the run failed, ctx ended, or the API refused or could
// not be reached; it may be called more than once, from any goroutine,
// before or after Close, and returns the same result each time.
//
// An attached handle's result holds what its stream delivered from where
// it was attached. An agent's stream starts with the agent's next event,
// so the events a handle missed can be asked for again only after an
// event id: a server without event ids, or a handle closed before its
// first event, cannot send them, and Result then returns an error
// wrapping sse.ErrInterrupted rather than a partial result. So call
// Result promptly, e.g. right after sse.Relay returns.
func (r *AgentRun) Result(ctx context.Context) (*AgentResult, error) {
	res, err := r.run.result(ctx)
	if res != nil {
		res.TaskID, res.AgentID = r.TaskID, r.AgentID
	}
	return res, err
}

// agentFold collects an agent run's events into its AgentResult.
type agentFold struct {
	res   AgentResult
	calls map[string][]int // tool name → indexes in res.ToolCalls still awaiting their result
}

func newAgentFold() folder[AgentEvent, AgentResult] { return &agentFold{calls: map[string][]int{}} }

func (f *agentFold) add(ev AgentEvent) (bool, *RunError) {
	res := &f.res
	switch e := ev.(type) {
	case *ThinkingEvent:
		res.Thinking = append(res.Thinking, e.Text)
	case *ToolCallEvent:
		f.calls[e.Tool] = append(f.calls[e.Tool], len(res.ToolCalls))
		res.ToolCalls = append(res.ToolCalls, ToolCall{Tool: e.Tool, Input: e.Input})
	case *ToolResultEvent:
		// A result answers the oldest call of its tool still waiting.
		if waiting := f.calls[e.Tool]; len(waiting) > 0 {
			res.ToolCalls[waiting[0]].Output = e.Output
			f.calls[e.Tool] = waiting[1:]
		} else {
			res.ToolCalls = append(res.ToolCalls, ToolCall{Tool: e.Tool, Output: e.Output})
		}
	case *OutputEvent:
		res.Output, res.Cost = e.Text, e.Cost
		return true, nil
	case *ErrorEvent:
		return true, &RunError{Code: ErrorCode(serverText(string(e.Code))), Message: serverText(e.Message)}
	}
	return false, nil
}

func (f *agentFold) result() *AgentResult {
	res := f.res
	res.ToolCalls = append([]ToolCall(nil), res.ToolCalls...)
	res.Thinking = append([]string(nil), res.Thinking...)
	return &res
}
