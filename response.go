package theazo

import "net/http"

// Response is the metadata of a call's final reply, filled by
// WithResponseInto: what the typed result does not carry, and the raw body,
// so that a field this SDK version does not model yet is still reachable.
type Response struct {
	// StatusCode is the HTTP status of the final reply.
	StatusCode int
	// Header holds the final reply's headers.
	Header http.Header
	// RequestID identifies the request for Theazo support: the X-Request-Id
	// header, else the error envelope's requestId.
	RequestID string
	// Attempts counts the HTTP attempts the call made, retries included.
	Attempts int
	// Body is the raw JSON of the final reply (with the API key redacted
	// from an error's); nil for a stream, whose body is its events.
	Body []byte
}

// record fills co's Response, if it has one, from a reply. requestID is
// the envelope's, used when the reply has no X-Request-Id header; hide
// redacts the API key from the header's, as from an *Error's.
func (co *callOptions) record(resp *http.Response, attempts int, requestID string, body []byte, hide keyRedactor) {
	if co == nil || co.response == nil {
		return
	}
	if id := resp.Header.Get("X-Request-Id"); id != "" {
		requestID = hide.text(id)
	}
	*co.response = Response{StatusCode: resp.StatusCode, Header: resp.Header, RequestID: requestID, Attempts: attempts, Body: body}
}
