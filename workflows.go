package theazo

import (
	"context"
	"encoding/json"
	"fmt"
	"iter"
	"net/http"
	"time"
)

// WorkflowsService manages workflows (multi-step agent graphs) and their runs.
type WorkflowsService struct{ t *transport }

// Workflow is a graph of steps, each a task run by an agent definition.
type Workflow struct {
	// ID identifies the workflow, e.g. "wf_01HX…".
	ID string `json:"id"`
	// Name is the workflow's display name.
	Name string `json:"name"`
	// Description says what the workflow does.
	Description string `json:"description,omitempty"`
	// Steps are the workflow's steps, in the order they were given.
	Steps []WorkflowStep `json:"steps"`
	// Metadata holds the key-value pairs stored with the workflow.
	Metadata Metadata `json:"metadata,omitempty"`
	// CreatedAt is when the workflow was created.
	CreatedAt time.Time `json:"createdAt"`
	// UpdatedAt is when the workflow was last replaced.
	UpdatedAt time.Time `json:"updatedAt"`
}

// WorkflowStep is one step of a workflow: a task for an agent definition,
// run once the steps it depends on are done.
type WorkflowStep struct {
	// Name identifies the step within its workflow, e.g. "scrape".
	Name string `json:"name"`
	// DefinitionID is the agent definition that runs the step, e.g. "adef_01HX…".
	DefinitionID string `json:"definitionId"`
	// Task is the prompt given to the step's agent.
	Task string `json:"task"`
	// DependsOn names the steps that must complete before this one starts.
	DependsOn []string `json:"dependsOn,omitempty"`
	// Condition, when set, decides from the run's input whether the step runs.
	Condition string `json:"condition,omitempty"`
}

// WorkflowCreateParams are the fields of a new workflow.
type WorkflowCreateParams struct {
	// Name is the workflow's display name (required).
	Name string `json:"name"`
	// Description says what the workflow does.
	Description string `json:"description,omitempty"`
	// Steps are the workflow's steps (required, at least one).
	Steps []WorkflowStep `json:"steps"`
	// Metadata is stored with the workflow.
	Metadata Metadata `json:"metadata,omitempty"`
}

// WorkflowUpdateParams replace a workflow as a whole, as PUT does: fields
// left empty are not kept from the previous version.
type WorkflowUpdateParams struct {
	// Name is the workflow's display name (required).
	Name string `json:"name"`
	// Description says what the workflow does.
	Description string `json:"description,omitempty"`
	// Steps are the workflow's steps (required, at least one).
	Steps []WorkflowStep `json:"steps"`
	// Metadata is stored with the workflow.
	Metadata Metadata `json:"metadata,omitempty"`
}

// WorkflowListParams page through workflows.
type WorkflowListParams struct {
	// Limit is the page size; zero lets the server choose.
	Limit int `url:"limit,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
}

// WorkflowRunParams start a workflow run. All fields are optional.
type WorkflowRunParams struct {
	// Input is the run's input object, available to the steps and their conditions.
	Input map[string]any `json:"input,omitempty"`
}

// WorkflowEstimateParams describe the run to estimate. All fields are optional.
type WorkflowEstimateParams struct {
	// Input is the run's input object; it decides which conditional steps count.
	Input map[string]any `json:"input,omitempty"`
}

// WorkflowRunInfo is one execution of a workflow, as the API describes it;
// a WorkflowRun is the handle that follows one.
type WorkflowRunInfo struct {
	// ID identifies the run, e.g. "wfr_01HX…".
	ID string `json:"id"`
	// WorkflowID is the workflow being run.
	WorkflowID string `json:"workflowId"`
	// Status is the run's state.
	Status WorkflowRunStatus `json:"status"`
	// Output is the run's result as sent, once it completed.
	Output json.RawMessage `json:"output,omitempty"`
	// Cost is what the run has cost so far; zero until the server reports it.
	Cost Money `json:"cost,omitzero"`
	// Steps reports the state of each step, when the server includes it.
	Steps []WorkflowRunStep `json:"steps,omitempty"`
	// CreatedAt is when the run was started.
	CreatedAt time.Time `json:"createdAt"`
}

// WorkflowRunStatus is a workflow run's state. Values the SDK does not know are kept.
type WorkflowRunStatus string

// Workflow run states: queued → running → completed or failed.
const (
	WorkflowRunStatusQueued    WorkflowRunStatus = "queued"
	WorkflowRunStatusRunning   WorkflowRunStatus = "running"
	WorkflowRunStatusCompleted WorkflowRunStatus = "completed"
	WorkflowRunStatusFailed    WorkflowRunStatus = "failed"
)

// WorkflowRunStep is the state of one step within a run.
type WorkflowRunStep struct {
	// Name is the step's name in the workflow.
	Name string `json:"name"`
	// Status is the step's state.
	Status WorkflowStepStatus `json:"status"`
	// Output is the step's result as sent, once it completed.
	Output json.RawMessage `json:"output,omitempty"`
	// DurationMs is how long the step ran, in milliseconds, once it finished.
	DurationMs int64 `json:"durationMs,omitempty"`
}

// WorkflowStepStatus is a step's state within a run. Values the SDK does not know are kept.
type WorkflowStepStatus string

// Step states within a run. A step whose condition is false is skipped.
const (
	WorkflowStepStatusPending   WorkflowStepStatus = "pending"
	WorkflowStepStatusRunning   WorkflowStepStatus = "running"
	WorkflowStepStatusCompleted WorkflowStepStatus = "completed"
	WorkflowStepStatusFailed    WorkflowStepStatus = "failed"
	WorkflowStepStatusSkipped   WorkflowStepStatus = "skipped"
)

// WorkflowEstimate is the expected cost of a run, from the workflow's step
// graph and historical averages.
type WorkflowEstimate struct {
	// Steps is how many steps are expected to run.
	Steps int `json:"steps"`
	// EstimatedMinutes is the expected compute time in minutes.
	EstimatedMinutes float64 `json:"estimatedMinutes"`
	// EstimatedCost is the expected total cost.
	EstimatedCost Money `json:"estimatedCost"`
	// Confidence says how much history backs the estimate.
	Confidence EstimateConfidence `json:"confidence"`
}

// EstimateConfidence is how reliable an estimate is. Values the SDK does not know are kept.
type EstimateConfidence string

// The confidence levels of an estimate.
const (
	ConfidenceLow    EstimateConfidence = "low"
	ConfidenceMedium EstimateConfidence = "medium"
	ConfidenceHigh   EstimateConfidence = "high"
)

// Create creates a workflow (POST /workflows). Name and at least
// one step are required; they are checked before anything is sent.
func (s *WorkflowsService) Create(ctx context.Context, params *WorkflowCreateParams, opts ...RequestOption) (*Workflow, error) {
	p := orEmpty(params)
	if err := checkWorkflow(p.Name, p.Steps); err != nil {
		return nil, err
	}
	return call[Workflow](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/workflows", body: p})
}

// ListPage returns one page of workflows (GET /workflows).
func (s *WorkflowsService) ListPage(ctx context.Context, params *WorkflowListParams, opts ...RequestOption) (*Page[Workflow], error) {
	return call[Page[Workflow]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/workflows", query: params})
}

// List ranges over every workflow, fetching pages lazily from params.Cursor on.
func (s *WorkflowsService) List(ctx context.Context, params *WorkflowListParams, opts ...RequestOption) iter.Seq2[*Workflow, error] {
	return paginate(ctx, params, func(p *WorkflowListParams) *string { return &p.Cursor }, func(ctx context.Context, p *WorkflowListParams) (*Page[Workflow], error) {
		return s.ListPage(ctx, p, opts...)
	})
}

// Get returns a workflow (GET /workflows/{id}).
func (s *WorkflowsService) Get(ctx context.Context, workflowID string, opts ...RequestOption) (*Workflow, error) {
	return call[Workflow](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/workflows/%s", ids: []string{workflowID}})
}

// Update replaces a workflow's name, description, steps and metadata
// (PUT /workflows/{id}). As with Create, Name and at least one step
// are required.
func (s *WorkflowsService) Update(ctx context.Context, workflowID string, params *WorkflowUpdateParams, opts ...RequestOption) (*Workflow, error) {
	p := orEmpty(params)
	if err := checkWorkflow(p.Name, p.Steps); err != nil {
		return nil, err
	}
	return call[Workflow](ctx, s.t, request{opts: opts, method: http.MethodPut, path: "/workflows/%s", ids: []string{workflowID}, body: p})
}

// Delete deletes a workflow (DELETE /workflows/{id}).
func (s *WorkflowsService) Delete(ctx context.Context, workflowID string, opts ...RequestOption) error {
	return callOK(ctx, s.t, request{opts: opts, method: http.MethodDelete, path: "/workflows/%s", ids: []string{workflowID}})
}

// Run starts a run of the workflow in the background
// (POST /workflows/{id}/run) and returns it at once, queued.
// Follow it with Attach or GetRun, or use RunStream. Once sent it is retried only after a
// 429, which the API answers without starting anything, so the SDK never
// starts a run twice.
func (s *WorkflowsService) Run(ctx context.Context, workflowID string, params *WorkflowRunParams, opts ...RequestOption) (*WorkflowRunInfo, error) {
	return call[WorkflowRunInfo](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/workflows/%s/run", ids: []string{workflowID}, body: orEmpty(params)})
}

// GetRun returns a workflow run with its status, steps, output and cost
// (GET /workflow-runs/{runId}).
func (s *WorkflowsService) GetRun(ctx context.Context, runID string, opts ...RequestOption) (*WorkflowRunInfo, error) {
	return call[WorkflowRunInfo](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/workflow-runs/%s", ids: []string{runID}})
}

// Estimate predicts the cost of running the workflow with the given input,
// without running it (POST /workflows/{id}/estimate).
func (s *WorkflowsService) Estimate(ctx context.Context, workflowID string, params *WorkflowEstimateParams, opts ...RequestOption) (*WorkflowEstimate, error) {
	return call[WorkflowEstimate](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/workflows/%s/estimate", ids: []string{workflowID}, body: orEmpty(params)})
}

// checkWorkflow checks the fields Create and Update require.
func checkWorkflow(name string, steps []WorkflowStep) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: Name is required", ErrInvalidParams)
	case len(steps) == 0:
		return fmt.Errorf("%w: at least one step is required", ErrInvalidParams)
	}
	return nil
}
