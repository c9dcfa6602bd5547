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

func TestInfraExec(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), &out))
	s := out.String()
	assert.Regexp(t, `^No THEAZO_API_KEY set`, s)
	assert.Regexp(t, `Sandbox of agent agt_\w+ \(e2b\) is idle\.`, s)
	assert.Contains(t, s, "$ python: print(\"hello from the sandbox\")\n  hello from the sandbox\n  (exit 0, 20 ms)\n")
	assert.Contains(t, s, "$ python: print(6 * 7)\n  42\n")
	assert.Contains(t, s, "$ typescript: console.log(1024 / 4)\n  256\n")
	assert.Contains(t, s, "$ bash: echo building...; exit 3\n  building...\n  (exit 3, 21 ms)\n")
	assert.Contains(t, s, "time.sleep(300)  # longer than the 120-second limit\n  timed out after 120 s")
}
