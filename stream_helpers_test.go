package theazo

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/sse"
)

// streamReply is a 200 recorder reply carrying body as an event stream.
func streamReply(body string) reply {
	return reply{Status: http.StatusOK, Header: map[string]string{"Content-Type": "text/event-stream"}, Body: body}
}

// drainStream ranges over s to its end and returns the events and the error
// that ended it, if any. It fails the test if the stream yields more than one
// error, or an event after its error. It may run on another goroutine.
func drainStream[E any](t *testing.T, s *sse.Stream[E]) ([]E, error) {
	t.Helper()
	var events []E
	var errs []error
	for ev, err := range s.Events() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		assert.Empty(t, errs, "an event after the stream's error")
		events = append(events, ev)
	}
	assert.LessOrEqual(t, len(errs), 1, "a stream ends with one error at most: %v", errs)
	if len(errs) == 0 {
		return events, nil
	}
	return events, errs[0]
}

// assertStreamOpened asserts that srv received one request, the GET that
// opens a stream at path with the raw query: no body, Accept
// text/event-stream, no Last-Event-ID, and the API key unless public.
func assertStreamOpened(t *testing.T, srv *recorder, path, query string, public bool) {
	t.Helper()
	reqs := srv.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, path, r.Path)
	assert.Equal(t, query, r.RawQuery)
	assert.Empty(t, r.Body)
	assert.Equal(t, "text/event-stream", r.Header.Get("Accept"))
	assert.Empty(t, r.Header.Values("Last-Event-ID"), "a first connection resumes nothing")
	if public {
		assert.Empty(t, r.Header.Values("Authorization"), "a public stream carries no key")
	} else {
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
	}
}

// streamCase is an event stream's body and what ranging over it yields.
type streamCase[E any] struct {
	name    string
	body    string
	want    []E
	wantErr error // the error that ends the stream; nil for none
}

// runStreamCases serves each case's body on a fresh recorder, opens the
// stream with open and asserts its events and the error that ended it. The
// bodies carry no event ids, so each case is one request: the GET of
// wantPath, without a query, assertStreamOpened checks.
func runStreamCases[E any](t *testing.T, open func(ctx context.Context, c *Client) (*sse.Stream[E], error), wantPath string, public bool, cases []streamCase[E]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, streamReply(tc.body))
			stream, err := open(t.Context(), srv.client())
			require.NoError(t, err)
			events, err := drainStream(t, stream)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.want, withoutRaw(events))
			assertStreamOpened(t, srv, wantPath, "", public)
		})
	}
}

// withoutRaw returns copies of events without the raw data they were
// decoded from, to compare them with events made in code, which have none.
// The raw bytes themselves are asserted by the tests of RawJSON.
func withoutRaw[E any](events []E) []E {
	out := make([]E, len(events))
	for i, e := range events {
		out[i] = e
		v := reflect.ValueOf(e)
		if _, ok := any(e).(interface{ setRaw(json.RawMessage) }); !ok || v.Kind() != reflect.Pointer {
			continue
		}
		c := reflect.New(v.Elem().Type())
		c.Elem().Set(v.Elem())
		c.Interface().(interface{ setRaw(json.RawMessage) }).setRaw(nil)
		out[i] = c.Interface().(E)
	}
	return out
}
