package theazo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/sse"
)

// liveKey is a live key; loopback http is allowed for it.
const liveKey = "th_live_s3cr3t-K3y-V4lu3-xyz0123"

// echoServer replies with whatever reply(auth) builds from the request's
// Authorization header: a server, or a proxy, that echoes the key back.
func echoServer(t *testing.T, status int, contentType string, body func(auth string) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body(r.Header.Get("Authorization")))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestKeyInNoErrorString(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	cases := []struct {
		name string
		err  func(t *testing.T) error
	}{
		{name: "connection refused", err: func(t *testing.T) error {
			c := NewClient(liveKey, WithBaseURL("http://"+closedAddr(t)+"/v1"), WithMaxRetries(0))
			_, err := c.Agents.Get(ctx, "agt_1")
			return err
		}},
		{name: "connection reset", err: func(t *testing.T) error {
			srv, _ := resetServer(t, 100, "")
			c := NewClient(liveKey, WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0))
			t.Cleanup(c.CloseIdleConnections)
			_, err := c.Agents.Run(ctx, "agt_1", "task")
			return err
		}},
		{name: "unknown host", err: func(t *testing.T) error {
			c := NewClient(liveKey, WithBaseURL("https://theazo.invalid/v1"), WithMaxRetries(0))
			_, err := c.Agents.Get(ctx, "agt_1")
			return err
		}},
		{name: "insecure transport", err: func(t *testing.T) error {
			_, err := NewClient(liveKey, WithBaseURL("http://api.example.com/v1")).Agents.Get(ctx, "agt_1")
			return err
		}},
		{name: "cancelled", err: func(t *testing.T) error {
			srv := newRecorder(t, reply{Body: agentJSON})
			cctx, cancel := context.WithCancel(ctx)
			cancel()
			_, err := NewClient(liveKey, WithBaseURL(srv.URL+"/v1")).Agents.Get(cctx, "agt_1")
			return err
		}},
		{name: "401 whose message echoes the key", err: func(t *testing.T) error {
			srv := echoServer(t, 401, "application/json", func(auth string) string {
				return envelopeBody("unauthorized", "Invalid API key: "+strings.TrimPrefix(auth, "Bearer "), fmt.Sprintf(`{"header":%q}`, auth))
			})
			c := NewClient(liveKey, WithBaseURL(srv.URL+"/v1"))
			t.Cleanup(c.CloseIdleConnections)
			_, err := c.Agents.Get(ctx, "agt_1")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.NotContains(t, fmt.Sprint(apiErr.Details), liveKey)
			assert.Contains(t, apiErr.Message, "[redacted]")
			return err
		}},
		{name: "HTML 502 that dumps the headers", err: func(t *testing.T) error {
			srv := echoServer(t, 502, "text/html", func(auth string) string {
				return "<html><pre>Authorization: " + auth + "</pre></html>"
			})
			c := NewClient(liveKey, WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0))
			t.Cleanup(c.CloseIdleConnections)
			_, err := c.Agents.Get(ctx, "agt_1")
			return err
		}},
		{name: "malformed 2xx that echoes the key", err: func(t *testing.T) error {
			srv := echoServer(t, 200, "application/json", func(auth string) string { return "{" + auth })
			c := NewClient(liveKey, WithBaseURL(srv.URL+"/v1"))
			t.Cleanup(c.CloseIdleConnections)
			_, err := c.Agents.Get(ctx, "agt_1")
			require.ErrorIs(t, err, ErrInvalidResponse)
			return err
		}},
		{name: "stream that is not a stream", err: func(t *testing.T) error {
			srv := echoServer(t, 200, "text/plain", func(auth string) string { return auth })
			c := NewClient(liveKey, WithBaseURL(srv.URL+"/v1"))
			t.Cleanup(c.CloseIdleConnections)
			_, err := c.Agents.Stream(ctx, "agt_1")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.err(t)
			require.Error(t, err)
			for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
				assert.NotContains(t, fmt.Sprintf(format, err), liveKey, format)
				assert.NotContains(t, fmt.Sprintf(format, err), "s3cr3t", format)
			}
		})
	}
}

// logSink collects JSON log lines.
type logSink struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (s *logSink) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.Write(p)
}

func (s *logSink) text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.buf.String()
}

// lines decodes every log line.
func (s *logSink) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s.text()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), line)
		out = append(out, m)
	}
	return out
}

func newLogger(level slog.Level) (*slog.Logger, *logSink) {
	sink := &logSink{}
	return slog.New(slog.NewJSONHandler(sink, &slog.HandlerOptions{Level: level})), sink
}

func TestLogging(t *testing.T) {
	t.Parallel()
	logger, sink := newLogger(slog.LevelDebug)
	r1 := retryReply(503, "unavailable", "0")
	r1.Header["X-Request-Id"] = "req_first"
	srv := newRecorder(t, r1, reply{Status: 200, Header: map[string]string{"X-Request-Id": "req_second"}, Body: sessionJSON})
	c := NewClient(liveKey, WithBaseURL(srv.URL+"/v1"), WithLogger(logger))
	t.Cleanup(c.CloseIdleConnections)

	_, err := c.Sessions.GetOrCreate(t.Context(), "user 1", &SessionGetOrCreateParams{Metadata: Metadata{"note": liveKey}})
	require.NoError(t, err)

	lines := sink.lines(t)
	require.Len(t, lines, 2, "one line per attempt")
	for i, l := range lines {
		assert.Equal(t, "DEBUG", l["level"])
		assert.Equal(t, "POST", l["method"])
		assert.Equal(t, "/v1/sessions/by-user/user 1", l["path"])
		assert.Equal(t, float64(i+1), l["attempt"])
		assert.Contains(t, l, "duration")
		assert.GreaterOrEqual(t, l["duration"], float64(0))
	}
	assert.Equal(t, float64(503), lines[0]["status"])
	assert.Equal(t, "req_first", lines[0]["request_id"])
	assert.Equal(t, float64(200), lines[1]["status"])
	assert.Equal(t, "req_second", lines[1]["request_id"])
	assert.NotContains(t, sink.text(), liveKey, "neither the key nor a request body is logged")
	assert.NotContains(t, sink.text(), "s3cr3t")
}

func TestLoggingNetworkError(t *testing.T) {
	t.Parallel()
	logger, sink := newLogger(slog.LevelDebug)
	c := NewClient(liveKey, WithBaseURL("http://"+closedAddr(t)+"/v1"), WithLogger(logger), WithMaxRetries(1), WithMaxRetryWait(time.Millisecond))
	_, err := c.Agents.Get(t.Context(), "agt_1")
	require.Error(t, err)
	lines := sink.lines(t)
	require.Len(t, lines, 2)
	for i, l := range lines {
		assert.Equal(t, "GET", l["method"])
		assert.Equal(t, "/v1/agents/agt_1", l["path"])
		assert.Equal(t, float64(i+1), l["attempt"])
		assert.Contains(t, l["error"], "connection refused")
		assert.NotContains(t, l, "status")
	}
	assert.NotContains(t, sink.text(), "s3cr3t")
}

func TestLoggingQuietAboveDebug(t *testing.T) {
	t.Parallel()
	logger, sink := newLogger(slog.LevelInfo)
	srv := newRecorder(t, reply{Body: agentJSON})
	_, err := srv.client(WithLogger(logger)).Agents.Get(t.Context(), "agt_1")
	require.NoError(t, err)
	assert.Empty(t, sink.text())
}

func TestKeyNotLoggedWithClient(t *testing.T) {
	t.Parallel()
	logger, sink := newLogger(slog.LevelDebug)
	c := NewClient(liveKey)
	logger.Debug("client", "client", c, "value", *c)
	logger.Debug("formatted", "text", fmt.Sprintf("%v %+v %#v %s", c, c, c, c))
	require.NotEmpty(t, sink.text())
	assert.NotContains(t, sink.text(), "s3cr3t")
}

func TestNoTimeoutOnTheDefaultClient(t *testing.T) {
	t.Parallel()
	// Exec blocks up to 120 s: the SDK's own client must not cut it short.
	c := NewClient(testKey)
	assert.Zero(t, c.t.http.HTTPClient.Timeout)
	tr, ok := c.t.roundTripper.(*http.Transport)
	require.True(t, ok)
	assert.Zero(t, tr.ResponseHeaderTimeout)
	assert.GreaterOrEqual(t, tr.MaxIdleConnsPerHost, 64, "enough idle connections for many goroutines")
	assert.Nil(t, c.t.http.Logger, "go-retryablehttp's own logger prints URLs; it is off")
}

// assertNoKey checks that neither err nor any way of printing it shows liveKey.
func assertNoKey(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		assert.NotContains(t, fmt.Sprintf(format, err), liveKey, format)
		assert.NotContains(t, fmt.Sprintf(format, err), "s3cr3t", format)
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		for _, s := range []string{fmt.Sprintf("%#v", *apiErr), fmt.Sprint(apiErr.Details), fmt.Sprint(apiErr.Fields), apiErr.Message, apiErr.RequestID, string(apiErr.Code)} {
			assert.NotContains(t, s, "s3cr3t")
		}
	}
}

// escapeAll spells s as a JSON string body with every character \u-escaped,
// as some JSON encoders write text: the raw bytes never show s.
func escapeAll(s string) string {
	var b strings.Builder
	for _, r := range s {
		fmt.Fprintf(&b, `\u%04x`, r)
	}
	return b.String()
}

// A server or proxy that echoes the key inside a JSON error envelope may
// escape it; the key must not reach the *Error through the decoded fields.
func TestKeyRedactedFromDecodedErrorFields(t *testing.T) {
	t.Parallel()
	escaped := escapeAll(liveKey)
	underscores := strings.ReplaceAll(liveKey, "_", `\u005f`)
	cases := map[string]struct {
		status int
		header map[string]string
		body   string
	}{
		"message, every character escaped": {status: 401, body: `{"error":{"code":"unauthorized","message":"Invalid API key: ` + escaped + `"}}`},
		"message, underscores escaped":     {status: 401, body: `{"error":{"code":"unauthorized","message":"Invalid API key: ` + underscores + `"}}`},
		"details value":                    {status: 403, body: `{"error":{"code":"forbidden","message":"no","details":{"key":"` + escaped + `","nested":[{"k":"` + underscores + `"}]}}}`},
		"details object key":               {status: 403, body: `{"error":{"code":"forbidden","message":"no","details":{"` + escaped + `":true}}}`},
		"422 field errors":                 {status: 422, body: `{"error":{"code":"unprocessable_entity","message":"bad","details":{"fields":[{"field":"` + escaped + `","message":"echo ` + underscores + `"}]}}}`},
		"422 flat field errors":            {status: 422, body: `{"error":{"code":"unprocessable_entity","message":"bad","details":{"` + underscores + `":"is wrong"}}}`},
		"request id":                       {status: 400, body: `{"error":{"code":"bad_request","message":"x","requestId":"req_` + escaped + `"}}`},
		"X-Request-Id header":              {status: 500, header: map[string]string{"X-Request-Id": "req_" + liveKey}, body: ``},
		"code":                             {status: 400, body: `{"error":{"code":"` + underscores + `"}}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := newRecorder(t, reply{Status: tc.status, Header: tc.header, Body: tc.body})
			c := NewClient(liveKey, WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0))
			t.Cleanup(c.CloseIdleConnections)
			_, err := c.Agents.Get(t.Context(), "agt_1")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, tc.status, apiErr.StatusCode)
			assertNoKey(t, err)
			assert.Contains(t, fmt.Sprintf("%#v", *apiErr), "[redacted]", "the key's place is marked")
		})
	}
}

// Text a server controls can be quoted by an error the SDK builds: a JSON
// value a decoding error cites, an event id, a Content-Type, a redirect's
// Location. The key is redacted from all of them, and the error still
// matches its sentinel.
func TestKeyScrubbedFromQuotedServerText(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := func(t *testing.T, url string, opts ...Option) *Client {
		c := NewClient(liveKey, append([]Option{WithBaseURL(url + "/v1"), WithMaxRetries(0)}, opts...)...)
		t.Cleanup(c.CloseIdleConnections)
		return c
	}
	t.Run("2xx value cited by a decoding error", func(t *testing.T) {
		srv := newRecorder(t, reply{Body: `{"id":"agt_1","createdAt":"` + liveKey + `"}`})
		_, err := client(t, srv.URL).Agents.Get(ctx, "agt_1")
		require.ErrorIs(t, err, ErrInvalidResponse)
		assertNoKey(t, err)
	})
	t.Run("stream event value cited by a decoding error", func(t *testing.T) {
		srv := newRecorder(t, streamReply("event: message\ndata: {\"createdAt\":\""+liveKey+"\"}\n\n"))
		s, err := client(t, srv.URL).Channels.Stream(ctx, "ch_1", nil)
		require.NoError(t, err)
		_, err = drainStream(t, s)
		require.ErrorIs(t, err, ErrInvalidResponse)
		assertNoKey(t, err)
	})
	t.Run("event id of an interrupted stream", func(t *testing.T) {
		// Resuming fails: the error names the event id it resumed from. The
		// waits before resuming pass on synctest's clock.
		synctest.Test(t, func(t *testing.T) {
			srv := newMemRecorder(t, streamReply("id: "+liveKey+"\nevent: thinking\ndata: {\"text\":\"a\"}\n\n"), reply{Status: 404, Body: envelopeBody("not_found", "Gone.", `{}`)})
			s, err := client(t, srv.URL, WithHTTPClient(srv.hc)).Agents.Stream(t.Context(), "agt_1")
			require.NoError(t, err)
			_, err = drainStream(t, s)
			require.ErrorIs(t, err, sse.ErrInterrupted)
			assertNoKey(t, err)
		})
	})
	t.Run("Content-Type of a stream", func(t *testing.T) {
		srv := newRecorder(t, reply{Header: map[string]string{"Content-Type": "text/" + liveKey}, Body: "x"})
		_, err := client(t, srv.URL).Agents.Stream(ctx, "agt_1")
		require.ErrorIs(t, err, sse.ErrNotEventStream)
		assertNoKey(t, err)
	})
	t.Run("Location of a redirect loop", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/v1/"+liveKey, http.StatusFound)
		}))
		t.Cleanup(srv.Close)
		_, err := client(t, srv.URL).Agents.Get(ctx, "agt_1")
		require.Error(t, err)
		assert.Contains(t, err.Error(), "stopped after 10 redirects")
		assertNoKey(t, err)
	})
}

// A key that is not a valid header value is refused by net/http before
// anything is sent; the refusal does not quote it.
func TestInvalidKeyNotQuotedInError(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Body: agentJSON})
	// Surrounding white space is trimmed (apikey_test.go); what is left
	// inside cannot go into a header.
	for _, key := range []string{"th_test_s3cr3t\nX-Injected: 1", "th_test_s3cr3t\r\nX-Injected: 1", "th_test_s3cr3t\x00", "th_test_s3cr3t\x00\r\n"} {
		c := NewClient(key, WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0))
		_, err := c.Agents.Get(t.Context(), "agt_1")
		require.ErrorIs(t, err, ErrInvalidAPIKey, "%q", key)
		assert.NotContains(t, err.Error(), "s3cr3t")
		c.CloseIdleConnections()
	}
	assert.Empty(t, srv.requests(), "no header injection reaches the server")
}

// The debug log quotes what the server controls (the path a redirect
// points to, X-Request-Id): a server that echoes the key there does not get
// it logged.
func TestKeyNotLoggedFromServerText(t *testing.T) {
	t.Parallel()
	logger, sink := newLogger(slog.LevelDebug)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Request-Id", "req_"+liveKey)
		if r.URL.Path == "/v1/agents/agt_1" {
			http.Redirect(w, r, "/v1/echo/"+liveKey, http.StatusFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, agentJSON)
	}))
	t.Cleanup(srv.Close)
	c := NewClient(liveKey, WithBaseURL(srv.URL+"/v1"), WithLogger(logger))
	t.Cleanup(c.CloseIdleConnections)
	_, err := c.Agents.Get(t.Context(), "agt_1")
	require.NoError(t, err)
	lines := sink.lines(t)
	require.Len(t, lines, 2, "one line per attempt, the redirect included")
	assert.Equal(t, "/v1/echo/[redacted]", lines[1]["path"])
	assert.Equal(t, "req_[redacted]", lines[1]["request_id"])
	assert.NotContains(t, sink.text(), "s3cr3t")
}

// TestKeyEscapedInRawServerText sends the key spelled with escapes where the
// SDK quotes a reply's raw text: the excerpt of a body that is not the
// envelope, an envelope without a code, and the decoding error of a 2xx
// reply (time.Time quotes the value it cannot parse). No spelling of the key
// survives in the error.
func TestKeyEscapedInRawServerText(t *testing.T) {
	t.Parallel()
	spellings := map[string]string{
		"json \\u005f":      strings.ReplaceAll(liveKey, "_", `\u005f`),
		"json upper hex":    strings.ReplaceAll(liveKey, "_", `\u005F`),
		"every character":   escapeAll(liveKey),
		"percent":           strings.ReplaceAll(liveKey, "_", `%5F`),
		"html entity":       strings.ReplaceAll(liveKey, "_", `&#95;`),
		"html hex entity":   strings.ReplaceAll(liveKey, "_", `&#x5f;`),
		"backslash x":       strings.ReplaceAll(liveKey, "_", `\x5f`),
		"plain, to be sure": liveKey,
	}
	bodies := map[string]func(k string) reply{
		"not the envelope": func(k string) reply {
			return reply{Status: 502, Body: "<html>bad gateway for " + k + "</html>"}
		},
		"envelope without code": func(k string) reply {
			return reply{Status: 400, Body: `{"error":{"message":"echo ` + k + `"}}`}
		},
		"2xx that does not decode": func(k string) reply {
			return reply{Status: 200, Body: `{"id":"agt_1","createdAt":"` + k + `"}`}
		},
	}
	for bname, body := range bodies {
		for sname, k := range spellings {
			t.Run(bname+"/"+sname, func(t *testing.T) {
				t.Parallel()
				srv := newRecorder(t, body(k))
				c := NewClient(liveKey, WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0))
				t.Cleanup(c.CloseIdleConnections)
				_, err := c.Agents.Get(t.Context(), "agt_1")
				assertNoKey(t, err)
				for _, format := range []string{"%v", "%+v", "%q"} {
					assert.NotContains(t, fmt.Sprintf(format, err), k, format)
				}
			})
		}
	}
}

// TestKeyRedactorLeavesOtherTextAlone checks that the escaped spellings of
// the key are found without touching text that only resembles it.
func TestKeyRedactorLeavesOtherTextAlone(t *testing.T) {
	t.Parallel()
	r := newKeyRedactor("th_test_abc")
	tests := []struct{ in, want string }{
		{"a th_test_abc b", "a [redacted] b"},
		{`a th\u005ftest\u005fabc b`, "a [redacted] b"},
		{`a \u0074h_test_abc b`, "a [redacted] b"},
		{`"th\\u005ftest_abc"`, `"[redacted]"`},
		{"100% of th_test_ab and &amp; \\n", "100% of th_test_ab and &amp; \\n"},
		{`th\u005ftest\u005fabd`, `th\u005ftest\u005fabd`},
		{"", ""},
	}
	for _, tc := range tests {
		assert.Equal(t, tc.want, r.text(tc.in), tc.in)
		assert.Equal(t, tc.want, string(r.body([]byte(tc.in))), tc.in)
		assert.Equal(t, tc.want != tc.in, r.has(tc.in), tc.in)
	}
	assert.Equal(t, "x", keyRedactor{}.text("x"), "the zero value changes nothing")
}

// TestRedactedCopiesShowEveryField checks that each value holding a secret
// prints and logs every one of its fields, the way fmt and slog print a
// struct, with only the secret redacted: a field added later shows up
// without anyone writing it into a String method, and the secret does not.
func TestRedactedCopiesShowEveryField(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value"
	nested := Credentials{"headers": map[string]any{"X-Token": secret}, "keys": []any{secret}, "port": 4242}
	cases := []struct {
		name string
		v    any
	}{
		{"trigger", Trigger{ID: "trg_1", Name: "n", URL: "https://x.example", SigningSecret: secret}},
		{"secret set params", SecretSetParams{Name: "KEY", Value: secret, SessionID: "ses_1"}},
		{"provider create params", ProviderCreateParams{Provider: ProviderWebhook, Credentials: Credentials{"apiKey": secret}, IsDefault: true}},
		{"nested credentials", ProviderCreateParams{Provider: ProviderWebhook, Credentials: nested}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			typ := reflect.TypeOf(tc.v)
			ptr := reflect.New(typ)
			ptr.Elem().Set(reflect.ValueOf(tc.v))
			var text, js bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Info("m", "v", tc.v)
			slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "v", tc.v)
			outs := map[string]string{
				"%+v": fmt.Sprintf("%+v", tc.v), "%#v": fmt.Sprintf("%#v", tc.v), "%+v of a pointer": fmt.Sprintf("%+v", ptr.Interface()),
				"slog text": text.String(), "slog JSON": js.String(),
			}
			for name, out := range outs {
				assert.NotContains(t, out, secret, name)
				assert.NotContains(t, out, "4242", name)
			}
			assert.Contains(t, outs["%#v"], typ.String()+"{", "%#v names the type itself, not its copy's")

			var logged struct{ V map[string]json.RawMessage }
			require.NoError(t, json.Unmarshal(js.Bytes(), &logged))
			wire := mustJSON(t, tc.v)
			var sent map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(wire), &sent))
			for i := range typ.NumField() {
				f := typ.Field(i)
				if !f.IsExported() {
					continue
				}
				for _, name := range []string{"%+v", "%#v", "slog text"} {
					assert.Contains(t, outs[name], f.Name+":", "%s shows field %s", name, f.Name)
				}
				if key, ok := jsonKey(f); ok {
					if _, onWire := sent[key]; onWire {
						assert.Contains(t, logged.V, key, "slog's JSON handler logs %s as json.Marshal names it", f.Name)
					}
				}
			}
			assert.Contains(t, wire, secret, "encoding/json still sends the secret")
		})
	}
}

// jsonKey returns the name encoding/json gives field f, and false for a
// field it skips.
func jsonKey(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name, true
	}
	return name, true
}
