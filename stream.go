package theazo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"unsafe"

	"github.com/theazo/theazo-go/sse"
)

// decodeEvent unmarshals data into v and returns v. An event that is not
// the JSON its type documents, null included, is an invalid response.
//
// data's bytes serve both decoding and v's RawJSON, without a copy: a
// stream's data is a string go-sse builds afresh for each event and never
// writes again, so they stay valid and unchanged for as long as the caller
// keeps v (RawJSON's slice must not be modified).
func decodeEvent[T interface{ setRaw(json.RawMessage) }](data string, v T) (T, error) {
	b := unsafe.Slice(unsafe.StringData(data), len(data))
	if isNull(b) {
		return v, fmt.Errorf("%w: the event's data is null", ErrInvalidResponse)
	}
	if err := json.Unmarshal(b, v); err != nil {
		return v, fmt.Errorf("%w: %w", ErrInvalidResponse, err)
	}
	v.setRaw(b) // json.Unmarshal neither keeps nor modifies b
	return v, nil
}

// openStream connects req as an event stream of E. Every stream of the API
// goes through here and through the transport's one request path; a
// resumption repeats req with a Last-Event-ID header. The call's options
// apply to every connection, except that WithResponseInto describes the
// first and WithLastEventID is the first's Last-Event-ID (events the server
// sends again up to it are dropped).
func openStream[E any](ctx context.Context, t *transport, req request, decode func(string, string) (E, error), terminal func(E) bool) (*sse.Stream[E], error) {
	req.stream = true
	lastID, err := lastEventIDOf(req)
	if err != nil {
		return nil, err
	}
	first := true
	connect := func(ctx context.Context, lastEventID string) (*http.Response, error) {
		r := req
		if !first && len(req.opts) > 0 {
			r.opts = append(req.opts[:len(req.opts):len(req.opts)], resumption{})
		}
		first = false
		if lastEventID != "" {
			r.header = req.header.Clone()
			if r.header == nil {
				r.header = http.Header{}
			}
			r.header.Set("Last-Event-ID", lastEventID)
		}
		return t.do(ctx, r)
	}
	return sse.Connect(ctx, connect, sse.Config[E]{Decode: decode, Terminal: terminal, MaxEventSize: t.maxEventSize, WrapError: t.scrub,
		ReconnectWait: t.reconnect, MaxReconnectWait: t.reconnect, MaxServerRetry: t.reconnect, LastEventID: lastID})
}

// lastEventIDOf returns the id WithLastEventID sets among req's options, if
// any, or the error of an option that cannot apply.
func lastEventIDOf(req request) (string, error) {
	co, err := newCallOptions(req)
	if co == nil || err != nil {
		return "", err
	}
	return co.lastEventID, nil
}

// resumption is the last option of a stream's resumptions: the Response
// describes the first connection, and the stream's own last event id
// replaces WithLastEventID's: lastEventID, which may be empty.
type resumption struct{ lastEventID string }

func (r resumption) applyRequest(co *callOptions) { co.response, co.lastEventID = nil, r.lastEventID }
