package theazo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"

	"github.com/theazo/theazo-go/sse"
)

// WorkflowRun is a run of a workflow and its event stream, as returned by
// Workflows.RunStream and Workflows.Attach. Range over Events (or relay
// Stream with sse.Relay), then read Result; or read Result alone. Close it
// when done; Close may be called from any goroutine, any number of times.
type WorkflowRun struct {
	// RunID identifies the run.
	RunID string
	// WorkflowID is the workflow being run; empty for a handle from
	// Attach, which knows only the run (GetRun has it).
	WorkflowID string

	run *run[WorkflowEvent, WorkflowResult]
}

// WorkflowResult is what a workflow run produced, collected from its events.
type WorkflowResult struct {
	// RunID identifies the run.
	RunID string
	// Output is the run's result as sent.
	Output json.RawMessage
	// Cost is what the whole run cost.
	Cost Money
	// Steps are the steps that completed, in the order they completed.
	Steps []WorkflowStepResult
}

// WorkflowStepResult is one completed step of a workflow run.
type WorkflowStepResult struct {
	// Step is the step's name.
	Step string
	// Index is the step's position in the workflow, from 0.
	Index int
	// Output is the step's result as sent.
	Output json.RawMessage
	// DurationMs is how long the step ran, in milliseconds.
	DurationMs int64
}

// RunStream starts a run of the workflow (Run), then connects to its event
// stream, which starts at the run's first event, and returns the run's
// handle. The run's events end after workflow:complete or workflow:failed.
// Once the run has started, an error names it, so that it can be followed
// with Attach or GetRun. WithResponseInto describes the stream's reply.
// Close the run when done.
func (s *WorkflowsService) RunStream(ctx context.Context, workflowID string, params *WorkflowRunParams, opts ...RequestOption) (*WorkflowRun, error) {
	info, err := s.Run(ctx, workflowID, params, opts...) // the stream's reply replaces its Response
	if err != nil {
		return nil, err
	}
	run, err := s.Attach(ctx, info.ID, opts...)
	if err != nil {
		return nil, fmt.Errorf("theazo: following workflow run %s: %w", info.ID, err)
	}
	run.WorkflowID = workflowID
	return run, nil
}

// Attach returns the handle of a run already started, connecting to its
// event stream (GET /workflow-runs/{runId}/stream), which starts at the
// run's first event, or after the event that WithLastEventID names, e.g.
// the Last-Event-ID of a browser that reconnected. Attach never starts a
// run. The handle's Result holds what the stream delivered from there on.
func (s *WorkflowsService) Attach(ctx context.Context, runID string, opts ...RequestOption) (*WorkflowRun, error) {
	open := func(ctx context.Context, decode func(string, string) (WorkflowEvent, error), opts []RequestOption) (*sse.Stream[WorkflowEvent], error) {
		return openStream(ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/workflow-runs/%s/stream", ids: []string{runID}}, decode, isWorkflowTerminal)
	}
	r, err := newRun(ctx, true, decodeWorkflowEvent, newWorkflowFold, open, opts)
	if err != nil {
		return nil, err
	}
	r.name(runID, "workflow run "+runID)
	return &WorkflowRun{RunID: runID, run: r}, nil
}

// RunAndWait starts a run of the workflow and waits for its end
// (workflow:complete): RunStream, then Result. It returns the run's output,
// total cost and the result of each step; a *RunError if the run failed;
// or an error if ctx ended or the API refused. Once the run has started,
// an error names it, so that it can be followed with Attach or GetRun.
func (s *WorkflowsService) RunAndWait(ctx context.Context, workflowID string, params *WorkflowRunParams, opts ...RequestOption) (*WorkflowResult, error) {
	run, err := s.RunStream(ctx, workflowID, params, opts...)
	if err != nil {
		return nil, err
	}
	defer run.Close()
	return run.Result(ctx)
}

// Events ranges over the run's events until workflow:complete or
// workflow:failed, an error, Close, or a break out of the loop, as
// sse.Stream.Events does. A resumption never delivers an event twice.
func (r *WorkflowRun) Events() iter.Seq2[WorkflowEvent, error] { return r.run.stream.Events() }

// Stream returns the run's event stream, e.g. for sse.Relay. Its events
// are collected into Result as well.
func (r *WorkflowRun) Stream() *sse.Stream[WorkflowEvent] { return r.run.stream }

// LastEventID returns the id of the last event collected into the result,
// where the run's stream would resume; empty if the server sends no ids.
func (r *WorkflowRun) LastEventID() string { return r.run.lastEventID() }

// Close ends the run's stream and releases its connection; the run itself
// goes on on the server, and Result still returns its result. Close may be
// called from any goroutine, any number of times. It always returns nil.
func (r *WorkflowRun) Close() error { return r.run.close() }

// Result waits for the run's end and returns its output, cost and steps,
// or the *RunError of workflow:failed. It collects every event the stream
// delivers, however it is consumed: ranged over, relayed, or by Result
// itself, which reads the stream if no one did. If the stream stopped
// before the run's end (a loop that broke off, a browser that left a
// relay, a cut beyond the reconnection budget, Close), Result connects
// again from the last event id and reads to the end, under ctx and the
// client's rate limit and reconnection rules; a server without event ids
// is read again from the run's first event. It returns an error only if
// the run failed, ctx ended, or the API refused or could not be reached;
// it may be called more than once, from any goroutine, before or after
// Close, and returns the same result each time.
//
// An attached handle's result holds what its stream delivered from where
// it was attached: all of it unless WithLastEventID was given. The
// reference documents neither event ids nor replay: against a server with
// neither, a run that ended while nobody read cannot send its end again, so
// call Result promptly, e.g. right after sse.Relay returns.
func (r *WorkflowRun) Result(ctx context.Context) (*WorkflowResult, error) {
	res, err := r.run.result(ctx)
	if res != nil {
		res.RunID = r.RunID
	}
	return res, err
}

// workflowFold collects a workflow run's events into its WorkflowResult.
type workflowFold struct{ res WorkflowResult }

func newWorkflowFold() folder[WorkflowEvent, WorkflowResult] { return &workflowFold{} }

func (f *workflowFold) add(ev WorkflowEvent) (bool, *RunError) {
	switch e := ev.(type) {
	case *StepCompleteEvent:
		f.res.Steps = append(f.res.Steps, WorkflowStepResult{Step: e.Step, Index: e.Index, Output: e.Output, DurationMs: e.DurationMs})
	case *WorkflowCompleteEvent:
		f.res.Output, f.res.Cost = e.Output, e.Cost
		return true, nil
	case *WorkflowFailedEvent:
		return true, &RunError{Step: serverText(e.Step), Message: serverText(e.Message), Cost: e.Cost}
	}
	return false, nil
}

func (f *workflowFold) result() *WorkflowResult {
	res := f.res
	res.Steps = append([]WorkflowStepResult(nil), res.Steps...)
	return &res
}
