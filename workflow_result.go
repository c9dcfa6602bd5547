package theazo

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/theazo/theazo-go/sse"
)

// WorkflowRunResult is what a workflow run produced, collected from its events.
type WorkflowRunResult struct {
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

// RunAndWait starts a run of the workflow and waits for its end
// (workflow:complete). It returns the run's output, total cost and the
// result of each step; a *RunError if the run failed; sse.ErrInterrupted if
// the stream ended before the run did; or ctx's error. Once the run has
// started, an error names it, so that it can be followed with GetRun.
func (s *WorkflowsService) RunAndWait(ctx context.Context, workflowID string, params *WorkflowRunParams, opts ...RequestOption) (*WorkflowRunResult, error) {
	run, err := s.Run(ctx, workflowID, params, opts...)
	if err != nil {
		return nil, err
	}
	// A run's stream starts at its first event, so nothing is missed.
	stream, err := s.StreamRun(ctx, run.ID, opts...)
	if err != nil {
		return nil, fmt.Errorf("theazo: following workflow run %s: %w", run.ID, err)
	}
	defer stream.Close()
	res := &WorkflowRunResult{RunID: run.ID}
	for ev, err := range stream.Events() {
		if err != nil {
			return nil, fmt.Errorf("theazo: following workflow run %s: %w", run.ID, err)
		}
		switch e := ev.(type) {
		case *StepCompleteEvent:
			res.Steps = append(res.Steps, WorkflowStepResult{Step: e.Step, Index: e.Index, Output: e.Output, DurationMs: e.DurationMs})
		case *WorkflowCompleteEvent:
			res.Output, res.Cost = e.Output, e.Cost
			return res, nil
		case *WorkflowFailedEvent:
			return nil, &RunError{ID: run.ID, Step: e.Step, Message: e.Message, Cost: e.Cost}
		}
	}
	return nil, fmt.Errorf("%w: workflow run %s ended before workflow:complete", sse.ErrInterrupted, run.ID)
}
