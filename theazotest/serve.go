package theazotest

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody bounds the request bodies the server reads.
const maxBody = 8 << 20

// call is one request being handled.
type call struct {
	s     *Server
	w     http.ResponseWriter
	r     *http.Request
	body  []byte
	reqID string
	// drop ends a stream after this many events; negative means never.
	drop int
	// seq is the request's number in the request log.
	seq int64
	// read is set once the body has been read (readBody).
	read bool
}

// readBody reads the request body, at most maxBody bytes, once the call
// is authenticated: a request refused before is never read. It answers
// 422 and reports false when the body cannot be read or is too large.
func (c *call) readBody() bool {
	if c.read {
		return true
	}
	c.read = true
	body, err := io.ReadAll(io.LimitReader(c.r.Body, maxBody+1))
	switch {
	case err != nil:
		c.fail(errInvalid("body", "could not be read"))
		return false
	case len(body) > maxBody:
		c.fail(errInvalid("body", "is larger than 8 MiB"))
		return false
	}
	c.body = body
	c.s.setBody(c.seq, body)
	return true
}

type callKey struct{}

// serveHTTP is the outer handler of every request: request id, recording,
// faults, then routing.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cfg.control && strings.HasPrefix(r.URL.Path, ControlPrefix) {
		s.serveControl(w, r)
		return
	}
	// Requests end when the server closes, so that Close never waits on a stream.
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	stop := context.AfterFunc(s.ctx, cancel)
	defer stop()

	c := &call{s: s, r: r, reqID: "req_" + newID("", time.Now())[1:], drop: -1}
	rw := &statusWriter{ResponseWriter: w}
	c.w = rw
	w.Header().Set("X-Request-Id", c.reqID)

	c.seq = s.record(r, c.reqID)
	defer func() { s.setStatus(c.seq, rw.status) }()
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
			// The request is refused unhandled; its body is read (and
			// recorded) only when it carries a valid key.
			if s.validKey(r) && !c.readBody() {
				return
			}
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
