package sse

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gosse "github.com/tmaxmax/go-sse"
)

// relayed is one event as a browser's parser sees it.
type relayed struct{ typ, data, id string }

// parseEvents reads body as EventSource would: events with data, the
// default type "message", and the last event id at each.
func parseEvents(body []byte) []relayed {
	var out []relayed
	for ev, err := range gosse.Read(bytes.NewReader(body), &gosse.ReadConfig{MaxEventSize: 1 << 20}) {
		if err != nil {
			break
		}
		if ev.Data == "" {
			continue
		}
		typ := ev.Type
		if typ == "" {
			typ = "message"
		}
		out = append(out, relayed{typ, ev.Data, ev.LastEventID})
	}
	return out
}

// FuzzRelay relays arbitrary upstream bytes and checks that a browser
// parsing the relay's output sees exactly the events, names, data and ids
// of the typed stream, which are the upstream's.
func FuzzRelay(f *testing.F) {
	for _, seed := range []string{
		"id: 1\nevent: thinking\ndata: {\"text\":\"a\"}\n\nid: 2\nevent: end\ndata: {}\n\n",
		"data: line one\ndata: line two\r\n\r\nevent: x\rdata: y\r\r",
		": comment\nretry: 5\nid:\ndata: after an empty id\n\nid: 3\ndata:  two spaces\n\n",
		"event:  spaced\ndata: {\"a\":\"\\u00e9\"}\n\nevent: bad\ndata: {}\n\nevent: late\ndata: 1\n\n",
		"id: 1\nevent: a\ndata: 1\n\nevent: b\ndata: 2\n\nid: 5\ndata: 3",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, upstream []byte) {
		m := &memConn{serve: func(int) []byte { return upstream }}
		s, err := Connect(context.Background(), m.connect, Config[event]{Decode: decode, Terminal: isEnd, MaxReconnects: -1})
		require.NoError(t, err)
		var seen []relayed // the typed stream's view, as the hook sees it
		hook := func(ev Event) (Event, bool) {
			seen = append(seen, relayed{ev.EventType(), string(ev.RawJSON()), s.LastEventID()})
			return ev, true
		}
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		// Without the relay's own error event, tested apart, the browser
		// sees only what the stream delivered.
		Relay(context.Background(), w, r, s, WithHeartbeat(0), WithEventHook(hook), WithErrorEvent(""))
		assert.True(t, m.allClosed(), "the upstream is closed")

		got := parseEvents(w.Body.Bytes())
		assert.Equal(t, seen, got, "the browser sees the typed stream's events, ids included")
		// And those are the upstream's, up to where the typed stream stopped.
		want := parseEvents(upstream)
		require.LessOrEqual(t, len(got), len(want))
		for i := range got {
			assert.Equal(t, want[i].typ, got[i].typ)
			assert.Equal(t, want[i].data, got[i].data)
		}
	})
}
