package main

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
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
