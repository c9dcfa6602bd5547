package theazo

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"time"
)

// SchedulesService manages cron schedules that run agents or workflows.
type SchedulesService struct{ t *transport }

// Schedule runs an Action at the times its cron expression matches, in UTC.
type Schedule struct {
	// ID identifies the schedule, e.g. "sched_01HX…".
	ID string `json:"id"`
	// Name is the schedule's human-readable name.
	Name string `json:"name"`
	// Cron is the schedule's five-field cron expression, in UTC.
	Cron string `json:"cron"`
	// Action is what runs at each matching time.
	Action Action `json:"action"`
	// Status says whether the schedule fires.
	Status ScheduleStatus `json:"status"`
	// Metadata holds the key-value pairs stored with the schedule.
	Metadata Metadata `json:"metadata,omitempty"`
	// NextRunAt is the next time the schedule fires; zero when it will not,
	// e.g. while paused.
	NextRunAt time.Time `json:"nextRunAt,omitzero"`
	// CreatedAt is when the schedule was created.
	CreatedAt time.Time `json:"createdAt"`
}

// ScheduleStatus is a schedule's state. Values the SDK does not know are kept.
type ScheduleStatus string

// Schedule states.
const (
	ScheduleStatusActive ScheduleStatus = "active"
	ScheduleStatusPaused ScheduleStatus = "paused"
)

// ScheduleCreateParams are the fields of a new schedule.
type ScheduleCreateParams struct {
	// Name is a human-readable name (required).
	Name string `json:"name"`
	// Cron is a five-field cron expression in UTC, e.g. "0 9 * * 1-5" for
	// weekdays at 09:00 (required). It is checked with ValidateCron first.
	Cron string `json:"cron"`
	// Action is what to run (required; Action.Type must be set).
	Action Action `json:"action"`
	// Metadata is stored with the schedule.
	Metadata Metadata `json:"metadata,omitempty"`
}

// ScheduleUpdateParams change a schedule. Only the fields set are sent, so
// the others keep their values.
type ScheduleUpdateParams struct {
	// Name replaces the name when not empty.
	Name string `json:"name,omitempty"`
	// Cron replaces the cron expression when not empty; it is checked with
	// ValidateCron first.
	Cron string `json:"cron,omitempty"`
	// Action replaces the action when not nil.
	Action *Action `json:"action,omitempty"`
}

// ScheduleListParams filter and page through schedules.
type ScheduleListParams struct {
	// Limit is the page size; zero lets the server choose.
	Limit int `url:"limit,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
	// Status keeps only schedules in that state; empty lists all.
	Status ScheduleStatus `url:"status,omitempty"`
}

// Create creates a schedule (POST /schedules). Its first run is at the next
// time Cron matches. A malformed cron expression is reported locally, as a
// *CronError, before any request.
func (s *SchedulesService) Create(ctx context.Context, params *ScheduleCreateParams, opts ...RequestOption) (*Schedule, error) {
	switch {
	case params == nil || params.Name == "":
		return nil, fmt.Errorf("%w: Name is required", ErrInvalidParams)
	case params.Cron == "":
		return nil, fmt.Errorf("%w: Cron is required", ErrInvalidParams)
	}
	if err := ValidateCron(params.Cron); err != nil {
		return nil, err
	}
	if err := params.Action.validate(); err != nil {
		return nil, err
	}
	return call[Schedule](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/schedules", body: params})
}

// ListPage returns one page of schedules, active and paused unless
// params.Status says (GET /schedules).
func (s *SchedulesService) ListPage(ctx context.Context, params *ScheduleListParams, opts ...RequestOption) (*Page[Schedule], error) {
	return call[Page[Schedule]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/schedules", query: params})
}

// List ranges over every schedule, fetching pages lazily from params.Cursor on.
func (s *SchedulesService) List(ctx context.Context, params *ScheduleListParams, opts ...RequestOption) iter.Seq2[*Schedule, error] {
	return paginate(ctx, params, func(p *ScheduleListParams) *string { return &p.Cursor }, func(ctx context.Context, p *ScheduleListParams) (*Page[Schedule], error) {
		return s.ListPage(ctx, p, opts...)
	})
}

// Update changes a schedule's name, cron expression or action
// (PATCH /schedules/{id}), sending only the fields set. Params with no field
// set are refused locally, as is a malformed cron expression.
func (s *SchedulesService) Update(ctx context.Context, scheduleID string, params *ScheduleUpdateParams, opts ...RequestOption) (*Schedule, error) {
	if params == nil || params.Name == "" && params.Cron == "" && params.Action == nil {
		return nil, fmt.Errorf("%w: set at least one of Name, Cron and Action", ErrInvalidParams)
	}
	if params.Cron != "" {
		if err := ValidateCron(params.Cron); err != nil {
			return nil, err
		}
	}
	if params.Action != nil {
		if err := params.Action.validate(); err != nil {
			return nil, err
		}
	}
	return call[Schedule](ctx, s.t, request{opts: opts, method: http.MethodPatch, path: "/schedules/%s", ids: []string{scheduleID}, body: params})
}

// Delete deletes a schedule and cancels its future runs (DELETE /schedules/{id}).
func (s *SchedulesService) Delete(ctx context.Context, scheduleID string, opts ...RequestOption) error {
	return callOK(ctx, s.t, request{opts: opts, method: http.MethodDelete, path: "/schedules/%s", ids: []string{scheduleID}})
}

// Pause stops a schedule from firing until it is resumed
// (POST /schedules/{id}/pause).
func (s *SchedulesService) Pause(ctx context.Context, scheduleID string, opts ...RequestOption) (*Schedule, error) {
	return call[Schedule](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/schedules/%s/pause", ids: []string{scheduleID}})
}

// Resume restarts a paused schedule; its next run is at the next time its
// cron expression matches (POST /schedules/{id}/resume).
func (s *SchedulesService) Resume(ctx context.Context, scheduleID string, opts ...RequestOption) (*Schedule, error) {
	return call[Schedule](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/schedules/%s/resume", ids: []string{scheduleID}})
}
