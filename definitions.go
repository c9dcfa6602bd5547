package theazo

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"time"
)

// DefinitionsService manages agent definitions: reusable, versioned templates.
type DefinitionsService struct{ t *transport }

// AgentDefinition is a reusable agent configuration. Every update creates a
// new version; agents already created from it are not affected.
type AgentDefinition struct {
	// ID identifies the definition, e.g. "adef_01HX…".
	ID string `json:"id"`
	// Name is the definition's human-readable name.
	Name string `json:"name"`
	// Version starts at 1 and increments with every update.
	Version int `json:"version"`
	// Instructions are the system-level instructions of agents made from it.
	Instructions string `json:"instructions,omitempty"`
	// Tools lists the enabled built-in tools.
	Tools []string `json:"tools,omitempty"`
	// Model is the model configuration.
	Model *DefinitionModel `json:"model,omitempty"`
	// Compute is the compute configuration.
	Compute *DefinitionCompute `json:"compute,omitempty"`
	// Metadata holds the key-value pairs stored with the definition.
	Metadata Metadata `json:"metadata,omitempty"`
	// Archived reports whether the definition was archived.
	Archived bool `json:"archived"`
	// CreatedAt is when the definition was created.
	CreatedAt time.Time `json:"createdAt"`
	// UpdatedAt is when its latest version was created.
	UpdatedAt time.Time `json:"updatedAt"`
}

// DefinitionModel is the model configuration of an agent definition.
type DefinitionModel struct {
	// ID of the model, e.g. "claude-sonnet-4-20250514".
	ID string `json:"id,omitempty"`
	// MaxTokens caps the tokens of one model reply; zero is not sent and
	// leaves the server's default.
	MaxTokens int `json:"maxTokens,omitempty"`
	// Temperature is the sampling temperature. Nil is not sent and leaves the
	// server's default; theazo.Ptr(0.0) sends 0.
	Temperature *float64 `json:"temperature,omitempty"`
}

// DefinitionCompute is the compute configuration of an agent definition.
type DefinitionCompute struct {
	// Provider runs the agents' sandboxes; empty leaves the platform default.
	Provider ComputeProvider `json:"provider,omitempty"`
	// TimeoutSeconds caps one run; zero is not sent and leaves the server's default.
	TimeoutSeconds int `json:"timeout,omitempty"`
}

// DefinitionCreateParams are the fields of a new agent definition.
type DefinitionCreateParams struct {
	// Name is the definition's human-readable name (required).
	Name string `json:"name"`
	// Instructions are the system-level instructions of agents made from it.
	Instructions string `json:"instructions,omitempty"`
	// Tools enables built-in tools: "web_search", "http_request", "write_file", …
	Tools []string `json:"tools,omitempty"`
	// Model is the model configuration.
	Model *DefinitionModel `json:"model,omitempty"`
	// Compute is the compute configuration.
	Compute *DefinitionCompute `json:"compute,omitempty"`
	// Metadata is stored with the definition.
	Metadata Metadata `json:"metadata,omitempty"`
}

// DefinitionUpdateParams are the configuration of a definition's next
// version. Fields left at their zero value are not sent.
type DefinitionUpdateParams struct {
	// Instructions are the updated system instructions. Nil is not sent and
	// keeps them; theazo.Ptr("") sends "" and clears them.
	Instructions *string `json:"instructions,omitempty"`
	// Tools is the updated tool list. Nil is not sent; an empty, non-nil
	// slice is sent as [] to clear the list.
	Tools []string `json:"tools,omitzero"`
	// Model is the updated model configuration.
	Model *DefinitionModel `json:"model,omitempty"`
	// Compute is the updated compute configuration.
	Compute *DefinitionCompute `json:"compute,omitempty"`
}

// DefinitionListParams page through agent definitions.
type DefinitionListParams struct {
	// Limit is the page size; zero lets the server choose.
	Limit int `url:"limit,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
	// IncludeArchived lists archived definitions too.
	IncludeArchived bool `url:"includeArchived,omitempty"`
}

// Create creates an agent definition at version 1 (POST /agent-definitions).
// Name is required and checked before anything is sent.
func (s *DefinitionsService) Create(ctx context.Context, params *DefinitionCreateParams, opts ...RequestOption) (*AgentDefinition, error) {
	if params == nil || params.Name == "" {
		return nil, fmt.Errorf("%w: Name is required", ErrInvalidParams)
	}
	return call[AgentDefinition](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/agent-definitions", body: params})
}

// ListPage returns one page of agent definitions (GET /agent-definitions).
// Archived definitions are left out unless params.IncludeArchived is set.
func (s *DefinitionsService) ListPage(ctx context.Context, params *DefinitionListParams, opts ...RequestOption) (*Page[AgentDefinition], error) {
	return call[Page[AgentDefinition]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/agent-definitions", query: params})
}

// List ranges over every agent definition, fetching pages lazily from
// params.Cursor on.
func (s *DefinitionsService) List(ctx context.Context, params *DefinitionListParams, opts ...RequestOption) iter.Seq2[*AgentDefinition, error] {
	return paginate(ctx, params, func(p *DefinitionListParams) *string { return &p.Cursor }, func(ctx context.Context, p *DefinitionListParams) (*Page[AgentDefinition], error) {
		return s.ListPage(ctx, p, opts...)
	})
}

// Get returns an agent definition at its latest version
// (GET /agent-definitions/{id}).
func (s *DefinitionsService) Get(ctx context.Context, definitionID string, opts ...RequestOption) (*AgentDefinition, error) {
	return call[AgentDefinition](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/agent-definitions/%s", ids: []string{definitionID}})
}

// Update creates the definition's next version from params
// (PUT /agent-definitions/{id}) and returns it. Agents already created from
// the definition are not affected. A nil params is sent as {}.
func (s *DefinitionsService) Update(ctx context.Context, definitionID string, params *DefinitionUpdateParams, opts ...RequestOption) (*AgentDefinition, error) {
	return call[AgentDefinition](ctx, s.t, request{opts: opts, method: http.MethodPut, path: "/agent-definitions/%s", ids: []string{definitionID}, body: orEmpty(params)})
}

// Archive archives a definition (DELETE /agent-definitions/{id}): it leaves
// the default list and can no longer create agents. Existing agents are not
// affected.
func (s *DefinitionsService) Archive(ctx context.Context, definitionID string, opts ...RequestOption) error {
	return callOK(ctx, s.t, request{opts: opts, method: http.MethodDelete, path: "/agent-definitions/%s", ids: []string{definitionID}})
}
