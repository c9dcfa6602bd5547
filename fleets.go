package theazo

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"time"
)

// FleetsService runs one agent definition over many tasks at once.
//
// It has no Update or Delete, unlike WorkflowsService: a workflow is a
// template that is edited and run many times, while a fleet is one run that
// starts when it is created, like a workflow run. There is nothing to edit
// once its agents are working, and stopping it is Cancel. The reference
// alludes to fleet "CRUD" without spelling out an update or a delete, so
// the SDK guesses no endpoint whose meaning for a running fleet (replace
// the tasks? cancel? erase the record?) it cannot know.
type FleetsService struct{ t *transport }

// Fleet is one agent definition run over many tasks in parallel, an agent
// per task.
type Fleet struct {
	// ID identifies the fleet, e.g. "flt_01HX…".
	ID string `json:"id"`
	// SessionID is the session the fleet's agents run in and bill to.
	SessionID string `json:"sessionId"`
	// DefinitionID is the agent definition every agent of the fleet uses.
	DefinitionID string `json:"definitionId"`
	// Instructions are added to every task prompt.
	Instructions string `json:"instructions,omitempty"`
	// Tasks are the fleet's tasks, one agent each, in the order given.
	Tasks []string `json:"tasks"`
	// Concurrency is how many agents run at once.
	Concurrency int `json:"concurrency"`
	// Status is the fleet's state.
	Status FleetStatus `json:"status"`
	// Completed counts the tasks that completed.
	Completed int `json:"completed"`
	// Failed counts the tasks that failed.
	Failed int `json:"failed"`
	// TotalCost is what the fleet has cost so far.
	TotalCost Money `json:"totalCost"`
	// CreatedAt is when the fleet was created.
	CreatedAt time.Time `json:"createdAt"`
}

// FleetStatus is a fleet's state. Values the SDK does not know are kept.
type FleetStatus string

// Fleet states: running, then completed, failed or cancelled.
const (
	FleetStatusRunning   FleetStatus = "running"
	FleetStatusCompleted FleetStatus = "completed"
	FleetStatusFailed    FleetStatus = "failed"
	FleetStatusCancelled FleetStatus = "cancelled"
)

// FleetCreateParams describe a new fleet.
type FleetCreateParams struct {
	// SessionID is the session the agents run in (required).
	SessionID string `json:"sessionId"`
	// DefinitionID is the agent definition every agent uses (required).
	DefinitionID string `json:"definitionId"`
	// Instructions are added to every task prompt.
	Instructions string `json:"instructions,omitempty"`
	// Tasks are the tasks to run, one agent each (required, at least one).
	Tasks []string `json:"tasks"`
	// Concurrency caps the agents running at once; zero lets the server choose.
	Concurrency int `json:"concurrency,omitempty"`
}

// FleetListParams page through fleets.
type FleetListParams struct {
	// Limit is the page size; zero lets the server choose.
	Limit int `url:"limit,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
}

// Create starts a fleet (POST /fleets). SessionID, DefinitionID
// and at least one task are required; they are checked before anything is
// sent. Once sent it is retried only after a 429, which the API answers
// without starting anything.
func (s *FleetsService) Create(ctx context.Context, params *FleetCreateParams, opts ...RequestOption) (*Fleet, error) {
	p := orEmpty(params)
	switch {
	case p.SessionID == "":
		return nil, fmt.Errorf("%w: SessionID is required", ErrInvalidParams)
	case p.DefinitionID == "":
		return nil, fmt.Errorf("%w: DefinitionID is required", ErrInvalidParams)
	case len(p.Tasks) == 0:
		return nil, fmt.Errorf("%w: at least one task is required", ErrInvalidParams)
	}
	return call[Fleet](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/fleets", body: p})
}

// ListPage returns one page of fleets (GET /fleets).
func (s *FleetsService) ListPage(ctx context.Context, params *FleetListParams, opts ...RequestOption) (*Page[Fleet], error) {
	return call[Page[Fleet]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/fleets", query: params})
}

// List ranges over every fleet, fetching pages lazily from params.Cursor on.
func (s *FleetsService) List(ctx context.Context, params *FleetListParams, opts ...RequestOption) iter.Seq2[*Fleet, error] {
	return paginate(ctx, params, func(p *FleetListParams) *string { return &p.Cursor }, func(ctx context.Context, p *FleetListParams) (*Page[Fleet], error) {
		return s.ListPage(ctx, p, opts...)
	})
}

// Get returns a fleet with its progress and cost (GET /fleets/{id}).
func (s *FleetsService) Get(ctx context.Context, fleetID string, opts ...RequestOption) (*Fleet, error) {
	return call[Fleet](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/fleets/%s", ids: []string{fleetID}})
}

// Cancel stops a fleet's remaining tasks and returns the fleet, cancelled
// (POST /fleets/{id}/cancel).
func (s *FleetsService) Cancel(ctx context.Context, fleetID string, opts ...RequestOption) (*Fleet, error) {
	return call[Fleet](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/fleets/%s/cancel", ids: []string{fleetID}})
}
