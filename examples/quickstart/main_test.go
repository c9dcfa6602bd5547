package main

import (
	"bytes"
	"context"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go/theazotest"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestQuickstart runs on synctest's clock with the fake in memory: the
// fake's event delays take no real time.
func TestQuickstart(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out, theazotest.WithInMemory()))
		assert.Regexp(t, `^No THEAZO_API_KEY set: running against theazotest`, out.String())
		for _, want := range []string{
			`1\. Session ses_\w+ for user_123 \(limits: 5\.00 USD a day, 3 agents\)`,
			`2\. Agent agt_\w+ is idle, with tools web_search`,
			`   thinking     Breaking the task`,
			`   tool call    web_search \{"query":"Summarize this week's top AI research papers"\}`,
			`   tool result  web_search`,
			`   answer       Here is a scripted answer`,
			`   run cost     0\.12 USD`,
			`4\. Exec python "print\(2 \+ 2\)" printed "4" \(exit 0, 20 ms, request req_\w+\)`,
			`5\. Session cost so far: 0\.14 USD`,
		} {
			assert.Regexp(t, want, out.String())
		}
	})
}
