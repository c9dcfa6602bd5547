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
	// Body is the request body as sent; nil when it was not read (the
	// request was refused before: no valid key, an unknown route, an
	// injected status) or not kept (WithRequestHistory without bodies).
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

// DefaultRequestHistory is how many requests Requests keeps by default.
const DefaultRequestHistory = 100_000

// WithRequestHistory sets how many of the latest requests Requests keeps
// (default DefaultRequestHistory; older ones are forgotten, so that a
// long-running server's memory stays bounded) and whether it keeps their
// bodies (default true). A request refused before its body is read (no
// key, a wrong key, an unknown route, an injected status) is recorded
// without one.
func WithRequestHistory(limit int, bodies bool) Option {
	return func(c *config) { c.history, c.noBodies = max(limit, 1), !bodies }
}

// requestLog is a ring of the latest requests.
type requestLog struct {
	buf   []Request
	total int64 // requests recorded ever; request n is at buf[n%len(buf)]
}

// Requests returns a copy of the requests kept (see WithRequestHistory),
// oldest first.
func (s *Server) Requests() []Request {
	var out []Request
	s.locked(func() {
		n := min(s.reqs.total, int64(s.history()))
		out = make([]Request, 0, n)
		for seq := s.reqs.total - n; seq < s.reqs.total; seq++ {
			r := s.reqs.buf[seq%int64(len(s.reqs.buf))]
			r.Header = r.Header.Clone()
			r.Query = cloneValues(r.Query)
			r.Body = bytes.Clone(r.Body)
			out = append(out, r)
		}
	})
	return out
}

// ResetRequests forgets the requests received so far.
func (s *Server) ResetRequests() {
	s.locked(func() { s.reqs = requestLog{} })
}

// history is the number of requests kept.
func (s *Server) history() int {
	if s.cfg.history > 0 {
		return s.cfg.history
	}
	return DefaultRequestHistory
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

// record logs a request, without its body, and returns its number.
func (s *Server) record(r *http.Request, reqID string) (seq int64) {
	req := requestOf(r, reqID)
	s.locked(func() {
		req.Time = time.Now()
		if s.reqs.buf == nil {
			s.reqs.buf = make([]Request, 0, min(s.history(), 64))
		}
		seq = s.reqs.total
		if len(s.reqs.buf) < s.history() {
			s.reqs.buf = append(s.reqs.buf, req)
		} else {
			s.reqs.buf[seq%int64(len(s.reqs.buf))] = req
		}
		s.reqs.total++
	})
	return seq
}

// update changes the kept request number seq with fn, unless it was
// forgotten.
func (s *Server) update(seq int64, fn func(*Request)) {
	s.locked(func() {
		if seq >= s.reqs.total-int64(len(s.reqs.buf)) && seq < s.reqs.total {
			fn(&s.reqs.buf[seq%int64(len(s.reqs.buf))])
		}
	})
}

func (s *Server) setStatus(seq int64, status int) {
	s.update(seq, func(r *Request) { r.Status = status })
}

// setBody keeps the body of request seq, unless bodies are not kept.
func (s *Server) setBody(seq int64, body []byte) {
	if !s.cfg.noBodies {
		s.update(seq, func(r *Request) { r.Body = body })
	}
}

// logRequest passes a finished request to the WithRequestLog function:
// its method, path, query, redacted headers, request id and status.
func (s *Server) logRequest(r *http.Request, reqID string, w *statusWriter) {
	req := requestOf(r, reqID)
	req.Status = w.status
	s.cfg.onRequest(req)
}
