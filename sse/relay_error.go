package sse

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"
)

// ErrorData is what a browser is told about an upstream failure: the data
// of the error event of Relay and RelayError, as the JSON object
// {"code": …, "message": …, "requestId": …}. RequestID is empty when the
// error has none.
type ErrorData struct {
	// Code classifies the failure, e.g. an API error code.
	Code string `json:"code"`
	// Message describes it for a person.
	Message string `json:"message"`
	// RequestID identifies the failed request for support.
	RequestID string `json:"requestId"`
}

// DescribedError is an error that says what a browser may be told about
// it, with nothing secret in it. theazo's *Error and *RunError are
// DescribedErrors; Relay and RelayError look for one in an error's chain
// with errors.As.
type DescribedError interface {
	error
	// ErrorData returns the code, message and request id to show.
	ErrorData() ErrorData
}

// The codes of the failures that carry no DescribedError.
const (
	codeInterrupted = "interrupted"
	codeStreamError = "stream_error"
)

// maxErrorField bounds each member of the error event's data, in bytes.
const maxErrorField = 1000

// RelayError answers a browser's EventSource request with the error event
// Relay sends when the upstream fails (see Relay and WithErrorEvent), for
// a handler that could not even open the stream to relay: a 200
// text/event-stream response holding only that event, which then ends.
// The page thus gets the failure's code and message, not a bare network
// error; it should close its EventSource on the event, or the browser
// reconnects. With WithErrorEvent("") it answers 502 Bad Gateway instead,
// on which an EventSource gives up. Its write has the deadline of
// WithWriteTimeout; WithHeartbeat and WithEventHook play no part.
//
// It returns nil once the event is written or the browser left, an error
// matching os.ErrDeadlineExceeded if the write did not complete in time,
// ErrRelayUnsupported if w cannot flush, or the error of an error event
// name that SSE cannot carry.
func RelayError(w http.ResponseWriter, r *http.Request, err error, opts ...RelayOption) error {
	cfg := newRelayConfig(opts)
	if cfg.errorEvent == "" {
		http.Error(w, http.StatusText(http.StatusBadGateway), http.StatusBadGateway)
		return nil
	}
	rw, werr := newRelayWriter(w, r, cfg, func() error { return nil })
	if werr != nil {
		return werr
	}
	defer rw.abortWhenDone(r.Context(), r)()
	rw.sendError(err)
	return rw.result(r.Context(), r, nil)
}

// describe returns what the browser is told about err: the ErrorData of
// the DescribedError in its chain, else a code and message of Relay's
// own, never err's text, which could quote anything. Each member is
// bounded and valid UTF-8.
func describe(err error) ErrorData {
	var d DescribedError
	var data ErrorData
	switch {
	case errors.As(err, &d):
		data = d.ErrorData()
	case errors.Is(err, ErrInterrupted):
		data = ErrorData{Code: codeInterrupted, Message: "the event stream ended early and could not be resumed"}
	default:
		data = ErrorData{Code: codeStreamError, Message: "the event stream failed"}
	}
	return ErrorData{Code: clip(data.Code), Message: clip(data.Message), RequestID: clip(data.RequestID)}
}

// errorJSON is the data of the error event of err.
func errorJSON(err error) string {
	b, _ := json.Marshal(describe(err)) // a struct of strings always encodes
	return string(b)
}

// clip returns s as valid UTF-8 of at most maxErrorField bytes, and an
// ellipsis if it was cut.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxErrorField {
		return s
	}
	n := maxErrorField
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
