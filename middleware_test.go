package theazo_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// trace is a log of middleware runs, safe for concurrent use.
type trace struct {
	mu  sync.Mutex
	log []string
}

func (tr *trace) add(s string) {
	tr.mu.Lock()
	tr.log = append(tr.log, s)
	tr.mu.Unlock()
}

func (tr *trace) get() []string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return append([]string(nil), tr.log...)
}

// named returns a middleware that logs "name>" before and "<name" after next.
func (tr *trace) named(name string) theazo.Middleware {
	return func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		tr.add(name + ">")
		resp, err := next(req)
		tr.add("<" + name)
		return resp, err
	}
}

// TestMiddlewareOrderAndAttempts: the client's middleware runs in the order
// given, then the call's, once per attempt; each sees the SDK's headers, the
// key included, and the final reply's status.
func TestMiddlewareOrderAndAttempts(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	var tr trace
	var statuses []int
	var auth []string
	inspect := func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		auth = append(auth, req.Header.Get("Authorization"))
		resp, err := next(req)
		if err == nil {
			statuses = append(statuses, resp.StatusCode)
		}
		return resp, err
	}
	c := srv.Client(theazo.WithMiddleware(tr.named("a"), tr.named("b")), theazo.WithMaxRetryWait(time.Millisecond))
	ctx := t.Context()

	srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/usage/summary", Status: http.StatusServiceUnavailable, Times: 2})
	var resp theazo.Response
	_, err := c.Usage.Summary(ctx, nil, theazo.WithMiddleware(tr.named("c"), inspect), theazo.WithResponseInto(&resp))
	require.NoError(t, err)
	once := []string{"a>", "b>", "c>", "<c", "<b", "<a"}
	assert.Equal(t, append(append(append([]string{}, once...), once...), once...), tr.get(), "3 attempts, 3 runs of each, in order")
	assert.Equal(t, []int{503, 503, 200}, statuses)
	assert.Equal(t, 3, resp.Attempts)
	for _, a := range auth {
		assert.Equal(t, "Bearer "+srv.APIKey(), a, "middleware runs after auth is set")
	}

	// The call's middleware is the call's: the next call runs the client's only.
	tr = trace{}
	_, err = c.Usage.Summary(ctx, nil)
	require.NoError(t, err)
	assert.Equal(t, []string{"a>", "b>", "<b", "<a"}, tr.get())
}

// TestMiddlewareShortCircuits: a middleware that answers without calling
// next is the reply; nothing reaches the server, and what it answers is
// decoded and retried like a server's reply.
func TestMiddlewareShortCircuits(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	calls := 0
	cache := func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		calls++
		body := `{"id":"agt_cached","sessionId":"ses_1","status":"idle","createdAt":"2025-05-01T09:30:00Z"}`
		status := http.StatusOK
		if calls == 1 {
			status, body = http.StatusServiceUnavailable, `{"error":{"code":"service_unavailable","message":"once"}}`
		}
		return &http.Response{
			StatusCode: status, Request: req,
			Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_cached"}},
			Body:   io.NopCloser(strings.NewReader(body)),
		}, nil
	}
	c := srv.Client(theazo.WithMaxRetryWait(time.Millisecond))
	var resp theazo.Response
	agent, err := c.Agents.Get(t.Context(), "agt_cached", theazo.WithMiddleware(cache), theazo.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, "agt_cached", agent.ID)
	assert.Equal(t, 2, calls, "the 503 it answered first was retried")
	assert.Equal(t, "req_cached", resp.RequestID)
	assert.Equal(t, 2, resp.Attempts)
	assert.Empty(t, srv.Requests(), "nothing reached the server")
}

// TestMiddlewareSeesStreamUnread: for a stream, the middleware gets the
// response before any of its body is read, and the events still arrive
// whole through a body it wrapped.
func TestMiddlewareSeesStreamUnread(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := t.Context()
	agent, _ := ranAgent(t, c)

	var read bytes.Buffer // what the SDK read of the stream, through the middleware's body
	atReturn := -1
	var contentType string
	watch := func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		resp, err := next(req)
		if err != nil {
			return nil, err
		}
		contentType = resp.Header.Get("Content-Type")
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.TeeReader(resp.Body, &read), resp.Body}
		atReturn = read.Len()
		return resp, nil
	}
	stream, err := c.Agents.Stream(ctx, agent.ID, theazo.WithLastEventID("0"), theazo.WithMiddleware(watch))
	require.NoError(t, err)
	defer stream.Close()
	n := 0
	for _, err := range stream.Events() {
		require.NoError(t, err)
		n++
	}
	assert.Zero(t, atReturn, "no byte of the stream was read when the middleware returned")
	assert.Equal(t, "text/event-stream", contentType)
	assert.Equal(t, 4, n, "every event, through the wrapped body")
	assert.Contains(t, read.String(), "event: output", "the SDK read the stream through the wrapped body")
}

// TestMiddlewareErrorIsTheCallsError: a middleware's error ends the attempt
// like a network error, and a non-idempotent call is not retried.
func TestMiddlewareErrorIsTheCallsError(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	runs := 0
	deny := func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		runs++
		return nil, io.ErrUnexpectedEOF
	}
	c := srv.Client(theazo.WithMiddleware(deny))
	_, err := c.Sessions.Create(t.Context(), &theazo.SessionCreateParams{UserID: "u"})
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	assert.Equal(t, 1, runs)
	assert.Empty(t, srv.Requests())
	assert.False(t, bytes.Contains([]byte(err.Error()), []byte(srv.APIKey())))
}
