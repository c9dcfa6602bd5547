package theazo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"
	"unsafe"

	"github.com/theazo/theazo-go/internal/retry"
	"github.com/theazo/theazo-go/internal/ssestream"
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
//
// A stream has one budget of attempts: each connection is sent once, and
// the retry policy's decision on it (which replies are retried, after what
// Retry-After, up to which wait) tells the stream whether to try again and
// how long to wait at least; the stream counts the attempts in a row, the
// call's retries plus one (WithMaxRetries; the default is
// sse.DefaultMaxReconnects), and waits its own backoff between them, each
// wait capped by WithMaxRetryWait like any wait between attempts.
func openStream[E any](ctx context.Context, t *transport, req request, decode func(string, string) (E, error), terminal func(E) bool) (*sse.Stream[E], error) {
	req.stream = true
	co, err := newCallOptions(req)
	if err != nil {
		return nil, err
	}
	attempts := t.http.RetryMax + 1
	if co != nil && co.retriesSet {
		attempts = co.maxRetries + 1
	}
	var lastID string
	if co != nil {
		lastID = co.lastEventID
	}
	first := true
	connect := func(ctx context.Context, lastEventID string) (*http.Response, error) {
		r := req
		if !first && len(req.opts) > 0 {
			r.opts = append(req.opts[:len(req.opts):len(req.opts)], resumption{})
		}
		if lastEventID != "" {
			r.header = req.header.Clone()
			if r.header == nil {
				r.header = http.Header{}
			}
			r.header.Set("Last-Event-ID", lastEventID)
		}
		var d retry.Decision
		r.once = &d
		resp, err := t.do(ctx, r)
		if err == nil {
			first = false // WithResponseInto describes the first connection made
		}
		if err != nil && d.Retry {
			// The stream waits its own backoff, and at least the reply's
			// Retry-After (which the decision found within its cap).
			var wait time.Duration
			if e := (*Error)(nil); errors.As(err, &e) {
				wait = e.RetryAfter
			}
			return nil, ssestream.Retry(err, wait)
		}
		return resp, err
	}
	step, most, server := ssestream.DefaultReconnectWait, ssestream.DefaultMaxReconnectWait, ssestream.DefaultMaxServerRetry
	if t.reconnect > 0 {
		step, most, server = t.reconnect, t.reconnect, t.reconnect
	}
	waitCap := max(co.maxRetryWait(t.policy.MaxWait), time.Nanosecond) // not zero, which the config reads as its default
	return connectStream(ctx, connect, ssestream.Config[E]{Decode: decode, Terminal: terminal, MaxEventSize: t.maxEventSize, WrapError: t.scrub,
		MaxReconnects: attempts, ReconnectWait: min(step, waitCap), MaxReconnectWait: min(most, waitCap), MaxServerRetry: min(server, waitCap), LastEventID: lastID})
}

// connectStream opens an sse.Stream: the one place the SDK makes one.
func connectStream[E any](ctx context.Context, connect ssestream.ConnectFunc, cfg ssestream.Config[E]) (*sse.Stream[E], error) {
	s, err := ssestream.Connect(ctx, connect, cfg)
	return (*sse.Stream[E])(s), err
}

// resumption is the last option of a stream's resumptions: the Response
// describes the first connection, and the stream's own last event id
// replaces WithLastEventID's: lastEventID, which may be empty.
type resumption struct{ lastEventID string }

func (r resumption) applyRequest(co *callOptions) { co.response, co.lastEventID = nil, r.lastEventID }
