package ssestream

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestReconnectWaitDefaults(t *testing.T) {
	s := &Stream[string]{cfg: Config[string]{ReconnectWait: DefaultReconnectWait, MaxReconnectWait: DefaultMaxReconnectWait, MaxServerRetry: DefaultMaxServerRetry}, retry: -1}
	for quiet, step := range []time.Duration{100, 200, 400, 800, 1600, 3200, 5000, 5000} {
		step *= time.Millisecond
		for range 20 {
			w := s.reconnectWait(quiet)
			assert.GreaterOrEqual(t, w, step/2)
			assert.LessOrEqual(t, w, step)
		}
	}
	assert.LessOrEqual(t, s.reconnectWait(1000), DefaultMaxReconnectWait, "no overflow")
	s.retry = 2 * time.Second
	assert.Equal(t, 2*time.Second, s.reconnectWait(0), "never sooner than retry: asks")
	assert.GreaterOrEqual(t, s.reconnectWait(8), 2500*time.Millisecond, "the backoff still grows past it")
	s.retry = time.Hour
	assert.Equal(t, DefaultMaxServerRetry, s.reconnectWait(0))
}
