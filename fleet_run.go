package theazo

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"github.com/theazo/theazo-go/sse"
)

// FleetRun is a fleet at work and its event stream, as returned by
// Fleets.CreateStream and Fleets.Attach. Range over Events (or relay Stream
// with sse.Relay), then read Result; or read Result alone. Close it when
// done; Close may be called from any goroutine, any number of times.
type FleetRun struct {
	// FleetID identifies the fleet.
	FleetID string
	// SessionID is the session the fleet's agents run in; empty for a
	// handle from Attach, which knows only the fleet (Get has it).
	SessionID string

	run *run[FleetEvent, FleetResult]
}

// FleetResult is what a fleet produced, collected from its events.
type FleetResult struct {
	// FleetID identifies the fleet.
	FleetID string
	// Completed counts the tasks that completed.
	Completed int
	// Failed counts the tasks that failed.
	Failed int
	// TotalCost is what the fleet cost.
	TotalCost Money
	// Tasks are the tasks that finished, completed or failed, in the order
	// they finished.
	Tasks []FleetTaskResult
}

// FleetTaskResult is one finished task of a fleet.
type FleetTaskResult struct {
	// Index is the task's position in the fleet's tasks, from 0.
	Index int
	// AgentID is the agent that ran the task.
	AgentID string
	// Output is the agent's answer; empty if the task failed.
	Output string
	// Cost is what the task cost.
	Cost Money
	// Error describes the failure; empty if the task completed.
	Error string
}

// CreateStream starts a fleet (Create), then connects to its event stream,
// which starts at the fleet's first event, and returns the fleet's handle.
// The fleet's events end after fleet:complete or fleet:failed. Once the
// fleet exists, an error names it, so that it can be followed with Attach
// or Get. WithResponseInto describes the stream's reply. Close the handle
// when done.
func (s *FleetsService) CreateStream(ctx context.Context, params *FleetCreateParams, opts ...RequestOption) (*FleetRun, error) {
	fleet, err := s.Create(ctx, params, opts...) // the stream's reply replaces its Response
	if err != nil {
		return nil, err
	}
	run, err := s.Attach(ctx, fleet.ID, opts...)
	if err != nil {
		return nil, fmt.Errorf("theazo: following fleet %s: %w", fleet.ID, err)
	}
	run.SessionID = fleet.SessionID
	return run, nil
}

// Attach returns the handle of a fleet already created, connecting to its
// event stream (GET /fleets/{id}/stream), which starts at the fleet's first
// event, or after the event that WithLastEventID names, e.g. the
// Last-Event-ID of a browser that reconnected. Attach never creates a
// fleet. The handle's Result holds what the stream delivered from there on.
func (s *FleetsService) Attach(ctx context.Context, fleetID string, opts ...RequestOption) (*FleetRun, error) {
	open := func(ctx context.Context, decode func(string, string) (FleetEvent, error), opts []RequestOption) (*sse.Stream[FleetEvent], error) {
		return openStream(ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/fleets/%s/stream", ids: []string{fleetID}}, decode, isFleetTerminal)
	}
	r, err := newRun(ctx, true, decodeFleetEvent, newFleetFold, open, opts)
	if err != nil {
		return nil, err
	}
	r.name(fleetID, "fleet "+fleetID)
	return &FleetRun{FleetID: fleetID, run: r}, nil
}

// CreateAndWait starts a fleet and waits for its end (fleet:complete):
// CreateStream, then Result. It returns the fleet's tally, cost and the
// result of each task; a *RunError if the fleet stopped (fleet:failed,
// e.g. cancelled); or an error if ctx ended or the API refused. Once the
// fleet exists, an error names it.
func (s *FleetsService) CreateAndWait(ctx context.Context, params *FleetCreateParams, opts ...RequestOption) (*FleetResult, error) {
	run, err := s.CreateStream(ctx, params, opts...)
	if err != nil {
		return nil, err
	}
	defer run.Close()
	return run.Result(ctx)
}

// Events ranges over the fleet's events until fleet:complete or
// fleet:failed, an error, Close, or a break out of the loop, as
// sse.Stream.Events does. A resumption never delivers an event twice.
func (r *FleetRun) Events() iter.Seq2[FleetEvent, error] { return r.run.stream.Events() }

// Stream returns the fleet's event stream, e.g. for sse.Relay. Its events
// are collected into Result as well.
func (r *FleetRun) Stream() *sse.Stream[FleetEvent] { return r.run.stream }

// LastEventID returns the id of the last event collected into the result,
// where the fleet's stream would resume; empty if the server sends no ids.
func (r *FleetRun) LastEventID() string { return r.run.lastEventID() }

// Close ends the fleet's stream and releases its connection; the fleet
// goes on on the server, and Result still returns its result. Close may be
// called from any goroutine, any number of times. It always returns nil.
func (r *FleetRun) Close() error { return r.run.close() }

// Result waits for the fleet's end and returns its tally, cost and tasks,
// or the *RunError of fleet:failed. It collects every event the stream
// delivers, however it is consumed: ranged over, relayed, or by Result
// itself, which reads the stream if no one did. If the stream stopped
// before the fleet's end (a loop that broke off, a browser that left a
// relay, a cut beyond the reconnection budget, Close), Result connects
// again from the last event id and reads to the end, under ctx and the
// client's rate limit and reconnection rules; a server without event ids
// is read again from the fleet's first event. It returns an error only if
// the fleet failed, ctx ended, or the API refused or could not be reached;
// it may be called more than once, from any goroutine, before or after
// Close, and returns the same result each time.
//
// An attached handle's result holds what its stream delivered from where
// it was attached: all of it unless WithLastEventID was given. The
// reference documents neither event ids nor replay: against a server with
// neither, a fleet that ended while nobody read cannot send its end again, so
// call Result promptly, e.g. right after sse.Relay returns.
func (r *FleetRun) Result(ctx context.Context) (*FleetResult, error) {
	res, err := r.run.result(ctx)
	if res != nil {
		res.FleetID = r.FleetID
	}
	return res, err
}

// fleetFold collects a fleet's events into its FleetResult.
type fleetFold struct{ res FleetResult }

func newFleetFold() folder[FleetEvent, FleetResult] { return &fleetFold{} }

func (f *fleetFold) add(ev FleetEvent) (bool, *RunError) {
	switch e := ev.(type) {
	case *AgentCompleteEvent:
		f.res.Tasks = append(f.res.Tasks, FleetTaskResult{Index: e.Index, AgentID: e.AgentID, Output: e.Output, Cost: e.Cost})
	case *AgentFailedEvent:
		f.res.Tasks = append(f.res.Tasks, FleetTaskResult{Index: e.Index, AgentID: e.AgentID, Error: e.Message})
	case *FleetCompleteEvent:
		f.res.Completed, f.res.Failed, f.res.TotalCost = e.Completed, e.Failed, e.TotalCost
		return true, nil
	case *FleetFailedEvent:
		return true, &RunError{Message: serverText(e.Message), Cost: e.TotalCost}
	}
	return false, nil
}

func (f *fleetFold) result() *FleetResult {
	res := f.res
	res.Tasks = append([]FleetTaskResult(nil), res.Tasks...)
	return &res
}
