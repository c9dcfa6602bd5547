package redisgovernor_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/redisgovernor"
	"github.com/theazo/theazo-go/theazotest"
)

// BenchmarkAddedLatency measures what the governor adds to a call that its
// budget lets go at once: each iteration makes one call through a client
// without a governor (the raw baseline) and one through a client with a
// Governor on a local redis-server, in turn, against one theazotest server.
// It reports both latencies, the difference and their ratio, and the same
// for Wait alone against a raw Redis PING.
func BenchmarkAddedLatency(b *testing.B) {
	rs := startRedis(b)
	rdb, _ := rs.client(b)
	gov, err := redisgovernor.New(rdb, "theazo:bench", 60_000_000, redisgovernor.WithBurst(1_000_000))
	require.NoError(b, err)
	srv := theazotest.NewServer()
	b.Cleanup(srv.Close)
	raw, governed := srv.Client(), srv.Client(theazo.WithRateLimiter(gov))
	ctx := b.Context()
	for _, c := range []*theazo.Client{raw, governed} { // connections open, script loaded
		_, err := c.Usage.Summary(ctx, nil)
		require.NoError(b, err)
	}

	var rawCall, govCall, ping, wait time.Duration
	for b.Loop() {
		t0 := time.Now()
		_, err1 := raw.Usage.Summary(ctx, nil)
		t1 := time.Now()
		_, err2 := governed.Usage.Summary(ctx, nil)
		t2 := time.Now()
		err3 := rdb.Ping(ctx).Err()
		t3 := time.Now()
		err4 := gov.Wait(ctx)
		t4 := time.Now()
		if err1 != nil || err2 != nil || err3 != nil || err4 != nil {
			b.Fatal(err1, err2, err3, err4)
		}
		rawCall += t1.Sub(t0)
		govCall += t2.Sub(t1)
		ping += t3.Sub(t2)
		wait += t4.Sub(t3)
	}
	n := float64(b.N)
	us := func(d time.Duration) float64 { return float64(d.Microseconds()) / n }
	b.ReportMetric(us(rawCall), "raw-µs/call")
	b.ReportMetric(us(govCall), "governed-µs/call")
	b.ReportMetric(us(govCall-rawCall), "added-µs/call")
	b.ReportMetric(float64(govCall)/float64(rawCall), "call-ratio")
	b.ReportMetric(us(ping), "ping-µs")
	b.ReportMetric(us(wait), "wait-µs")
	b.ReportMetric(float64(wait)/float64(ping), "wait/ping")
}
