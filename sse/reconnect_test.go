package sse

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dropThenEnd sends first on connection 1 and ends it; every later
// connection sends rest and waits for the client to leave.
func dropThenEnd(first, rest string) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		if n == 1 {
			send(w, first)
			return
		}
		send(w, rest)
		<-r.Context().Done()
	}
}

// The server's retry: field sets the wait before a reconnection. The
// test runs on synctest's clock, so the wait is the one the stream chose,
// to the nanosecond, and takes no real time.
func TestReconnectWaitsWhatRetryAsks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		first          string
		maxServerRetry time.Duration // 0 for the default
		least, most    time.Duration // the wait expected
	}{
		{name: "retry: 300", first: "retry: 300\nid: 1\nevent: a\ndata: one\n\n", least: 300 * time.Millisecond, most: 300 * time.Millisecond},
		{name: "retry without a space, CRLF", first: "retry:250\r\nid: 1\r\nevent: a\r\ndata: one\r\n\r\n", least: 250 * time.Millisecond, most: 250 * time.Millisecond},
		{name: "after a byte order mark", first: "\xEF\xBB\xBFretry: 300\nid: 1\nevent: a\ndata: one\n\n", least: 300 * time.Millisecond, most: 300 * time.Millisecond},
		{name: "the last one wins", first: "retry: 900\n\nretry: 200\nid: 1\nevent: a\ndata: one\n\n", least: 200 * time.Millisecond, most: 200 * time.Millisecond},
		{name: "an invalid value is ignored", first: "retry: 300\nretry: 1e3\nretry: -5\nretry: 12ms\nid: 1\nevent: a\ndata: one\n\n", least: 300 * time.Millisecond, most: 300 * time.Millisecond},
		{name: "capped by MaxServerRetry", first: "retry: 600000\nid: 1\nevent: a\ndata: one\n\n", maxServerRetry: 200 * time.Millisecond, least: 200 * time.Millisecond, most: 200 * time.Millisecond},
		{name: "capped by DefaultMaxServerRetry", first: "retry: 600000\nid: 1\nevent: a\ndata: one\n\n", least: DefaultMaxServerRetry, most: DefaultMaxServerRetry},
		{name: "beyond int64", first: "retry: 99999999999999999999\nid: 1\nevent: a\ndata: one\n\n", maxServerRetry: 200 * time.Millisecond, least: 200 * time.Millisecond, most: 200 * time.Millisecond},
		{name: "none: the backoff's first step, with jitter", first: "id: 1\nevent: a\ndata: one\n\n", least: cfg.ReconnectWait / 2, most: cfg.ReconnectWait},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newMemServer(t, dropThenEnd(tc.first, "id: 2\nevent: end\ndata: two\n\n"))
				c := cfg
				c.MaxServerRetry = tc.maxServerRetry
				s := mustConnect(t, srv, c)
				events, errs := drain(s)
				assert.Empty(t, errs)
				assert.Equal(t, []event{{"a", "one"}, {"end", "two"}}, events)
				gaps := srv.gaps()
				require.Len(t, gaps, 1)
				assert.GreaterOrEqual(t, gaps[0], tc.least)
				assert.LessOrEqual(t, gaps[0], tc.most)
			})
		})
	}
}

// Without retry:, the wait grows exponentially from ReconnectWait, with
// jitter (each wait is half to all of its step), up to MaxReconnectWait;
// a new event starts it over. On synctest's clock, each wait is the one
// the stream chose.
func TestReconnectBackoff(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			start(w)
			switch {
			case n == 1:
				send(w, "id: 1\nevent: a\ndata: one\n\n")
			case n == 6:
				send(w, "id: 2\nevent: a\ndata: two\n\n") // progress: the backoff starts over
			case n == 8:
				send(w, "id: 3\nevent: end\ndata: three\n\n")
				<-r.Context().Done()
			}
		})
		c := cfg
		c.ReconnectWait = 40 * time.Millisecond
		c.MaxReconnectWait = 200 * time.Millisecond
		s := mustConnect(t, srv, c)
		events, errs := drain(s)
		assert.Empty(t, errs)
		assert.Len(t, events, 3)
		gaps := srv.gaps()
		require.Len(t, gaps, 7)
		steps := []time.Duration{40, 80, 160, 200, 200, 40, 80} // ms: the step before connections 2 to 8
		for i, step := range steps {
			step *= time.Millisecond
			assert.GreaterOrEqual(t, gaps[i], step/2, "wait %d", i+1)
			assert.LessOrEqual(t, gaps[i], step, "wait %d", i+1)
		}
	})
}

// Close and a cancelled context end a wait before a reconnection at once:
// on synctest's clock, the 30 s wait the server asks for ends at the
// instant of the Close or of the context's deadline.
func TestWaitBeforeReconnectingEnds(t *testing.T) {
	t.Parallel()
	long := "retry: 30000\nid: 1\nevent: a\ndata: one\n\n"
	t.Run("Close", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			srv := newMemServer(t, dropThenEnd(long, "id: 2\nevent: end\ndata: two\n\n"))
			s := mustConnect(t, srv, cfg)
			var errs []error
			var yielded time.Time
			within(t, 5*time.Second, func() {
				for _, err := range s.Events() {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					yielded = time.Now()
					go func() { time.Sleep(50 * time.Millisecond); s.Close() }()
				}
			})
			assert.Equal(t, 50*time.Millisecond, time.Since(yielded), "the wait ends with Close")
			assert.Empty(t, errs)
			assert.Len(t, srv.connections(), 1, "no reconnection after Close")
		})
	})
	t.Run("context", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			srv := newMemServer(t, dropThenEnd(long, "id: 2\nevent: end\ndata: two\n\n"))
			began := time.Now()
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			s, err := Connect(ctx, srv.connect(t), cfg)
			require.NoError(t, err)
			var errs []error
			within(t, 5*time.Second, func() { _, errs = drain(s) })
			assert.Equal(t, 100*time.Millisecond, time.Since(began), "the wait ends with the context")
			require.Len(t, errs, 1)
			assert.ErrorIs(t, errs[0], context.DeadlineExceeded)
			assert.Len(t, srv.connections(), 1)
		})
	})
}

// An empty id: field resets the last event id: a later resumption does
// not send the stale id, and no event is yielded twice.
func TestEmptyIDResetsTheLastEventID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		conns     []string // what each connection sends, then ends
		want      []event
		wantConns []string
		wantErr   bool
		wantID    string
	}{
		{
			name:      "within a connection: no resumption",
			conns:     []string{"id: 1\nevent: a\ndata: one\n\nid:\nevent: a\ndata: two\n\n"},
			want:      []event{{"a", "one"}, {"a", "two"}},
			wantConns: []string{""},
			wantErr:   true,
		},
		{
			name:      "an id-only block resets it too",
			conns:     []string{"id: 1\nevent: a\ndata: one\n\nid\n\n"},
			want:      []event{{"a", "one"}},
			wantConns: []string{""},
			wantErr:   true,
		},
		{
			name:      "at the start of a resumed connection",
			conns:     []string{"id: 1\nevent: a\ndata: one\n\n", "id:\nevent: a\ndata: two\n\n"},
			want:      []event{{"a", "one"}, {"a", "two"}},
			wantConns: []string{"", "1"},
			wantErr:   true,
		},
		{
			name:      "a new id after the reset is resumed from",
			conns:     []string{"id: 1\nevent: a\ndata: one\n\nid:\nevent: a\ndata: two\n\nid: 3\nevent: a\ndata: three\n\n", "id: 4\nevent: end\ndata: four\n\n"},
			want:      []event{{"a", "one"}, {"a", "two"}, {"a", "three"}, {"end", "four"}},
			wantConns: []string{"", "3"},
			wantID:    "4",
		},
		{
			name:      "events without an id on a resumed connection keep it",
			conns:     []string{"id: 1\nevent: a\ndata: one\n\n", "event: a\ndata: two\n\n", "id: 3\nevent: end\ndata: three\n\n"},
			want:      []event{{"a", "one"}, {"a", "two"}, {"end", "three"}},
			wantConns: []string{"", "1", "1"},
			wantID:    "3",
		},
		{
			name:      "a byte order mark on a resumed connection",
			conns:     []string{"id: 1\nevent: a\ndata: one\n\n", "\xEF\xBB\xBFid: 2\nevent: end\ndata: two\n\n"},
			want:      []event{{"a", "one"}, {"end", "two"}},
			wantConns: []string{"", "1"},
			wantID:    "2",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
					start(w)
					if n <= len(tc.conns) {
						send(w, tc.conns[n-1])
					}
					if strings.Contains(tc.conns[min(n, len(tc.conns))-1], "event: end") {
						<-r.Context().Done()
					}
				})
				s := mustConnect(t, srv, cfg)
				events, errs := drain(s)
				assert.Equal(t, tc.want, events, "nothing twice")
				assert.Equal(t, tc.wantConns, srv.connections())
				assert.Equal(t, tc.wantID, s.LastEventID())
				if !tc.wantErr {
					assert.Empty(t, errs)
					return
				}
				require.Len(t, errs, 1)
				assert.ErrorIs(t, errs[0], ErrInterrupted)
				assert.Contains(t, errs[0].Error(), "no event id to resume from")
			})
		})
	}
}

// LastEventID, read while an event is handled, is the id the stream
// would resume from after that event: the event's own id when it has one.
func TestLastEventIDOfTheEventJustYielded(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv := newMemServer(t, dropThenEnd("id: a1\nevent: a\ndata: 1\n\nid: a2\nevent: a\ndata: 2\n\n",
			"event: a\ndata: 3\n\nid: a4\nevent: a\ndata: 4\n\nid:\nevent: a\ndata: 5\n\nid: a6\nevent: end\ndata: 6\n\n"))
		s := mustConnect(t, srv, cfg)
		var ids []string
		for _, err := range s.Events() {
			require.NoError(t, err)
			ids = append(ids, s.LastEventID())
		}
		assert.Equal(t, []string{"a1", "a2", "a2", "a4", "", "a6"}, ids)
	})
}

// The size bound is the same on a resumed connection, whose parse starts
// with the stream's last id.
func TestEventSizeBoundOnAResumedConnection(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const bound = 1 << 10
		fits := "event: a\ndata: " + strings.Repeat("x", 900) + "\n\n"
		srv := newMemServer(t, dropThenEnd("id: "+strings.Repeat("7", 100)+"\n"+fits, fits+"id: 9\nevent: end\ndata: .\n\n"))
		c := cfg
		c.MaxEventSize = bound
		s := mustConnect(t, srv, c)
		events, errs := drain(s)
		assert.Empty(t, errs)
		assert.Len(t, events, 3)
	})
}
