package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// output collects what a process writes, line by line, with the time each
// line arrived.
type output struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	lines []line
	wake  chan struct{}
}

type line struct {
	text string
	at   time.Time
}

func newOutput() *output { return &output{wake: make(chan struct{})} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf.Write(p)
	for {
		i := bytes.IndexByte(o.buf.Bytes(), '\n')
		if i < 0 {
			break
		}
		o.lines = append(o.lines, line{string(o.buf.Next(i + 1)[:i]), time.Now()})
	}
	close(o.wake)
	o.wake = make(chan struct{})
	return len(p), nil
}

// all returns the lines so far.
func (o *output) all() []line {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]line(nil), o.lines...)
}

// text returns every complete line so far, joined.
func (o *output) text() string {
	var b strings.Builder
	for _, l := range o.all() {
		b.WriteString(l.text + "\n")
	}
	return b.String()
}

// waitFor waits until a line matches re and returns its submatches.
func (o *output) waitFor(t *testing.T, re *regexp.Regexp, timeout time.Duration) []string {
	t.Helper()
	deadline := time.After(timeout)
	for {
		o.mu.Lock()
		for _, l := range o.lines {
			if m := re.FindStringSubmatch(l.text); m != nil {
				o.mu.Unlock()
				return m
			}
		}
		wake := o.wake
		o.mu.Unlock()
		select {
		case <-wake:
		case <-deadline:
			t.Fatalf("no line matching %s within %s; got:\n%s", re, timeout, o.text())
			return nil
		}
	}
}

// proc is the theazo command running as a process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr *output
	done           chan struct{}
	err            error
}

// start runs the command with args and env (added to a minimal
// environment); the test's cleanup kills it if it still runs.
func start(t *testing.T, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(commandPath(t), args...), stdout: newOutput(), stderr: newOutput(), done: make(chan struct{})}
	p.cmd.Env = append(append(commandEnv(), "PATH="+os.Getenv("PATH"), "HOME="+t.TempDir()), env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	require.NoError(t, p.cmd.Start())
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// wait waits for the process to exit and returns its exit code.
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("the process did not exit within %s; stdout:\n%s\nstderr:\n%s", timeout, p.stdout.text(), p.stderr.text())
	}
	var exitErr *exec.ExitError
	if errors.As(p.err, &exitErr) {
		return exitErr.ExitCode()
	}
	require.NoError(t, p.err)
	return 0
}

var listening = regexp.MustCompile(`listening on (http://\S+/v1)`)

// startMock runs theazo mock on a free port and returns it with its base URL.
func startMock(t *testing.T, key string, args ...string) (*proc, string) {
	t.Helper()
	p := start(t, nil, append([]string{"mock", "--addr", "127.0.0.1:0", "--key", key}, args...)...)
	url := p.stdout.waitFor(t, listening, 10*time.Second)[1]
	p.stdout.waitFor(t, regexp.MustCompile(`Press Ctrl-C to stop`), 10*time.Second)
	return p, url
}

// testClient is an SDK client for url whose connections the test closes.
func testClient(t *testing.T, key, url string) *theazo.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return theazo.NewClient(key, theazo.WithBaseURL(url), theazo.WithHTTPClient(&http.Client{Transport: tr}))
}

func TestMockServesPlainHTTPAndTheSDKThenStopsOnSIGTERM(t *testing.T) {
	t.Parallel()
	const key = "th_test_mockprocess"
	p, url := startMock(t, key)
	assert.Contains(t, p.stdout.text(), "THEAZO_API_KEY="+key)

	// Plain HTTP, no SDK.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	req, err := http.NewRequest("POST", url+"/sessions", strings.NewReader(`{"userId":"curl_user"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusCreated, resp.StatusCode)
	resp, err = hc.Get(url + "/sessions")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the mock checks the key")

	// The SDK.
	c := testClient(t, key, url)
	sess, err := c.Sessions.GetOrCreate(t.Context(), "curl_user", nil)
	require.NoError(t, err)
	assert.Equal(t, "curl_user", sess.UserID)

	// One log line per request, with the key nowhere.
	p.stderr.waitFor(t, regexp.MustCompile(`POST /v1/sessions 201 req_`), 5*time.Second)
	p.stderr.waitFor(t, regexp.MustCompile(`GET /v1/sessions 401 req_`), 5*time.Second)
	p.stderr.waitFor(t, regexp.MustCompile(`POST /v1/sessions/by-user/curl_user 200 req_`), 5*time.Second)

	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	start := time.Now()
	assert.Equal(t, 0, p.wait(t, 2*time.Second))
	assert.Less(t, time.Since(start), time.Second, "SIGTERM stops the mock within a second")
}

func TestMockSeedFillsEveryList(t *testing.T) {
	t.Parallel()
	const key = "th_test_mockseed"
	_, url := startMock(t, key, "--seed")
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	env := map[string]string{"THEAZO_API_KEY": key, "THEAZO_BASE_URL": url}
	for _, args := range [][]string{
		{"sessions", "list"}, {"definitions", "list"}, {"workflows", "list"}, {"fleets", "list"},
		{"schedules", "list"}, {"triggers", "list"}, {"channels", "list"}, {"secrets", "list"},
		{"providers", "list"}, {"billing", "users"}, {"billing", "models"},
	} {
		var out, errb bytes.Buffer
		a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string { return env[k] },
			now: time.Now, httpClient: &http.Client{Transport: tr}}
		code := a.main(t.Context(), append(args, "--json"))
		require.Equal(t, 0, code, "%v: %s", args, errb.String())
		assert.NotEmpty(t, strings.TrimSpace(out.String()), "%v shows something after --seed", args)
	}
}

// newAgent creates a session and an agent on the mock at url.
func newAgent(t *testing.T, key, url string) string {
	t.Helper()
	c := testClient(t, key, url)
	sess, err := c.Sessions.GetOrCreate(t.Context(), "follower", nil)
	require.NoError(t, err)
	agent, err := c.Agents.Create(t.Context(), sess.ID, nil)
	require.NoError(t, err)
	return agent.ID
}

func TestFollowPrintsEventsInOrderAsTheyArrive(t *testing.T) {
	t.Parallel()
	const key = "th_test_follow"
	const delay = 200 * time.Millisecond
	_, url := startMock(t, key, "--event-delay", delay.String())
	agent := newAgent(t, key, url)

	p := start(t, []string{"THEAZO_API_KEY=" + key, "THEAZO_BASE_URL=" + url}, "agents", "run", "--follow", agent, "Find papers")
	require.Equal(t, 0, p.wait(t, 10*time.Second), p.stderr.text())
	end := time.Now()
	lines := p.stdout.all()
	require.Len(t, lines, 6, p.stdout.text())
	assert.Regexp(t, `^task task_\w+ on `+agent+`$`, lines[0].text, "the task id first")
	lines = lines[1:]
	for i, prefix := range []string{"thinking: ", "→ web_search ", "← web_search ", "Here is a scripted answer to: Find papers", "cost: 0.12 USD"} {
		assert.True(t, strings.HasPrefix(lines[i].text, prefix), "line %d is %q, want %q…", i, lines[i].text, prefix)
	}
	// Four events, each after the delay: the first is sent three delays
	// before the last, and printed then, not with the rest at the end, when
	// all would come within a few milliseconds. (A stream that connects
	// late gets the events so far at once: up to two delays late still
	// passes, for a loaded machine.)
	assert.Greater(t, end.Sub(lines[0].at), delay, "the first event is printed as it arrives")
	assert.Greater(t, lines[3].at.Sub(lines[0].at), delay)
	assert.Empty(t, p.stderr.text(), "no spinner or colour off a terminal")
}

func TestFollowInterruptedExits130AndClosesTheStream(t *testing.T) {
	t.Parallel()
	const key = "th_test_interrupt"
	// The second event comes 500 ms after the first (1 s after the run
	// starts): time enough, on a loaded machine, for the stream to connect
	// and the interrupt to stop the command first.
	mock, url := startMock(t, key, "--event-delay", "500ms")
	agent := newAgent(t, key, url)

	p := start(t, []string{"THEAZO_API_KEY=" + key, "THEAZO_BASE_URL=" + url}, "agents", "run", "--follow", agent, "Find papers")
	p.stdout.waitFor(t, regexp.MustCompile(`^thinking: `), 10*time.Second)
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
	assert.Equal(t, exitInterrupted, p.wait(t, 2*time.Second))
	assert.Len(t, p.stdout.all(), 2, "the task id, the first event, and nothing after the interrupt")
	assert.Equal(t, "Interrupted: the task goes on. Follow it again with \"theazo agents stream "+agent+
		"\", or stop it with \"theazo agents terminate "+agent+"\".\n", p.stderr.text())
	// The mock logs a stream when it ends: the command closed it.
	mock.stderr.waitFor(t, regexp.MustCompile(`GET /v1/agents/`+agent+`/stream 200`), 2*time.Second)
}

func TestDebugLogsEachAttemptWithoutTheKey(t *testing.T) {
	srv := newServer(t)
	r := runCLI(t, srv, nil, "", "sessions", "list", "--debug")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "method=GET path=/v1/sessions")
	assert.Contains(t, r.stderr, "status=200")
	assert.NotContains(t, r.stdout+r.stderr, testKey)

	r = runCLI(t, srv, map[string]string{"THEAZO_API_KEY": ""}, "", "sessions", "list", "--debug", "--api-key", "th_test_wrongwrongwrong")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "status=401")
	assert.NotContains(t, r.stdout+r.stderr, "wrongwrongwrong")
}

func TestListLimitAndAllPage(t *testing.T) {
	srv := newServer(t)
	c := srv.Client()
	for i := range 120 {
		_, err := c.Sessions.Create(t.Context(), &theazo.SessionCreateParams{UserID: "user_" + strings.Repeat("x", i%3) + string(rune('a'+i%26))})
		require.NoError(t, err)
	}
	srv.ResetRequests()
	r := runCLI(t, srv, nil, "", "sessions", "list", "--json", "--limit", "5")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), 5)
	reqs := srv.Requests()
	require.Len(t, reqs, 1, "--limit 5 fetches one page")
	assert.Equal(t, "6", reqs[0].Query.Get("limit"), "one more than shown, to know that more exist")
	assert.Equal(t, "Showing the first 5; more exist: raise --limit or use --all for every one.\n", r.stderr)

	srv.ResetRequests()
	r = runCLI(t, srv, nil, "", "sessions", "list", "--json", "--all")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), 120)
	assert.Len(t, srv.Requests(), 2, "--all ranges over every page of 100")

	r = runCLI(t, srv, nil, "", "sessions", "list")
	assert.Len(t, strings.Split(strings.TrimSpace(r.stdout), "\n"), defaultLimit+1, "a header and the default number of rows")
}

func TestInterruptedInProcessIs130(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var out, errb bytes.Buffer
	a := &app{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, now: time.Now, httpClient: srv.HTTPClient(),
		getenv: func(k string) string {
			return map[string]string{"THEAZO_API_KEY": srv.APIKey(), "THEAZO_BASE_URL": srv.URL()}[k]
		}}
	assert.Equal(t, exitInterrupted, a.main(ctx, []string{"sessions", "list"}))
	assert.Empty(t, errb.String())
}

func TestMockRateLimitAndLatency(t *testing.T) {
	t.Parallel()
	const key = "th_test_mocklimits"
	_, url := startMock(t, key, "--rate-limit", "2/min", "--latency", "50ms")
	tr := http.DefaultTransport.(*http.Transport).Clone()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	var statuses []int
	for range 3 {
		req, err := http.NewRequest("GET", url+"/sessions", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+key)
		start := time.Now()
		resp, err := hc.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.GreaterOrEqual(t, time.Since(start), 50*time.Millisecond, "--latency delays every reply")
		statuses = append(statuses, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			assert.NotEmpty(t, resp.Header.Get("Retry-After"))
		}
	}
	assert.Equal(t, []int{200, 200, 429}, statuses, "--rate-limit 2/min")
}

func TestMockProvisionDelayAndAgentsWait(t *testing.T) {
	t.Parallel()
	const key = "th_test_mockprovision"
	_, url := startMock(t, key, "--provision-delay", "150ms")
	c := testClient(t, key, url)
	sess, err := c.Sessions.GetOrCreate(t.Context(), "waiter", nil)
	require.NoError(t, err)
	agent, err := c.Agents.Create(t.Context(), sess.ID, nil)
	require.NoError(t, err)
	assert.Equal(t, theazo.AgentStatusProvisioning, agent.Status)

	start := time.Now()
	p := start2(t, key, url, "agents", "wait", agent.ID)
	require.Equal(t, 0, p.wait(t, 10*time.Second), p.stderr.text())
	assert.Equal(t, agent.ID+" idle\n", p.stdout.text())
	assert.Greater(t, time.Since(start), 150*time.Millisecond, "it waited for provisioning")

	p = start2(t, key, url, "agents", "wait", "--for", "paused", "--timeout", "400ms", agent.ID) // long enough for the first poll on a loaded machine
	assert.Equal(t, exitError, p.wait(t, 10*time.Second))
	assert.Contains(t, p.stderr.text(), "waiting for agent "+agent.ID+" to be paused (it was idle): context deadline exceeded")
}

// start2 runs the command with the key and base URL in its environment.
func start2(t *testing.T, key, url string, args ...string) *proc {
	t.Helper()
	return start(t, []string{"THEAZO_API_KEY=" + key, "THEAZO_BASE_URL=" + url}, args...)
}
