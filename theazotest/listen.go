package theazotest

import (
	"net"
	"net/http"
	"time"
)

// WithListener makes the server accept connections on l instead of a
// random loopback port, e.g. a listener on a fixed address for a server
// that other programs call. Close closes l.
func WithListener(l net.Listener) Option { return func(c *config) { c.listener = l } }

// WithRequestLog calls fn with each request once the server has answered
// it (a stream when it ends), on the goroutine that served it. The
// Authorization header is redacted as in Requests.
func WithRequestLog(fn func(Request)) Option { return func(c *config) { c.onRequest = fn } }

// WithProvisionDelay makes new agents start in status "provisioning" and
// become "idle" after d, as real sandboxes do. Until then they refuse runs
// and exec with 409 conflict. Default 0: agents are idle at once.
func WithProvisionDelay(d time.Duration) Option { return func(c *config) { c.provisioning = d } }

// logRequest passes a finished request to the WithRequestLog function:
// its method, path, query, redacted headers, request id and status.
func (s *Server) logRequest(r *http.Request, reqID string, w *statusWriter) {
	h := r.Header.Clone()
	if v := h.Get("Authorization"); v != "" {
		h.Set("Authorization", redactAuth(v))
	}
	s.cfg.onRequest(Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Header: h,
		RequestID: reqID, Status: w.status})
}

// provision makes a new agent idle after the provisioning delay; the
// caller holds s.mu.
func (s *Server) provision(a *agent) {
	if s.cfg.provisioning <= 0 {
		return
	}
	a.setStatus("provisioning")
	s.goBackground(func() {
		if !s.sleep(s.ctx, s.cfg.provisioning) {
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if a.Status == "provisioning" {
			a.setStatus("idle")
		}
	})
}
