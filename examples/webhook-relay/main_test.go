package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestWebhookRelayDemo(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	t.Setenv("THEAZO_TRIGGER_ID", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out, ""))
	s := out.String()
	assert.Regexp(t, `^No THEAZO_API_KEY set`, s)
	assert.Regexp(t, `Created trigger trg_\w+ \("GitHub push"\)\.`, s)
	assert.Regexp(t, `Relay listening on http://127\.0\.0\.1:\d+/webhooks/github`, s)
	assert.Regexp(t, `The relay answered 202 Accepted: Theazo started task task_\w+\.`, s)
	assert.Contains(t, s, `"event":"push"`)
	assert.Contains(t, s, `"payload":{"ref":"refs/heads/main"`)
}

// The handler on its own: it signs correctly, and reports bad input and
// refusals with the right status.
func TestRelayHandler(t *testing.T) {
	ctx := context.Background()
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client(theazo.WithMaxRetries(0))
	def, err := client.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "d"})
	require.NoError(t, err)
	trg, err := client.Triggers.Create(ctx, &theazo.TriggerCreateParams{Name: "t",
		Action: theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: def.ID, Task: "review"}}})
	require.NoError(t, err)

	relay := &Relay{Client: client, TriggerID: trg.ID, SigningSecret: trg.SigningSecret}
	post := func(body string) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/webhooks/github", strings.NewReader(body))
		req.Header.Set("X-GitHub-Event", "push")
		relay.ServeHTTP(rec, req)
		return rec
	}

	rec := post(`{"ref":"refs/heads/dev"}`)
	assert.Equal(t, http.StatusAccepted, rec.Code)
	assert.Contains(t, rec.Body.String(), `"taskId":"task_`)
	f := srv.Firings()
	require.Len(t, f, 1)
	assert.JSONEq(t, `{"source":"github","event":"push","delivery":"","payload":{"ref":"refs/heads/dev"}}`, string(f[0].Payload))

	assert.Equal(t, http.StatusBadRequest, post("not json").Code)
	rec = httptest.NewRecorder()
	relay.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/webhooks/github", nil))
	assert.Equal(t, http.StatusMethodNotAllowed, rec.Code)

	relay.SigningSecret = "whsec_wrong"
	rec = post(`{}`)
	assert.Equal(t, http.StatusBadGateway, rec.Code)
	assert.Contains(t, rec.Body.String(), "unauthorized")
	assert.Len(t, srv.Firings(), 1)
}
