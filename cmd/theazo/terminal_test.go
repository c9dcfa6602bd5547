package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// tmux runs a tmux command on the test's own server socket.
func tmux(t *testing.T, socket string, args ...string) string {
	t.Helper()
	out, err := exec.Command("tmux", append([]string{"-L", socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	require.NoError(t, err, "tmux %v: %s", args, out)
	return string(out)
}

// TestTerminal runs "theazo agents run --follow" in a real pseudo-terminal
// under tmux: there it shows colour and a spinner, and with NO_COLOR=1
// neither. tmux copies everything the command writes to a log (pipe-pane),
// so that a spinner shown however briefly is seen. Without tmux it skips,
// except in CI (CI=true), where .ci/run installs tmux and a missing one is
// a failure.
func TestTerminal(t *testing.T) {
	t.Parallel()
	needTmux(t)
	const key = "th_test_terminal"
	_, url := startMock(t, key, "--event-delay", "50ms")

	for _, tc := range []struct {
		name    string
		noColor bool
	}{{"colour", false}, {"no_color", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			agent := newAgent(t, key, url)
			socket := fmt.Sprintf("theazo-test-%d-%s", os.Getpid(), tc.name)
			env := append([]string{"env", "-u", "NO_COLOR", "TERM=xterm-256color", "THEAZO_API_KEY=" + key, "THEAZO_BASE_URL=" + url}, commandEnv()...)
			if tc.noColor {
				env = append(env, "NO_COLOR=1")
			}
			// The command starts once the log is set up: when the test
			// signals the tmux channel "start".
			command := shellLine("tmux", "-L", socket, "wait-for", "start") + "; " +
				shellLine(append(env, commandPath(t), "agents", "run", "--follow", agent, "Find papers")...) + "; echo EXIT=$?; sleep 60"
			tmux(t, socket, "new-session", "-d", "-x", "160", "-y", "40", "-s", "t", command)
			t.Cleanup(func() { exec.Command("tmux", "-L", socket, "kill-server").Run() })
			logPath := filepath.Join(t.TempDir(), "pane.log")
			tmux(t, socket, "pipe-pane", "-t", "t", "-o", shellLine("cat")+" > "+shellLine(logPath))
			tmux(t, socket, "wait-for", "-S", "start")

			// Watch the screen until the run ends, then the log until it has all.
			var screen, log string
			for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
				if screen = tmux(t, socket, "capture-pane", "-p", "-e", "-t", "t"); strings.Contains(screen, "EXIT=") {
					break
				}
			}
			require.Contains(t, screen, "EXIT=0", "the run ends well:\n%s", screen)
			require.Contains(t, screen, "cost: 0.12 USD")
			assert.NotContains(t, screen, "waiting for the agent", "the spinner's line is cleared")
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
				b, err := os.ReadFile(logPath)
				require.NoError(t, err)
				if log = string(b); strings.Contains(log, "EXIT=") {
					break
				}
			}
			require.Contains(t, log, "EXIT=0", "the log has all the command wrote")
			if tc.noColor {
				assert.NotContains(t, log, "waiting for the agent", "no spinner with NO_COLOR")
				assert.NotContains(t, log, "\x1b[", "no colour with NO_COLOR:\n%q", log)
				assert.NotContains(t, screen, "\x1b[", "no colour with NO_COLOR:\n%q", screen)
			} else {
				assert.Contains(t, log, "waiting for the agent", "a spinner on stderr while waiting for the first event")
				assert.Contains(t, screen, "\x1b[", "colour on a terminal:\n%q", screen)
			}
		})
	}
}

// needTmux skips the test without tmux, except in CI (CI=true), where
// .ci/run installs tmux and a missing one is a failure.
func needTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("tmux is required in CI (CI=true); .ci/run installs it")
		}
		t.Skip("tmux is not installed; CI installs it")
	}
}

// TestTerminalEscapesWhatTheAPISends prints, in a real terminal, channel
// messages that anyone may post: one sets the window title (OSC 0), one
// clears the screen. The terminal's title stays, and the escapes show as text.
func TestTerminalEscapesWhatTheAPISends(t *testing.T) {
	t.Parallel()
	needTmux(t)
	const key = "th_test_terminalescape"
	_, url := startMock(t, key)
	c := testClient(t, key, url)
	ch, err := c.Channels.Create(t.Context(), &theazo.ChannelCreateParams{Name: "public", Instructions: "x"})
	require.NoError(t, err)
	for _, m := range []string{"hi\x1b]0;pwned\x07 there", "wipe\x1b[2J\x1b[H done"} {
		_, err = c.Channels.SendMessage(t.Context(), ch.ID, &theazo.MessageSendParams{Content: m})
		require.NoError(t, err)
	}
	socket := fmt.Sprintf("theazo-test-%d-escape", os.Getpid())
	env := append([]string{"env", "TERM=xterm-256color", "THEAZO_API_KEY=" + key, "THEAZO_BASE_URL=" + url}, commandEnv()...)
	command := shellLine(append(env, commandPath(t), "channels", "messages", ch.ID)...) + "; echo EXIT=$?; sleep 60"
	tmux(t, socket, "new-session", "-d", "-x", "200", "-y", "20", "-s", "t", command)
	t.Cleanup(func() { exec.Command("tmux", "-L", socket, "kill-server").Run() })
	var screen string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(30 * time.Millisecond) {
		if screen = tmux(t, socket, "capture-pane", "-p", "-t", "t"); strings.Contains(screen, "EXIT=") {
			break
		}
	}
	require.Contains(t, screen, "EXIT=0", screen)
	assert.Contains(t, screen, `hi\x1b]0;pwned\x07 there`, "the title escape is shown, not obeyed")
	assert.Contains(t, screen, `wipe\x1b[2J\x1b[H done`)
	assert.Contains(t, screen, "CONTENT", "the table's header was not wiped")
	title := tmux(t, socket, "display-message", "-p", "-t", "t", "#{pane_title}")
	assert.NotContains(t, title, "pwned", "the window title is untouched")
}

// shellLine is a command line for sh of words, each quoted.
func shellLine(words ...string) string {
	for i, w := range words {
		words[i] = "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
	}
	return strings.Join(words, " ")
}
