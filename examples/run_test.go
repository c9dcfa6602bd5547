// Package examples_test builds every example program and runs the binary, as
// `go run ./examples/NAME` would on a machine with no THEAZO_API_KEY.
package examples_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// programs are the example commands; each must run to completion on its own.
var programs = []string{"quickstart", "pagination", "streaming", "webhook-relay", "chat", "infra-exec"}

func TestProgramsRunWithoutAKey(t *testing.T) {
	gobin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command builds the examples")
	bin := t.TempDir()
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, p := range programs {
		args = append(args, "./"+p)
	}
	build := exec.Command(gobin, args...)
	out, err := build.CombinedOutput()
	require.NoError(t, err, "go build: %s", out)

	env := []string{"THEAZO_API_KEY="} // no key: each example starts the fake
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "THEAZO_") {
			env = append(env, kv)
		}
	}
	for _, p := range programs {
		t.Run(p, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, filepath.Join(bin, p))
			cmd.Env = env
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			require.NoError(t, cmd.Run(), "exit status; stderr: %s", stderr.String())
			assert.Regexp(t, `^No THEAZO_API_KEY set: running against theazotest`, stdout.String())
			assert.Empty(t, stderr.String())
			assert.Greater(t, strings.Count(stdout.String(), "\n"), 3, "the example did its work: %s", stdout.String())
		})
	}
}
