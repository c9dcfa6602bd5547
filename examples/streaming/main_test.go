package main

import (
	"bytes"
	"context"
	"strings"
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

// TestStreaming runs on synctest's clock with the fake in memory: the
// fake's event delays take no real time.
func TestStreaming(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	synctest.Test(t, func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, run(context.Background(), &out, theazotest.WithInMemory()))
		s := out.String()
		assert.Regexp(t, `^No THEAZO_API_KEY set`, s)
		assert.Contains(t, s, "  step 1 scrape     started\n  step 1 scrape     done in 100 ms\n  step 2 summarize  started\n")
		assert.Contains(t, s, "  step 3 translate  done in 100 ms\n  workflow complete, cost 0.15 USD\n  result: 3 steps, output ")
		for i := 1; i <= 4; i++ {
			assert.Contains(t, s, "started   Scrape page "+string(rune('0'+i)))
			assert.Contains(t, s, "finished  done: Scrape page "+string(rune('0'+i))+" (0.08 USD)")
		}
		assert.True(t, strings.HasSuffix(s, "  fleet complete: 4 done, 0 failed, cost 0.32 USD\n"), s)
	})
}

func TestStreamingCancelled(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // as Ctrl-C does
	err := run(ctx, &bytes.Buffer{})
	assert.ErrorIs(t, err, context.Canceled)
}
