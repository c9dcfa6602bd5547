package sse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	gosse "github.com/tmaxmax/go-sse"

	"github.com/theazo/theazo-go/internal/ssestream"
)

// DefaultHeartbeat is how often Relay writes a comment line to keep proxies
// from closing an idle connection, unless WithHeartbeat says otherwise.
const DefaultHeartbeat = 15 * time.Second

// DefaultWriteTimeout bounds each write to the browser, unless
// WithWriteTimeout says otherwise: a browser that reads nothing for this
// long is dropped, and its upstream stream closed.
const DefaultWriteTimeout = 30 * time.Second

// DefaultErrorEvent is the name of the event that tells the browser the
// upstream failed, unless WithErrorEvent says otherwise.
const DefaultErrorEvent = "error"

// ErrRelayUnsupported is returned by Relay when the response writer cannot
// flush, so events could not reach the browser one by one.
var ErrRelayUnsupported = errors.New("sse: the response writer cannot flush")

// RelayOption configures Relay and RelayError.
type RelayOption func(*relayConfig)

type relayConfig struct {
	heartbeat    time.Duration
	writeTimeout time.Duration
	errorEvent   string
	hook         func(Event) (Event, bool)
}

// newRelayConfig applies opts to the defaults.
func newRelayConfig(opts []RelayOption) relayConfig {
	cfg := relayConfig{heartbeat: DefaultHeartbeat, writeTimeout: DefaultWriteTimeout, errorEvent: DefaultErrorEvent}
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// WithHeartbeat sets how often Relay writes a comment heartbeat; zero or
// less disables heartbeats. The default is DefaultHeartbeat.
func WithHeartbeat(interval time.Duration) RelayOption {
	return func(c *relayConfig) { c.heartbeat = interval }
}

// WithWriteTimeout sets how long one write to the browser (an event, a
// heartbeat, the error event) may take before the browser is dropped; the
// default is DefaultWriteTimeout. Zero or less sets no deadline: a browser
// that stops reading then holds Relay until ctx ends. The deadline is set
// with http.ResponseController and replaces the server's WriteTimeout for
// the response, which would otherwise end any long stream.
func WithWriteTimeout(d time.Duration) RelayOption {
	return func(c *relayConfig) { c.writeTimeout = d }
}

// WithErrorEvent sets the name of the final event that tells the browser
// the upstream failed (see Relay); the default is DefaultErrorEvent. An
// empty name turns the event off: the response then just ends.
func WithErrorEvent(name string) RelayOption {
	return func(c *relayConfig) { c.errorEvent = name }
}

// WithEventHook makes Relay pass every event through hook before writing
// it: hook returns the event to write (ev itself or another, e.g. one made
// in code) and true, or false (or a nil event) to drop ev, e.g. to hide an
// agent's thinking from end users. hook runs on the goroutine that called
// Relay. The error event Relay writes itself does not pass through it.
func WithEventHook(hook func(ev Event) (Event, bool)) RelayOption {
	return func(c *relayConfig) { c.hook = hook }
}

// Relay writes the events of s to w as Server-Sent Events, for a browser's
// EventSource, until s ends; then it closes s. It is built on go-sse's
// server-side session and writes each message as go-sse's does. Each event is written with its wire name (EventType),
// its upstream id (so the browser's Last-Event-ID is the upstream's, and a
// handler can resume the upstream with it) and its data byte for byte
// (RawJSON), and is flushed at once. The response carries Content-Type
// text/event-stream, Cache-Control no-cache and X-Accel-Buffering no; a
// comment heartbeat is written every DefaultHeartbeat.
//
// Relay never waits on the browser for ever. Every write has a deadline
// (DefaultWriteTimeout, see WithWriteTimeout), set through
// http.ResponseController; when ctx or r's context ends, Relay closes s at
// once and cuts short a write the browser is not reading, so it returns
// within a second even if the browser never reads again. A ResponseWriter
// that hides its deadlines (a wrapper without an Unwrap method, see
// http.ResponseController) gets no deadline: s is still closed at once,
// but a write the browser does not read can then hold Relay.
//
// When s fails (before its first event or later: a refused resumption, a
// cut that could not be resumed, an event too large), the browser gets a
// final event named DefaultErrorEvent (see WithErrorEvent) whose data is
// the JSON of ErrorData: the code, message and request id of the
// DescribedError in the error's chain, such as theazo's *Error, or code
// "interrupted" for a stream cut that could not be resumed and
// "stream_error" for anything else, with a fixed message; never the text
// of another error. Then the response ends. It carries no id, so the
// browser's Last-Event-ID stays the last relayed event's. An EventSource
// reconnects after any end of the response unless the page closes it, so a
// page should close it on this event. A run's own failure event, such as
// an agent's "error" event, is relayed as it came, as any other event. For
// a stream that could not even be opened, see RelayError.
//
// Relay returns the error that ended s (e.g. ErrInterrupted) after sending
// the error event; ctx's error if ctx ended; an error matching
// os.ErrDeadlineExceeded if a write did not complete in time; and nil when
// s ended normally or the browser left, which is no error. It writes
// nothing and returns at once ErrRelayUnsupported when w cannot flush, or
// an error when the WithErrorEvent name is not one line. When s ends the
// response ends, and a browser's EventSource reconnects with Last-Event-ID
// unless the page closes it, e.g. on the run's last event.
func Relay[E Event](ctx context.Context, w http.ResponseWriter, r *http.Request, s *Stream[E], opts ...RelayOption) error {
	defer s.Close()
	cfg := newRelayConfig(opts)
	rw, err := newRelayWriter(w, r, cfg, s.Close)
	if err != nil {
		return err
	}
	// Either end going away closes the upstream at once, which unblocks
	// the read in s.Events below, and cuts short a write in flight.
	defer rw.abortWhenDone(r.Context(), r)()
	defer rw.abortWhenDone(ctx, r)()

	if !rw.flush() { // sends the headers: the browser's EventSource opens now
		return rw.result(ctx, r, nil)
	}
	if cfg.heartbeat > 0 {
		stop := rw.heartbeat(cfg.heartbeat)
		defer stop()
	}

	var streamErr error
	lastID := ""
	var msg bytes.Buffer // each event's message, written at once
	for ev, err := range s.Events() {
		if err != nil {
			streamErr = err
			break
		}
		out := Event(ev)
		if cfg.hook != nil {
			var keep bool
			if out, keep = cfg.hook(out); !keep || out == nil {
				continue
			}
		}
		if err := message(&msg, out, s.LastEventID(), &lastID); err != nil {
			streamErr = err
			break
		}
		if !rw.send(&msg) {
			break
		}
	}
	return rw.result(ctx, r, streamErr)
}

// message writes the SSE message of ev to b, byte for byte as go-sse's
// Message would write it, without building one (which costs an allocation
// and a Write per field). Its id line is written only when the id differs
// from the last one written, which leaves the browser's last event id
// exactly the upstream's. The data has a data line per line: CR, LF and
// CRLF end lines, as in go-sse's AppendData, and data that ends with a
// newline gets an empty last line, or the browser would lose it.
func message(b *bytes.Buffer, ev Event, id string, lastID *string) error {
	if b.Cap() > maxKeptMessage {
		*b = bytes.Buffer{} // an outsized event's buffer is not kept for the others
	}
	typ := ev.EventType()
	if _, err := gosse.NewType(typ); err != nil {
		return fmt.Errorf("sse: relaying an event named %q: %w", typ, err)
	}
	if id != *lastID {
		if _, err := gosse.NewID(id); err != nil {
			return fmt.Errorf("sse: relaying an event with id %q: %w", id, err)
		}
		*lastID = id
		b.WriteString("id: ")
		b.WriteString(id)
		b.WriteByte('\n')
	}
	b.WriteString("event: ")
	b.WriteString(typ)
	b.WriteByte('\n')
	data := ev.RawJSON()
	for rest := data; len(rest) > 0; {
		line := rest
		rest = nil
		if i := ssestream.LineEnd(line); i >= 0 {
			if line[i] == '\r' && i+1 < len(line) && line[i+1] == '\n' {
				rest = line[i+2:]
			} else {
				rest = line[i+1:]
			}
			line = line[:i]
		}
		b.WriteString("data: ")
		b.Write(line)
		b.WriteByte('\n')
	}
	if n := len(data); n > 0 && (data[n-1] == '\n' || data[n-1] == '\r') {
		b.WriteString("data: \n")
	}
	b.WriteByte('\n')
	return nil
}

// maxKeptMessage bounds the buffer Relay keeps between events.
const maxKeptMessage = 64 << 10
