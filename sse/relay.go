package sse

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	gosse "github.com/tmaxmax/go-sse"
)

// DefaultHeartbeat is how often Relay writes a comment line to keep proxies
// from closing an idle connection, unless WithHeartbeat says otherwise.
const DefaultHeartbeat = 15 * time.Second

// ErrRelayUnsupported is returned by Relay when the response writer cannot
// flush, so events could not reach the browser one by one.
var ErrRelayUnsupported = errors.New("sse: the response writer cannot flush")

// RelayOption configures Relay.
type RelayOption func(*relayConfig)

type relayConfig struct {
	heartbeat time.Duration
	hook      func(Event) (Event, bool)
}

// WithHeartbeat sets how often Relay writes a comment heartbeat; zero or
// less disables heartbeats. The default is DefaultHeartbeat.
func WithHeartbeat(interval time.Duration) RelayOption {
	return func(c *relayConfig) { c.heartbeat = interval }
}

// WithEventHook makes Relay pass every event through hook before writing
// it: hook returns the event to write (ev itself or another, e.g. one made
// in code) and true, or false (or a nil event) to drop ev, e.g. to hide an
// agent's thinking from end users. hook runs on the goroutine that called
// Relay.
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
// Relay returns when s ends, when the browser disconnects (r's context
// ends, or a write fails), or when ctx ends; in the last two cases it
// closes s at once, releasing the upstream connection. It returns the
// error that ended s (e.g. ErrInterrupted), ctx's error if ctx ended, and
// nil when s ended normally or the browser left. When s ends the response
// ends, and a browser's EventSource reconnects with Last-Event-ID unless
// the page closes it, e.g. on the run's last event.
func Relay[E Event](ctx context.Context, w http.ResponseWriter, r *http.Request, s *Stream[E], opts ...RelayOption) error {
	defer s.Close()
	cfg := relayConfig{heartbeat: DefaultHeartbeat}
	for _, o := range opts {
		o(&cfg)
	}
	sess, err := gosse.Upgrade(w, r)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrRelayUnsupported, err)
	}
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")

	// Either end going away closes the upstream at once: Close unblocks
	// the read in s.Events below.
	stopBrowser := context.AfterFunc(r.Context(), func() { s.Close() })
	defer stopBrowser()
	stopCtx := context.AfterFunc(ctx, func() { s.Close() })
	defer stopCtx()

	rw := &relayWriter{sess: sess, w: w, closeUpstream: s.Close}
	if !rw.flush() { // sends the headers: the browser's EventSource opens now
		return nil
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
	switch {
	case r.Context().Err() != nil, rw.failed():
		return nil // the browser left
	case ctx.Err() != nil:
		return ctx.Err()
	}
	return streamErr
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
		if i := lineEnd(line); i >= 0 {
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

// relayWriter serialises the writes of the relayed events and of the
// heartbeat to one response. The first failed write closes the upstream.
type relayWriter struct {
	mu            sync.Mutex
	sess          *gosse.Session
	w             http.ResponseWriter // the session's
	closeUpstream func() error
	broken        bool
}

// send writes and flushes msg (a *gosse.Message, or a message's bytes in
// a *bytes.Buffer); false means the browser is gone. The session's headers
// are out since Relay's first flush.
func (rw *relayWriter) send(msg io.WriterTo) bool {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.broken {
		return false
	}
	if _, err := msg.WriteTo(rw.w); err != nil || rw.sess.Flush() != nil {
		rw.fail()
		return false
	}
	return true
}

// flush sends what is buffered; false means the browser is gone.
func (rw *relayWriter) flush() bool {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.sess.Flush() != nil {
		rw.fail()
		return false
	}
	return true
}

// fail records a failed write and closes the upstream; rw.mu is held.
func (rw *relayWriter) fail() {
	rw.broken = true
	rw.closeUpstream()
}

func (rw *relayWriter) failed() bool {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	return rw.broken
}

// heartbeat writes a comment every interval until the returned stop is
// called; stop waits for the goroutine to end.
func (rw *relayWriter) heartbeat(interval time.Duration) (stop func()) {
	var beat gosse.Message
	beat.AppendComment("heartbeat")
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if !rw.send(&beat) {
					return
				}
			case <-done:
				return
			}
		}
	}()
	return func() {
		close(done)
		wg.Wait()
	}
}
