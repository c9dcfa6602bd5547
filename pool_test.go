package theazo

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Calls that exhaust their retries must not close the pool under the healthy
// calls sharing the client: go-retryablehttp closes idle connections after
// every exhausted retry, and the SDK's transport does not let it.
func TestExhaustedRetriesKeepThePool(t *testing.T) {
	const goroutines, calls = 8, 40
	srv := newCountingServer(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/limited") {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			io.WriteString(w, `{"error":{"code":"rate_limited","message":"slow down"}}`)
			return
		}
		jsonHandler(benchAgent)(w, r)
	})
	c := NewClient(testKey, WithBaseURL(srv.URL+"/v1"), WithMaxRetries(1))
	ctx := context.Background()

	var wg sync.WaitGroup
	errs := make(chan error, 2*goroutines*calls)
	for range goroutines {
		wg.Go(func() {
			for range calls {
				_, err := c.Agents.Get(ctx, "healthy")
				errs <- err
			}
		})
		wg.Go(func() {
			for range calls {
				_, err := c.Agents.Get(ctx, "limited")
				if assert.ErrorIs(t, err, ErrRateLimited) {
					errs <- nil
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	// 16 goroutines need about 16 connections; net/http may dial a few spares
	// while a connection is on its way back to the pool. Closing the pool on
	// each of the 320 exhausted calls would open hundreds.
	assert.LessOrEqual(t, srv.conns.Load(), int64(2*2*goroutines), "connections opened")
}
