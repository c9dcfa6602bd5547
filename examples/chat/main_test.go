package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestChat(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	assert.Regexp(t, `^No THEAZO_API_KEY set`, s)
	assert.Regexp(t, `Channel ch_\w+ \("Support Chat"\)`, s)
	assert.Contains(t, s, ""+
		"       you: How do I reset my password?\n"+
		" assistant: You said: \"How do I reset my password?\" (message 1 of this thread)\n"+
		"       you: And if I no longer have access to my email?\n"+
		" assistant: You said: \"And if I no longer have access to my email?\" (message 2 of this thread)\n")
	assert.Regexp(t, `Thread thr_\w+ holds 4 messages\.`, s)
}

// A message that cannot be sent ends the example with that error, instead
// of waiting for ever on a stream whose messages will never come.
func TestChatSendFails(t *testing.T) {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	defer client.CloseIdleConnections()
	srv.InjectFault(theazotest.Fault{Method: http.MethodPost, Path: "/channels/*/messages", Status: http.StatusServiceUnavailable})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := chat(ctx, &bytes.Buffer{}, client)
	var apiErr *theazo.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
	assert.Contains(t, err.Error(), "sending:")
	assert.NoError(t, ctx.Err(), "it ended on the error, not on the deadline")
}
