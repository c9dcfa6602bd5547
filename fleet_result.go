package theazo

import (
	"context"
	"fmt"

	"github.com/theazo/theazo-go/sse"
)

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

// Wait follows a fleet to its end (fleet:complete) and returns its tally,
// cost and the result of each task; a *RunError if the fleet stopped
// (fleet:failed, e.g. cancelled); sse.ErrInterrupted if the stream ended
// before the fleet did; or ctx's error. A fleet's stream starts at its first
// event, so Wait may be called any time after Create.
func (s *FleetsService) Wait(ctx context.Context, fleetID string, opts ...RequestOption) (*FleetResult, error) {
	stream, err := s.Stream(ctx, fleetID, opts...)
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	res := &FleetResult{FleetID: fleetID}
	for ev, err := range stream.Events() {
		if err != nil {
			return nil, err
		}
		switch e := ev.(type) {
		case *AgentCompleteEvent:
			res.Tasks = append(res.Tasks, FleetTaskResult{Index: e.Index, AgentID: e.AgentID, Output: e.Output, Cost: e.Cost})
		case *AgentFailedEvent:
			res.Tasks = append(res.Tasks, FleetTaskResult{Index: e.Index, AgentID: e.AgentID, Error: e.Message})
		case *FleetCompleteEvent:
			res.Completed, res.Failed, res.TotalCost = e.Completed, e.Failed, e.TotalCost
			return res, nil
		case *FleetFailedEvent:
			return nil, &RunError{ID: fleetID, Message: e.Message, Cost: e.TotalCost}
		}
	}
	return nil, fmt.Errorf("%w: fleet %s ended before fleet:complete", sse.ErrInterrupted, fleetID)
}
