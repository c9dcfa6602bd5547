package theazotest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxBody bounds the request bodies the server reads.
const maxBody = 8 << 20

// Request is one request the server received, as recorded for assertions.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the escaped path as sent, e.g. "/v1/agents/agt_1/run".
	Path string
	// Query holds the decoded query parameters.
	Query url.Values
	// Header holds the request headers; the Authorization value is redacted
	// to its scheme and key prefix, e.g. "Bearer th_test_[redacted]".
	Header http.Header
	// Body is the request body as sent.
	Body []byte
	// RequestID is the id the server gave the request (X-Request-Id).
	RequestID string
	// Status is the status the server answered; 0 when it hung up without one.
	Status int
	// Time is when the request arrived (wall clock, not WithClock's).
	Time time.Time
}

// Requests returns a copy of every request received so far, oldest first.
func (s *Server) Requests() []Request {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Header = r.Header.Clone()
		r.Query = cloneValues(r.Query)
		r.Body = bytes.Clone(r.Body)
		out[i] = r
	}
	return out
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.reqMu.Lock()
	s.requests = nil
	s.reqMu.Unlock()
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// redactAuth keeps the scheme and key prefix of an Authorization value.
func redactAuth(v string) string {
	scheme, key, ok := strings.Cut(v, " ")
	if !ok {
		return "[redacted]"
	}
	for _, p := range []string{"th_test_", "th_live_"} {
		if strings.HasPrefix(key, p) {
			return scheme + " " + p + "[redacted]"
		}
	}
	return scheme + " [redacted]"
}

// call is one request being handled.
type call struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	body  []byte
	reqID string
	// drop ends a stream after this many events; negative means never.
	drop int
}

type callKey struct{}

// serveHTTP is the outer handler of every request: request id, recording,
// faults, then routing.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	// Requests end when the server closes, so that Close never waits on a stream.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()

	c := &call{s: s, reqID: "req_" + newID("", time.Now())[1:], drop: -1}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	c.body = body
	rw := &statusWriter{ResponseWriter: w}
	c.w = rw
	w.Header().Set("X-Request-Id", c.reqID)

	idx := s.record(r, body, c.reqID)
	defer func() { s.setStatus(idx, rw.status) }()
	if s.cfg.onRequest != nil {
		defer s.logRequest(r, c.reqID, rw)
	}
	defer func() {
		// A panic in a handler or a scripted callback is the API's
		// internal_error, unless the reply has started.
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler || rw.status != 0 {
				panic(v)
			}
			c.w = rw
			c.fail(&apiError{status: 500, code: "internal_error", message: "Unexpected server error."})
		}
	}()

	if err != nil {
		c.fail(errInvalid("body", "could not be read"))
		return
	}
	if len(body) > maxBody {
		c.fail(errInvalid("body", "is larger than 8 MiB"))
		return
	}

	rel := strings.TrimPrefix(r.URL.Path, "/v1")
	stream := r.Method == http.MethodGet && strings.HasSuffix(rel, "/stream")
	if f := s.takeFault(r.Method, rel); f != nil {
		if f.Delay > 0 && !s.sleep(ctx, f.Delay) {
			return
		}
		switch {
		case f.Disconnect:
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
				return
			}
			panic(http.ErrAbortHandler)
		case f.Status != 0:
			c.fail(faultError(f))
			return
		case f.HangUp && stream:
			c.drop = 0
		case f.HangUp:
			s.hangUpMidBody(rw, r.WithContext(context.WithValue(ctx, callKey{}, c)), c)
			return
		case f.DropAfterEvents > 0:
			c.drop = f.DropAfterEvents
		}
	}
	s.mux.ServeHTTP(rw, r.WithContext(context.WithValue(ctx, callKey{}, c)))
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

// record logs a request and returns its index.
func (s *Server) record(r *http.Request, body []byte, reqID string) int {
	h := r.Header.Clone()
	if v := h.Get("Authorization"); v != "" {
		h.Set("Authorization", redactAuth(v))
	}
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	s.requests = append(s.requests, Request{
		Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: h,
		Body: body, RequestID: reqID, Time: time.Now(),
	})
	return len(s.requests) - 1
}

func (s *Server) setStatus(idx, status int) {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	if idx < len(s.requests) {
		s.requests[idx].Status = status
	}
}

// statusWriter remembers the status written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

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

// handle registers h for pattern ("METHOD /path" relative to /v1). Unless
// public, the call must carry a valid key that may call the route, and is
// counted against the rate limit.
func (s *Server) handle(pattern string, public bool, h func(*call)) {
	method, path, _ := strings.Cut(pattern, " ")
	s.mux.HandleFunc(method+" /v1"+path, func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(callKey{}).(*call)
		c.r = r
		if !public && !s.authorize(c) {
			return
		}
		h(c)
	})
}

// authorize checks the key, its permissions and the rate limit, answering
// 401, 403 or 429 when one fails.
func (s *Server) authorize(c *call) bool {
	auth := c.r.Header.Get("Authorization")
	scheme, key, _ := strings.Cut(auth, " ")
	if auth == "" {
		c.fail(&apiError{status: 401, code: "unauthorized", message: "Missing API key. Pass it as a Bearer token in the Authorization header."})
		return false
	}
	s.keysMu.Lock()
	info, ok := s.keys[strings.TrimSpace(key)]
	s.keysMu.Unlock()
	if !strings.EqualFold(scheme, "Bearer") || !ok {
		c.fail(&apiError{status: 401, code: "unauthorized", message: "Invalid API key."})
		return false
	}
	if info.allow != nil {
		rel := strings.TrimPrefix(c.r.URL.Path, "/v1")
		allowed := false
		for _, m := range info.allow {
			if m.match(c.r.Method, rel) {
				allowed = true
				break
			}
		}
		if !allowed {
			c.fail(&apiError{status: 403, code: "forbidden", message: "This API key lacks permission for " + c.r.Method + " " + rel + "."})
			return false
		}
	}
	if wait, ok := s.allowRate(key); !ok {
		c.fail(rateLimitedError(wait))
		return false
	}
	return true
}

// apiError is an error reply in the API's envelope.
type apiError struct {
	status     int
	code       string
	message    string
	details    any
	retryAfter time.Duration
}

type fieldErr struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

func errNotFound(kind, id string) *apiError {
	return &apiError{status: 404, code: "not_found", message: "No " + kind + " with id " + strconv.Quote(id) + "."}
}

func errConflict(msg string) *apiError {
	return &apiError{status: 409, code: "conflict", message: msg}
}

func errInvalid(field, msg string) *apiError {
	return errFields([]fieldErr{{field, msg}})
}

func errFields(fields []fieldErr) *apiError {
	return &apiError{status: 422, code: "unprocessable_entity", message: "Request body failed validation.",
		details: map[string]any{"fields": fields}}
}

func errLimit(limit, msg string) *apiError {
	return &apiError{status: 402, code: "session_limit_exceeded", message: msg, details: map[string]any{"limit": limit}}
}

func rateLimitedError(wait time.Duration) *apiError {
	return &apiError{status: 429, code: "rate_limited",
		message:    "Too many requests. Retry after " + formatSeconds(wait) + " seconds.",
		details:    map[string]any{"retryAfter": json.Number(formatSeconds(wait))},
		retryAfter: wait}
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

// formatSeconds formats d in seconds: whole seconds when d is at least a
// second (rounded up), else with millisecond precision.
func formatSeconds(d time.Duration) string {
	if d >= time.Second {
		return strconv.FormatInt(int64(math.Ceil(d.Seconds())), 10)
	}
	return strconv.FormatFloat(math.Ceil(float64(d)/float64(time.Millisecond))/1000, 'f', -1, 64)
}

// fail answers e in the error envelope.
func (c *call) fail(e *apiError) {
	if e.retryAfter > 0 {
		c.w.Header().Set("Retry-After", formatSeconds(e.retryAfter))
	}
	type errBody struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		Details   any    `json:"details,omitempty"`
		RequestID string `json:"requestId"`
	}
	c.json(e.status, map[string]errBody{"error": {e.code, e.message, e.details, c.reqID}})
}

// json answers v as JSON with status.
func (c *call) json(status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = 500
		b = []byte(`{"error":{"code":"internal_error","message":"encoding the reply failed","requestId":"` + c.reqID + `"}}`)
	}
	c.w.Header().Set("Content-Type", "application/json")
	c.w.WriteHeader(status)
	c.w.Write(b)
}

// ok answers {"ok": true}.
func (c *call) ok() { c.json(http.StatusOK, map[string]bool{"ok": true}) }

// routeMatcher matches a method and a path relative to /v1.
type routeMatcher struct {
	method string   // "" or "*" matches any
	segs   []string // nil matches any path; "*" matches one segment
}

func newRouteMatcher(method, path string) routeMatcher {
	m := routeMatcher{method: strings.ToUpper(strings.TrimSpace(method))}
	path = strings.TrimSpace(path)
	if path != "" && path != "*" {
		m.segs = strings.Split(strings.Trim(strings.TrimPrefix(path, "/v1"), "/"), "/")
	}
	return m
}

func (m routeMatcher) match(method, path string) bool {
	if m.method != "" && m.method != "*" && m.method != method {
		return false
	}
	if m.segs == nil {
		return true
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) != len(m.segs) {
		return false
	}
	for i, s := range m.segs {
		if s != "*" && s != segs[i] {
			return false
		}
	}
	return true
}
