// Package sse reads the API's Server-Sent-Events streams as typed events,
// and relays them to browsers.
//
// A Stream is made by the theazo services (Agents.Stream, Channels.Stream,
// and the run handles' Stream); range over Events and Close it when done.
// A Stream decodes each event into its typed form, bounds an event's size,
// resumes a dropped connection with Last-Event-ID after the wait the
// server's retry: field asks for (else a backoff), delivers each event once
// when a resumed server replays old ones, and tells a stream that ends
// before its terminal event (ErrInterrupted) from one that is complete.
package sse

import (
	"iter"

	"github.com/theazo/theazo-go/internal/ssestream"
)

// Defaults of a Stream's resumption.
const (
	// DefaultMaxReconnects is how many attempts in a row to open a
	// connection fail, or reconnections in a row only replay events already
	// received, before a Stream gives up.
	DefaultMaxReconnects = ssestream.DefaultMaxReconnects
	// DefaultReconnectWait is the first step of the backoff before a
	// reconnection; it doubles, with jitter, up to DefaultMaxReconnectWait.
	DefaultReconnectWait = ssestream.DefaultReconnectWait
	// DefaultMaxReconnectWait caps the backoff before a reconnection.
	DefaultMaxReconnectWait = ssestream.DefaultMaxReconnectWait
	// DefaultMaxServerRetry caps the wait a server's retry: field asks for.
	DefaultMaxServerRetry = ssestream.DefaultMaxServerRetry
)

var (
	// ErrInterrupted ends a stream whose connection ended before its terminal
	// event (or, for a stream without one, at all) and could not be resumed.
	ErrInterrupted = ssestream.ErrInterrupted
	// ErrEventTooLarge ends a stream with an event above the size bound.
	ErrEventTooLarge = ssestream.ErrEventTooLarge
	// ErrNotEventStream is returned when a reply is not text/event-stream.
	ErrNotEventStream = ssestream.ErrNotEventStream
	// ErrConsumed is yielded by Events on a stream that was already ranged over.
	ErrConsumed = ssestream.ErrConsumed
)

// Stream is a typed event stream over one HTTP connection at a time.
// Events may be ranged over once; Close may be called from any goroutine,
// any number of times.
type Stream[E any] ssestream.Stream[E]

// Events ranges over the stream's typed events until the terminal event,
// an error, Close, or a break out of the loop; then the connection is
// released. An error is yielded once and ends the iteration. A dropped
// connection is resumed with Last-Event-ID when the server sent ids, after
// a backoff (see DefaultReconnectWait) and never sooner than the server's
// retry: field asks; otherwise it ends the iteration with ErrInterrupted.
// So does a resumption that keeps failing, or a server that keeps
// replaying events already received (see DefaultMaxReconnects).
func (s *Stream[E]) Events() iter.Seq2[E, error] { return s.core().Events() }

// LastEventID returns the id of the last event received, empty if the server
// sends no ids. Safe to call from any goroutine.
func (s *Stream[E]) LastEventID() string { return s.core().LastEventID() }

// Close ends the stream and releases its connection. It unblocks a reader
// waiting in Events on another goroutine, which then ends without an error.
// Close is idempotent and always returns nil.
func (s *Stream[E]) Close() error { return s.core().Close() }

func (s *Stream[E]) core() *ssestream.Stream[E] { return (*ssestream.Stream[E])(s) }
