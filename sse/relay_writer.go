package sse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	gosse "github.com/tmaxmax/go-sse"
)

// abortGrace is how long a write in flight, and the end of the response,
// may still take once the relay was told to stop: enough for a browser
// that reads to get a clean end of the response, short enough that Relay
// returns well within a second when the browser reads nothing.
const abortGrace = 200 * time.Millisecond

// errAborted fails the writes asked for after the relay was told to stop.
var errAborted = errors.New("sse: the relay was stopped")

// stopCause is what stopped a relay first.
type stopCause int

const (
	running   stopCause = iota
	byBrowser           // r's context ended: the browser left
	byContext           // Relay's context ended
	byWrite             // a write failed
)

// relayWriter serialises the writes to one response: the relayed events,
// the heartbeat and the error event. Each write has a deadline; the first
// failed write closes the upstream, and no write follows it.
type relayWriter struct {
	closeUpstream func() error
	timeout       time.Duration
	errorType     gosse.EventType // the error event's name; unset: no error event

	mu      sync.Mutex // held during a write
	sess    *gosse.Session
	w       http.ResponseWriter // the session's
	started bool                // a write went out: the session's headers are sent
	err     error               // the first failed write's error

	dmu       sync.Mutex // orders the deadlines of writes against abort
	rc        *http.ResponseController
	deadlines bool      // whether the writer takes deadlines
	deadline  time.Time // the deadline of the last write
	writing   bool      // a write is in flight
	cause     stopCause
	abortedAt time.Time
	timedOut  bool // the failed write's deadline had passed
}

// newRelayWriter checks the options and readies w for an event stream; its
// headers are sent with the first flush.
func newRelayWriter(w http.ResponseWriter, r *http.Request, cfg relayConfig, closeUpstream func() error) (*relayWriter, error) {
	rw := &relayWriter{closeUpstream: closeUpstream, timeout: cfg.writeTimeout, rc: http.NewResponseController(w)}
	if cfg.errorEvent != "" {
		typ, err := gosse.NewType(cfg.errorEvent)
		if err != nil {
			return nil, fmt.Errorf("sse: an error event named %q: %w", cfg.errorEvent, err)
		}
		rw.errorType = typ
	}
	sess, err := gosse.Upgrade(w, r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRelayUnsupported, err)
	}
	rw.sess, rw.w = sess, w
	h := w.Header()
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	// A writer that hides its deadlines answers http.ErrNotSupported; any
	// error means the writes go without one. Zero clears the server's
	// WriteTimeout, which would end the stream however well it goes.
	rw.deadlines = rw.rc.SetWriteDeadline(time.Time{}) == nil
	return rw, nil
}

// abortWhenDone aborts the relay when ctx ends: because the browser left
// if r's context has ended too. The returned stop must be called before
// the handler returns: it waits for an abort under way, so that no
// deadline is set on the response after that.
func (rw *relayWriter) abortWhenDone(ctx context.Context, r *http.Request) (stop func()) {
	done := make(chan struct{})
	stopAfter := context.AfterFunc(ctx, func() {
		defer close(done)
		rw.abort(leftOr(r, byContext))
	})
	return func() {
		if !stopAfter() {
			<-done
		}
	}
}

// leftOr returns byBrowser if the browser has left, else cause.
func leftOr(r *http.Request, cause stopCause) stopCause {
	if r.Context().Err() != nil {
		return byBrowser
	}
	return cause
}

// abort closes the upstream and ends the writes: a write in flight fails
// after abortGrace at the latest, and no write starts after it. It takes
// only dmu, never mu, which a write the browser does not read may hold.
func (rw *relayWriter) abort(cause stopCause) {
	rw.dmu.Lock()
	if rw.cause == running {
		rw.cause, rw.abortedAt = cause, time.Now()
		// A write that times out makes net/http cancel r's context, which
		// may come here before the write returns.
		if cause == byBrowser && rw.writing && rw.pastDeadline() {
			rw.cause, rw.timedOut = byWrite, true
		}
	}
	if rw.deadlines {
		rw.rc.SetWriteDeadline(time.Now().Add(abortGrace))
	}
	rw.dmu.Unlock()
	rw.closeUpstream()
}

// arm sets the deadline of the next write; rw.mu is held.
func (rw *relayWriter) arm() error {
	rw.dmu.Lock()
	defer rw.dmu.Unlock()
	if rw.cause != running {
		return errAborted
	}
	rw.writing = true
	if !rw.deadlines || rw.timeout <= 0 {
		return nil
	}
	rw.deadline = time.Now().Add(rw.timeout)
	return rw.rc.SetWriteDeadline(rw.deadline)
}

// disarm clears the deadline of a write that completed; rw.dmu is held.
// Over HTTP/2 a deadline that passes resets the stream even when no write
// is in flight, so one left set would cut off the browser of an upstream
// quiet for longer than the timeout. An abort's deadline stays.
func (rw *relayWriter) disarm() {
	if rw.cause == running && rw.deadlines && rw.timeout > 0 {
		rw.rc.SetWriteDeadline(time.Time{}) // an error here is the next write's
	}
}

// noteFailure records why a write failed with err; rw.dmu is held.
func (rw *relayWriter) noteFailure(err error) {
	ownDeadline := rw.deadlines && rw.timeout > 0
	expired := errors.Is(err, os.ErrDeadlineExceeded)
	switch {
	case rw.cause == running:
		rw.cause = byWrite
		rw.timedOut = ownDeadline && (expired || rw.pastDeadline())
	case rw.cause == byBrowser && ownDeadline && expired && time.Since(rw.abortedAt) < abortGrace:
		// Over HTTP/2 a write that times out resets the stream, which
		// ends r's context, and that may reach abort before the write
		// returns; abort's own deadline has not passed yet.
		rw.cause, rw.timedOut = byWrite, true
	}
}

// pastDeadline reports whether the write in flight has outlived its
// deadline; rw.dmu is held.
func (rw *relayWriter) pastDeadline() bool {
	return rw.deadlines && rw.timeout > 0 && !time.Now().Before(rw.deadline)
}

// send writes and flushes msg (a *gosse.Message, or a message's bytes in a
// *bytes.Buffer) straight to the response, as the session would, after the
// session's headers; false means it could not be written.
func (rw *relayWriter) send(msg io.WriterTo) bool {
	return rw.write(func() error {
		if !rw.started { // the session sets its headers on its first flush
			if err := rw.sess.Flush(); err != nil {
				return err
			}
		}
		if _, err := msg.WriteTo(rw.w); err != nil {
			return err
		}
		return rw.sess.Flush()
	})
}

// flush sends what is buffered; false means it could not be sent.
func (rw *relayWriter) flush() bool { return rw.write(rw.sess.Flush) }

// write runs one write under its deadline. A failed write is the first
// cause to stop unless an abort came before it; the upstream is closed.
func (rw *relayWriter) write(do func() error) bool {
	rw.mu.Lock()
	defer rw.mu.Unlock()
	if rw.err != nil {
		return false
	}
	err := rw.arm()
	if err == nil {
		err = do()
	}
	rw.started = rw.started || err == nil
	rw.dmu.Lock()
	rw.writing = false
	if err != nil {
		rw.noteFailure(err)
	} else {
		rw.disarm()
	}
	rw.dmu.Unlock()
	if err != nil {
		rw.err = err
		rw.closeUpstream()
		return false
	}
	return true
}

// sendError writes the error event of err, if the error event is on.
func (rw *relayWriter) sendError(err error) {
	if !rw.errorType.IsSet() {
		return
	}
	msg := gosse.Message{Type: rw.errorType}
	msg.AppendData(errorJSON(err))
	rw.send(&msg)
}

// result is what Relay returns once the events stopped: streamErr ended
// them, unless the browser, ctx or a write stopped the relay first. It
// sends the error event of streamErr when the browser is there to read it.
func (rw *relayWriter) result(ctx context.Context, r *http.Request, streamErr error) error {
	rw.dmu.Lock()
	cause, timedOut := rw.cause, rw.timedOut
	rw.dmu.Unlock()
	if cause == running && ctx.Err() != nil { // ended the stream before its AfterFunc ran
		cause = leftOr(r, byContext)
	} else if cause == running {
		cause = leftOr(r, running)
	}
	switch cause {
	case byWrite:
		if timedOut {
			return fmt.Errorf("sse: a write to the browser did not complete within %s: %w", rw.timeout, os.ErrDeadlineExceeded)
		}
		return nil // the browser left
	case byBrowser:
		return nil
	case byContext:
		return ctx.Err()
	}
	if streamErr != nil {
		rw.sendError(streamErr)
	}
	return streamErr
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
