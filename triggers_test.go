package theazo

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// trgPushReview is the action of the reference's trigger example.
var trgPushReview = Action{Type: ActionAgentRun, Config: ActionConfig{DefinitionID: "adef_01HX3K2DEF", Task: "Review the pushed code changes"}}

// newKeylessClient returns a client of srv with no API key at all: none given
// and none in the environment.
func newKeylessClient(t *testing.T, srv *recorder) *Client {
	t.Helper()
	t.Setenv("THEAZO_API_KEY", "")
	t.Setenv("THEAZO_BASE_URL", "")
	c := NewClient("", WithBaseURL(srv.URL+"/v1"))
	require.Equal(t, `theazo.Client{BaseURL: "`+srv.URL+`/v1", APIKey: none}`, c.String())
	return c
}

func TestTriggersEndpoints(t *testing.T) {
	t.Parallel()
	runEndpointCases(t, []endpointCase{{
		name: "create",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Triggers.Create(ctx, &TriggerCreateParams{Name: "GitHub push handler", Action: trgPushReview})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "triggers/trigger_created.json")},
		wantMethod: "POST", wantPath: "/v1/triggers",
		wantBody: `{"name":"GitHub push handler","action":{"type":"agent-run","config":{"definitionId":"adef_01HX3K2DEF","task":"Review the pushed code changes"}}}`,
		check: func(t *testing.T, got any) {
			tr := got.(*Trigger)
			assert.Equal(t, "trg_01HX3K2ABC", tr.ID)
			assert.Equal(t, "GitHub push handler", tr.Name)
			assert.Equal(t, trgPushReview, tr.Action)
			assert.Equal(t, "https://api.theazo.com/v1/triggers/trg_01HX3K2ABC/fire", tr.URL)
			assert.Equal(t, Secret("whsec_5f2b8c1e9a7d4f6b"), tr.SigningSecret)
			assert.Equal(t, time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC), tr.CreatedAt)
		},
	}, {
		name:       "list page",
		call:       func(ctx context.Context, c *Client) (any, error) { return c.Triggers.ListPage(ctx, nil) },
		reply:      reply{Body: golden(t, "triggers/list.json")},
		wantMethod: "GET", wantPath: "/v1/triggers",
		check: func(t *testing.T, got any) {
			p := got.(*Page[Trigger])
			require.Len(t, p.Data, 1)
			assert.Equal(t, "trg_01HX3K2ABC", p.Data[0].ID)
			assert.Equal(t, trgPushReview, p.Data[0].Action)
			assert.Empty(t, p.Data[0].SigningSecret, "only create returns the secret")
			assert.False(t, p.HasMore)
		},
	}, {
		name: "list page with limit and cursor",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Triggers.ListPage(ctx, &TriggerListParams{Limit: 5, Cursor: "cur_1"})
		},
		reply:      reply{Body: `{"data":[],"hasMore":false}`},
		wantMethod: "GET", wantPath: "/v1/triggers", wantQuery: "cursor=cur_1&limit=5",
	}, {
		name:       "delete",
		call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.Triggers.Delete(ctx, "a/b?x") },
		reply:      reply{Body: `{"ok": true}`},
		wantMethod: "DELETE", wantPath: "/v1/triggers/a%2Fb%3Fx",
	}, {
		name: "fire",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Triggers.Fire(ctx, "a/b?x", "whsec_test_3f9a2c", map[string]any{"ref": "refs/heads/main", "commits": []string{}})
		},
		reply:      reply{Status: http.StatusAccepted, Body: golden(t, "triggers/fire.json")},
		wantMethod: "POST", wantPath: "/v1/triggers/a%2Fb%3Fx/fire",
		wantBody: `{"ref":"refs/heads/main","commits":[]}`,
		public:   true,
		check: func(t *testing.T, got any) {
			assert.Equal(t, &TaskRef{TaskID: "task_01HX3K2ABC"}, got)
		},
	}})
}

func TestTriggersList(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Status: http.StatusOK, Body: golden(t, "triggers/list.json")})
	var ids []string
	for tr, err := range srv.client().Triggers.List(t.Context(), nil) {
		require.NoError(t, err)
		ids = append(ids, tr.ID)
	}
	assert.Equal(t, []string{"trg_01HX3K2ABC"}, ids)
	assertListed(t, srv, "/v1/triggers", "") // hasMore false: one page
}

// TestTriggersFire checks what reaches the server for each payload form: the
// exact bytes, signed, without any API key, from a client that has none.
func TestTriggersFire(t *testing.T) {
	const secret = "whsec_test_3f9a2c"
	type push struct {
		Ref     string   `json:"ref"`
		Commits []string `json:"commits"`
	}
	cases := []struct {
		name     string
		payload  any
		wantBody string // the exact bytes on the wire
		wantSig  string // "" to check against the received body only
	}{
		{
			// The vector of signature_test.go: computed with openssl.
			name:     "raw message sent byte for byte",
			payload:  json.RawMessage(`{"ref":"refs/heads/main","commits":[]}`),
			wantBody: `{"ref":"refs/heads/main","commits":[]}`,
			wantSig:  "sha256=196b008fd6ef9fe9e724820463cc12e47fc442111dfe495ff5c93056cf2d4b01",
		},
		{name: "struct", payload: push{Ref: "refs/heads/main", Commits: []string{}}, wantBody: `{"ref":"refs/heads/main","commits":[]}`,
			wantSig: "sha256=196b008fd6ef9fe9e724820463cc12e47fc442111dfe495ff5c93056cf2d4b01"},
		{name: "raw message keeps its spacing", payload: json.RawMessage("{ \"ref\": \"refs/heads/main\",\n  \"commits\": [] }"), wantBody: "{ \"ref\": \"refs/heads/main\",\n  \"commits\": [] }"},
		{name: "bytes keep their spacing", payload: []byte(`[1, 2,  3]`), wantBody: `[1, 2,  3]`},
		{name: "map", payload: map[string]any{"b": 2, "a": "x<y"}, wantBody: `{"a":"x\u003cy","b":2}`},
		{name: "string", payload: "hello", wantBody: `"hello"`},
		{name: "nil", payload: nil, wantBody: `{}`},
		{name: "nil raw message", payload: json.RawMessage(nil), wantBody: `{}`},
		{name: "empty bytes", payload: []byte{}, wantBody: `{}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, reply{Status: http.StatusAccepted, Body: golden(t, "triggers/fire.json")})
			ref, err := newKeylessClient(t, srv).Triggers.Fire(t.Context(), "trg_01HX3K2ABC", secret, tc.payload)
			require.NoError(t, err)
			assert.Equal(t, "task_01HX3K2ABC", ref.TaskID)

			reqs := srv.requests()
			require.Len(t, reqs, 1)
			r := reqs[0]
			assert.Equal(t, "POST", r.Method)
			assert.Equal(t, "/v1/triggers/trg_01HX3K2ABC/fire", r.Path)
			assert.Equal(t, tc.wantBody, string(r.Body))
			assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			assert.Empty(t, r.Header.Values("Authorization"))
			sig := r.Header.Get("X-Theazo-Signature")
			assert.Len(t, r.Header.Values("X-Theazo-Signature"), 1)
			assert.NoError(t, VerifyTriggerSignature(secret, r.Body, sig), "the signature covers the bytes that arrived")
			if tc.wantSig != "" {
				assert.Equal(t, tc.wantSig, sig)
			}
		})
	}
}

// TestTriggersFireRetryKeepsSignature checks that a 429 retry sends the same
// bytes and the same signature again.
func TestTriggersFireRetryKeepsSignature(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t,
		reply{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": "0"}, Body: `{"error":{"code":"rate_limited","message":"slow down"}}`},
		reply{Status: http.StatusAccepted, Body: golden(t, "triggers/fire.json")},
	)
	ref, err := srv.client().Triggers.Fire(t.Context(), "trg_1", "whsec_1", map[string]int{"n": 1})
	require.NoError(t, err)
	assert.Equal(t, "task_01HX3K2ABC", ref.TaskID)
	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, `{"n":1}`, string(reqs[1].Body))
	assert.Equal(t, reqs[0].Body, reqs[1].Body)
	assert.Equal(t, SignTriggerPayload("whsec_1", []byte(`{"n":1}`)), reqs[1].Header.Get("X-Theazo-Signature"))
	assert.Equal(t, reqs[0].Header.Get("X-Theazo-Signature"), reqs[1].Header.Get("X-Theazo-Signature"))
	for _, r := range reqs {
		assert.Empty(t, r.Header.Get("Authorization"))
	}
}

func TestTriggersFireRejected(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Status: http.StatusUnauthorized, Body: `{"error":{"code":"unauthorized","message":"Invalid signature","requestId":"req_1"}}`})
	_, err := srv.client().Triggers.Fire(t.Context(), "trg_1", "whsec_wrong", map[string]any{})
	require.ErrorIs(t, err, ErrUnauthorized)
	assert.NotContains(t, err.Error(), "whsec_wrong")
	assert.Len(t, srv.requests(), 1, "a rejected fire is not retried")
}

func TestTriggersLocalErrors(t *testing.T) {
	t.Parallel()
	cases := []localErrorCase{
		{name: "create nil", wantErr: ErrInvalidParams, wantMsg: "Name is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Triggers.Create(ctx, nil)
		}},
		{name: "create without action type", wantErr: ErrInvalidParams, wantMsg: "Action.Type is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Triggers.Create(ctx, &TriggerCreateParams{Name: "n"})
		}},
		{name: "delete empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Triggers.Delete(ctx, "")
		}},
		{name: "fire empty secret", wantErr: ErrInvalidParams, wantMsg: "signing secret is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Triggers.Fire(ctx, "trg_1", "", map[string]any{})
		}},
		{name: "fire invalid raw JSON", wantErr: ErrInvalidParams, wantMsg: "not valid JSON", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Triggers.Fire(ctx, "trg_1", "whsec_1", []byte(`{"a":`))
		}},
		{name: "fire unencodable payload", wantErr: ErrInvalidParams, wantMsg: "encoding trigger payload", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Triggers.Fire(ctx, "trg_1", "whsec_1", make(chan int))
		}},
		{name: "fire empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Triggers.Fire(ctx, "", "whsec_1", nil)
		}},
	}
	for i := range cases {
		cases[i].hidden = []string{"whsec_1"}
	}
	runLocalErrorCases(t, cases)
}

func TestTriggerLogValueRedactsSecret(t *testing.T) {
	t.Parallel()
	var tr Trigger
	require.NoError(t, json.Unmarshal([]byte(golden(t, "triggers/trigger_created.json")), &tr))
	const secret = "whsec_5f2b8c1e9a7d4f6b"
	require.Equal(t, Secret(secret), tr.SigningSecret)
	for name, newHandler := range map[string]func(io.Writer) slog.Handler{
		"json": func(w io.Writer) slog.Handler { return slog.NewJSONHandler(w, nil) },
		"text": func(w io.Writer) slog.Handler { return slog.NewTextHandler(w, nil) },
	} {
		for kind, v := range map[string]any{"value": tr, "pointer": &tr} {
			t.Run(name+"/"+kind, func(t *testing.T) {
				var buf bytes.Buffer
				slog.New(newHandler(&buf)).Info("created", "trigger", v)
				assert.NotContains(t, buf.String(), secret)
				assert.Contains(t, buf.String(), "trg_01HX3K2ABC")
				assert.Contains(t, buf.String(), "[redacted]")
			})
		}
	}
}

func TestTriggersAuthenticatedCallsNeedKey(t *testing.T) {
	srv := newRecorder(t)
	c := newKeylessClient(t, srv)
	_, err := c.Triggers.Create(t.Context(), &TriggerCreateParams{Name: "n", Action: trgPushReview})
	assert.ErrorIs(t, err, ErrMissingAPIKey)
	assert.Empty(t, srv.requests())
}

func TestTriggerFormatRedactsSecret(t *testing.T) {
	t.Parallel()
	var tr Trigger
	require.NoError(t, json.Unmarshal([]byte(golden(t, "triggers/trigger_created.json")), &tr))
	const secret = "whsec_5f2b8c1e9a7d4f6b"
	require.Equal(t, Secret(secret), tr.SigningSecret)
	for name, v := range map[string]any{"value": tr, "pointer": &tr, "slice": []Trigger{tr}, "page": Page[Trigger]{Data: []Trigger{tr}}} {
		t.Run(name, func(t *testing.T) {
			assertRedacted(t, v, secret)
			for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
				out := fmt.Sprintf(format, v)
				assert.Contains(t, out, "trg_01HX3K2ABC", format)
				assert.Contains(t, out, "[redacted]", format)
			}
		})
	}
	assert.Contains(t, fmt.Sprintf("%#v", tr), "theazo.Trigger{ID:")
	b, err := json.Marshal(tr)
	require.NoError(t, err)
	assert.Contains(t, string(b), secret, "JSON keeps the secret, for storing it")
}
