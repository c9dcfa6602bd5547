package theazotest

import (
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"time"
)

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
	if !c.read && c.r != nil && c.r.ContentLength != 0 && !c.s.validKey(c.r) {
		// The body of a call without a valid key was never read: close the
		// connection rather than read what the client still sends, however
		// slowly it sends it.
		c.w.Header().Set("Connection", "close")
		http.NewResponseController(c.w).SetReadDeadline(time.Now())
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

// reply is a handler's answer: body as JSON with status, or err in the
// error envelope.
type reply struct {
	status int
	body   any
	err    *apiError
}

// answer is the reply of body with status.
func answer(status int, body any) reply { return reply{status: status, body: body} }

// failed is the reply of e.
func failed(e *apiError) reply { return reply{err: e} }

// okReply is the reply {"ok": true}.
func okReply() reply { return answer(http.StatusOK, map[string]bool{"ok": true}) }

// write answers r.
func (c *call) write(r reply) {
	if r.err != nil {
		c.fail(r.err)
		return
	}
	c.json(r.status, r.body)
}
