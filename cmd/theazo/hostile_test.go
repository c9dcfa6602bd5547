package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/theazotest"
)

// attacker is a server that counts the requests that reach it.
func attacker(t *testing.T) (url string, hits *atomic.Int64) {
	t.Helper()
	hits = &atomic.Int64{}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(ts.Close)
	return ts.URL + "/v1", hits
}

// leaves returns every runnable command with its path and positional
// argument names.
func leaves(c *command, path []string) []struct {
	path []string
	args []string
} {
	var out []struct {
		path []string
		args []string
	}
	if c.run != nil {
		return append(out, struct {
			path []string
			args []string
		}{path, strings.Fields(c.args)})
	}
	for _, sub := range c.subs {
		out = append(out, leaves(sub, append(append([]string(nil), path...), sub.name))...)
	}
	return out
}

// TestFlagLookingPositionalNeverChangesBaseURLOrKey puts a value that looks
// like a flag where a positional argument goes, in every command, after the
// arguments before it: as the value of an optional argument (agents exec
// AGENT CODE), of a required one, or one past the last. The command refuses
// it (exit 2) and sends nothing to the address it names.
func TestFlagLookingPositionalNeverChangesBaseURLOrKey(t *testing.T) {
	srv := newServer(t)
	evil, hits := attacker(t)
	hostile := []string{"--base-url=" + evil, "--api-key=th_test_attackerattacker", "-base-url=" + evil}
	n := 0
	for _, l := range leaves(root(), nil) {
		if l.path[0] == "mock" {
			continue // it takes no arguments and serves forever; its flags are tested apart
		}
		// Every position after the first: the first is where flags go.
		for pos := 1; pos <= len(l.args); pos++ {
			for _, h := range hostile {
				args := append([]string(nil), l.path...)
				for i := 0; i < pos; i++ {
					args = append(args, "x_"+strings.ToLower(strings.Trim(l.args[i], "[]|-")))
				}
				args = append(args, h)
				for i := pos + 1; i < len(l.args); i++ {
					args = append(args, "y")
				}
				r := runCLI(t, srv, map[string]string{"THEAZO_API_KEY": testKey}, "", args...)
				assert.Equal(t, exitUsage, r.code, "%v: %s", args, r.stderr)
				assert.NotContains(t, r.stderr, "attacker", "%v", args)
				n++
			}
		}
	}
	assert.Greater(t, n, 100, "the table covers every command")
	assert.Zero(t, hits.Load(), "no request reached the address of a positional value")

	t.Run("the optional CODE of agents exec", func(t *testing.T) {
		srv.ResetRequests()
		r := runCLI(t, srv, nil, "", "agents", "exec", "agt_1", "--base-url="+evil, "--lang", "python")
		assert.Equal(t, exitUsage, r.code)
		assert.Contains(t, r.stderr, "--base-url comes after an argument: put flags before the arguments")
		assert.Zero(t, hits.Load())
		assert.Empty(t, srv.Requests())
	})

	t.Run("after -- a value that looks like a flag is a value", func(t *testing.T) {
		srv.ResetRequests()
		r := runCLI(t, srv, nil, "", "agents", "exec", "--lang", "python", "--", "agt_1", "--base-url="+evil)
		assert.Equal(t, exitError, r.code, r.stderr) // the fake has no such agent
		assert.Contains(t, r.stderr, "not_found")
		require.Len(t, srv.Requests(), 1, "sent to the base URL of the environment")
		assert.Contains(t, string(srv.Requests()[0].Body), `"code":"--base-url=`+evil+`"`)
		assert.Zero(t, hits.Load())

		r = runCLI(t, srv, nil, "", "agents", "get", "--", "--base-url="+evil)
		assert.Equal(t, exitError, r.code, r.stderr)
		assert.Zero(t, hits.Load())
	})

	t.Run("flags before the arguments still work", func(t *testing.T) {
		srv := newServer(t)
		f := newFixture(t, srv)
		r := runCLI(t, srv, nil, "", "agents", "exec", "--lang", "python", f["agent"], `print("hi")`)
		assert.Equal(t, exitOK, r.code, r.stderr)
		assert.Equal(t, "hi\n", r.stdout)
	})
}

// TestKeyNeverPrintedOnMistakes makes each mistake that once echoed the
// key: the key is nowhere in the output, and the mistake exits 2.
func TestKeyNeverPrintedOnMistakes(t *testing.T) {
	srv := newServer(t)
	const key = "th_test_SECRETSECRETSECRET42"
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"THEAZO_BASE_URL=$KEY", map[string]string{"THEAZO_BASE_URL": key, "THEAZO_API_KEY": key}, []string{"sessions", "list"}},
		{"--base-url $KEY", nil, []string{"sessions", "list", "--base-url", key}},
		{"--api-key= KEY", map[string]string{"THEAZO_API_KEY": ""}, []string{"sessions", "list", "--api-key=", key}},
		{"--api-key= KEY before the command", map[string]string{"THEAZO_API_KEY": ""}, []string{"--api-key=", key, "sessions", "list"}},
		{"--limit KEY", map[string]string{"THEAZO_API_KEY": key}, []string{"sessions", "list", "--limit", key}},
		{"--json=KEY", map[string]string{"THEAZO_API_KEY": key}, []string{"sessions", "list", "--json=" + key}},
		{"--KEY", map[string]string{"THEAZO_API_KEY": key}, []string{"sessions", "list", "--" + key}},
		{"KEY as a second argument", map[string]string{"THEAZO_API_KEY": key}, []string{"agents", "get", "agt_1", key}},
		{"--for KEY", map[string]string{"THEAZO_API_KEY": key}, []string{"agents", "wait", "--for", key, "agt_1"}},
		{"--timeout KEY", map[string]string{"THEAZO_API_KEY": key}, []string{"agents", "wait", "--timeout", key, "agt_1"}},
		{"--input KEY", map[string]string{"THEAZO_API_KEY": key}, []string{"schedules", "create", "--cron", "0 9 * * *", "--workflow", "wf_1", "--input", key, "n"}},
		{"--max-cost KEY", map[string]string{"THEAZO_API_KEY": key}, []string{"sessions", "create", "--max-cost", key, "u"}},
		{"--rate-limit KEY", nil, []string{"mock", "--rate-limit", key}},
		{"--key KEY (live)", nil, []string{"mock", "--key", "th_live_SECRET-SECRET-SECRET-42"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, srv, tc.env, "", tc.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.NotContains(t, r.stdout+r.stderr, "SECRETSECRETSECRET42")
			assert.NotContains(t, r.stdout+r.stderr, testKey)
		})
	}
}

// TestInputsChecked: meaningless or malformed flags are usage errors, sent nowhere.
func TestInputsChecked(t *testing.T) {
	srv := newServer(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"schedules", "create", "--cron", "0 9 * * *", "--workflow", "wf_1", "--input", "{bad", "n"}, "--input must be a JSON object"},
		{[]string{"schedules", "create", "--cron", "0 9 * * *", "--definition", "adef_1", "--task", "t", "--input", "{bad", "n"}, "--input must be a JSON object"},
		{[]string{"schedules", "create", "--cron", "0 9 * * *", "--workflow", "wf_1", "--task", "t", "n"}, "--task goes with --definition"},
		{[]string{"triggers", "create", "--workflow", "wf_1", "--task", "t", "n"}, "--task goes with --definition"},
		{[]string{"schedules", "update", "--task", "t", "sched_1"}, "--task goes with --definition"},
		{[]string{"agents", "wait", "--for", "bogus", "agt_1"}, "--for must be one of provisioning, idle, running, paused, terminated"},
		{[]string{"sessions", "list", "--limit", "0"}, "--limit must be at least 1"},
		{[]string{"sessions", "list", "--limit", "-1"}, "--limit must be at least 1"},
		{[]string{"agents", "get", ""}, "AGENT is empty"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			srv.ResetRequests()
			r := runCLI(t, srv, nil, "", tc.args...)
			assert.Equal(t, exitUsage, r.code, r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.Empty(t, srv.Requests())
		})
	}
}

// TestControlCharactersEscaped: what the API sends is printed with its
// control characters visible, in tables, field listings and streamed text;
// --json prints the API's strings exactly.
func TestControlCharactersEscaped(t *testing.T) {
	const evil = "title\x1b]0;pwned\x07 clip\x1b]52;c;cm0gLXJmIH4=\x07 back\r\u009b2J bidi\u202e end"
	script := theazotest.WithAgentScript(func(task string) []theazotest.Event {
		return []theazotest.Event{theazotest.Thinking(evil), theazotest.ToolCall("web\x1b[2J", evil), theazotest.Output(evil, 3)}
	})
	srv := newServer(t, script)
	f := newFixture(t, srv)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"escape_channels_send", []string{"channels", "send", "{channel}", evil}},
		{"escape_channels_messages", []string{"channels", "messages", "{channel}"}},
		{"escape_definitions_create", []string{"definitions", "create", "--instructions", evil, "evil\x1b[31m"}},
		{"escape_definitions_list", []string{"definitions", "list"}},
		{"escape_agents_run_follow", []string{"agents", "run", "--follow", "{agent}", "go"}},
		{"escape_error", []string{"agents", "get", "agt_\x1b]0;x\x07"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, srv, nil, "", f.expand(tc.args)...)
			for _, b := range []string{"\x1b", "\x07", "\r", "\u009b", "\u202e"} {
				assert.NotContains(t, r.stdout+r.stderr, b)
			}
			golden(t, tc.name, normalize(transcript([]string{tc.name}, r), srv))
		})
	}
	r := runCLI(t, srv, nil, "", f.expand([]string{"channels", "messages", "--json", "{channel}"})...)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `title\u001b]0;pwned\u0007 clip`, "--json keeps the exact string, in JSON's escapes")
}

// TestBaseURLWithoutVersionGetsAHint: a base URL without /v1 reaches no
// route; the error says why.
func TestBaseURLWithoutVersionGetsAHint(t *testing.T) {
	srv := newServer(t)
	r := runCLI(t, srv, map[string]string{"THEAZO_BASE_URL": strings.TrimSuffix(srv.URL(), "/v1")}, "", "sessions", "list")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "hint: the base URL has no /v1; the API lives under it, e.g. https://api.theazo.com/v1")
	r = runCLI(t, srv, map[string]string{"THEAZO_BASE_URL": "ftp://example.com/v1"}, "", "sessions", "list")
	assert.Equal(t, exitUsage, r.code)
	assert.Equal(t, "theazo: invalid base URL (--base-url or THEAZO_BASE_URL): it must be an http or https URL with a host and no query, like https://api.theazo.com/v1\n", r.stderr)
}
