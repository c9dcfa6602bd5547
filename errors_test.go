package theazo

import (
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/sse"
)

// sentinels lists every code sentinel, to check that an error matches
// exactly one of them.
var sentinels = map[ErrorCode]error{
	CodeUnauthorized:         ErrUnauthorized,
	CodeForbidden:            ErrForbidden,
	CodeNotFound:             ErrNotFound,
	CodeConflict:             ErrConflict,
	CodeUnprocessableEntity:  ErrUnprocessable,
	CodeRateLimited:          ErrRateLimited,
	CodeSessionLimitExceeded: ErrSessionLimitExceeded,
	CodeProviderError:        ErrProviderError,
	CodeTimeout:              ErrTimeout,
	CodeInternalError:        ErrInternal,
}

// assertOnlySentinel checks that err matches want and no other sentinel.
func assertOnlySentinel(t *testing.T, err error, want ErrorCode) {
	t.Helper()
	for code, s := range sentinels {
		if code == want {
			assert.ErrorIs(t, err, s, "want %s", code)
		} else {
			assert.NotErrorIs(t, err, s, "must not match %s", code)
		}
	}
}

func envelopeBody(code, message, details string) string {
	return fmt.Sprintf(`{"error":{"code":%q,"message":%q,"details":%s,"requestId":"req_01HX3K2"}}`, code, message, details)
}

func TestErrorMatrix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status      int
		code        ErrorCode
		details     string
		header      map[string]string
		wantDetails map[string]any
		wantRetry   time.Duration
		wantFields  []FieldError
	}{
		{status: 401, code: CodeUnauthorized, details: `{}`, wantDetails: map[string]any{}},
		{status: 403, code: CodeForbidden, details: `{"permission":"agents:write"}`, wantDetails: map[string]any{"permission": "agents:write"}},
		{status: 404, code: CodeNotFound, details: `{"resource":"agent"}`, wantDetails: map[string]any{"resource": "agent"}},
		{status: 409, code: CodeConflict, details: `{"status":"idle"}`, wantDetails: map[string]any{"status": "idle"}},
		{
			status: 422, code: CodeUnprocessableEntity,
			details:     `{"fields":[{"field":"userId","message":"is required"},{"field":"limits.maxAgents","message":"must be positive"}]}`,
			wantDetails: map[string]any{"fields": []any{map[string]any{"field": "userId", "message": "is required"}, map[string]any{"field": "limits.maxAgents", "message": "must be positive"}}},
			wantFields:  []FieldError{{Field: "userId", Message: "is required"}, {Field: "limits.maxAgents", Message: "must be positive"}},
		},
		{
			status: 429, code: CodeRateLimited, details: `{"retryAfter":3600}`, header: map[string]string{"Retry-After": "3600"},
			wantDetails: map[string]any{"retryAfter": float64(3600)}, wantRetry: time.Hour,
		},
		{status: 402, code: CodeSessionLimitExceeded, details: `{"limit":"maxCost"}`, wantDetails: map[string]any{"limit": "maxCost"}},
		{status: 502, code: CodeProviderError, details: `{"provider":"e2b"}`, wantDetails: map[string]any{"provider": "e2b"}},
		{status: 504, code: CodeTimeout, details: `{"timeoutSeconds":120}`, wantDetails: map[string]any{"timeoutSeconds": float64(120)}},
		{status: 500, code: CodeInternalError, details: `null`},
	}
	for _, tc := range tests {
		t.Run(string(tc.code), func(t *testing.T) {
			header := map[string]string{"X-Request-Id": "req_header"}
			for k, v := range tc.header {
				header[k] = v
			}
			msg := "message for " + string(tc.code)
			srv := newRecorder(t, reply{Status: tc.status, Header: header, Body: envelopeBody(string(tc.code), msg, tc.details)})
			_, err := srv.client(WithMaxRetries(0)).Agents.Get(t.Context(), "agt_1")
			require.Error(t, err)
			assert.Len(t, srv.requests(), 1)

			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Equal(t, tc.code, apiErr.Code)
			assert.Equal(t, msg, apiErr.Message)
			assert.Equal(t, tc.wantDetails, apiErr.Details)
			assert.Equal(t, "req_01HX3K2", apiErr.RequestID, "the envelope's id wins over the header's")
			assert.Equal(t, tc.wantRetry, apiErr.RetryAfter)
			assert.Equal(t, tc.wantFields, apiErr.Fields)
			assertOnlySentinel(t, err, tc.code)

			s := err.Error()
			assert.Contains(t, s, fmt.Sprint(tc.status))
			assert.Contains(t, s, string(tc.code))
			assert.Contains(t, s, msg)
			assert.Contains(t, s, "req_01HX3K2")
			for _, f := range tc.wantFields {
				assert.Contains(t, s, f.Field+": "+f.Message)
			}
		})
	}
}

func TestErrorNotEnvelope(t *testing.T) {
	t.Parallel()
	html := "<html>\n<head><title>502 Bad Gateway</title></head>\n<body><center><h1>502 Bad Gateway</h1></center></body>\n</html>"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantCode    ErrorCode // the sentinel the status maps to; "" for none
		wantMessage string
	}{
		{name: "HTML 502 from a proxy", status: 502, contentType: "text/html", body: html, wantCode: CodeProviderError,
			wantMessage: "<html> <head><title>502 Bad Gateway</title></head> <body><center><h1>502 Bad Gateway</h1></center></body> </html>"},
		{name: "empty 500", status: 500, wantCode: CodeInternalError, wantMessage: "Internal Server Error"},
		{name: "truncated JSON 404", status: 404, body: `{"error":{"code":"not_fou`, wantCode: CodeNotFound, wantMessage: `{"error":{"code":"not_fou`},
		{name: "envelope without code", status: 403, body: `{"error":{"message":"nope"}}`, wantCode: CodeForbidden, wantMessage: `{"error":{"message":"nope"}}`},
		{name: "JSON that is not the envelope", status: 409, body: `["conflict"]`, wantCode: CodeConflict, wantMessage: `["conflict"]`},
		{name: "undocumented status", status: 418, body: "short and stout", wantMessage: "short and stout"},
		{name: "invalid UTF-8", status: 400, body: "bad \xff\xfe body", wantMessage: "bad ? body"},
		{name: "long body cut to an excerpt", status: 500, body: strings.Repeat("é", 1000), wantCode: CodeInternalError, wantMessage: strings.Repeat("é", 200) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			header := map[string]string{"X-Request-Id": "req_hdr"}
			if tc.contentType != "" {
				header["Content-Type"] = tc.contentType
			}
			srv := newRecorder(t, reply{Status: tc.status, Header: header, Body: tc.body})
			_, err := srv.client(WithMaxRetries(0)).Agents.Get(t.Context(), "agt_1")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assert.Empty(t, apiErr.Code)
			assert.Equal(t, tc.wantMessage, apiErr.Message)
			assert.Equal(t, "req_hdr", apiErr.RequestID)
			assertOnlySentinel(t, err, tc.wantCode)
			assert.NotErrorIs(t, err, ErrInvalidResponse)
		})
	}
}

// A member of the envelope with an unexpected type is dropped alone: the
// code, and with it the sentinel, and the other members are kept.
func TestErrorEnvelopeMemberOfWrongType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		wantMessage string
		wantID      string
		wantDetails map[string]any
	}{
		{name: "details as an array", body: `{"error":{"code":"not_found","message":"No such agent.","details":["agt_1"],"requestId":"req_body"}}`,
			wantMessage: "No such agent.", wantID: "req_body"},
		{name: "numeric request id", body: `{"error":{"code":"not_found","message":"No such agent.","details":{"id":"agt_1"},"requestId":42}}`,
			wantMessage: "No such agent.", wantID: "req_hdr", wantDetails: map[string]any{"id": "agt_1"}},
		{name: "message as an object", body: `{"error":{"code":"not_found","message":{"en":"No such agent."},"requestId":"req_body"}}`,
			wantID: "req_body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, reply{Status: 404, Header: map[string]string{"X-Request-Id": "req_hdr"}, Body: tc.body})
			_, err := srv.client().Agents.Get(t.Context(), "agt_1")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, CodeNotFound, apiErr.Code)
			assert.Equal(t, tc.wantMessage, apiErr.Message)
			assert.Equal(t, tc.wantID, apiErr.RequestID)
			assert.Equal(t, tc.wantDetails, apiErr.Details)
			assertOnlySentinel(t, err, CodeNotFound)
		})
	}
}

func TestErrorUnknownCodeKept(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Status: 400, Body: envelopeBody("quota_exhausted", "Monthly quota used up.", `{}`)})
	_, err := srv.client().Agents.Get(t.Context(), "agt_1")
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, ErrorCode("quota_exhausted"), apiErr.Code)
	assertOnlySentinel(t, err, "")
	assert.Equal(t, "theazo: 400 quota_exhausted: Monthly quota used up. [request req_01HX3K2]", err.Error())
}

func TestErrorFieldsFlatMap(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Status: 422, Body: envelopeBody("unprocessable_entity", "Validation failed.", `{"userId":"is required","cron":"has 4 fields","retries":3}`)})
	_, err := srv.client().Sessions.Create(t.Context(), &SessionCreateParams{UserID: "u"})
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, []FieldError{{Field: "cron", Message: "has 4 fields"}, {Field: "userId", Message: "is required"}}, apiErr.Fields)
	assert.ErrorIs(t, err, ErrUnprocessable)
}

// countingBody counts the bytes the SDK reads from a response body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

// readCounter is a RoundTripper that counts body bytes read by the client.
type readCounter struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (r *readCounter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if err == nil {
		resp.Body = countingBody{ReadCloser: resp.Body, n: &r.n}
	}
	return resp, err
}

func TestHugeErrorBodyNotReadWhole(t *testing.T) {
	t.Parallel()
	const total = 30 << 20
	written := make(chan int64, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		chunk := []byte(strings.Repeat("x", 64<<10))
		var n int64
		for n < total {
			m, err := w.Write(chunk)
			n += int64(m)
			if err != nil {
				break
			}
		}
		written <- n
	}))
	t.Cleanup(srv.Close)

	tr := defaultRoundTripper()
	t.Cleanup(tr.CloseIdleConnections)
	counter := &readCounter{next: tr}
	c := NewClient(testKey, WithBaseURL(srv.URL+"/v1"), WithHTTPClient(&http.Client{Transport: counter}), WithMaxRetries(0))
	_, err := c.Sessions.Create(t.Context(), &SessionCreateParams{UserID: "u"})
	var apiErr *Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, 500, apiErr.StatusCode)
	assert.LessOrEqual(t, len(apiErr.Message), maxExcerpt+len("…"))

	assert.LessOrEqual(t, counter.n.Load(), int64(maxErrorBody), "the client reads at most maxErrorBody bytes of an error")
	select {
	case n := <-written:
		assert.Less(t, n, int64(total), "the server could not write the whole body: the client closed the connection")
	case <-time.After(10 * time.Second):
		t.Fatal("the server is still writing: the client did not close the connection")
	}
}

func TestSuccessWithInvalidJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{name: "malformed", body: `{"id": agt_1}`},
		{name: "truncated", body: `{"id":"agt_1","status":"id`},
		{name: "empty", body: ``},
		{name: "HTML", body: `<html>ok</html>`},
		{name: "wrong type", body: `{"id": 42}`},
		{name: "null", body: `null`},
		{name: "null between spaces", body: " \r\n\tnull\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, reply{Status: 200, Body: tc.body})
			got, err := srv.client().Agents.Get(t.Context(), "agt_1")
			require.ErrorIs(t, err, ErrInvalidResponse)
			assert.Nil(t, got)
			var apiErr *Error
			assert.False(t, errors.As(err, &apiErr), "a 2xx is not an API error")
			assert.Contains(t, err.Error(), "GET /agents/{id}")
			assert.Len(t, srv.requests(), 1, "a bad 2xx is not retried")
		})
	}
}

func TestTerminateNotOK(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Status: 200, Body: `{"ok":false}`})
	err := srv.client().Agents.Terminate(t.Context(), "agt_1")
	require.ErrorIs(t, err, ErrInvalidResponse)
}

func TestErrorString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{StatusCode: 404}, "theazo: 404"},
		{&Error{StatusCode: 404, Code: CodeNotFound, Message: "No such agent."}, "theazo: 404 not_found: No such agent."},
		{&Error{StatusCode: 429, Code: CodeRateLimited, Message: "Slow down.", RetryAfter: 2 * time.Second, RequestID: "req_1"}, "theazo: 429 rate_limited: Slow down. [retry after 2s] [request req_1]"},
		{&Error{StatusCode: 422, Code: CodeUnprocessableEntity, Message: "Invalid.", Fields: []FieldError{{"a", "x"}, {"b", "y"}}}, "theazo: 422 unprocessable_entity: Invalid. (a: x; b: y)"},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, tc.err.Error())
	}
	assert.False(t, (&Error{StatusCode: 404, Code: CodeNotFound}).Is(errors.New("theazo: not_found")), "only the sentinels match")
}

// TestServerTextIsBounded sends error text a hostile server makes huge or
// fills with terminal escapes: the message, the 422 field errors, the
// request id and a decoding error of a 2xx reply. Each is kept to 200
// characters, one line, with no control character; the error as a whole
// stays short.
func TestServerTextIsBounded(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("A\x1b]0;owned\x07\r\n", 2000) // 30 KB
	var fields strings.Builder
	for i := range 500 { // 95 KB
		if i > 0 {
			fields.WriteString(",")
		}
		fmt.Fprintf(&fields, `{"field":"f%d\u001b[2J","message":"%s"}`, i, strings.Repeat("m", 150))
	}
	tests := map[string]reply{
		"message":       {Status: 400, Body: `{"error":{"code":"bad_request","message":"` + jsonEscape(huge) + `"}}`},
		"422 fields":    {Status: 422, Body: `{"error":{"code":"unprocessable_entity","message":"bad","details":{"fields":[` + fields.String() + `]}}}`},
		"request id":    {Status: 400, Body: `{"error":{"code":"bad_request","message":"x","requestId":"` + jsonEscape(huge) + `"}}`},
		"not envelope":  {Status: 502, Body: huge},
		"2xx bad value": {Status: 200, Body: `{"id":"agt_1","createdAt":"` + jsonEscape(huge) + `"}`},
	}
	for name, rep := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := newRecorder(t, rep)
			c := NewClient("th_test_k", WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0))
			t.Cleanup(c.CloseIdleConnections)
			_, err := c.Agents.Get(t.Context(), "agt_1")
			require.Error(t, err)
			msg := err.Error()
			assert.LessOrEqual(t, len(msg), 20*2*(maxExcerpt*4)+2000, "the error's text is bounded")
			assert.Equal(t, -1, strings.IndexFunc(msg, isControl), "no control character in %q…", msg[:min(len(msg), 80)])
			var apiErr *Error
			if errors.As(err, &apiErr) {
				assert.LessOrEqual(t, utf8.RuneCountInString(apiErr.Message), maxExcerpt+1)
				assert.LessOrEqual(t, utf8.RuneCountInString(apiErr.RequestID), maxExcerpt+1)
				assert.LessOrEqual(t, len(apiErr.Fields), maxFieldErrors)
				for _, f := range apiErr.Fields {
					assert.LessOrEqual(t, utf8.RuneCountInString(f.Message), maxExcerpt+1)
					assert.NotContains(t, f.Field, "\x1b")
				}
			} else {
				assert.LessOrEqual(t, len(msg), maxErrorText+len("…"))
			}
		})
	}
}

// jsonEscape returns s as the inside of a JSON string.
func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// What a browser is told about an API error or a failed run.
func TestErrorData(t *testing.T) {
	tests := []struct {
		name string
		err  sse.DescribedError
		want sse.ErrorData
	}{
		{
			name: "the envelope's code",
			err:  &Error{StatusCode: 503, Code: "service_unavailable", Message: "try later", RequestID: "req_1", Details: map[string]any{"x": 1}},
			want: sse.ErrorData{Code: "service_unavailable", Message: "try later", RequestID: "req_1"},
		},
		{
			name: "no envelope: the code of a documented status",
			err:  &Error{StatusCode: 502, Message: "Bad Gateway"},
			want: sse.ErrorData{Code: "provider_error", Message: "Bad Gateway"},
		},
		{
			name: "no envelope, another status",
			err:  &Error{StatusCode: 503, Message: "<html>"},
			want: sse.ErrorData{Code: "http_503", Message: "<html>"},
		},
		{
			name: "a failed run",
			err:  &RunError{ID: "task_1", Code: CodeProviderError, Message: "the sandbox died"},
			want: sse.ErrorData{Code: "provider_error", Message: "the sandbox died"},
		},
		{
			name: "a failed run without a code",
			err:  &RunError{ID: "task_1", Message: "failed"},
			want: sse.ErrorData{Code: "run_failed", Message: "failed"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, tc.err.ErrorData())
			// Relay finds it through the chain, as it finds it through a scrubbed error.
			var d sse.DescribedError
			assert.ErrorAs(t, fmt.Errorf("opening: %w", tc.err), &d)
			assert.ErrorAs(t, &scrubbedError{msg: "x", kept: []error{tc.err}}, &d)
		})
	}
}

// TestSentinelsListEverySentinel parses the sources of theazo and sse for
// their exported Err* variables and checks that errors.go's sentinelErrors lists
// each, so that a new sentinel without an entry fails here.
func TestSentinelsListEverySentinel(t *testing.T) {
	t.Parallel()
	want := append(exportedErrs(t, ".", ""), exportedErrs(t, "sse", "sse.")...)
	require.NotEmpty(t, want)

	listed := map[string]bool{}
	for _, e := range sentinelErrorsElements(t) {
		listed[e] = true
	}
	for _, name := range want {
		assert.True(t, listed[name], "%s is missing from sentinelErrors in errors.go, so scrub would drop it", name)
	}
	assert.Len(t, sentinelErrors, len(listed), "sentinelErrors lists each error once")
}

// TestScrubKeepsEverySentinel wraps each listed sentinel in an error that
// quotes the API key: the scrubbed error hides the key and still matches
// the sentinel.
func TestScrubKeepsEverySentinel(t *testing.T) {
	t.Parallel()
	const key = "th_test_sentinelkey"
	tr := &transport{key: key, hide: newKeyRedactor(key)}
	for _, target := range sentinelErrors {
		t.Run(target.Error(), func(t *testing.T) {
			t.Parallel()
			err := tr.scrub(fmt.Errorf("%w: the server sent %q", target, key))
			assert.NotContains(t, err.Error(), key)
			assert.ErrorIs(t, err, target)
		})
	}
}

// exportedErrs returns the names, each after prefix, of the exported
// package-level variables named Err* in the non-test Go files of dir.
func exportedErrs(t *testing.T, dir, prefix string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var names []string
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if n.IsExported() && strings.HasPrefix(n.Name, "Err") {
						names = append(names, prefix+n.Name)
					}
				}
			}
		}
	}
	return names
}

// sentinelErrorsElements returns the entries of the sentinelErrors variable in
// errors.go as written, e.g. "ErrNotFound" or "sse.ErrInterrupted".
func sentinelErrorsElements(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("errors.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "errors.go", src, parser.SkipObjectResolution)
	require.NoError(t, err)
	var elems []string
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || spec.Names[0].Name != "sentinelErrors" {
			return true
		}
		require.Len(t, spec.Values, 1)
		lit, ok := spec.Values[0].(*ast.CompositeLit)
		require.True(t, ok, "sentinelErrors is a slice literal")
		for _, e := range lit.Elts {
			elems = append(elems, string(src[fset.Position(e.Pos()).Offset:fset.Position(e.End()).Offset]))
		}
		return false
	})
	require.NotEmpty(t, elems, "errors.go declares sentinelErrors")
	return elems
}
