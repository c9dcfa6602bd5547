package theazo

import (
	"context"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/sse"
)

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
			_, err := c.Agents.Get(context.Background(), "agt_1")
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
	ctx := context.Background()
	client := func(t *testing.T, url string) *Client {
		c := NewClient(liveKey, WithBaseURL(url+"/v1"), WithMaxRetries(0))
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
		// Resuming fails: the error names the event id it resumed from.
		srv := newRecorder(t, streamReply("id: "+liveKey+"\nevent: thinking\ndata: {\"text\":\"a\"}\n\n"), reply{Status: 404, Body: envelopeBody("not_found", "Gone.", `{}`)})
		s, err := client(t, srv.URL).Agents.Stream(ctx, "agt_1")
		require.NoError(t, err)
		_, err = drainStream(t, s)
		require.ErrorIs(t, err, sse.ErrInterrupted)
		assertNoKey(t, err)
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
	srv := newRecorder(t, reply{Body: agentJSON})
	// Surrounding white space is trimmed (apikey_test.go); what is left
	// inside cannot go into a header.
	for _, key := range []string{"th_test_s3cr3t\nX-Injected: 1", "th_test_s3cr3t\r\nX-Injected: 1", "th_test_s3cr3t\x00", "th_test_s3cr3t\x00\r\n"} {
		c := NewClient(key, WithBaseURL(srv.URL+"/v1"), WithMaxRetries(0))
		_, err := c.Agents.Get(context.Background(), "agt_1")
		require.ErrorIs(t, err, ErrInvalidAPIKey, "%q", key)
		assert.NotContains(t, err.Error(), "s3cr3t")
		c.CloseIdleConnections()
	}
	assert.Empty(t, srv.requests(), "no header injection reaches the server")
}

// Query values a caller passes are encoded: they cannot add parameters.
func TestQueryInjection(t *testing.T) {
	srv := newRecorder(t, reply{Body: `{"ok":true,"data":[]}`})
	c := srv.client()
	require.NoError(t, c.Secrets.Delete(context.Background(), "OPENAI_KEY", &SecretDeleteParams{SessionID: "ses_1&scope=org#x"}))
	_, err := c.Channels.MessagesPage(context.Background(), "ch_1", &ChannelMessagesParams{ThreadID: "thr_1&limit=1000", Cursor: "c=1&d"})
	require.NoError(t, err)
	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "sessionId=ses_1%26scope%3Dorg%23x", reqs[0].RawQuery)
	assert.Equal(t, "cursor=c%3D1%26d&threadId=thr_1%26limit%3D1000", reqs[1].RawQuery)
}

// VerifyTriggerSignature must compare MACs in constant time: its source
// calls hmac.Equal on the decoded signature, and compares no MAC bytes or
// strings with ==, bytes.Equal or strings.EqualFold, which return early.
func TestSignatureComparedInConstantTime(t *testing.T) {
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "signature.go", nil, 0)
	require.NoError(t, err)
	var fn *ast.FuncDecl
	for _, d := range file.Decls {
		if f, ok := d.(*ast.FuncDecl); ok && f.Name.Name == "VerifyTriggerSignature" {
			fn = f
		}
	}
	require.NotNil(t, fn, "VerifyTriggerSignature is in signature.go")

	hmacEqual := 0
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				pkg, _ := sel.X.(*ast.Ident)
				name := ""
				if pkg != nil {
					name = pkg.Name + "." + sel.Sel.Name
				}
				switch name {
				case "hmac.Equal", "subtle.ConstantTimeCompare":
					hmacEqual++
				case "bytes.Equal", "bytes.Compare", "strings.EqualFold", "strings.Compare", "reflect.DeepEqual":
					t.Errorf("%s: %s compares in variable time", fset.Position(n.Pos()), name)
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				// Only length and emptiness checks may use == and !=.
				src := fmt.Sprintf("%s %s %s", exprString(n.X), n.Op, exprString(n.Y))
				allowed := strings.Contains(src, "len(") || strings.Contains(src, `""`) || strings.Contains(src, "nil")
				assert.True(t, allowed, "%s: %s may compare secret bytes", fset.Position(n.Pos()), src)
			}
		}
		return true
	})
	assert.Equal(t, 1, hmacEqual, "the MAC is compared with hmac.Equal")
}

// exprString renders a small expression for a message.
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.BasicLit:
		return e.Value
	case *ast.CallExpr:
		return exprString(e.Fun) + "(...)"
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	}
	return fmt.Sprintf("%T", e)
}

// The redirect policy drops the key whenever a redirect leaves the origin:
// another host, another port, or the same host over another scheme (an
// https to http downgrade would send it in clear text). It then applies
// the caller's own policy.
func TestRedirectPolicyDropsKeyOffOrigin(t *testing.T) {
	var nextCalled int
	policy := checkRedirect(func(*http.Request, []*http.Request) error { nextCalled++; return nil })
	origin, err := http.NewRequest(http.MethodGet, "https://api.theazo.com/v1/agents/agt_1", nil)
	require.NoError(t, err)
	for _, tc := range []struct {
		to   string
		keep bool
	}{
		{to: "https://api.theazo.com/v1/agents/agt_2", keep: true},
		{to: "http://api.theazo.com/v1/agents/agt_1"},
		{to: "https://api.theazo.com:8443/v1/agents/agt_1"},
		{to: "https://evil.example.com/v1/agents/agt_1"},
		{to: "https://api.theazo.com.evil.example.com/v1/agents/agt_1"},
		{to: "https://theazo.com/v1/agents/agt_1"},
	} {
		req, err := http.NewRequest(http.MethodGet, tc.to, nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+liveKey)
		require.NoError(t, policy(req, []*http.Request{origin}))
		if tc.keep {
			assert.Equal(t, "Bearer "+liveKey, req.Header.Get("Authorization"), tc.to)
		} else {
			assert.Empty(t, req.Header.Get("Authorization"), tc.to)
		}
	}
	assert.Equal(t, 6, nextCalled, "the caller's policy still applies")
}

// The debug log quotes what the server controls (the path a redirect
// points to, X-Request-Id): a server that echoes the key there does not get
// it logged.
func TestKeyNotLoggedFromServerText(t *testing.T) {
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
	_, err := c.Agents.Get(context.Background(), "agt_1")
	require.NoError(t, err)
	lines := sink.lines(t)
	require.Len(t, lines, 2, "one line per attempt, the redirect included")
	assert.Equal(t, "/v1/echo/[redacted]", lines[1]["path"])
	assert.Equal(t, "req_[redacted]", lines[1]["request_id"])
	assert.NotContains(t, sink.text(), "s3cr3t")
}
