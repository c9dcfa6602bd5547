package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// TestTailAndStreamPrintWhatArrivesUntilInterrupted follows streams that
// print what arrives after they connect: agents stream until the run's
// output (exit 0), channels tail until interrupted (exit 130).
func TestTailAndStreamPrintWhatArrivesUntilInterrupted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		args  []string
		path  string
		cause func(t *testing.T, c *theazo.Client, f fixture)
		want  *regexp.Regexp
		ends  bool // the stream ends by itself after want
	}{
		{
			name: "channels_tail", args: []string{"channels", "tail", "{channel}"}, path: "/v1/channels/{channel}/stream",
			cause: func(t *testing.T, c *theazo.Client, f fixture) {
				_, err := c.Channels.SendMessage(t.Context(), f["channel"], &theazo.MessageSendParams{Content: "Is it live?"})
				require.NoError(t, err)
			},
			want: regexp.MustCompile(`^thr_\S+ assistant: You said: "Is it live\?"`),
		},
		{
			name: "agents_stream", args: []string{"agents", "stream", "{agent}"}, path: "/v1/agents/{agent}/stream",
			cause: func(t *testing.T, c *theazo.Client, f fixture) {
				_, err := c.Agents.Run(t.Context(), f["agent"], "Look again")
				require.NoError(t, err)
			},
			want: regexp.MustCompile(`^cost: 0\.12 USD$`),
			ends: true, // an agent's stream ends with its run's output
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, theazotest.WithClock(time.Now))
			f := newFixture(t, srv)
			out, errOut := newOutput(), newOutput()
			env := map[string]string{"THEAZO_API_KEY": srv.APIKey(), "THEAZO_BASE_URL": srv.URL()}
			a := &app{stdin: strings.NewReader(""), stdout: out, stderr: errOut, now: time.Now,
				getenv: func(k string) string { return env[k] }, httpClient: srv.HTTPClient()}
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			code := make(chan int, 1)
			go func() { code <- a.main(ctx, f.expand(tc.args)) }()

			path := f.expand([]string{tc.path})[0]
			require.Eventually(t, func() bool {
				for _, r := range srv.Requests() {
					if r.Method == "GET" && r.Path == path {
						return true
					}
				}
				return false
			}, 5*time.Second, 5*time.Millisecond, "the command connects")
			tc.cause(t, srv.Client(), f)
			out.waitFor(t, tc.want, 5*time.Second)

			want := exitOK
			if !tc.ends {
				cancel()
				want = exitInterrupted
			}
			select {
			case c := <-code:
				assert.Equal(t, want, c)
			case <-time.After(2 * time.Second):
				t.Fatal("the command did not stop")
			}
			assert.Empty(t, errOut.text())
		})
	}
}
