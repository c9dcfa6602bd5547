package sse

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
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

// The server's retry: field sets the wait before a reconnection.
func TestReconnectWaitsWhatRetryAsks(t *testing.T) {
	tests := []struct {
		name     string
		first    string
		max      time.Duration // MaxServerRetry, 0 for the default
		min, top time.Duration // the wait expected
	}{
		{name: "retry: 300", first: "retry: 300\nid: 1\nevent: a\ndata: one\n\n", min: 300 * time.Millisecond, top: time.Second},
		{name: "retry without a space, CRLF", first: "retry:250\r\nid: 1\r\nevent: a\r\ndata: one\r\n\r\n", min: 250 * time.Millisecond, top: time.Second},
		{name: "after a byte order mark", first: "\xEF\xBB\xBFretry: 300\nid: 1\nevent: a\ndata: one\n\n", min: 300 * time.Millisecond, top: time.Second},
		{name: "the last one wins", first: "retry: 900\n\nretry: 200\nid: 1\nevent: a\ndata: one\n\n", min: 200 * time.Millisecond, top: 800 * time.Millisecond},
		{name: "an invalid value is ignored", first: "retry: 300\nretry: 1e3\nretry: -5\nretry: 12ms\nid: 1\nevent: a\ndata: one\n\n", min: 300 * time.Millisecond, top: time.Second},
		{name: "capped by MaxServerRetry", first: "retry: 600000\nid: 1\nevent: a\ndata: one\n\n", max: 200 * time.Millisecond, min: 200 * time.Millisecond, top: time.Second},
		{name: "beyond int64", first: "retry: 99999999999999999999\nid: 1\nevent: a\ndata: one\n\n", max: 200 * time.Millisecond, min: 200 * time.Millisecond, top: time.Second},
		{name: "none: the backoff (1-10 ms here)", first: "id: 1\nevent: a\ndata: one\n\n", top: 200 * time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, dropThenEnd(tc.first, "id: 2\nevent: end\ndata: two\n\n"))
			c := cfg
			c.MaxServerRetry = tc.max
			s := mustConnect(t, srv, c)
			events, errs := drain(s)
			assert.Empty(t, errs)
			assert.Equal(t, []event{{"a", "one"}, {"end", "two"}}, events)
			gaps := srv.gaps()
			require.Len(t, gaps, 1)
			assert.GreaterOrEqual(t, gaps[0], tc.min)
			assert.Less(t, gaps[0], tc.top)
		})
	}
}

// Without retry:, the wait grows exponentially from ReconnectWait, with
// jitter (each wait is half to all of its step), up to MaxReconnectWait;
// a new event starts it over.
func TestReconnectBackoff(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
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
		assert.Less(t, gaps[i], step+150*time.Millisecond, "wait %d", i+1)
	}
}

func TestReconnectWaitDefaults(t *testing.T) {
	s := &Stream[event]{cfg: Config[event]{ReconnectWait: DefaultReconnectWait, MaxReconnectWait: DefaultMaxReconnectWait, MaxServerRetry: DefaultMaxServerRetry}, retry: -1}
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

// Close and a cancelled context end a wait before a reconnection at once.
func TestWaitBeforeReconnectingEnds(t *testing.T) {
	long := "retry: 30000\nid: 1\nevent: a\ndata: one\n\n"
	t.Run("Close", func(t *testing.T) {
		srv := newServer(t, dropThenEnd(long, "id: 2\nevent: end\ndata: two\n\n"))
		s := mustConnect(t, srv, cfg)
		var errs []error
		within(t, 5*time.Second, func() {
			for _, err := range s.Events() {
				if err != nil {
					errs = append(errs, err)
					continue
				}
				go func() { time.Sleep(50 * time.Millisecond); s.Close() }()
			}
		})
		assert.Empty(t, errs)
		assert.Len(t, srv.connections(), 1, "no reconnection after Close")
	})
	t.Run("context", func(t *testing.T) {
		srv := newServer(t, dropThenEnd(long, "id: 2\nevent: end\ndata: two\n\n"))
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		s, err := Connect(ctx, connector(t, srv.URL), cfg)
		require.NoError(t, err)
		var errs []error
		within(t, 5*time.Second, func() { _, errs = drain(s) })
		require.Len(t, errs, 1)
		assert.ErrorIs(t, errs[0], context.DeadlineExceeded)
		assert.Len(t, srv.connections(), 1)
	})
}

// An empty id: field resets the last event id: a later resumption does
// not send the stale id, and no event is yielded twice.
func TestEmptyIDResetsTheLastEventID(t *testing.T) {
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
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
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
	}
}

// LastEventID, read while an event is handled, is the id the stream
// would resume from after that event: the event's own id when it has one.
func TestLastEventIDOfTheEventJustYielded(t *testing.T) {
	srv := newServer(t, dropThenEnd("id: a1\nevent: a\ndata: 1\n\nid: a2\nevent: a\ndata: 2\n\n",
		"event: a\ndata: 3\n\nid: a4\nevent: a\ndata: 4\n\nid:\nevent: a\ndata: 5\n\nid: a6\nevent: end\ndata: 6\n\n"))
	s := mustConnect(t, srv, cfg)
	var ids []string
	for _, err := range s.Events() {
		require.NoError(t, err)
		ids = append(ids, s.LastEventID())
	}
	assert.Equal(t, []string{"a1", "a2", "a2", "a4", "", "a6"}, ids)
}

// The size bound is the same on a resumed connection, whose parse starts
// with the stream's last id.
func TestEventSizeBoundOnAResumedConnection(t *testing.T) {
	const bound = 1 << 10
	fits := "event: a\ndata: " + strings.Repeat("x", 900) + "\n\n"
	srv := newServer(t, dropThenEnd("id: "+strings.Repeat("7", 100)+"\n"+fits, fits+"id: 9\nevent: end\ndata: .\n\n"))
	c := cfg
	c.MaxEventSize = bound
	s := mustConnect(t, srv, c)
	events, errs := drain(s)
	assert.Empty(t, errs)
	assert.Len(t, events, 3)
}

func TestRetryReader(t *testing.T) {
	tests := []struct {
		body string
		want []time.Duration
	}{
		{body: "retry: 10\n", want: []time.Duration{10 * time.Millisecond}},
		{body: "retry:10\r\n", want: []time.Duration{10 * time.Millisecond}},
		{body: "retry: 10\rretry: 20\r\n", want: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}},
		{body: "retry:  10\n"},       // two spaces: not digits
		{body: "retry: 10 \n"},       // trailing space
		{body: "retry: \n"},          // empty
		{body: "retry\n"},            // no colon: an empty value
		{body: "Retry: 10\n"},        // field names are case-sensitive
		{body: ": retry: 10\n"},      // a comment
		{body: "data: retry: 10\n"},  // a value
		{body: "data: x\nretry: 10"}, // an unfinished line is no field yet
		{body: "\xEF\xBB\xBFretry: 5\n", want: []time.Duration{5 * time.Millisecond}},
		{body: "retry: 0\n", want: []time.Duration{0}},
		{body: "data: " + strings.Repeat("x", 100) + "retry: 1\nretry: 2\n", want: []time.Duration{2 * time.Millisecond}},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 2, 3, 7, 1 << 10} {
			t.Run(fmt.Sprintf("%q/%d", tc.body, chunk), func(t *testing.T) {
				var got []time.Duration
				r := &retryReader{r: &chunked{s: tc.body, n: chunk}, set: func(d time.Duration) { got = append(got, d) }}
				var out strings.Builder
				buf := make([]byte, 64)
				for {
					n, err := r.Read(buf)
					out.Write(buf[:n])
					if err != nil {
						break
					}
				}
				assert.Equal(t, tc.want, got)
				assert.Equal(t, strings.TrimPrefix(tc.body, bom), out.String(), "the body passes through")
			})
		}
	}
}

// chunked reads s at most n bytes at a time.
type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[n:]
	return n, nil
}

// FuzzRetryReader reads arbitrary bytes through a retryReader in chunks of
// an arbitrary size. Properties: the bytes pass through unchanged but for a
// leading byte order mark; the retry: values reported are those of the
// complete lines "retry:" + an optional space + ASCII digits (of at most 32
// bytes), in order, whatever the chunking.
func FuzzRetryReader(f *testing.F) {
	f.Add("retry: 10\n", uint8(1))
	f.Add("\xEF\xBB\xBFretry:5\r\ndata: x\rretry: 7\r", uint8(2))
	f.Add("retry: 99999999999999999999\nretry: 1\n", uint8(3))
	f.Add("data: retry: 1\n: retry: 2\nretry: 3 \nretry:  4\n", uint8(5))
	lineEnd := regexp.MustCompile("\r\n|\r|\n")
	f.Fuzz(func(t *testing.T, body string, chunk uint8) {
		var got []time.Duration
		r := &retryReader{r: &chunked{s: body, n: int(chunk%64) + 1}, set: func(d time.Duration) { got = append(got, d) }}
		out, err := io.ReadAll(r)
		require.NoError(t, err)
		stripped := strings.TrimPrefix(body, bom)
		assert.Equal(t, stripped, string(out))

		var want []time.Duration
		lines := lineEnd.Split(stripped, -1)
		for _, line := range lines[:len(lines)-1] { // the last one is unfinished
			v, ok := strings.CutPrefix(line, "retry:")
			v = strings.TrimPrefix(v, " ")
			if !ok || len(line) > 32 || v == "" || strings.Trim(v, "0123456789") != "" {
				continue
			}
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ms > int64(time.Duration(1<<62)/time.Millisecond) {
				ms = int64(time.Duration(1<<62) / time.Millisecond)
			}
			want = append(want, time.Duration(ms)*time.Millisecond)
		}
		assert.Equal(t, want, got)
	})
}
