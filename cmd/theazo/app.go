package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
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

	g       globals
	baseErr error // the base URL is invalid: no request is sent
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
		fmt.Fprintf(a.stderr, "theazo: %s\n\n", a.redact(ue.msg))
		ue.usage(a.stderr)
		return exitUsage
	}
	fmt.Fprintln(a.stderr, "theazo: "+a.redact(escape(a.describe(err))))
	if a.local(err) {
		return exitUsage
	}
	return exitError
}

// local reports whether err is a mistake found before any request: a bad
// base URL, no key, an empty id, params that fail a local check. Those exit
// 2, as usage errors do; the API's and the network's errors exit 1.
func (a *app) local(err error) bool {
	return a.baseErr != nil || errors.Is(err, theazo.ErrMissingAPIKey) || errors.Is(err, theazo.ErrEmptyID) ||
		errors.Is(err, theazo.ErrInvalidParams) || errors.Is(err, theazo.ErrInvalidAPIKey) ||
		errors.Is(err, theazo.ErrInsecureTransport)
}

// keyPattern matches anything shaped like a Theazo API key.
var keyPattern = regexp.MustCompile(`th_(live|test)_[A-Za-z0-9_\-]+`)

// redact removes API keys from a message: the key of the flag and of the
// environment wherever it appears, and anything shaped like a key. A key
// typed in the wrong place ends up in an argument or a flag's value; the
// messages that could echo it never show it.
func (a *app) redact(msg string) string {
	for _, k := range []string{a.g.apiKey, a.getenv("THEAZO_API_KEY")} {
		if k = strings.TrimSpace(k); len(k) >= 8 {
			msg = strings.ReplaceAll(msg, k, "[redacted]")
		}
	}
	return keyPattern.ReplaceAllStringFunc(msg, func(k string) string { return k[:len("th_test_")] + "[redacted]" })
}

// describe says what failed in one line: "not_found: No agent … (request req_…)".
func (a *app) describe(err error) string {
	if a.baseErr != nil {
		return a.baseErr.Error()
	}
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
		for i, f := range apiErr.Fields {
			sep := " "
			if i == 0 && apiErr.Message == "" {
				sep = ": "
			}
			b.WriteString(sep + sentence(f.Field+" "+f.Message))
		}
		if apiErr.RetryAfter > 0 {
			fmt.Fprintf(&b, " (retry after %s)", apiErr.RetryAfter)
		}
		if apiErr.RequestID != "" {
			b.WriteString(" (request " + apiErr.RequestID + ")")
		}
		if apiErr.StatusCode == http.StatusNotFound && strings.HasPrefix(apiErr.Message, "No route ") && !a.baseHasVersion() {
			b.WriteString("\nhint: the base URL has no /v1; the API lives under it, e.g. " + theazo.DefaultBaseURL)
		}
		return b.String()
	case errors.Is(err, theazo.ErrMissingAPIKey):
		return "no API key: set THEAZO_API_KEY or pass --api-key"
	}
	return strings.TrimPrefix(err.Error(), "theazo: ")
}

// sentence makes a field's message a sentence: "action.config.task is
// required." The API's messages end without a full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s != "" && !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// baseURL is the API root of the flag, else of THEAZO_BASE_URL, else the default.
func (a *app) baseURL() string {
	if a.g.baseURL != "" {
		return a.g.baseURL
	}
	if b := a.getenv("THEAZO_BASE_URL"); b != "" {
		return b
	}
	return theazo.DefaultBaseURL
}

// baseHasVersion reports whether the base URL's path names an API version.
func (a *app) baseHasVersion() bool {
	u, err := url.Parse(a.baseURL())
	return err == nil && strings.Contains(u.Path+"/", "/v1/")
}

// checkBaseURL checks the base URL before any request. Its error never
// quotes the value: a key pasted into THEAZO_BASE_URL must not be printed.
func checkBaseURL(base string) error {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return errors.New("invalid base URL (--base-url or THEAZO_BASE_URL): it must be an http or https URL with a host and no query, like " + theazo.DefaultBaseURL)
	}
	return nil
}

// client returns a client for the key and base URL of the flags, else of
// THEAZO_API_KEY and THEAZO_BASE_URL. With --debug it logs each HTTP
// attempt to stderr; the SDK's log lines never carry the key.
func (a *app) client() *theazo.Client {
	key := a.g.apiKey
	if key == "" {
		key = a.getenv("THEAZO_API_KEY")
	}
	base := a.baseURL()
	a.baseErr = checkBaseURL(base)
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
