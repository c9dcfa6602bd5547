// Package exampleenv starts the example programs: against the real Theazo
// API when THEAZO_API_KEY is set, otherwise against theazotest, an
// in-process fake of the API, so that every example runs on a fresh machine
// with no account.
package exampleenv

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// eventDelay is how long the fake waits before each streamed event, so
// that streams unfold visibly.
const eventDelay = 80 * time.Millisecond

// Env is where an example runs.
type Env struct {
	// Client talks to the real API or to the fake.
	Client *theazo.Client
	// Fake is the in-process fake server, nil against the real API.
	Fake *theazotest.Server
}

// Start returns the example's environment and prints, as the first line
// of w, which one it is. opts configure the fake, if one is started.
// Call Close when done.
func Start(w io.Writer, opts ...theazotest.Option) *Env {
	if os.Getenv("THEAZO_API_KEY") != "" {
		c := theazo.NewClient("")
		mode := "live"
		if c.IsTestMode() {
			mode = "test"
		}
		fmt.Fprintf(w, "Using the Theazo API at %s with your %s key from THEAZO_API_KEY.\n", c.BaseURL(), mode)
		return &Env{Client: c}
	}
	srv := theazotest.NewServer(append([]theazotest.Option{theazotest.WithEventDelay(eventDelay)}, opts...)...)
	fmt.Fprintln(w, "No THEAZO_API_KEY set: running against theazotest, an in-process fake Theazo API (no account needed).")
	return &Env{Client: srv.Client(), Fake: srv}
}

// Close stops the fake server, if any, and releases the client's connections.
func (e *Env) Close() {
	e.Client.CloseIdleConnections()
	if e.Fake != nil {
		e.Fake.Close()
	}
}

// Hint returns advice for an error an example could not handle, or "".
func Hint(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, theazo.ErrUnauthorized):
		return "Check THEAZO_API_KEY: the API did not accept it."
	case errors.Is(err, theazo.ErrSessionLimitExceeded):
		return "The session reached one of its limits (cost, agents or compute minutes)."
	case errors.Is(err, theazo.ErrRateLimited):
		return "Too many requests for your plan; wait a little and try again."
	}
	return ""
}

// Fail prints err and its hint to stderr and exits with status 1.
func Fail(err error) {
	fmt.Fprintln(os.Stderr, "error:", err)
	if h := Hint(err); h != "" {
		fmt.Fprintln(os.Stderr, h)
	}
	os.Exit(1)
}
