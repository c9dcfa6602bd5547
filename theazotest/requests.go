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
