package theazo

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCoolDownFromDetailsRetryAfter: a 429 that names its wait only in the
// envelope's details.retryAfter cools the client down like a Retry-After
// header does, since both are read once by the same retry.Read: the next
// call waits that long before it is sent, and one that may not wait that
// long is refused unsent.
func TestCoolDownFromDetailsRetryAfter(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		limited := reply{Status: 429, Body: envelopeBody("rate_limited", "Too many requests.", `{"retryAfter":0.3}`)}
		srv := newMemRecorder(t, limited, reply{Status: 200, Body: agentJSON})
		c := srv.client(WithMaxRetries(0))

		start := time.Now()
		_, err := c.Agents.Get(t.Context(), "agt_1")
		var apiErr *Error
		require.ErrorAs(t, err, &apiErr)
		assert.Equal(t, 300*time.Millisecond, apiErr.RetryAfter)

		_, err = c.Agents.Get(t.Context(), "agt_1", WithMaxRetryWait(time.Millisecond))
		require.ErrorIs(t, err, ErrRateLimited)
		require.ErrorAs(t, err, &apiErr)
		assert.Contains(t, apiErr.Message, "cools down", "refused unsent")
		require.Len(t, srv.requests(), 1)

		a, err := c.Agents.Get(t.Context(), "agt_1")
		require.NoError(t, err)
		assert.Equal(t, "agt_1", a.ID)
		assert.Equal(t, 300*time.Millisecond, time.Since(start), "held until the wait the details named")
		assert.Len(t, srv.requests(), 2)
	})
}
