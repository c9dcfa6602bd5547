// Package ssestream is the implementation of sse.Stream, and the
// constructor the theazo package opens every stream with; sse.Stream is
// this package's Stream, so that users see the type and its methods but not
// the plumbing (Connect, Config, ConnectFunc) that only the SDK uses.
//
// Parsing is done by github.com/tmaxmax/go-sse; this package adds typed
// decoding, a bound on event size, resumption with Last-Event-ID after the
// wait the server's retry: field asks for (else a backoff), each event
// delivered once when a resumed server replays old ones, and detection of a
// stream that ends before its terminal event.
//
// go-sse's Read reports neither the retry: field nor an id: field that
// resets the last event id before a connection's first event; its Client
// and Connection handle both, but with reconnection rules of their own
// (every clean end is retried, with no way to tell a failed attempt from a
// quiet one or to stop a server that replays old events). So a Stream
// keeps go-sse's parser and adds a thin reader over each body that notes
// retry: fields, and it starts each resumed connection's parse with the
// stream's last event id, as EventSource keeps it across connections.
package ssestream

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	gosse "github.com/tmaxmax/go-sse"

	"github.com/theazo/theazo-go/internal/retry"
)

// Defaults of a Stream's resumption.
const (
	// DefaultMaxReconnects is how many attempts in a row to open a
	// connection fail, or reconnections in a row only replay events already
	// received, before a Stream gives up.
	DefaultMaxReconnects = 3
	// DefaultReconnectWait is the first step of the backoff before a
	// reconnection; it doubles, with jitter, up to DefaultMaxReconnectWait.
	DefaultReconnectWait = 100 * time.Millisecond
	// DefaultMaxReconnectWait caps the backoff before a reconnection.
	DefaultMaxReconnectWait = 5 * time.Second
	// DefaultMaxServerRetry caps the wait a server's retry: field asks for.
	DefaultMaxServerRetry = time.Minute
)

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

// ConnectFunc makes one attempt to open the stream's HTTP connection.
// lastEventID is Config.LastEventID on the first connection and the last
// received id on a resumption; connect sends it as Last-Event-ID when it is
// not empty. It returns a 2xx response, or an error: one that another
// attempt may cure marked with Retry, any other ends the stream. The Stream
// counts the attempts (Config.MaxReconnects), waits between them, and
// checks the Content-Type.
type ConnectFunc func(ctx context.Context, lastEventID string) (*http.Response, error)

// Retry marks err, an error of a ConnectFunc's attempt, as one that another
// attempt may cure, no sooner than wait (e.g. a reply's Retry-After) and
// no sooner than the Stream's backoff.
func Retry(err error, wait time.Duration) error { return &retryable{err: err, wait: wait} }

// retryable is an error marked by Retry.
type retryable struct {
	err  error
	wait time.Duration
}

func (e *retryable) Error() string { return e.err.Error() }
func (e *retryable) Unwrap() error { return e.err }

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
	// MaxReconnects bounds the attempts in a row to open a connection,
	// the first one's included, that fail with an error marked by Retry
	// (or, on a resumption, with a reply that is not an event stream), and
	// reconnections in a row that only replay events already received.
	// A reconnection the server accepts and ends without a new event, as
	// proxies recycling connections do, counts against neither. Zero means
	// DefaultMaxReconnects, negative disables resumption (and makes the
	// first connection a single attempt).
	MaxReconnects int
	// ReconnectWait is the first step of the exponential backoff, with
	// jitter, before a reconnection; zero means DefaultReconnectWait. The
	// backoff grows while reconnections bring no new event. A wait is never
	// shorter than the server's last retry: field asked for.
	ReconnectWait time.Duration
	// MaxReconnectWait caps that backoff; zero means DefaultMaxReconnectWait.
	MaxReconnectWait time.Duration
	// MaxServerRetry caps the wait a retry: field may ask for; zero means
	// DefaultMaxServerRetry.
	MaxServerRetry time.Duration
	// WrapError, when set, is applied to every error Connect returns and
	// Events yields, e.g. to redact a secret the server echoed into one.
	WrapError func(error) error
	// LastEventID, when set, is the id the first connection resumes after,
	// e.g. a browser's Last-Event-ID: Connect passes it to connect, and
	// events the server sends again up to it are dropped, as after any
	// resumption.
	LastEventID string
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
	replay   replayGuard // only the goroutine ranging over Events uses it

	// retry is the wait the server's last retry: field asked for, negative
	// if none; only the goroutine ranging over Events uses it.
	retry time.Duration
}

// Connect opens a stream and returns once the server has answered with an
// event stream, so that no event sent after Connect returns is lost. Its
// attempts have the budget of any connection of the stream (see
// MaxReconnects); it returns the last one's error.
func Connect[E any](ctx context.Context, connect ConnectFunc, cfg Config[E]) (*Stream[E], error) {
	if cfg.MaxEventSize <= 0 {
		cfg.MaxEventSize = 1 << 20
	}
	if cfg.MaxReconnects == 0 {
		cfg.MaxReconnects = DefaultMaxReconnects
	}
	if cfg.ReconnectWait <= 0 {
		cfg.ReconnectWait = DefaultReconnectWait
	}
	if cfg.MaxReconnectWait <= 0 {
		cfg.MaxReconnectWait = DefaultMaxReconnectWait
	}
	if cfg.MaxServerRetry <= 0 {
		cfg.MaxServerRetry = DefaultMaxServerRetry
	}
	sctx, cancel := context.WithCancel(ctx)
	s := &Stream[E]{ctx: sctx, cancel: cancel, connect: connect, cfg: cfg, lastID: cfg.LastEventID, retry: -1}
	quiet := 0
	body, _, err := s.dial(cfg.LastEventID, &quiet, false)
	if err != nil {
		cancel()
		return nil, cfg.wrap(err)
	}
	s.body = body
	return s, nil
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
// connection is resumed with Last-Event-ID when the server sent ids, after
// a wait (see Config.ReconnectWait); otherwise it ends the iteration with
// ErrInterrupted. So does a resumption that keeps failing, or a server
// that keeps replaying events already received (see Config.MaxReconnects).
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

		replays := 0 // connections in a row that brought only events already received
		quiet := 0   // reconnections since the last new event, for the backoff
		for {
			from := s.LastEventID()
			began := time.Now()
			yielded, done, readErr := s.readAll(body, from, yield)
			if done {
				return
			}
			if err := s.stopErr(readErr); err != nil {
				if !s.isClosed() {
					yield(zero, err)
				}
				return
			}
			lastID := s.LastEventID()
			switch {
			case lastID != from:
				// New events moved the id on. A server that ignores
				// Last-Event-ID and replays old events does not, so it
				// cannot keep the stream reconnecting for ever.
				replays, quiet = 0, 0
			case yielded:
				replays++
			case time.Since(began) > s.cfg.MaxReconnectWait:
				// A long connection that ended quietly was recycled, not
				// refused: no reason to wait longer before the next one.
				quiet = 0
			}
			if lastID == "" || s.cfg.MaxReconnects < 0 || replays >= s.cfg.MaxReconnects {
				yield(zero, interrupted(readErr, lastID, replays))
				return
			}
			next, err := s.reconnect(lastID, &quiet)
			if err != nil {
				if !s.isClosed() {
					yield(zero, err)
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

// reconnect opens the stream again from lastID (see dial). quiet counts
// the reconnections since the last new event.
func (s *Stream[E]) reconnect(lastID string, quiet *int) (io.ReadCloser, error) {
	next, failures, err := s.dial(lastID, quiet, true)
	switch {
	case err == nil:
		return next, nil
	case s.ctx.Err() != nil:
		return nil, s.ctx.Err()
	case failures == 1:
		return nil, fmt.Errorf("%w: resuming after event %q failed: %w", ErrInterrupted, lastID, err)
	default:
		return nil, fmt.Errorf("%w: resuming after event %q failed %d times in a row, last: %w", ErrInterrupted, lastID, failures, err)
	}
}

// dial opens a connection that resumes after lastID, if any: the stream's
// one budget of attempts. An attempt that fails with an error marked by
// Retry, or a resumption's reply that is not an event stream (a proxy's
// page, as between the reconnections of a stream that worked), is made
// again after a wait — the backoff, never shorter than the error asks — up
// to MaxReconnects attempts in a row; any other error ends it at once. A
// resumption (resuming) waits before its first attempt too.
// On failure it returns the last attempt's error, unmarked, and how many
// attempts failed. quiet counts the reconnections since the last new event.
func (s *Stream[E]) dial(lastID string, quiet *int, resuming bool) (io.ReadCloser, int, error) {
	var least time.Duration // the wait the last failed attempt asked for
	for failures := 0; ; {
		if resuming || failures > 0 {
			if !s.sleep(max(s.reconnectWait(*quiet), least)) {
				return nil, failures, s.ctx.Err()
			}
			*quiet++
		}
		body, err := open(s.ctx, s.connect, lastID)
		if err == nil {
			s.replay.resume(lastID)
			return body, failures, nil
		}
		failures++
		if ctxErr := s.ctx.Err(); ctxErr != nil {
			return nil, failures, ctxErr
		}
		var r *retryable
		switch {
		case errors.As(err, &r):
		case resuming && errors.Is(err, ErrNotEventStream):
			r = &retryable{err: err}
		default:
			return nil, failures, err
		}
		if failures >= max(s.cfg.MaxReconnects, 1) {
			return nil, failures, r.err
		}
		least = r.wait
	}
}

// reconnectWait is the wait before a reconnection when quiet reconnections
// have brought no new event since the last one: exponential backoff with
// equal jitter (half fixed, half random, so that clients spread out but
// never reconnect at once), and never less than the server's retry: field.
func (s *Stream[E]) reconnectWait(quiet int) time.Duration {
	wait := retry.Exponential(s.cfg.ReconnectWait, s.cfg.MaxReconnectWait, quiet)
	if s.retry >= 0 {
		wait = max(wait, min(s.retry, s.cfg.MaxServerRetry))
	}
	return wait
}

// sleep waits d, and reports false if the stream's context ends (or the
// stream is closed) first.
func (s *Stream[E]) sleep(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.ctx.Done():
		return false
	}
}

// readAll yields the events of one connection, whose parse starts with
// the stream's last event id lastID. done is true when the iteration must
// end here: a terminal event, a consumer that stopped, or a decoding error
// already yielded. Otherwise the connection ended with readErr (nil at a
// clean EOF); yielded says whether it brought any event.
func (s *Stream[E]) readAll(body io.Reader, lastID string, yield func(E, error) bool) (yielded, done bool, readErr error) {
	var zero E
	src, extra := s.source(body, lastID)
	for ev, err := range gosse.Read(src, &gosse.ReadConfig{MaxEventSize: s.cfg.MaxEventSize + extra}) {
		if err != nil {
			return yielded, false, err
		}
		if ev.Data != "" && s.replay.drop(ev.LastEventID) {
			yielded = true // sent again after a resumption: counted, not delivered
			continue
		}
		// go-sse resets the id on an empty id: field, as the SSE
		// standard says; the stream follows, so that a later resumption
		// never asks for a stale id. Only this goroutine writes the id,
		// so it is stored (under the lock) only when it changes.
		if ev.LastEventID != lastID {
			lastID = ev.LastEventID
			s.setLastID(lastID)
		}
		if ev.Data == "" {
			continue // a block with no data carries no event
		}
		yielded = true
		typ := ev.Type
		if typ == "" {
			typ = "message" // the SSE standard's default event type
		}
		e, err := s.cfg.Decode(typ, ev.Data)
		if err != nil {
			yield(zero, fmt.Errorf("sse: decoding %q event: %w", typ, err))
			return yielded, true, nil
		}
		if !yield(e, nil) {
			return yielded, true, nil
		}
		if s.cfg.Terminal != nil && s.cfg.Terminal(e) {
			return yielded, true, nil
		}
	}
	return yielded, false, nil
}

// source is what go-sse parses of one connection: its body, through a
// reader that notes retry: fields, after an "id:" line that carries the
// stream's last event id into this connection's parse (go-sse starts each
// parse with none), so that an id: field resetting it is told apart from
// events that carry no id. extra is the length of that line, which joins
// the connection's first event.
func (s *Stream[E]) source(body io.Reader, lastID string) (src io.Reader, extra int) {
	src = &retryReader{r: s.replay.watch(body), set: func(d time.Duration) { s.retry = d }}
	if lastID == "" || strings.ContainsAny(lastID, "\r\n\x00") {
		return src, 0
	}
	line := "id: " + lastID + "\n"
	return io.MultiReader(strings.NewReader(line), src), len(line)
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

func interrupted(readErr error, lastID string, replays int) error {
	switch {
	case lastID == "" && readErr != nil:
		return fmt.Errorf("%w before its end, with no event id to resume from: %w", ErrInterrupted, readErr)
	case lastID == "":
		return fmt.Errorf("%w before its end, with no event id to resume from", ErrInterrupted)
	case replays == 0: // resumption is disabled
		return fmt.Errorf("%w after event %q", ErrInterrupted, lastID)
	default:
		return fmt.Errorf("%w: %d reconnections in a row after event %q brought only events already received", ErrInterrupted, replays, lastID)
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
