package theazo

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestResponseIntoRedactsKey: a server that echoes the key into an error body
// and its request id does not put the key into the Response, as it does not
// into the *Error.
func TestResponseIntoRedactsKey(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{
		Status: http.StatusBadRequest,
		Header: map[string]string{"X-Request-Id": "req_" + testKey},
		Body:   `{"error":{"code":"bad_request","message":"key ` + testKey + `","requestId":"req_env"}}`,
	}, reply{
		Status: http.StatusNotFound,
		Body:   `{"error":{"code":"not_found","message":"gone","requestId":"req_` + testKey + `"}}`,
	})
	c := srv.client()
	var resp Response
	_, err := c.Agents.Get(t.Context(), "agt_1", WithResponseInto(&resp))
	require.Error(t, err)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.NotContains(t, string(resp.Body), testKey)
	assert.Contains(t, string(resp.Body), redacted)
	assert.Equal(t, "req_"+redacted, resp.RequestID, "the header's id, redacted")

	_, err = c.Agents.Get(t.Context(), "agt_1", WithResponseInto(&resp))
	require.ErrorIs(t, err, ErrNotFound)
	assert.Equal(t, "req_"+redacted, resp.RequestID, "no header: the envelope's id, redacted")
}

// TestErrorLimitValues reads details.limit in the forms the SDK accepts.
func TestErrorLimitValues(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		code   ErrorCode
		limit  any
		want   SessionLimit
	}{
		{402, CodeSessionLimitExceeded, "maxCost", LimitCost},
		{402, CodeSessionLimitExceeded, "maxAgents", LimitAgents},
		{402, CodeSessionLimitExceeded, "maxComputeMinutes", LimitComputeMinutes},
		{402, CodeSessionLimitExceeded, "cost", LimitCost},
		{402, CodeSessionLimitExceeded, "agents", LimitAgents},
		{402, CodeSessionLimitExceeded, "compute_minutes", LimitComputeMinutes},
		{402, CodeSessionLimitExceeded, "max_compute_minutes", LimitComputeMinutes},
		{402, "", "MaxCost", LimitCost},
		{402, CodeSessionLimitExceeded, "storage", ""},
		{402, CodeSessionLimitExceeded, 3, ""},
		{402, CodeSessionLimitExceeded, nil, ""},
		{422, CodeUnprocessableEntity, "maxCost", ""},
	} {
		e := &Error{StatusCode: tc.status, Code: tc.code, Details: map[string]any{}}
		if tc.limit != nil {
			e.Details["limit"] = tc.limit
		}
		assert.Equal(t, tc.want, e.Limit(), "%d %s %v", tc.status, tc.code, tc.limit)
	}
	assert.Equal(t, SessionLimit(""), (*Error)(nil).Limit())
	assert.Equal(t, SessionLimit(""), (&Error{StatusCode: 402}).Limit(), "no details")
}

// TestSharedOptionsApplyBothWays: the options valid on the client and per
// call set the same thing in both places, and a call's setting overrides
// the client's for that call only.
func TestSharedOptionsApplyBothWays(t *testing.T) {
	t.Parallel()
	calls := 0
	mw := func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		calls++
		return next(req)
	}
	for _, o := range []SharedOption{WithMaxRetries(4), WithMaxRetryWait(time.Second), WithMiddleware(mw)} {
		var cfg config
		var co callOptions
		o.applyClient(&cfg)
		o.applyRequest(&co)
		switch {
		case cfg.maxRetries != 0:
			assert.Equal(t, 4, cfg.maxRetries)
			assert.Equal(t, 4, co.maxRetries)
			assert.True(t, co.retriesSet)
		case cfg.maxRetryWait != 0:
			assert.Equal(t, time.Second, cfg.maxRetryWait)
			assert.Equal(t, time.Second, co.maxWait)
			assert.True(t, co.maxWaitSet)
		default:
			assert.Len(t, cfg.middleware, 1)
			assert.Len(t, co.middleware, 1)
		}
	}
	var co callOptions
	WithMaxRetries(-1).applyRequest(&co)
	WithMaxRetryWait(-time.Second).applyRequest(&co)
	assert.Equal(t, 0, co.maxRetries, "a negative count is none")
	assert.Zero(t, co.maxWait)
	assert.Empty(t, WithMiddleware(nil, nil), "nil middleware is dropped")

	srv := newRecorder(t, reply{Status: 503, Body: `{}`})
	c := srv.client(WithMaxRetries(3), WithMaxRetryWait(time.Millisecond), WithMiddleware(mw))
	_, err := c.Agents.Get(t.Context(), "agt_1", WithMaxRetries(1))
	require.Error(t, err)
	assert.Equal(t, 2, calls, "the call's one retry, not the client's three")
	_, err = c.Agents.Get(t.Context(), "agt_1")
	require.Error(t, err)
	assert.Equal(t, 2+4, calls, "the next call has the client's three again")
}

// TestNoOptionsAllocateNothing: a call without options makes no
// callOptions, no per-call retrying client and no context value.
func TestNoOptionsAllocateNothing(t *testing.T) {
	co, err := newCallOptions(request{method: http.MethodGet, path: "/x"})
	require.NoError(t, err)
	assert.Nil(t, co)
	c := NewClient(testKey)
	assert.Same(t, c.t.http, c.t.retryClientFor(nil))
	assert.Same(t, c.t.http, c.t.retryClientFor(&callOptions{}), "options that leave retries alone share the client's")
	ctx := t.Context()
	assert.Equal(t, ctx, withCallMiddleware(ctx, nil))
	allocs := testing.AllocsPerRun(100, func() {
		co, _ := newCallOptions(request{method: http.MethodGet, path: "/x"})
		_ = c.t.retryClientFor(co)
		_ = withCallMiddleware(ctx, co)
		_ = co.maxRetryWait(time.Second)
	})
	assert.Zero(t, allocs)
}
