// Package sse reads the API's Server-Sent-Events streams as typed events.
//
// A Stream is made by the theazo services (Agents.Stream, Workflows.StreamRun,
// Fleets.Stream, Channels.Stream); range over Events and Close it when done.
// Parsing is done by github.com/tmaxmax/go-sse; this package adds typed
// decoding, a bound on event size, resumption with Last-Event-ID, and
// detection of a stream that ends before its terminal event.
package sse

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"sync"

	gosse "github.com/tmaxmax/go-sse"
)

// DefaultMaxReconnects is how many reconnections in a row without a new
// event a Stream makes before it gives up.
const DefaultMaxReconnects = 3

var (
	// ErrInterrupted ends a stream whose connection ended before its terminal
	// event (or, for a stream without one, at all) and could not be resumed.
	ErrInterrupted = errors.New("sse: stream interrupted")
	// ErrEventTooLarge ends a stream with an event above the size bound.
	ErrEventTooLarge = errors.New("sse: event exceeds the size limit")
	// ErrNotEventStream is returned when a reply is not text/event-stream.
	ErrNotEventStream = errors.New("sse: response is not an event stream")
	// ErrConsumed is yielded by Events on a stream that was already ranged over.
	ErrConsumed = errors.New("sse: stream already consumed")
)

// ConnectFunc opens the stream's HTTP connection. lastEventID is empty on
// the first connection and the last received id on a resumption. It returns a
// 2xx response or an error; the Stream checks the Content-Type.
type ConnectFunc func(ctx context.Context, lastEventID string) (*http.Response, error)

// Config says how a Stream turns raw events into typed ones.
type Config[E any] struct {
	// Decode turns one raw event into a typed one. It is called for every
	// event with data, of every type ("message" when the event names none);
	// unknown types should decode to a pass-through value, not an error.
	Decode func(eventType, data string) (E, error)
	// Terminal reports whether an event is the last of the stream. Nil means
	// the stream has no terminal event and stays open until closed.
	Terminal func(E) bool
	// MaxEventSize bounds one event in bytes; zero means 1 MiB.
	MaxEventSize int
	// MaxReconnects bounds reconnections in a row without a new event; zero
	// means DefaultMaxReconnects, negative disables resumption.
	MaxReconnects int
	// WrapError, when set, is applied to every error Connect returns and
	// Events yields, e.g. to redact a secret the server echoed into one.
	WrapError func(error) error
}

// Stream is a typed event stream over one HTTP connection at a time.
// Events may be ranged over once; Close may be called from any goroutine,
// any number of times.
type Stream[E any] struct {
	ctx     context.Context
	cancel  context.CancelFunc
	connect ConnectFunc
	cfg     Config[E]

	mu       sync.Mutex
	body     io.ReadCloser
	lastID   string
	closed   bool
	consumed bool
}

// Connect opens a stream and returns once the server has answered with an
// event stream, so that no event sent after Connect returns is lost.
func Connect[E any](ctx context.Context, connect ConnectFunc, cfg Config[E]) (*Stream[E], error) {
	if cfg.MaxEventSize <= 0 {
		cfg.MaxEventSize = 1 << 20
	}
	if cfg.MaxReconnects == 0 {
		cfg.MaxReconnects = DefaultMaxReconnects
	}
	sctx, cancel := context.WithCancel(ctx)
	body, err := open(sctx, connect, "")
	if err != nil {
		cancel()
		return nil, cfg.wrap(err)
	}
	return &Stream[E]{ctx: sctx, cancel: cancel, connect: connect, cfg: cfg, body: body}, nil
}

// wrap applies WrapError to err, if both are set.
func (c Config[E]) wrap(err error) error {
	if err == nil || c.WrapError == nil {
		return err
	}
	return c.WrapError(err)
}

// open connects and checks that the reply is an event stream.
func open(ctx context.Context, connect ConnectFunc, lastID string) (io.ReadCloser, error) {
	resp, err := connect(ctx, lastID)
	if err != nil {
		return nil, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "text/event-stream" {
		resp.Body.Close()
		return nil, fmt.Errorf("%w: Content-Type %q", ErrNotEventStream, resp.Header.Get("Content-Type"))
	}
	return resp.Body, nil
}

// LastEventID returns the id of the last event received, empty if the server
// sends no ids. Safe to call from any goroutine.
func (s *Stream[E]) LastEventID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastID
}

// Close ends the stream and releases its connection. It unblocks a reader
// waiting in Events on another goroutine, which then ends without an error.
// Close is idempotent and always returns nil.
func (s *Stream[E]) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	body := s.body
	s.mu.Unlock()
	// Cancel first: it aborts a Read blocked on the connection, which
	// closing the body alone would wait behind.
	s.cancel()
	body.Close() // its error says nothing about the stream: it is over either way
	return nil
}

// Events ranges over the stream's typed events until the terminal event,
// an error, Close, or a break out of the loop; then the connection is
// released. An error is yielded once and ends the iteration. A dropped
// connection is resumed with Last-Event-ID when the server sent ids;
// otherwise it ends the iteration with ErrInterrupted.
func (s *Stream[E]) Events() iter.Seq2[E, error] {
	return func(yieldEvent func(E, error) bool) {
		var zero E
		yield := func(e E, err error) bool { return yieldEvent(e, s.cfg.wrap(err)) }
		s.mu.Lock()
		consumed := s.consumed
		s.consumed = true
		body := s.body
		s.mu.Unlock()
		if consumed {
			yield(zero, ErrConsumed)
			return
		}
		defer s.Close()

		failures := 0 // reconnections in a row that brought no new event
		for {
			from := s.LastEventID()
			progressed, done, readErr := s.readAll(body, yield)
			if done {
				return
			}
			if progressed && s.LastEventID() != from {
				// New events moved the id on. A server that ignores
				// Last-Event-ID and replays old events does not, so it
				// cannot keep the stream reconnecting for ever.
				failures = 0
			}
			if err := s.stopErr(readErr); err != nil {
				if !s.isClosed() {
					yield(zero, err)
				}
				return
			}
			lastID := s.LastEventID()
			if lastID == "" || s.cfg.MaxReconnects < 0 || failures >= s.cfg.MaxReconnects {
				yield(zero, interrupted(readErr, lastID, failures))
				return
			}
			failures++
			next, err := open(s.ctx, s.connect, lastID)
			if err != nil {
				if !s.isClosed() {
					yield(zero, fmt.Errorf("%w: resuming after event %q: %w", ErrInterrupted, lastID, err))
				}
				return
			}
			if body = s.swapBody(next); body == nil {
				next.Close()
				return
			}
		}
	}
}

// readAll yields the events of one connection. done is true when the
// iteration must end here: a terminal event, a consumer that stopped, or a
// decoding error already yielded. Otherwise the connection ended with readErr
// (nil at a clean EOF).
func (s *Stream[E]) readAll(body io.Reader, yield func(E, error) bool) (progressed, done bool, readErr error) {
	var zero E
	for ev, err := range gosse.Read(body, &gosse.ReadConfig{MaxEventSize: s.cfg.MaxEventSize}) {
		if err != nil {
			return progressed, false, err
		}
		if ev.LastEventID != "" {
			// Each connection's parser starts with no id; the stream keeps
			// the last one across resumptions, as EventSource does.
			s.setLastID(ev.LastEventID)
		}
		if ev.Data == "" {
			continue // a block with no data carries no event
		}
		progressed = true
		typ := ev.Type
		if typ == "" {
			typ = "message" // the SSE standard's default event type
		}
		e, err := s.cfg.Decode(typ, ev.Data)
		if err != nil {
			yield(zero, fmt.Errorf("sse: decoding %q event: %w", typ, err))
			return progressed, true, nil
		}
		if !yield(e, nil) {
			return progressed, true, nil
		}
		if s.cfg.Terminal != nil && s.cfg.Terminal(e) {
			return progressed, true, nil
		}
	}
	return progressed, false, nil
}

// stopErr returns the error that must end the iteration instead of a
// resumption: a cancelled context, a closed stream, an oversized event.
func (s *Stream[E]) stopErr(readErr error) error {
	if s.isClosed() {
		return context.Canceled
	}
	if err := s.ctx.Err(); err != nil {
		return err
	}
	if errors.Is(readErr, bufio.ErrTooLong) {
		return fmt.Errorf("%w (%d bytes)", ErrEventTooLarge, s.cfg.MaxEventSize)
	}
	return nil
}

func interrupted(readErr error, lastID string, failures int) error {
	switch {
	case lastID == "" && readErr != nil:
		return fmt.Errorf("%w before its end, with no event id to resume from: %w", ErrInterrupted, readErr)
	case lastID == "":
		return fmt.Errorf("%w before its end, with no event id to resume from", ErrInterrupted)
	default:
		return fmt.Errorf("%w: %d reconnections after event %q brought no new event", ErrInterrupted, failures, lastID)
	}
}

func (s *Stream[E]) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Stream[E]) setLastID(id string) {
	s.mu.Lock()
	s.lastID = id
	s.mu.Unlock()
}

// swapBody replaces the connection after a resumption and closes the old
// one. It returns nil if the stream was closed meanwhile.
func (s *Stream[E]) swapBody(next io.ReadCloser) io.ReadCloser {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.body.Close()
	s.body = next
	return next
}
