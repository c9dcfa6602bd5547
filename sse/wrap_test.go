package sse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrapped marks the errors that went through WrapError.
type wrapped struct{ err error }

func (w wrapped) Error() string { return "wrapped: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

func TestWrapError(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return wrapped{err} }
	t.Run("every error Events yields", func(t *testing.T) {
		t.Parallel()
		for name, body := range map[string]string{
			"interrupted": "id: 1\ndata: x\n\n", // after the default backoff's waits, on synctest's clock
			"too large":   "data: " + string(make([]byte, 300)) + "\n\n",
			"decoding":    "event: bad\ndata: x\n\n",
		} {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					m := &memConn{serve: func(int) []byte { return []byte(body) }}
					s, err := Connect(context.Background(), m.connect, Config[event]{Decode: decode, Terminal: isEnd, MaxEventSize: 256, WrapError: wrap})
					require.NoError(t, err)
					_, errs := drain(s)
					require.Len(t, errs, 1)
					var w wrapped
					assert.ErrorAs(t, errs[0], &w)
				})
			})
		}
	})
	t.Run("the error of Connect", func(t *testing.T) {
		for name, connect := range map[string]ConnectFunc{
			"connect fails": func(context.Context, string) (*http.Response, error) { return nil, errors.New("refused") },
			"not a stream": func(context.Context, string) (*http.Response, error) {
				return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/html"}}, Body: &closeTracker{}}, nil
			},
		} {
			t.Run(name, func(t *testing.T) {
				_, err := Connect(context.Background(), connect, Config[event]{Decode: decode, WrapError: wrap})
				var w wrapped
				assert.ErrorAs(t, err, &w, fmt.Sprint(err))
			})
		}
	})
	t.Run("a clean end yields nothing to wrap", func(t *testing.T) {
		m := &memConn{serve: func(int) []byte { return []byte("data: x\n\nevent: end\ndata: y\n\n") }}
		s, err := Connect(context.Background(), m.connect, Config[event]{Decode: decode, Terminal: isEnd, WrapError: wrap})
		require.NoError(t, err)
		events, errs := drain(s)
		assert.Empty(t, errs)
		assert.Len(t, events, 2)
	})
}
