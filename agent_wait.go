package theazo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/theazo/theazo-go/internal/retry"
)

// ErrStatusUnreachable is returned by WaitUntil when the agent is in a status
// from which none of the wanted ones can follow, e.g. terminated.
var ErrStatusUnreachable = errors.New("theazo: the agent cannot reach the wanted status")

// WaitUntil's polls start about firstPoll apart and back off to lastPoll.
const (
	firstPoll = 250 * time.Millisecond
	lastPoll  = 5 * time.Second
)

// WaitUntil polls the agent (Get, with opts) until its status is status
// and returns it, e.g. WaitUntil(ctx, id, AgentStatusIdle) after Create.
// Polls start about 250 ms apart and back off to 5 s, with jitter; each
// goes through the client's one request path and its rate governor. It
// fails at once with ErrStatusUnreachable when the agent reaches a status
// from which status cannot follow (terminated is final; provisioning does
// not come back), and with ctx's error, wrapped with the last status seen,
// when ctx ends first.
func (s *AgentsService) WaitUntil(ctx context.Context, agentID string, status AgentStatus, opts ...RequestOption) (*Agent, error) {
	if status == "" {
		return nil, fmt.Errorf("%w: WaitUntil needs a status", ErrInvalidParams)
	}
	var last AgentStatus
	for attempt := 0; ; attempt++ {
		a, err := s.Get(ctx, agentID, opts...)
		if err != nil {
			if last != "" && ctx.Err() != nil { // ctx ended during a poll rather than between two
				return nil, fmt.Errorf("theazo: waiting for agent %s to be %s (it was %s): %w", agentID, status, last, err)
			}
			return nil, err
		}
		last = a.Status
		if a.Status == status {
			return a, nil
		}
		if a.Status == "" { // polling could not end: nothing says the agent changes
			return nil, fmt.Errorf("%w: agent %s has no status", ErrInvalidResponse, agentID)
		}
		if !canBecome(a.Status, status) {
			return nil, fmt.Errorf("%w: agent %s is %s, waiting for %s", ErrStatusUnreachable, agentID, a.Status, status)
		}
		t := time.NewTimer(retry.Exponential(firstPoll, lastPoll, attempt))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("theazo: waiting for agent %s to be %s (it was %s): %w", agentID, status, a.Status, ctx.Err())
		}
	}
}

// canBecome reports whether an agent in status from may later be in to.
// Unknown statuses are assumed to lead anywhere but back to provisioning.
func canBecome(from, to AgentStatus) bool {
	switch {
	case from == AgentStatusTerminated:
		return false
	case to == AgentStatusProvisioning:
		return from == AgentStatusProvisioning
	}
	return true
}
