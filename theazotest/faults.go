package theazotest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// Fault makes the server misbehave on the next requests that match its
// Method and Path. Exactly one of Status, Disconnect, HangUp and
// DropAfterEvents says what happens; Delay may come with any of them, or
// alone to slow requests down.
type Fault struct {
	// Method to match, e.g. "POST"; "" or "*" matches any method.
	Method string
	// Path to match, relative to /v1, e.g. "/agents/*/run", where a segment
	// "*" matches any one segment; "" or "*" matches any path.
	Path string
	// Times is how many matching requests the fault affects: 0 means one,
	// a negative number every one until ClearFaults.
	Times int

	// Status answers this HTTP status in the error envelope, with the code
	// of that status (429 rate_limited, 503 service_unavailable, …),
	// without handling the request.
	Status int
	// RetryAfter adds a Retry-After header and details.retryAfter to a
	// Status answer. Whole seconds are sent as an integer, as the API does;
	// less than a second with millisecond precision ("0.05"), which the
	// API never sends, so that tests need not wait a whole second.
	RetryAfter time.Duration
	// Delay waits this long before handling the request (or answering Status).
	Delay time.Duration
	// Disconnect closes the connection without answering; the request is
	// not handled.
	Disconnect bool
	// HangUp handles the request, then sends the headers and only half of
	// the body and closes the connection: the client sees a truncated body.
	// On a stream it closes the connection right after the headers.
	HangUp bool
	// DropAfterEvents closes a stream's connection after sending this many
	// events (the client may resume with Last-Event-ID).
	DropAfterEvents int
}

// faultState is an injected fault and how many times it may still fire.
type faultState struct {
	Fault
	match     routeMatcher
	remaining int // negative: unlimited
}

// InjectFault adds f; the oldest fault that matches a request applies to it.
func (s *Server) InjectFault(f Fault) {
	n := f.Times
	if n == 0 {
		n = 1
	}
	fs := &faultState{Fault: f, match: newRouteMatcher(f.Method, f.Path), remaining: n}
	s.locked(func() { s.faults = append(s.faults, fs) })
}

// ClearFaults removes every fault not yet used up.
func (s *Server) ClearFaults() {
	s.locked(func() { s.faults = nil })
}

// takeFault returns the fault that applies to a request, if any, and counts it.
func (s *Server) takeFault(method, path string) (out *Fault) {
	s.locked(func() {
		for i, f := range s.faults {
			if !f.match.match(method, path) {
				continue
			}
			if f.remaining > 0 {
				f.remaining--
				if f.remaining == 0 {
					s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
				}
			}
			fault := f.Fault
			out = &fault
			return
		}
	})
	return out
}

// hangUpMidBody handles the request in full, then sends only the first half
// of the reply's body and closes the connection.
func (s *Server) hangUpMidBody(w http.ResponseWriter, r *http.Request, c *call) {
	buf := &bufferWriter{header: http.Header{}}
	c.w = buf
	s.mux.ServeHTTP(buf, r)
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	body := buf.body.Bytes()
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	if buf.status == 0 {
		buf.status = http.StatusOK
	}
	w.WriteHeader(buf.status)
	w.Write(body[:len(body)/2])
	http.NewResponseController(w).Flush()
	panic(http.ErrAbortHandler)
}

// bufferWriter collects a whole reply in memory.
type bufferWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (w *bufferWriter) Header() http.Header { return w.header }
func (w *bufferWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
}
func (w *bufferWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.body.Write(b)
}

// statusCodes are the API's error codes by HTTP status.
var statusCodes = map[int]string{
	400: "bad_request", 401: "unauthorized", 402: "session_limit_exceeded", 403: "forbidden",
	404: "not_found", 409: "conflict", 422: "unprocessable_entity", 429: "rate_limited",
	500: "internal_error", 502: "provider_error", 503: "service_unavailable", 504: "timeout",
}

func faultError(f *Fault) *apiError {
	code := statusCodes[f.Status]
	if code == "" {
		code = "error"
	}
	e := &apiError{status: f.Status, code: code, message: "Injected fault: " + http.StatusText(f.Status) + "."}
	if f.RetryAfter > 0 {
		e.retryAfter = f.RetryAfter
		e.details = map[string]any{"retryAfter": json.Number(formatSeconds(f.RetryAfter))}
	}
	return e
}
