package theazo

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// researchV1 is testdata/definitions/definition.json decoded.
var researchV1 = AgentDefinition{
	ID:           "adef_01HX3K2DEF",
	Name:         "Research Assistant",
	Version:      1,
	Instructions: "You are a research assistant. Be thorough and cite sources.",
	Tools:        []string{"web_search", "write_file"},
	Model:        &DefinitionModel{ID: "claude-sonnet-4-20250514"},
	CreatedAt:    time.Date(2025, time.May, 1, 9, 30, 0, 0, time.UTC),
	UpdatedAt:    time.Date(2025, time.May, 1, 9, 30, 0, 0, time.UTC),
}

// researchV2 is testdata/definitions/updated.json decoded: researchV1 with
// a third tool.
var researchV2 = func() AgentDefinition {
	d := researchV1
	d.Version = 2
	d.Tools = []string{"web_search", "write_file", "http_request"}
	d.UpdatedAt = time.Date(2025, time.May, 2, 8, 15, 0, 0, time.UTC)
	return d
}()

// supportV5 is the second item of testdata/definitions/list.json decoded.
var supportV5 = AgentDefinition{
	ID:           "adef_01HX3K2XYZ",
	Name:         "Support Agent",
	Version:      5,
	Instructions: "You are a helpful support agent for Acme Corp.",
	Tools:        []string{"http_request"},
	Model:        &DefinitionModel{ID: "claude-sonnet-4-20250514", MaxTokens: 4096, Temperature: Ptr(0.0)},
	Compute:      &DefinitionCompute{Provider: ComputeFly, TimeoutSeconds: 120},
	Metadata:     Metadata{"team": "support"},
	Archived:     true,
	CreatedAt:    time.Date(2025, time.April, 20, 10, 0, 0, 0, time.UTC),
	UpdatedAt:    time.Date(2025, time.April, 28, 17, 20, 0, 0, time.UTC),
}

func TestDefinitions(t *testing.T) {
	t.Parallel()
	checkV1 := func(t *testing.T, got any) { assert.Equal(t, researchV1, *got.(*AgentDefinition)) }
	checkV2 := func(t *testing.T, got any) { assert.Equal(t, researchV2, *got.(*AgentDefinition)) }
	checkPage := func(t *testing.T, got any) {
		p := got.(*Page[AgentDefinition])
		assert.Equal(t, []AgentDefinition{researchV2, supportV5}, p.Data)
		assert.Equal(t, "cur_01HX3K2NEXT", p.NextCursor)
		assert.True(t, p.HasMore)
	}
	checkOK := func(t *testing.T, got any) { assert.Nil(t, got) }
	runEndpointCases(t, []endpointCase{{
		name: "create as in the reference",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Create(ctx, &DefinitionCreateParams{
				Name:         "Research Assistant",
				Instructions: "You are a research assistant. Be thorough and cite sources.",
				Tools:        []string{"web_search", "write_file"},
				Model:        &DefinitionModel{ID: "claude-sonnet-4-20250514"},
			})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "definitions/definition.json")},
		wantMethod: "POST", wantPath: "/v1/agent-definitions",
		wantBody: `{"name":"Research Assistant","instructions":"You are a research assistant. Be thorough and cite sources.","tools":["web_search","write_file"],"model":{"id":"claude-sonnet-4-20250514"}}`,
		check:    checkV1,
	}, {
		name: "create with every field, temperature 0 sent",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Create(ctx, &DefinitionCreateParams{
				Name:         "Support Agent",
				Instructions: "Be kind.",
				Tools:        []string{"http_request"},
				Model:        &DefinitionModel{ID: "claude-sonnet-4-20250514", MaxTokens: 4096, Temperature: Ptr(0.0)},
				Compute:      &DefinitionCompute{Provider: ComputeFly, TimeoutSeconds: 120},
				Metadata:     Metadata{"team": "support"},
			})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "definitions/definition.json")},
		wantMethod: "POST", wantPath: "/v1/agent-definitions",
		wantBody: `{"name":"Support Agent","instructions":"Be kind.","tools":["http_request"],
			"model":{"id":"claude-sonnet-4-20250514","maxTokens":4096,"temperature":0},
			"compute":{"provider":"fly","timeout":120},"metadata":{"team":"support"}}`,
		check: checkV1,
	}, {
		name: "create: unset temperature, max tokens, provider and timeout are absent",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Create(ctx, &DefinitionCreateParams{
				Name:    "Minimal",
				Model:   &DefinitionModel{ID: "gpt-4o"},
				Compute: &DefinitionCompute{TimeoutSeconds: 60},
			})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "definitions/definition.json")},
		wantMethod: "POST", wantPath: "/v1/agent-definitions",
		wantBody: `{"name":"Minimal","model":{"id":"gpt-4o"},"compute":{"timeout":60}}`,
		check:    checkV1,
	}, {
		name: "create with a temperature",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Create(ctx, &DefinitionCreateParams{Name: "Warm", Model: &DefinitionModel{ID: "gpt-4o", Temperature: Ptr(0.7)}})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "definitions/definition.json")},
		wantMethod: "POST", wantPath: "/v1/agent-definitions",
		wantBody: `{"name":"Warm","model":{"id":"gpt-4o","temperature":0.7}}`,
		check:    checkV1,
	}, {
		name:       "list page, nil params",
		call:       func(ctx context.Context, c *Client) (any, error) { return c.Definitions.ListPage(ctx, nil) },
		reply:      reply{Body: golden(t, "definitions/list.json")},
		wantMethod: "GET", wantPath: "/v1/agent-definitions",
		check: checkPage,
	}, {
		name: "list page with every param",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.ListPage(ctx, &DefinitionListParams{Limit: 25, Cursor: "cur_01HX", IncludeArchived: true})
		},
		reply:      reply{Body: golden(t, "definitions/list.json")},
		wantMethod: "GET", wantPath: "/v1/agent-definitions", wantQuery: "cursor=cur_01HX&includeArchived=true&limit=25",
		check: checkPage,
	}, {
		name: "list page: includeArchived false is not sent",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.ListPage(ctx, &DefinitionListParams{Limit: 10})
		},
		reply:      reply{Body: golden(t, "definitions/list.json")},
		wantMethod: "GET", wantPath: "/v1/agent-definitions", wantQuery: "limit=10",
		check: checkPage,
	}, {
		name:       "get",
		call:       func(ctx context.Context, c *Client) (any, error) { return c.Definitions.Get(ctx, "adef_01HX3K2DEF") },
		reply:      reply{Body: golden(t, "definitions/definition.json")},
		wantMethod: "GET", wantPath: "/v1/agent-definitions/adef_01HX3K2DEF",
		check: checkV1,
	}, {
		name:       "get escapes the id",
		call:       func(ctx context.Context, c *Client) (any, error) { return c.Definitions.Get(ctx, "a/b?x") },
		reply:      reply{Body: golden(t, "definitions/definition.json")},
		wantMethod: "GET", wantPath: "/v1/agent-definitions/a%2Fb%3Fx",
		check: checkV1,
	}, {
		name: "update as in the reference",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Update(ctx, "adef_01HX3K2DEF", &DefinitionUpdateParams{
				Model: &DefinitionModel{ID: "claude-sonnet-4-20250514"},
				Tools: []string{"web_search", "write_file", "http_request"},
			})
		},
		reply:      reply{Body: golden(t, "definitions/updated.json")},
		wantMethod: "PUT", wantPath: "/v1/agent-definitions/adef_01HX3K2DEF",
		wantBody: `{"model":{"id":"claude-sonnet-4-20250514"},"tools":["web_search","write_file","http_request"]}`,
		check:    checkV2,
	}, {
		name: "update sends every field set",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Update(ctx, "adef_01HX3K2DEF", &DefinitionUpdateParams{
				Instructions: Ptr("Cite two sources."),
				Tools:        []string{"web_search"},
				Model:        &DefinitionModel{ID: "claude-sonnet-4-20250514", MaxTokens: 2048, Temperature: Ptr(0.0)},
				Compute:      &DefinitionCompute{Provider: ComputeE2B, TimeoutSeconds: 300},
			})
		},
		reply:      reply{Body: golden(t, "definitions/updated.json")},
		wantMethod: "PUT", wantPath: "/v1/agent-definitions/adef_01HX3K2DEF",
		wantBody: `{"instructions":"Cite two sources.","tools":["web_search"],
			"model":{"id":"claude-sonnet-4-20250514","maxTokens":2048,"temperature":0},
			"compute":{"provider":"e2b","timeout":300}}`,
		check: checkV2,
	}, {
		name: "update: an empty tool list clears the tools",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Update(ctx, "adef_01HX3K2DEF", &DefinitionUpdateParams{Tools: []string{}})
		},
		reply:      reply{Body: golden(t, "definitions/updated.json")},
		wantMethod: "PUT", wantPath: "/v1/agent-definitions/adef_01HX3K2DEF",
		wantBody: `{"tools":[]}`,
		check:    checkV2,
	}, {
		name: "update: an empty instructions string is sent and clears them",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Update(ctx, "adef_01HX3K2DEF", &DefinitionUpdateParams{Instructions: Ptr("")})
		},
		reply:      reply{Body: golden(t, "definitions/updated.json")},
		wantMethod: "PUT", wantPath: "/v1/agent-definitions/adef_01HX3K2DEF",
		wantBody: `{"instructions":""}`,
		check:    checkV2,
	}, {
		name: "update escapes the id; nil params is {}",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Update(ctx, "a/b?x", nil)
		},
		reply:      reply{Body: golden(t, "definitions/updated.json")},
		wantMethod: "PUT", wantPath: "/v1/agent-definitions/a%2Fb%3Fx",
		wantBody: `{}`,
		check:    checkV2,
	}, {
		name: "archive",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Definitions.Archive(ctx, "adef_01HX3K2DEF")
		},
		reply:      reply{Body: `{"ok":true}`},
		wantMethod: "DELETE", wantPath: "/v1/agent-definitions/adef_01HX3K2DEF",
		check: checkOK,
	}, {
		name:       "archive escapes the id",
		call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.Definitions.Archive(ctx, "a/b?x") },
		reply:      reply{Body: `{"ok":true}`},
		wantMethod: "DELETE", wantPath: "/v1/agent-definitions/a%2Fb%3Fx",
		check: checkOK,
	}})
}

func TestDefinitionModelTemperature(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		json string
		want *float64
	}{
		{"absent", `{"id":"m"}`, nil},
		{"null", `{"id":"m","temperature":null}`, nil},
		{"zero", `{"id":"m","temperature":0}`, Ptr(0.0)},
		{"set", `{"id":"m","temperature":0.7}`, Ptr(0.7)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, reply{Status: http.StatusOK, Body: `{"id":"adef_1","name":"n","version":1,"model":` + tc.json + `}`})
			d, err := srv.client().Definitions.Get(t.Context(), "adef_1")
			require.NoError(t, err)
			require.NotNil(t, d.Model)
			assert.Equal(t, tc.want, d.Model.Temperature)
		})
	}
}

func TestDefinitionsLocalErrors(t *testing.T) {
	t.Parallel()
	runLocalErrorCases(t, []localErrorCase{
		{name: "create nil params", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Create(ctx, nil)
		}},
		{name: "create without name", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Create(ctx, &DefinitionCreateParams{Instructions: "x"})
		}},
		{name: "get empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Get(ctx, "")
		}},
		{name: "get dot-dot id", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Get(ctx, "..")
		}},
		{name: "update empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Definitions.Update(ctx, "", &DefinitionUpdateParams{Instructions: Ptr("x")})
		}},
		{name: "archive empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Definitions.Archive(ctx, "")
		}},
	})
}

func TestDefinitionsList(t *testing.T) {
	t.Parallel()
	pages := []reply{
		{Status: http.StatusOK, Body: golden(t, "definitions/list.json")},
		{Status: http.StatusOK, Body: golden(t, "definitions/list_last.json")},
	}

	t.Run("every page", func(t *testing.T) {
		srv := newRecorder(t, pages...)
		var ids []string
		for d, err := range srv.client().Definitions.List(t.Context(), &DefinitionListParams{Limit: 2, IncludeArchived: true}) {
			require.NoError(t, err)
			ids = append(ids, d.ID)
		}
		assert.Equal(t, []string{"adef_01HX3K2DEF", "adef_01HX3K2XYZ", "adef_01HX3K2LAST"}, ids)
		assertListed(t, srv, "/v1/agent-definitions", "includeArchived=true&limit=2", "cursor=cur_01HX3K2NEXT&includeArchived=true&limit=2")
	})

	t.Run("break stops fetching", func(t *testing.T) {
		srv := newRecorder(t, pages...)
		for d, err := range srv.client().Definitions.List(t.Context(), nil) {
			require.NoError(t, err)
			assert.Equal(t, "adef_01HX3K2DEF", d.ID)
			break
		}
		assertListed(t, srv, "/v1/agent-definitions", "")
	})

	t.Run("error ends the list", func(t *testing.T) {
		srv := newRecorder(t, pages[0], reply{Status: http.StatusUnauthorized, Body: `{"error":{"code":"unauthorized","message":"invalid key"}}`})
		var n int
		var errs []error
		for d, err := range srv.client().Definitions.List(t.Context(), nil) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			assert.NotEmpty(t, d.ID)
			n++
		}
		assert.Equal(t, 2, n)
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], ErrUnauthorized)
	})
}
