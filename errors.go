package theazo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/theazo/theazo-go/sse"
)

// ErrorCode is the machine-readable code of an API error, from the error
// envelope's "code" field. Codes the SDK does not know are kept as they are.
type ErrorCode string

// The error codes of the Theazo API.
const (
	CodeUnauthorized         ErrorCode = "unauthorized"           // 401: missing or invalid API key
	CodeForbidden            ErrorCode = "forbidden"              // 403: key lacks permission
	CodeNotFound             ErrorCode = "not_found"              // 404: no such resource
	CodeConflict             ErrorCode = "conflict"               // 409: conflicts with current state
	CodeUnprocessableEntity  ErrorCode = "unprocessable_entity"   // 422: body failed validation
	CodeRateLimited          ErrorCode = "rate_limited"           // 429: rate limit exceeded
	CodeSessionLimitExceeded ErrorCode = "session_limit_exceeded" // 402: session cost, agent or compute limit
	CodeProviderError        ErrorCode = "provider_error"         // 502: compute provider failed
	CodeTimeout              ErrorCode = "timeout"                // 504: exec exceeded 120 s
	CodeInternalError        ErrorCode = "internal_error"         // 500: unexpected server error
)

// statusCodes maps each documented code to its HTTP status. It lets a reply
// without the JSON envelope (an HTML 502 from a proxy) still match a sentinel.
var statusCodes = map[int]ErrorCode{
	http.StatusUnauthorized:        CodeUnauthorized,
	http.StatusForbidden:           CodeForbidden,
	http.StatusNotFound:            CodeNotFound,
	http.StatusConflict:            CodeConflict,
	http.StatusUnprocessableEntity: CodeUnprocessableEntity,
	http.StatusTooManyRequests:     CodeRateLimited,
	http.StatusPaymentRequired:     CodeSessionLimitExceeded,
	http.StatusBadGateway:          CodeProviderError,
	http.StatusGatewayTimeout:      CodeTimeout,
	http.StatusInternalServerError: CodeInternalError,
}

// codeError is the type of the sentinel errors; an *Error matches one by code.
type codeError ErrorCode

func (c codeError) Error() string { return "theazo: " + string(c) }

// Sentinel errors, matched with errors.Is against any *Error of the same code:
//
//	if errors.Is(err, theazo.ErrNotFound) { ... }
var (
	ErrUnauthorized         error = codeError(CodeUnauthorized)
	ErrForbidden            error = codeError(CodeForbidden)
	ErrNotFound             error = codeError(CodeNotFound)
	ErrConflict             error = codeError(CodeConflict)
	ErrUnprocessable        error = codeError(CodeUnprocessableEntity)
	ErrRateLimited          error = codeError(CodeRateLimited)
	ErrSessionLimitExceeded error = codeError(CodeSessionLimitExceeded)
	ErrProviderError        error = codeError(CodeProviderError)
	ErrTimeout              error = codeError(CodeTimeout)
	ErrInternal             error = codeError(CodeInternalError)
)

// Local errors: the SDK returns these without sending a request, or when a
// reply cannot be understood.
var (
	// ErrMissingAPIKey is returned by authenticated calls on a client with no key.
	ErrMissingAPIKey = errors.New("theazo: no API key: pass one to NewClient or set THEAZO_API_KEY")
	// ErrEmptyID is returned when a required path parameter is empty.
	ErrEmptyID = errors.New("theazo: required ID is empty")
	// ErrInvalidParams is returned when params fail a local check (a secret
	// name, a cron expression) before any request is sent.
	ErrInvalidParams = errors.New("theazo: invalid params")
	// ErrInvalidResponse is returned when a successful reply is not the JSON
	// the API documents: malformed, truncated, or larger than the SDK reads.
	ErrInvalidResponse = errors.New("theazo: invalid response")
	// ErrInsecureTransport is returned when a live key would be sent in clear
	// text: over plain http:// to a host that is not loopback.
	ErrInsecureTransport = errors.New("theazo: refusing to send a live API key over plain http to a non-loopback host")
	// ErrInvalidAPIKey is returned by authenticated calls on a client whose
	// key, once trimmed of surrounding white space, still contains white
	// space or control characters, or starts with "Bearer". The key is
	// never sent, nor quoted in the error.
	ErrInvalidAPIKey = errors.New("theazo: invalid API key")
)

// sentinelErrors lists every sentinel error of this package and of sse, and the
// context's: an error that scrub rewrites to hide the API key still matches
// each of them the original matched. A test checks that every exported Err*
// of theazo and sse has its entry here.
var sentinelErrors = []error{
	ErrUnauthorized, ErrForbidden, ErrNotFound, ErrConflict, ErrUnprocessable, ErrRateLimited,
	ErrSessionLimitExceeded, ErrProviderError, ErrTimeout, ErrInternal,
	ErrMissingAPIKey, ErrEmptyID, ErrInvalidParams, ErrInvalidResponse, ErrInsecureTransport, ErrInvalidAPIKey,
	ErrInvalidSignature, ErrStatusUnreachable,
	sse.ErrInterrupted, sse.ErrEventTooLarge, sse.ErrNotEventStream, sse.ErrConsumed, sse.ErrRelayUnsupported,
	context.Canceled, context.DeadlineExceeded,
}

// Error is a non-2xx reply from the API. Every such reply becomes an *Error,
// whether or not its body is the documented JSON envelope.
type Error struct {
	// StatusCode is the HTTP status of the reply.
	StatusCode int
	// Code is the envelope's error code; empty when the body was not the envelope.
	Code ErrorCode
	// Message is the envelope's message, or a short excerpt of a non-envelope body.
	Message string
	// Details holds the envelope's details object as sent.
	Details map[string]any
	// RequestID identifies the request for Theazo support.
	RequestID string
	// RetryAfter is how long the server asked to wait (429), zero if it did not say.
	RetryAfter time.Duration
	// Fields lists the field-level validation errors of a 422 reply.
	Fields []FieldError

	// deadline marks a call the rate governor refused, unsent, because the
	// call's context would expire before it could go: the error then also
	// matches context.DeadlineExceeded.
	deadline bool
}

// FieldError is one field-level validation error of a 422 reply.
type FieldError struct {
	// Field names the offending request field, e.g. "limits.maxAgents".
	Field string
	// Message says what is wrong with it.
	Message string
}

// Error formats the status, code, message and request id; never a credential.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "theazo: %d", e.StatusCode)
	if e.Code != "" {
		b.WriteString(" " + string(e.Code))
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Message)
		if i == len(e.Fields)-1 {
			b.WriteString(")")
		}
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " [retry after %s]", e.RetryAfter)
	}
	if e.RequestID != "" {
		b.WriteString(" [request " + e.RequestID + "]")
	}
	return b.String()
}

// Is reports whether target is the sentinel of this error's code. A reply
// without the envelope matches the sentinel of its HTTP status. A call the
// rate governor refused because its context would expire first (code
// rate_limited, nothing sent) also matches context.DeadlineExceeded; it does
// not wrap it, so that it is not taken for a net.Error.
func (e *Error) Is(target error) bool {
	if target == context.DeadlineExceeded {
		return e.deadline
	}
	c, ok := target.(codeError)
	if !ok {
		return false
	}
	code := e.Code
	if code == "" {
		code = statusCodes[e.StatusCode]
	}
	return code != "" && ErrorCode(c) == code
}

// maxErrorBody bounds the bytes read from an error reply.
const maxErrorBody = 1 << 20

// maxExcerpt bounds the part of a non-envelope body kept in Error.Message.
const maxExcerpt = 200

// envelope is the API's error body. Its members are decoded one by one, so
// that one of an unexpected type (details as an array, a numeric request id)
// costs only itself, not the code and message.
type envelope struct {
	Error map[string]json.RawMessage `json:"error"`
}

// member decodes the envelope's member name as a T, or returns the zero T.
func member[T any](env envelope, name string) T {
	var v T
	if json.Unmarshal(env.Error[name], &v) != nil {
		var zero T
		return zero
	}
	return v
}

// replyError builds the *Error of a non-2xx reply from its status, headers,
// (bounded) body and the wait it asks for, already read by retry.Read on the
// transport's path. It never fails: a body that is not the envelope becomes
// a short excerpt.
func replyError(status int, header http.Header, body []byte, retryAfter time.Duration) *Error {
	e := &Error{StatusCode: status, RequestID: serverText(header.Get("X-Request-Id")), RetryAfter: retryAfter}
	var env envelope
	if json.Unmarshal(body, &env) == nil && member[ErrorCode](env, "code") != "" {
		e.Code = ErrorCode(serverText(member[string](env, "code")))
		e.Message = serverText(member[string](env, "message"))
		e.Details = member[map[string]any](env, "details")
		if id := member[string](env, "requestId"); id != "" {
			e.RequestID = serverText(id)
		}
		if e.Code == CodeUnprocessableEntity || status == http.StatusUnprocessableEntity {
			e.Fields = fieldErrors(e.Details)
		}
	} else {
		e.Message = excerpt(body)
		if e.Message == "" {
			e.Message = http.StatusText(status)
		}
	}
	return e
}

// excerpt returns the start of body as serverText does.
func excerpt(body []byte) string {
	return serverText(string(body[:min(len(body), maxExcerpt*4)]))
}

// serverText returns text a server controls as one line of valid UTF-8 of at
// most maxExcerpt characters, with control characters (a terminal's escape
// sequences, CR) turned into spaces, so that an error quoting it stays short
// and prints safely.
func serverText(s string) string {
	s = strings.Join(strings.Fields(spaceControls(s[:min(len(s), maxExcerpt*4)])), " ")
	if utf8.RuneCountInString(s) <= maxExcerpt {
		return s
	}
	return string([]rune(s)[:maxExcerpt]) + "…"
}

// spaceControls returns s as valid UTF-8 with every control character, and
// every character that reorders text on screen, turned into a space.
func spaceControls(s string) string {
	return strings.Map(func(r rune) rune {
		if isControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
}

// isControl reports whether r is a control character or one that reorders text.
func isControl(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) }

// fieldErrors reads field-level errors from a 422's details. It accepts
// {"fields": [{"field", "message"}]}, {"errors": [...]} of the same shape, and
// a flat {"field": "message"} object, sorted by field.
func fieldErrors(details map[string]any) []FieldError {
	for _, key := range []string{"fields", "errors"} {
		list, ok := details[key].([]any)
		if !ok {
			continue
		}
		var out []FieldError
		for _, item := range list {
			m, _ := item.(map[string]any)
			field, _ := m["field"].(string)
			msg, _ := m["message"].(string)
			if field != "" {
				out = append(out, FieldError{Field: serverText(field), Message: serverText(msg)})
			}
			if len(out) == maxFieldErrors {
				break
			}
		}
		return out
	}
	var out []FieldError
	for k, v := range details {
		if msg, ok := v.(string); ok {
			out = append(out, FieldError{Field: serverText(k), Message: serverText(msg)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out[:min(len(out), maxFieldErrors)]
}

// maxFieldErrors bounds the field errors kept from one 422 reply, so that
// an error's text stays short however many the server lists.
const maxFieldErrors = 20

// ErrorData is what a browser may be told about e, e.g. as sse.Relay's
// error event: its code (that of its HTTP status when the reply had none,
// else "http_" and the status), message and request id, from which the
// API key was already redacted. It makes *Error an sse.DescribedError.
func (e *Error) ErrorData() sse.ErrorData {
	code := e.Code
	if code == "" {
		code = statusCodes[e.StatusCode]
	}
	if code == "" {
		code = ErrorCode("http_" + strconv.Itoa(e.StatusCode))
	}
	return sse.ErrorData{Code: string(code), Message: e.Message, RequestID: e.RequestID}
}

// ErrorData is what a browser may be told about the failed run: its code
// ("run_failed" when the server gave none) and message. It makes
// *RunError an sse.DescribedError.
func (e *RunError) ErrorData() sse.ErrorData {
	code := e.Code
	if code == "" {
		code = "run_failed"
	}
	return sse.ErrorData{Code: string(code), Message: e.Message}
}
