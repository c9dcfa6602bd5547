package theazo_test

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// Against the fake: a 429 asking for longer than any cap, however long, is
// returned at once with RetryAfter at least the cap.
func TestE2ERetryAfterBeyondTheCap(t *testing.T) {
	ctx := t.Context()
	for name, wait := range map[string]time.Duration{
		"2^32 seconds":             4294967296 * time.Second,
		"the largest Duration":     math.MaxInt64,
		"just over the 1 s cap":    2 * time.Second,
		"an hour over the 1 s cap": time.Hour,
	} {
		t.Run(name, func(t *testing.T) {
			srv, c := newE2E(t) // retry waits capped at 1 s
			srv.InjectFault(theazotest.Fault{Path: "/sessions", Status: 429, RetryAfter: wait})
			start := time.Now()
			_, err := c.Sessions.ListPage(ctx, nil)
			assert.Less(t, time.Since(start), 900*time.Millisecond, "returned at once")
			var apiErr *theazo.Error
			require.ErrorAs(t, err, &apiErr)
			assert.ErrorIs(t, err, theazo.ErrRateLimited)
			assert.GreaterOrEqual(t, apiErr.RetryAfter, wait.Truncate(time.Second))
			assert.GreaterOrEqual(t, apiErr.RetryAfter, time.Second, "at least the cap")
			n, _ := count(srv, "GET", "/v1/sessions")
			assert.Equal(t, 1, n, "not retried")
		})
	}
}

// Against the fake: a 503 whose backoff would outlast the deadline is
// returned at once as the server's error, not as a bare deadline error.
func TestE2EBackoffBeyondTheDeadline(t *testing.T) {
	t.Parallel()
	srv, c := newE2E(t)
	srv.InjectFault(theazotest.Fault{Path: "/sessions", Status: 503, Times: -1})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	_, err := c.Sessions.ListPage(ctx, nil)
	var apiErr *theazo.Error
	require.ErrorAs(t, err, &apiErr, "%v", err)
	assert.Equal(t, 503, apiErr.StatusCode)
	assert.Equal(t, theazo.ErrorCode("service_unavailable"), apiErr.Code)
	assert.False(t, errors.Is(ctx.Err(), context.DeadlineExceeded), "returned before the deadline")
	n, _ := count(srv, "GET", "/v1/sessions")
	assert.Equal(t, 1, n)
}

// Against the fake: a key read from a file with its trailing newline works;
// the same key with a "Bearer " prefix, or a base URL with a query string,
// is refused before anything reaches the server.
func TestE2EClientInput(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	client := func(key, base string) *theazo.Client {
		c := theazo.NewClient(key, theazo.WithBaseURL(base), theazo.WithHTTPClient(srv.HTTPClient()))
		t.Cleanup(c.CloseIdleConnections)
		return c
	}

	s, err := client(srv.APIKey()+"\n", srv.URL()).Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_1"})
	require.NoError(t, err)
	require.Len(t, srv.Requests(), 1)

	srv.ResetRequests()
	_, err = client("Bearer "+srv.APIKey(), srv.URL()).Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_2"})
	require.ErrorIs(t, err, theazo.ErrInvalidAPIKey)
	assert.NotContains(t, err.Error(), srv.APIKey())
	_, err = client(srv.APIKey()+" extra", srv.URL()).Agents.Create(ctx, s.ID, nil)
	require.ErrorIs(t, err, theazo.ErrInvalidAPIKey)
	_, err = client(srv.APIKey(), srv.URL()+"?tenant=acme").Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_3"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "query string or fragment")
	assert.Empty(t, srv.Requests(), "nothing reached the server")

	page, err := client(srv.APIKey(), srv.URL()).Sessions.ListPage(ctx, nil)
	require.NoError(t, err)
	assert.Len(t, page.Data, 1, "only the first session was created")
}
