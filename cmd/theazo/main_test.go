package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go/theazotest"
)

var update = flag.Bool("update", false, "rewrite the golden files of cmd/theazo")

// binary is the theazo command built once for the tests that run it as a process.
var binary string

func TestMain(m *testing.M) {
	// The app's environment is the one the tests give it, never the caller's.
	os.Unsetenv("THEAZO_API_KEY")
	os.Unsetenv("THEAZO_BASE_URL")
	dir, err := os.MkdirTemp("", "theazo-cli")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "theazo")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building theazo: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	goleak.VerifyTestMain(cleanup{m, func() { os.RemoveAll(dir) }})
}

// cleanup runs done after the tests, before goleak's check and exit.
type cleanup struct {
	m    *testing.M
	done func()
}

// Run runs the tests, then done.
func (c cleanup) Run() int {
	defer c.done()
	return c.m.Run()
}

// serverClock is the fake's fixed clock; the command's is 90 minutes later.
var serverClock = time.Date(2026, 5, 14, 9, 30, 0, 0, time.UTC)

// testKey is the fake's API key in these tests.
const testKey = "th_test_cligoldenkey000000"

// newServer starts a fake with a fixed clock and key.
func newServer(t *testing.T, opts ...theazotest.Option) *theazotest.Server {
	t.Helper()
	base := []theazotest.Option{theazotest.WithClock(func() time.Time { return serverClock }), theazotest.WithAPIKey(testKey)}
	srv := theazotest.NewServer(append(base, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

// result is what one run of the command did.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the command in-process against srv with env (the key and
// base URL of srv unless env overrides them).
func runCLI(t *testing.T, srv *theazotest.Server, env map[string]string, stdin string, args ...string) result {
	t.Helper()
	full := map[string]string{"THEAZO_API_KEY": srv.APIKey(), "THEAZO_BASE_URL": srv.URL()}
	for k, v := range env {
		full[k] = v
	}
	var out, errb bytes.Buffer
	a := &app{
		stdin:      strings.NewReader(stdin),
		stdout:     &out,
		stderr:     &errb,
		getenv:     func(k string) string { return full[k] },
		now:        func() time.Time { return serverClock.Add(90 * time.Minute) },
		httpClient: srv.HTTPClient(),
	}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	code := a.main(ctx, args)
	return result{code, out.String(), errb.String()}
}

var (
	idPattern = regexp.MustCompile(`\b([a-z]+)_([0-9A-Z]{32}|[0-9A-Z]{26})\b`)
	platform  = regexp.MustCompile(regexp.QuoteMeta(runtime.Version()) + `|` + runtime.GOOS + "/" + runtime.GOARCH +
		`|"os":"` + runtime.GOOS + `"|"arch":"` + runtime.GOARCH + `"`)
)

// normalize makes output comparable across runs: ids become prefix_0…01,
// prefix_0…02, … in order of appearance; the server's address a fixed one.
func normalize(s string, srv *theazotest.Server) string {
	s = strings.ReplaceAll(s, strings.TrimSuffix(srv.URL(), "/v1"), "http://theazo.test")
	seen := map[string]string{}
	count := map[string]int{}
	s = idPattern.ReplaceAllStringFunc(s, func(id string) string {
		if n, ok := seen[id]; ok {
			return n
		}
		prefix := id[:strings.IndexByte(id, '_')]
		count[prefix]++
		// The same length as the id, so that tables stay aligned.
		n := strconv.Itoa(count[prefix])
		seen[id] = prefix + "_" + strings.Repeat("0", len(id)-len(prefix)-1-len(n)) + n
		return seen[id]
	})
	return platform.ReplaceAllString(s, "PLATFORM") // Go's version, the OS and architecture
}

// golden compares got with testdata/name.golden, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./cmd/theazo -update to create the golden file")
	assert.Equal(t, string(want), got, "golden file %s differs; rerun with -update if the change is intended", path)
}

// transcript is a run as it is kept in a golden file.
func transcript(args []string, r result) string {
	return fmt.Sprintf("$ theazo %s\nexit %d\n-- stdout --\n%s-- stderr --\n%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
}
