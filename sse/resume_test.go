package sse

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// logEvent is one event of a replay test's stream.
type logEvent struct{ id, typ, data string }

// replayLog is the stream the replay tests' servers send: five events and
// the terminal one.
func replayLog(ids ...string) []logEvent {
	var evs []logEvent
	for i, id := range ids {
		typ := "a"
		if i == len(ids)-1 {
			typ = "end"
		}
		evs = append(evs, logEvent{id: id, typ: typ, data: fmt.Sprintf("e%d", i+1)})
	}
	return evs
}

// replayServer serves log. begin says where a connection asking for
// Last-Event-ID begins in log: the way a server honours or ignores the
// header. Every connection but the last ends after cut events past the
// one asked for, so that each brings new events. It is in memory (see
// newMemServer).
func replayServer(t *testing.T, log []logEvent, cut int, begin func(lastID string, log []logEvent) int) *server {
	return newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		start(w)
		lastID := r.Header.Get("Last-Event-ID")
		end := honours(lastID, log) + cut
		for i := begin(lastID, log); i < len(log); i++ {
			if i == end {
				return
			}
			ev := log[i]
			send(w, "id: "+ev.id+"\nevent: "+ev.typ+"\ndata: "+ev.data+"\n\n")
		}
		<-r.Context().Done()
	})
}

// Ways a server answers Last-Event-ID.
var (
	honours = func(lastID string, log []logEvent) int {
		for i, ev := range log {
			if ev.id == lastID {
				return i + 1
			}
		}
		return 0
	}
	fromStart   = func(string, []logEvent) int { return 0 }
	fromLastIDs = func(lastID string, log []logEvent) int { // resends X itself
		for i, ev := range log {
			if ev.id == lastID {
				return i
			}
		}
		return 0
	}
)

func TestReplayedEventsAreDeliveredOnce(t *testing.T) {
	t.Parallel()
	all := []event{{"a", "e1"}, {"a", "e2"}, {"a", "e3"}, {"a", "e4"}, {"a", "e5"}, {"end", "e6"}}
	tests := []struct {
		name  string
		log   []logEvent
		cut   int
		start func(string, []logEvent) int
		conns []string
	}{
		{name: "honours Last-Event-ID", log: replayLog("1", "2", "3", "4", "5", "6"), cut: 2, start: honours, conns: []string{"", "2", "4"}},
		{name: "replays from the first event, integer ids", log: replayLog("1", "2", "3", "4", "5", "6"), cut: 2, start: fromStart, conns: []string{"", "2", "4"}},
		{name: "replays from the first event, opaque ids", log: replayLog("a", "b", "c", "d", "e", "f"), cut: 4, start: fromStart, conns: []string{"", "d"}},
		{name: "resends the last event id, opaque ids", log: replayLog("a", "b", "c", "d", "e", "f"), cut: 2, start: fromLastIDs, conns: []string{"", "b", "d"}},
		{name: "resends the last event id, integer ids", log: replayLog("10", "20", "30", "40", "50", "60"), cut: 3, start: fromLastIDs, conns: []string{"", "30"}},
		{name: "honours it, sparse integer ids", log: replayLog("7", "9", "30", "31", "400", "401"), cut: 1, start: honours, conns: []string{"", "7", "9", "30", "31", "400"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := replayServer(t, tc.log, tc.cut, tc.start)
				s := mustConnect(t, srv, cfg)
				events, errs := drain(s)
				assert.Empty(t, errs)
				assert.Equal(t, all, events, "each event once, none lost")
				assert.Equal(t, tc.conns, srv.connections())
			})
		})
	}
}

// Config.LastEventID resumes the first connection, and what a server sends
// again up to it is dropped; a server that honours it loses nothing.
func TestFirstConnectionLastEventID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		start func(string, []logEvent) int
	}{
		{"honours it", honours},
		{"replays from the start", fromStart},
		{"resends the event", fromLastIDs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := replayServer(t, replayLog("1", "2", "3", "4"), 10, tc.start)
				c := cfg
				c.LastEventID = "2"
				s := mustConnect(t, srv, c)
				assert.Equal(t, "2", s.LastEventID())
				events, errs := drain(s)
				assert.Empty(t, errs)
				assert.Equal(t, []event{{"a", "e3"}, {"end", "e4"}}, events)
				assert.Equal(t, []string{"2"}, srv.connections())
			})
		})
	}
}

// The first event of a resumed connection without an id of its own carries
// the last id by the standard's rule, but it is a new event.
func TestResumedEventWithoutIDIsNew(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, second string
	}{
		{"no id field", "event: a\ndata: two\n\n"},
		{"a byte order mark, then no id field", "\xEF\xBB\xBFevent: a\ndata: two\n\n"},
		{"a comment and a data-less block first", ": hi\n\nretry: 5\n\nevent: a\ndata: two\n\n"},
		{"CRLF lines", "event: a\r\ndata: two\r\n\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newMemServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
					start(w)
					if n == 1 {
						send(w, "id: 1\nevent: a\ndata: one\n\n")
						return
					}
					send(w, tc.second+"id: 3\nevent: end\ndata: three\n\n")
					<-r.Context().Done()
				})
				s := mustConnect(t, srv, cfg)
				events, errs := drain(s)
				assert.Empty(t, errs)
				assert.Equal(t, []event{{"a", "one"}, {"a", "two"}, {"end", "three"}}, events)
			})
		})
	}
}

// relayEvent is a test event that Relay can write.
type relayEvent struct{ typ, data string }

func (e relayEvent) EventType() string        { return e.typ }
func (e relayEvent) RawJSON() json.RawMessage { return json.RawMessage(e.data) }

// Relay ranges the same Stream, so a browser sees each event once too.
func TestRelayDeliversReplayedEventsOnce(t *testing.T) {
	t.Parallel()
	srv := replayServer(t, replayLog("1", "2", "3", "4", "5", "6"), 3, fromStart)
	rcfg := Config[relayEvent]{
		Decode:        func(typ, data string) (relayEvent, error) { return relayEvent{typ, data}, nil },
		Terminal:      func(e relayEvent) bool { return e.typ == "end" },
		ReconnectWait: time.Millisecond, MaxReconnectWait: 10 * time.Millisecond,
	}
	s, err := Connect(context.Background(), srv.connect(t), rcfg)
	require.NoError(t, err)
	browser := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Relay(r.Context(), w, r, s, WithHeartbeat(0))
	}))
	defer browser.Close()
	resp, err := http.Get(browser.URL)
	require.NoError(t, err)
	defer resp.Body.Close()
	var ids, data []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if v, ok := strings.CutPrefix(line, "id: "); ok {
			ids = append(ids, v)
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok {
			data = append(data, v)
		}
	}
	assert.Equal(t, []string{"1", "2", "3", "4", "5", "6"}, ids)
	assert.Equal(t, []string{"e1", "e2", "e3", "e4", "e5", "e6"}, data)
}
