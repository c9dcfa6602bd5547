package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/theazo/theazo-go"
)

// Exit codes.
const (
	exitOK          = 0
	exitError       = 1   // the API or the network failed
	exitUsage       = 2   // an unknown command or flag, a missing argument
	exitInterrupted = 130 // Ctrl-C or SIGTERM
)

// app is one run of the command: its streams, environment and clock, so
// that tests run it in-process.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	outTTY, errTTY bool         // stdout, stderr are terminals
	httpClient     *http.Client // nil: the SDK's default

	g globals
}

// globals are the flags every command takes.
type globals struct {
	apiKey  string
	baseURL string
	json    bool
	debug   bool
}

// main runs the command line args and returns the exit code.
func (a *app) main(ctx context.Context, args []string) int {
	err := dispatch(ctx, a, root(), []string{"theazo"}, args)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case ctx.Err() != nil:
		return exitInterrupted
	}
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(a.stderr, "theazo: %s\n\n", ue.msg)
		ue.usage(a.stderr)
		return exitUsage
	}
	fmt.Fprintln(a.stderr, "theazo: "+a.describe(err))
	return exitError
}

// describe says what failed in one line: "not_found: No agent … (request req_…)".
func (a *app) describe(err error) string {
	var apiErr *theazo.Error
	switch {
	case errors.As(err, &apiErr):
		var b strings.Builder
		code := string(apiErr.Code)
		if code == "" {
			code = fmt.Sprintf("HTTP %d", apiErr.StatusCode)
		}
		b.WriteString(code)
		if apiErr.Message != "" {
			b.WriteString(": " + apiErr.Message)
		}
		for _, f := range apiErr.Fields {
			b.WriteString("; " + f.Field + ": " + f.Message)
		}
		if apiErr.RetryAfter > 0 {
			fmt.Fprintf(&b, " (retry after %s)", apiErr.RetryAfter)
		}
		if apiErr.RequestID != "" {
			b.WriteString(" (request " + apiErr.RequestID + ")")
		}
		return b.String()
	case errors.Is(err, theazo.ErrMissingAPIKey):
		return "no API key: set THEAZO_API_KEY or pass --api-key"
	}
	return strings.TrimPrefix(err.Error(), "theazo: ")
}

// client returns a client for the key and base URL of the flags, else of
// THEAZO_API_KEY and THEAZO_BASE_URL. With --debug it logs each HTTP
// attempt to stderr; the SDK's log lines never carry the key.
func (a *app) client() *theazo.Client {
	key := a.g.apiKey
	if key == "" {
		key = a.getenv("THEAZO_API_KEY")
	}
	base := a.g.baseURL
	if base == "" {
		base = a.getenv("THEAZO_BASE_URL")
	}
	if base == "" {
		base = theazo.DefaultBaseURL
	}
	opts := []theazo.Option{theazo.WithBaseURL(base), theazo.WithUserAgent("theazo-cli/" + theazo.Version)}
	if a.httpClient != nil {
		opts = append(opts, theazo.WithHTTPClient(a.httpClient))
	}
	if a.g.debug {
		h := slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelDebug})
		opts = append(opts, theazo.WithLogger(slog.New(h)))
	}
	return theazo.NewClient(key, opts...)
}
