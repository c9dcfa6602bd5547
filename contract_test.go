//go:build contract

package theazo

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/internal/contract"
)

// The contract suite is in internal/contract; the canary stays here, as it
// sends through the unexported request path (call, request) requests that
// the SDK's methods and options cannot build, such as a body without a
// required field.

// TestContractCanary proves the check is live: requests the document forbids,
// sent through the SDK's one request path, must be refused by Steady with a
// 400 that names the mistake. It runs against a second Steady instance
// (THEAZO_CONTRACT_CANARY_URL), so that the main instance can be required to
// see no invalid request at all, while this one must see only invalid ones.
func TestContractCanary(t *testing.T) {
	env := contract.NewEnv(t, "THEAZO_CONTRACT_CANARY_URL")
	cases := []struct {
		name     string
		req      request
		wantSent string // method and path sent
		wantCode string // Steady's diagnostic code
	}{{
		name:     "unknown body field",
		req:      request{method: http.MethodPost, path: "/sessions", body: map[string]any{"userId": "user_123", "nickname": "ada"}},
		wantSent: "POST /v1/sessions",
		wantCode: "E3009",
	}, {
		name:     "wrong body field type",
		req:      request{method: http.MethodPost, path: "/sessions", body: map[string]any{"userId": 123}},
		wantSent: "POST /v1/sessions",
		wantCode: "E3008",
	}, {
		name:     "missing required body field",
		req:      request{method: http.MethodPost, path: "/agents/%s/run", ids: []string{"agt_01HX3K2DEF"}, body: map[string]any{"prompt": "hi"}},
		wantSent: "POST /v1/agents/agt_01HX3K2DEF/run",
		wantCode: "E3007",
	}, {
		name:     "value outside the enum",
		req:      request{method: http.MethodPost, path: "/agents/%s/exec", ids: []string{"agt_01HX3K2DEF"}, body: map[string]any{"lang": "ruby", "code": "puts 4"}},
		wantSent: "POST /v1/agents/agt_01HX3K2DEF/exec",
		wantCode: "E3016",
	}, {
		name:     "unknown body field set per call",
		req:      request{method: http.MethodPost, path: "/sessions", body: map[string]any{"userId": "user_123"}, opts: []RequestOption{WithJSONSet("nickname", "ada")}},
		wantSent: "POST /v1/sessions",
		wantCode: "E3009",
	}, {
		name: "wrong query parameter type",
		req: request{method: http.MethodGet, path: "/sessions", query: struct {
			Limit string `url:"limit"`
		}{"many"}},
		wantSent: "GET /v1/sessions",
		wantCode: "E3003",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obs := &contract.Observer{Base: env.Transport}
			c := NewClient(contract.Key, WithBaseURL(env.Root+"/v1"), WithHTTPClient(&http.Client{Transport: obs}), WithMaxRetries(0))
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()

			_, err := call[map[string]any](ctx, c.t, tc.req)
			var apiErr *Error
			require.True(t, errors.As(err, &apiErr), "want *Error, got %v", err)
			assert.Equal(t, http.StatusBadRequest, apiErr.StatusCode, "Steady refuses invalid requests with 400")

			seen := obs.Exchanges()
			require.Len(t, seen, 1)
			ex := seen[0]
			assert.Equal(t, tc.wantSent, ex.Method+" "+ex.Path)
			assert.Equal(t, "false", ex.Valid, "X-Steady-Request-Valid")
			require.NotEmpty(t, ex.Diagnostics)
			assert.Contains(t, ex.Diagnostics[0], tc.wantCode, "first diagnostic: %q", ex.Diagnostics)
		})
	}
}
