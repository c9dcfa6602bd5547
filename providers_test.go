package theazo

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestProviders(t *testing.T) {
	t.Parallel()
	checkProvider := func(t *testing.T, got any) {
		assert.Equal(t, Provider{
			Provider:  ProviderE2B,
			IsDefault: true,
			Status:    ProviderStatusActive,
			CreatedAt: time.Date(2025, time.May, 1, 9, 30, 0, 0, time.UTC),
		}, *got.(*Provider))
	}
	checkOK := func(t *testing.T, got any) { assert.Nil(t, got) }
	runEndpointCases(t, []endpointCase{{
		name:       "list",
		call:       func(ctx context.Context, c *Client) (any, error) { return gather(c.Providers.List(ctx, nil)) },
		reply:      reply{Body: golden(t, "providers/list.json")},
		wantMethod: "GET", wantPath: "/v1/providers",
		check: func(t *testing.T, got any) {
			assert.Equal(t, []Provider{
				{Provider: ProviderE2B, IsDefault: true, Status: ProviderStatusActive, CreatedAt: time.Date(2025, time.May, 1, 9, 30, 0, 0, time.UTC)},
				{Provider: ProviderFly, IsDefault: false, Status: ProviderStatusActive, CreatedAt: time.Date(2025, time.May, 3, 16, 45, 12, 0, time.UTC)},
			}, got.([]Provider))
		},
	}, {
		name:       "list keeps an unknown status",
		call:       func(ctx context.Context, c *Client) (any, error) { return gather(c.Providers.List(ctx, nil)) },
		reply:      reply{Body: `{"data":[{"provider":"modal","isDefault":false,"status":"degraded","createdAt":"2025-05-01T09:30:00Z"}]}`},
		wantMethod: "GET", wantPath: "/v1/providers",
		check: func(t *testing.T, got any) {
			p := got.([]Provider)
			require.Len(t, p, 1)
			assert.Equal(t, ProviderName("modal"), p[0].Provider)
			assert.Equal(t, ProviderStatus("degraded"), p[0].Status)
		},
	}, {
		name: "create default",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Providers.Create(ctx, &ProviderCreateParams{
				Provider:    ProviderE2B,
				Credentials: Credentials{"apiKey": "e2b_secret_123"},
				IsDefault:   true,
			})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "providers/provider.json")},
		wantMethod: "POST", wantPath: "/v1/providers",
		wantBody: `{"provider":"e2b","credentials":{"apiKey":"e2b_secret_123"},"isDefault":true}`,
		check:    checkProvider,
	}, {
		name: "create with isDefault false omits it",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Providers.Create(ctx, &ProviderCreateParams{
				Provider:    ProviderWebhook,
				Credentials: Credentials{"url": "https://compute.example.com/hook", "token": "tok_1"},
			})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "providers/provider.json")},
		wantMethod: "POST", wantPath: "/v1/providers",
		wantBody: `{"provider":"webhook","credentials":{"url":"https://compute.example.com/hook","token":"tok_1"}}`,
		check:    checkProvider,
	}, {
		name: "create sends nested credentials and numbers as given",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Providers.Create(ctx, &ProviderCreateParams{
				Provider: ProviderWebhook,
				Credentials: Credentials{
					"url":       "https://compute.example.com/hook",
					"headers":   map[string]any{"X-Token": "tok_1", "X-Retry": 2},
					"timeoutMs": 5000,
					"regions":   []string{"eu", "us"},
					"tls":       map[string]any{"verify": true, "ca": nil},
				},
			})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "providers/provider.json")},
		wantMethod: "POST", wantPath: "/v1/providers",
		wantBody: `{"provider":"webhook","credentials":{"headers":{"X-Retry":2,"X-Token":"tok_1"},"regions":["eu","us"],"timeoutMs":5000,"tls":{"ca":null,"verify":true},"url":"https://compute.example.com/hook"}}`,
		check:    checkProvider,
	}, {
		name: "create sends an unknown provider as is",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Providers.Create(ctx, &ProviderCreateParams{Provider: "modal", Credentials: Credentials{"k": "v"}})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "providers/provider.json")},
		wantMethod: "POST", wantPath: "/v1/providers",
		wantBody: `{"provider":"modal","credentials":{"k":"v"}}`,
		check:    checkProvider,
	}, {
		name:       "delete",
		call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.Providers.Delete(ctx, ProviderFly) },
		reply:      reply{Body: `{"ok":true}`},
		wantMethod: "DELETE", wantPath: "/v1/providers/fly",
		check: checkOK,
	}, {
		name:       "delete escapes the provider",
		call:       func(ctx context.Context, c *Client) (any, error) { return nil, c.Providers.Delete(ctx, "a/b?x") },
		reply:      reply{Body: `{"ok":true}`},
		wantMethod: "DELETE", wantPath: "/v1/providers/a%2Fb%3Fx",
		check: checkOK,
	}})
}

func TestProvidersCreateValidation(t *testing.T) {
	t.Parallel()
	const secret = "e2b_secret_123"
	tests := []struct {
		name   string
		params *ProviderCreateParams
		want   string
	}{
		{"nil params", nil, "Provider is required"},
		{"no provider", &ProviderCreateParams{Credentials: Credentials{"apiKey": secret}}, "Provider is required"},
		{"nil credentials", &ProviderCreateParams{Provider: ProviderE2B}, "Credentials are required"},
		{"empty credentials", &ProviderCreateParams{Provider: ProviderE2B, Credentials: Credentials{}}, "Credentials are required"},
	}
	var cases []localErrorCase
	for _, tc := range tests {
		cases = append(cases, localErrorCase{name: tc.name, wantErr: ErrInvalidParams, wantMsg: tc.want, hidden: []string{secret},
			call: func(ctx context.Context, c *Client) (any, error) { return c.Providers.Create(ctx, tc.params) }})
	}
	runLocalErrorCases(t, cases)
}

func TestProvidersDeleteErrors(t *testing.T) {
	t.Parallel()
	runLocalErrorCases(t, []localErrorCase{{name: "empty provider", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
		return nil, c.Providers.Delete(ctx, "")
	}}})
	t.Run("active agents", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: http.StatusConflict, Body: `{"error":{"code":"conflict","message":"provider has active agents"}}`})
		err := srv.client().Providers.Delete(t.Context(), ProviderFly)
		require.ErrorIs(t, err, ErrConflict)
		assert.Len(t, srv.requests(), 1)
	})
}

func TestCredentialsRedacted(t *testing.T) {
	t.Parallel()
	const key, token = "e2b_secret_123", "tok_very_secret"
	creds := Credentials{"apiKey": key, "token": token, "empty": ""}
	params := ProviderCreateParams{Provider: ProviderE2B, Credentials: creds, IsDefault: true}

	for name, v := range map[string]any{
		"credentials":            creds,
		"params":                 params,
		"params pointer":         &params,
		"params in a struct":     struct{ P ProviderCreateParams }{params},
		"credentials in a slice": []any{creds},
	} {
		t.Run(name, func(t *testing.T) { assertRedacted(t, v, key, token) })
	}

	assert.Equal(t, "{apiKey:[redacted] empty: token:[redacted]}", creds.String())
	assert.Equal(t, `theazo.Credentials{"apiKey":"[redacted]", "empty":"", "token":"[redacted]"}`, fmt.Sprintf("%#v", creds))
	assert.Equal(t, "{Provider:e2b Credentials:{apiKey:[redacted] empty: token:[redacted]} IsDefault:true}", fmt.Sprintf("%+v", params))
	assert.Equal(t, "theazo.Credentials(nil)", fmt.Sprintf("%#v", Credentials(nil)))
	assert.Equal(t, "{}", fmt.Sprint(Credentials(nil)))
	var nilParams *ProviderCreateParams
	assert.Equal(t, "<nil>", fmt.Sprintf("%v", nilParams))

	// Nested values, numbers and arrays are hidden as a whole, in every verb and in slog.
	nested := Credentials{"url": "https://hook.example.com", "headers": map[string]any{"X-Token": token, "X-Key": key}, "port": 4242, "keys": []string{key}}
	nestedParams := ProviderCreateParams{Provider: ProviderWebhook, Credentials: nested}
	for name, v := range map[string]any{"nested credentials": nested, "nested params": nestedParams, "nested params pointer": &nestedParams} {
		t.Run(name, func(t *testing.T) { assertRedacted(t, v, key, token, "4242", "hook.example.com") })
	}
	assert.Equal(t, "{headers:[redacted] keys:[redacted] port:[redacted] url:[redacted]}", nested.String())
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("configure", "params", nestedParams, "creds", nested)
	for _, s := range []string{key, token, "4242", "hook.example.com"} {
		assert.NotContains(t, logged.String(), s)
	}
	assert.Contains(t, logged.String(), "headers:[redacted]")
	assert.JSONEq(t, `{"provider":"webhook","credentials":{"url":"https://hook.example.com","headers":{"X-Token":"tok_very_secret","X-Key":"e2b_secret_123"},"port":4242,"keys":["e2b_secret_123"]}}`, mustJSON(t, nestedParams))

	// The values still go to the API as they are.
	assert.JSONEq(t, `{"provider":"e2b","credentials":{"apiKey":"e2b_secret_123","token":"tok_very_secret","empty":""},"isDefault":true}`, mustJSON(t, params))
}
