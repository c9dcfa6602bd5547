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

func TestPagination(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	assert.Regexp(t, `^No THEAZO_API_KEY set`, s)
	assert.Regexp(t, `ses_\w+  user_001 `, s)
	assert.Contains(t, s, "… and 22 more\n25 sessions in all.")
	assert.Contains(t, s, "page 1: 10 sessions (user_001 … user_010), more: true")
	assert.Contains(t, s, "page 2: 10 sessions (user_011 … user_020), more: true")
	assert.Contains(t, s, "page 3:  5 sessions (user_021 … user_025), more: false")
}
