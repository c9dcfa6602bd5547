package theazotest

import (
	"bytes"
	"net/http"
	"net/url"
	"strings"
	"time"
)

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

// WithRequestLog calls fn with each request once the server has answered
// it (a stream when it ends), on the goroutine that served it. The
// Authorization header is redacted as in Requests.
func WithRequestLog(fn func(Request)) Option { return func(c *config) { c.onRequest = fn } }

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

// requestOf is r as recorded and logged: its method, path, query and
// headers, with the Authorization value redacted, and its request id.
func requestOf(r *http.Request, reqID string) Request {
	h := r.Header.Clone()
	if v := h.Get("Authorization"); v != "" {
		h.Set("Authorization", redactAuth(v))
	}
	return Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: h, RequestID: reqID}
}

// record logs a request and returns its index.
func (s *Server) record(r *http.Request, body []byte, reqID string) int {
	req := requestOf(r, reqID)
	req.Body = body
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	req.Time = time.Now()
	s.requests = append(s.requests, req)
	return len(s.requests) - 1
}

func (s *Server) setStatus(idx, status int) {
	s.reqMu.Lock()
	defer s.reqMu.Unlock()
	if idx < len(s.requests) {
		s.requests[idx].Status = status
	}
}

// logRequest passes a finished request to the WithRequestLog function:
// its method, path, query, redacted headers, request id and status.
func (s *Server) logRequest(r *http.Request, reqID string, w *statusWriter) {
	req := requestOf(r, reqID)
	req.Status = w.status
	s.cfg.onRequest(req)
}
