package redisgovernor_test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/redisgovernor"
	"github.com/theazo/theazo-go/theazotest"
)

// TestNewRefusesBadArguments: New fails with a clear error, and never
// panics, on arguments that cannot work, among them a key that holds an API
// key.
func TestNewRefusesBadArguments(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	tests := []struct {
		name      string
		rdb       redis.UniversalClient
		key       string
		perMinute int
		opts      []redisgovernor.Option
		want      string // "" for no error
	}{
		{"fine", rdb, "theazo:prod", 300, nil, ""},
		{"options", rdb, "theazo:prod", 300, []redisgovernor.Option{redisgovernor.WithReplicas(4), redisgovernor.WithBurst(9),
			redisgovernor.WithTimeout(time.Second), redisgovernor.WithProbeInterval(time.Minute), redisgovernor.WithLogger(nil)}, ""},
		{"nil client", nil, "theazo:prod", 300, nil, "nil Redis client"},
		{"empty key", rdb, "", 300, nil, "empty key"},
		{"a live API key", rdb, "theazo:th_live_0123-4567-89ab", 300, nil, "contains an API key"},
		{"a test API key", rdb, "th_test_0123456789abcdef", 300, nil, "contains an API key"},
		{"no budget", rdb, "theazo:prod", 0, nil, "perMinute is 0"},
		{"no replicas", rdb, "theazo:prod", 300, []redisgovernor.Option{redisgovernor.WithReplicas(0)}, "at least 1"},
		{"negative burst", rdb, "theazo:prod", 300, []redisgovernor.Option{redisgovernor.WithBurst(-1)}, "at least 1"},
		{"no timeout", rdb, "theazo:prod", 300, []redisgovernor.Option{redisgovernor.WithTimeout(0)}, "must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := redisgovernor.New(tt.rdb, tt.key, tt.perMinute, tt.opts...)
			if tt.want == "" {
				require.NoError(t, err)
				assert.NotNil(t, g)
				return
			}
			require.ErrorContains(t, err, tt.want)
			assert.Nil(t, g)
			assert.NotContains(t, err.Error(), "0123456789abcdef", "the error does not quote the key")
		})
	}
}

// TestKeyForHidesTheAPIKey: KeyFor is stable, differs between API keys, and
// holds nothing of the API key.
func TestKeyForHidesTheAPIKey(t *testing.T) {
	const a, b = "th_live_aaaa-aaaa-aaaa-aaaa", "th_live_bbbb-bbbb-bbbb-bbbb"
	assert.Equal(t, redisgovernor.KeyFor(a), redisgovernor.KeyFor(a))
	assert.NotEqual(t, redisgovernor.KeyFor(a), redisgovernor.KeyFor(b))
	assert.Regexp(t, `^theazo:[0-9a-f]{32}$`, redisgovernor.KeyFor(a))
	assert.NotContains(t, redisgovernor.KeyFor(a), "aaaa")
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	t.Cleanup(func() { _ = rdb.Close() })
	_, err := redisgovernor.New(rdb, redisgovernor.KeyFor(a), 60)
	assert.NoError(t, err, "a key KeyFor made is accepted")
}

// TestOneRoundTripPerCall: a call the budget lets go costs one Redis round
// trip, counted by a go-redis hook and by the server's INFO commandstats
// (one EVALSHA, whose script runs TIME, GET and SET), once the script is
// loaded; the only key is rate:<key>.
func TestOneRoundTripPerCall(t *testing.T) {
	const calls = 50
	rs := startRedis(t)
	rdb, trips := rs.client(t)
	gov, err := redisgovernor.New(rdb, "theazo:round-trips", 60000, redisgovernor.WithBurst(1000))
	require.NoError(t, err)
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client(theazo.WithRateLimiter(gov))
	ctx := t.Context()

	_, err = c.Usage.Summary(ctx, nil) // loads the script
	require.NoError(t, err)
	rs.resetStats(t)
	before := trips.n.Load()
	for range calls {
		_, err := c.Usage.Summary(ctx, nil)
		require.NoError(t, err)
	}
	got := trips.n.Load() - before
	stats := rs.commandCalls(t)
	t.Logf("%d calls: %d round trips (hook), commandstats %v", calls, got, stats)
	assert.Equal(t, int64(calls), got, "one round trip per call")
	assert.Equal(t, calls, stats["evalsha"], "one EVALSHA per call")
	assert.Zero(t, stats["eval"], "the script is not sent again")
	for _, inScript := range []string{"time", "get", "set"} {
		assert.LessOrEqual(t, stats[inScript], calls, "%s runs once per call, in the script", inScript)
	}

	keys, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.Equal(t, []string{"rate:theazo:round-trips"}, keys)
	assert.Len(t, srv.Requests(), calls+1)
}

// TestNextSlotPastTheDeadline: a call whose next slot lies past its deadline
// is refused at once, unsent, with a rate_limited *theazo.Error that matches
// context.DeadlineExceeded and is not a net.Error.
func TestNextSlotPastTheDeadline(t *testing.T) {
	rs := startRedis(t)
	rdb, _ := rs.client(t)
	gov, err := redisgovernor.New(rdb, "theazo:deadline", 60, redisgovernor.WithBurst(1))
	require.NoError(t, err)
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client(theazo.WithRateLimiter(gov))
	_, err = c.Usage.Summary(t.Context(), nil)
	require.NoError(t, err, "the burst")

	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = c.Usage.Summary(ctx, nil)
	assert.Less(t, time.Since(start), 100*time.Millisecond, "refused at once")
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.ErrorIs(t, err, theazo.ErrRateLimited)
	var apiErr *theazo.Error
	require.ErrorAs(t, err, &apiErr)
	var netErr net.Error
	assert.False(t, errors.As(err, &netErr))
	assert.Len(t, srv.Requests(), 1, "not sent")

	cancelled, cancel2 := context.WithCancel(t.Context())
	cancel2()
	require.ErrorIs(t, gov.Wait(cancelled), context.Canceled)
}
