package sse

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/internal/ssestream"
)

// memConn is a ConnectFunc that answers every connection in memory with the
// body of serve (nil: the connection fails), and remembers the bodies to
// check that each was closed.
type memConn struct {
	serve func(n int) []byte

	mu     sync.Mutex
	lastID []string
	bodies []*closeTracker
}

type closeTracker struct {
	io.Reader
	mu     sync.Mutex
	closed bool
}

func (c *closeTracker) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return nil
}

func (m *memConn) connect(_ context.Context, lastEventID string) (*http.Response, error) {
	m.mu.Lock()
	n := len(m.lastID)
	m.lastID = append(m.lastID, lastEventID)
	m.mu.Unlock()
	body := m.serve(n)
	if body == nil {
		return nil, ssestream.Retry(errors.New("connection refused"), 0)
	}
	b := &closeTracker{Reader: bytes.NewReader(body)}
	m.mu.Lock()
	m.bodies = append(m.bodies, b)
	m.mu.Unlock()
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: b}, nil
}

func (m *memConn) connections() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.lastID...)
}

func (m *memConn) allClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.bodies {
		b.mu.Lock()
		closed := b.closed
		b.mu.Unlock()
		if !closed {
			return false
		}
	}
	return true
}

// fuzzEventSize is small so that the fuzzer reaches the size bound.
const fuzzEventSize = 256

// fuzzAnswers is how many connections a fuzzed server accepts; later ones
// fail. Quiet reconnections are not failures, so a server that accepted
// every one could keep a stream without a terminal event open for ever.
const fuzzAnswers = 5

// fuzzConfig waits a microsecond at most between connections, whatever
// retry: field the fuzzer writes.
var fuzzConfig = Config[event]{Decode: decode, Terminal: isEnd, MaxEventSize: fuzzEventSize,
	ReconnectWait: time.Nanosecond, MaxReconnectWait: time.Microsecond, MaxServerRetry: time.Microsecond}

// FuzzStream reads arbitrary bytes as a stream whose first fuzzAnswers
// connections answer the same bytes. Properties: the iteration ends; an
// error comes at most once, last, and is ErrInterrupted, ErrEventTooLarge
// or the decoder's; no event has empty data; nothing follows the terminal
// event; a resumption asks for the last id received, which never holds a
// NUL; reconnections are bounded; every body is closed; Close returns nil.
func FuzzStream(f *testing.F) {
	f.Fuzz(func(t *testing.T, body []byte) {
		m := &memConn{serve: func(n int) []byte {
			if n >= fuzzAnswers {
				return nil
			}
			return body
		}}
		s, err := Connect(context.Background(), m.connect, fuzzConfig)
		require.NoError(t, err)
		events, errs := drain(s)
		require.NoError(t, s.Close())

		require.LessOrEqual(t, len(errs), 1, "an error ends the iteration")
		for _, err := range errs {
			decodeErr := strings.HasPrefix(err.Error(), `sse: decoding "bad" event`)
			assert.True(t, errors.Is(err, ErrInterrupted) || errors.Is(err, ErrEventTooLarge) || decodeErr, "undocumented error: %v", err)
		}
		for i, e := range events {
			assert.NotEmpty(t, e.Data, "an event without data is skipped")
			if isEnd(e) {
				assert.Equal(t, len(events)-1, i, "nothing follows the terminal event")
				assert.Empty(t, errs)
			}
		}
		assert.NotContains(t, s.LastEventID(), "\x00")
		conns := m.connections()
		assert.LessOrEqual(t, len(conns), fuzzAnswers+DefaultMaxReconnects, "reconnections are bounded")
		assert.Empty(t, conns[0], "the first connection asks for no id")
		for _, id := range conns[1:] {
			assert.NotEmpty(t, id, "only a stream with an id is resumed")
		}
		assert.True(t, m.allClosed(), "every connection is released")
	})
}

// FuzzStreamRoundTrip writes arbitrary events in the event-stream format
// and reads them back. spec lists events separated by \x1e, each its type,
// data and id separated by \x1f. Properties: every event with data comes
// back with its exact type ("message" when unnamed) and data (multi-line
// data included), in order;
// the last id sent is the stream's LastEventID; the terminal event ends the
// stream without an error.
func FuzzStreamRoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, spec string) {
		var body strings.Builder
		var want []event
		lastID := ""
		for _, raw := range strings.Split(spec, "\x1e") {
			parts := strings.SplitN(raw, "\x1f", 3)
			parts = append(parts, "", "", "")
			typ := strings.NewReplacer("\r", "", "\n", "").Replace(parts[0])
			data := strings.ReplaceAll(parts[1], "\r", "")
			id := strings.NewReplacer("\r", "", "\n", "", "\x00", "").Replace(parts[2])
			if typ == "end" || typ == "bad" {
				typ += "_"
			}
			if id != "" {
				body.WriteString("id: " + id + "\n")
				lastID = id
			}
			if typ != "" {
				body.WriteString("event: " + typ + "\n")
			}
			for line := range strings.SplitSeq(data, "\n") {
				body.WriteString("data: " + line + "\n")
			}
			body.WriteString("\n")
			if data != "" {
				name := typ
				if name == "" {
					name = "message" // the default event type
				}
				want = append(want, event{Type: name, Data: data})
			}
		}
		body.WriteString("event: end\ndata: .\n\n")
		want = append(want, event{Type: "end", Data: "."})

		m := &memConn{serve: func(int) []byte { return []byte(body.String()) }}
		s, err := Connect(context.Background(), m.connect, Config[event]{Decode: decode, Terminal: isEnd, MaxEventSize: 1 << 20})
		require.NoError(t, err)
		events, errs := drain(s)
		require.Empty(t, errs)
		assert.Equal(t, want, events)
		assert.Equal(t, lastID, s.LastEventID())
		assert.Len(t, m.connections(), 1)
		assert.True(t, m.allClosed())
	})
}
