package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
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

// asCommand, set to 1 in a process's environment, makes this test binary
// run as the theazo command instead of its tests: the tests that need the
// command as a process start the test binary itself with it (see
// commandPath), which spares them a build of the command. Only TestMain
// reads it, and it is removed before the command runs, so the command
// never sees it and the theazo binary knows nothing of it.
const asCommand = "THEAZO_CLI_TEST_AS_COMMAND"

func TestMain(m *testing.M) {
	if os.Getenv(asCommand) == "1" {
		os.Unsetenv(asCommand)
		main() // os.Args[1:] are the command's arguments; main exits with the command's code
	}
	// The app's environment is the one the tests give it, never the caller's.
	os.Unsetenv("THEAZO_API_KEY")
	os.Unsetenv("THEAZO_BASE_URL")
	goleak.VerifyTestMain(m)
}

// commandEnv is what the environment of the test binary running as the
// command has besides what a test gives it: asCommand, and under -race no
// second of sleep at exit (the race detector's default), which would
// blur how fast the command exits.
func commandEnv() []string {
	return []string{asCommand + "=1", "GORACE=" + strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0")}
}

// commandPath is the path of this test binary, which runs as the theazo
// command with asCommand=1 in its environment.
func commandPath(t *testing.T) string {
	t.Helper()
	path, err := os.Executable()
	require.NoError(t, err)
	return path
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

// TestAsCommandIsReadByTheTestsAlone: the command's own code never reads
// asCommand, so the variable cannot change what theazo does for a user.
func TestAsCommandIsReadByTheTestsAlone(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	require.Contains(t, files, "main.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		assert.NotContains(t, string(src), asCommand, f)
	}
}
