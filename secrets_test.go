package theazo

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertRedacted prints v with fmt in many ways and asserts that none of
// secrets shows, neither as is nor hex-encoded.
func assertRedacted(t *testing.T, v any, secrets ...string) {
	t.Helper()
	outs := []string{fmt.Sprint(v), fmt.Sprintln(v)}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%d", "%10.3v", "%T"} {
		outs = append(outs, fmt.Sprintf(verb, v))
	}
	for _, out := range outs {
		for _, s := range secrets {
			assert.NotContains(t, out, s)
			assert.NotContains(t, strings.ToLower(strings.ReplaceAll(out, " ", "")), hex.EncodeToString([]byte(s)))
		}
	}
}

func TestSecrets(t *testing.T) {
	t.Parallel()
	created := time.Date(2025, time.May, 1, 9, 30, 0, 0, time.UTC)
	checkMeta := func(t *testing.T, got any) {
		assert.Equal(t, SecretMetadata{Name: "OPENAI_API_KEY", Scope: SecretScopeOrg, CreatedAt: created}, *got.(*SecretMetadata))
	}
	checkList := func(t *testing.T, got any) {
		assert.Equal(t, []SecretMetadata{
			{Name: "OPENAI_API_KEY", Scope: SecretScopeOrg, CreatedAt: created},
			{Name: "DB_PASSWORD", Scope: "ses_01HX3K2ABC", CreatedAt: time.Date(2025, time.May, 2, 11, 5, 0, 0, time.UTC)},
		}, got.([]SecretMetadata))
	}
	checkOK := func(t *testing.T, got any) { assert.Nil(t, got) }
	runEndpointCases(t, []endpointCase{{
		name: "set org-wide",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Secrets.Set(ctx, &SecretSetParams{Name: "OPENAI_API_KEY", Value: "sk-live-secret"})
		},
		reply:      reply{Body: golden(t, "secrets/secret.json")},
		wantMethod: "POST", wantPath: "/v1/secrets",
		wantBody: `{"name":"OPENAI_API_KEY","value":"sk-live-secret"}`,
		check:    checkMeta,
	}, {
		name: "set in a session",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Secrets.Set(ctx, &SecretSetParams{Name: "db-password_2", Value: "hunter2", SessionID: "ses_01HX3K2ABC"})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "secrets/secret.json")},
		wantMethod: "POST", wantPath: "/v1/secrets",
		wantBody: `{"name":"db-password_2","value":"hunter2","sessionId":"ses_01HX3K2ABC"}`,
		check:    checkMeta,
	}, {
		name:       "list without a session: both scopes, as the reference shows",
		call:       func(ctx context.Context, c *Client) (any, error) { return gather(c.Secrets.List(ctx, nil)) },
		reply:      reply{Body: golden(t, "secrets/list.json")},
		wantMethod: "GET", wantPath: "/v1/secrets",
		check: checkList,
	}, {
		name: "list of a session",
		call: func(ctx context.Context, c *Client) (any, error) {
			return gather(c.Secrets.List(ctx, &SecretListParams{SessionID: "ses_01HX3K2ABC"}))
		},
		reply:      reply{Body: golden(t, "secrets/list.json")},
		wantMethod: "GET", wantPath: "/v1/secrets", wantQuery: "sessionId=ses_01HX3K2ABC",
		check: checkList,
	}, {
		name: "list escapes the session id",
		call: func(ctx context.Context, c *Client) (any, error) {
			return gather(c.Secrets.List(ctx, &SecretListParams{SessionID: "a&b=c d"}))
		},
		reply:      reply{Body: `{"data":[]}`},
		wantMethod: "GET", wantPath: "/v1/secrets", wantQuery: "sessionId=a%26b%3Dc+d",
		check: func(t *testing.T, got any) { assert.Empty(t, got.([]SecretMetadata)) },
	}, {
		name: "delete org-wide",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Secrets.Delete(ctx, "DB_PASSWORD", nil)
		},
		reply:      reply{Body: `{"ok":true}`},
		wantMethod: "DELETE", wantPath: "/v1/secrets/DB_PASSWORD",
		check: checkOK,
	}, {
		name: "delete in a session",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Secrets.Delete(ctx, "DB_PASSWORD", &SecretDeleteParams{SessionID: "ses_01HX3K2ABC"})
		},
		reply:      reply{Body: `{"ok":true}`},
		wantMethod: "DELETE", wantPath: "/v1/secrets/DB_PASSWORD", wantQuery: "sessionId=ses_01HX3K2ABC",
		check: checkOK,
	}, {
		name: "delete escapes the name",
		call: func(ctx context.Context, c *Client) (any, error) {
			return nil, c.Secrets.Delete(ctx, "a/b?x", &SecretDeleteParams{})
		},
		reply:      reply{Body: `{"ok":true}`},
		wantMethod: "DELETE", wantPath: "/v1/secrets/a%2Fb%3Fx",
		check: checkOK,
	}})
}

func TestSecretsSetValidation(t *testing.T) {
	t.Parallel()
	const value = "sk-live-secret"
	tests := []struct {
		name   string
		params *SecretSetParams
		want   string
	}{
		{"nil params", nil, "Name is required"},
		{"no name", &SecretSetParams{Value: value}, "Name is required"},
		{"space", &SecretSetParams{Name: "MY KEY", Value: value}, "Name may contain only"},
		{"dot", &SecretSetParams{Name: "my.key", Value: value}, "Name may contain only"},
		{"slash", &SecretSetParams{Name: "a/b", Value: value}, "Name may contain only"},
		{"non-ASCII letter", &SecretSetParams{Name: "schlüssel", Value: value}, "Name may contain only"},
		{"trailing newline", &SecretSetParams{Name: "KEY\n", Value: value}, "Name may contain only"},
		{"value as name by mistake", &SecretSetParams{Name: "sk-live secret!", Value: "KEY"}, "Name may contain only"},
		{"no value", &SecretSetParams{Name: "KEY"}, "Value is required"},
	}
	var cases []localErrorCase
	for _, tc := range tests {
		cases = append(cases, localErrorCase{name: tc.name, wantErr: ErrInvalidParams, wantMsg: tc.want, hidden: []string{value, "sk-live"},
			call: func(ctx context.Context, c *Client) (any, error) { return c.Secrets.Set(ctx, tc.params) }})
	}
	runLocalErrorCases(t, cases)
}

func TestSecretsDeleteEmptyName(t *testing.T) {
	t.Parallel()
	runLocalErrorCases(t, []localErrorCase{{name: "session scope", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
		return nil, c.Secrets.Delete(ctx, "", &SecretDeleteParams{SessionID: "ses_1"})
	}}})
}

func TestSecretSetParamsRedacted(t *testing.T) {
	t.Parallel()
	const value = "sk-live-secret"
	p := SecretSetParams{Name: "OPENAI_API_KEY", Value: value, SessionID: "ses_1"}
	for name, v := range map[string]any{
		"value":     p,
		"pointer":   &p,
		"in struct": struct{ P *SecretSetParams }{&p},
		"in slice":  []SecretSetParams{p},
	} {
		t.Run(name, func(t *testing.T) { assertRedacted(t, v, value) })
	}

	assert.Equal(t, "{OPENAI_API_KEY [redacted] ses_1}", fmt.Sprintf("%v", p))
	assert.Equal(t, "{Name:OPENAI_API_KEY Value:[redacted] SessionID:ses_1}", fmt.Sprintf("%+v", &p))
	assert.Equal(t, `theazo.SecretSetParams{Name:"OPENAI_API_KEY", Value:"[redacted]", SessionID:"ses_1"}`, fmt.Sprintf("%#v", p))
	assert.Equal(t, "{Name:KEY Value: SessionID:}", fmt.Sprintf("%+v", SecretSetParams{Name: "KEY"}), "an empty value shows as empty")
	var nilParams *SecretSetParams
	assert.Equal(t, "<nil>", fmt.Sprint(nilParams))

	// The value still goes to the API as it is.
	assert.JSONEq(t, `{"name":"OPENAI_API_KEY","value":"sk-live-secret","sessionId":"ses_1"}`, mustJSON(t, p))
}

// TestSecretsNotLogged logs values that carry a secret, and makes a failing
// call that sends them, through slog's JSON and text handlers: no log line
// and no error may contain the secret.
func TestSecretsNotLogged(t *testing.T) {
	t.Parallel()
	creds := &ProviderCreateParams{Provider: ProviderE2B, Credentials: Credentials{"apiKey": "e2b_secret_123"}}
	set := &SecretSetParams{Name: "OPENAI_API_KEY", Value: "sk-live-secret"}
	cases := []struct {
		name    string
		secret  string
		args    []any  // slog key-value pairs that carry the secret
		shown   string // what their log shows
		call    func(ctx context.Context, c *Client) error
		reply   reply  // the server's refusal of the call
		wantErr error  // the call's error
		path    string // the call's path, which the client logs
	}{{
		name:    "provider credentials",
		secret:  "e2b_secret_123",
		args:    []any{"params", creds, "value", *creds, "credentials", creds.Credentials},
		shown:   "apiKey:[redacted]",
		call:    func(ctx context.Context, c *Client) error { _, err := c.Providers.Create(ctx, creds); return err },
		reply:   reply{Status: http.StatusUnprocessableEntity, Body: `{"error":{"code":"unprocessable_entity","message":"bad credentials","details":{"fields":[{"field":"credentials.apiKey","message":"is invalid"}]}}}`},
		wantErr: ErrUnprocessable,
		path:    "/v1/providers",
	}, {
		name:    "secret value",
		secret:  "sk-live-secret",
		args:    []any{"params", set, "value", *set},
		shown:   "OPENAI_API_KEY",
		call:    func(ctx context.Context, c *Client) error { _, err := c.Secrets.Set(ctx, set); return err },
		reply:   reply{Status: http.StatusForbidden, Body: `{"error":{"code":"forbidden","message":"no access to secrets"}}`},
		wantErr: ErrForbidden,
		path:    "/v1/secrets",
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			for _, h := range []slog.Handler{
				slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
				slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}),
			} {
				buf.Reset()
				l := slog.New(h)
				l.Info("params", tc.args...)
				assert.NotContains(t, buf.String(), tc.secret)
				assert.Contains(t, buf.String(), tc.shown)

				// Nor by the client's own logging of a failed call.
				buf.Reset()
				srv := newRecorder(t, tc.reply)
				err := tc.call(t.Context(), srv.client(WithLogger(l)))
				require.ErrorIs(t, err, tc.wantErr)
				assert.NotContains(t, err.Error(), tc.secret)
				assert.Contains(t, buf.String(), tc.path, "the attempt was logged")
				assert.NotContains(t, buf.String(), tc.secret)
			}
		})
	}
}
