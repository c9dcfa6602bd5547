package theazo

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/theazo/theazo-go/sse"
)

// RunError is a run that failed on the server: an agent's "error" event, a
// workflow run's "workflow:failed" or a fleet's "fleet:failed". errors.Is
// matches it with the sentinel of its code, e.g. ErrProviderError.
type RunError struct {
	// ID identifies what failed: the agent's task, the workflow run or the fleet.
	ID string
	// Step is the workflow step that failed; empty otherwise.
	Step string
	// Code classifies the failure, like an API error code; empty if the server gave none.
	Code ErrorCode
	// Message describes the failure.
	Message string
	// Cost is what the run cost up to the failure, zero if the server does not say.
	Cost Money
}

// Error formats the run, the code and the message.
func (e *RunError) Error() string {
	s := "theazo: run " + e.ID
	if e.Step != "" {
		s += " failed at step " + e.Step
	} else {
		s += " failed"
	}
	if e.Code != "" {
		s += ": " + string(e.Code)
	}
	return s + ": " + e.Message
}

// Is reports whether target is the sentinel of the error's code.
func (e *RunError) Is(target error) bool {
	c, ok := target.(codeError)
	return ok && e.Code != "" && ErrorCode(c) == e.Code
}

// maxStaleReopens is how many connections in a row Result opens that bring
// no new event before it gives up: each has the stream's own reconnection
// budget, so the run is unreachable, not briefly cut off.
const maxStaleReopens = 3

// folder folds one run's events into its result: each kind of run has its
// own (agentFold, workflowFold, fleetFold).
type folder[E any, R any] interface {
	// add folds ev in. done is true for the run's end event; failure is
	// set when that end is a failure.
	add(ev E) (done bool, failure *RunError)
	// result returns a copy of the result folded so far.
	result() *R
}

// openFunc opens a run's event stream with decode and the call's options.
type openFunc[E any] func(ctx context.Context, decode func(string, string) (E, error), opts []RequestOption) (*sse.Stream[E], error)

// run is the core of the three run handles: the handle's stream, the result
// its events fold into whoever consumes them (Events, sse.Relay, Result),
// and the way to the run's end when the stream stopped before it.
//
// Events fold as they are decoded, tagged with the connection (gen) that
// decoded them: when Result opens a connection of its own, the events of
// older ones no longer fold, so none is counted twice. lastID is the id of
// the last event folded, where a new connection resumes.
type run[E any, R any] struct {
	what      string // names the run in errors, e.g. "agent run task_1 on agent agt_1"
	id        string // the RunError's ID
	fromStart bool   // a connection without Last-Event-ID starts at the run's first event
	decode    func(string, string) (E, error)
	newFold   func() folder[E, R]
	open      openFunc[E]
	opts      []RequestOption
	stream    *sse.Stream[E] // the handle's own stream
	sem       chan struct{}  // held by the Result that is reading

	mu      sync.Mutex
	fold    folder[E, R]
	gen     int    // the connection whose events fold
	lastID  string // the id of the last event folded, or WithLastEventID's
	count   int    // events folded, for progress
	done    bool
	failure *RunError
	bad     error // an event that could not be decoded
}

// newRun opens the stream of a run with the call's options.
func newRun[E any, R any](ctx context.Context, fromStart bool, decode func(string, string) (E, error), newFold func() folder[E, R], open openFunc[E], opts []RequestOption) (*run[E, R], error) {
	r := &run[E, R]{fromStart: fromStart, decode: decode, newFold: newFold, open: open, opts: opts, sem: make(chan struct{}, 1), fold: newFold(), gen: 1}
	s, err := r.connect(ctx, 1, opts)
	if err != nil {
		return nil, err
	}
	r.stream, r.lastID = s, s.LastEventID()
	return r, nil
}

// name sets what the run is called in errors and its RunError's ID; the
// handle calls it before it is returned.
func (r *run[E, R]) name(id, what string) { r.id, r.what = id, what }

// connect opens a connection whose events fold into the result while gen
// is the run's current one.
func (r *run[E, R]) connect(ctx context.Context, gen int, opts []RequestOption) (*sse.Stream[E], error) {
	var s *sse.Stream[E] // set before any event is decoded: Connect decodes none
	decode := func(typ, data string) (E, error) {
		ev, err := r.decode(typ, data)
		r.add(gen, s, ev, err)
		return ev, err
	}
	s, err := r.open(ctx, decode, opts)
	return s, err
}

// add folds one decoded event of connection gen.
func (r *run[E, R]) add(gen int, s *sse.Stream[E], ev E, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if gen != r.gen || r.done {
		return
	}
	if err != nil {
		r.bad = err
		return
	}
	r.lastID = s.LastEventID()
	r.count++
	if done, failure := r.fold.add(ev); done {
		if failure != nil {
			failure.ID = r.id
		}
		r.done, r.failure = true, failure
	}
}

// lastEventID returns the id of the last event folded into the result.
func (r *run[E, R]) lastEventID() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lastID
}

// close closes the handle's stream; a Result reading on a connection of
// its own goes on, under its own context.
func (r *run[E, R]) close() error { return r.stream.Close() }

// ended returns the result once the run's end, or an event that could not
// be decoded, has arrived.
func (r *run[E, R]) ended() (res *R, err error, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.failure != nil:
		return nil, r.failure, true
	case r.done:
		return r.fold.result(), nil, true
	case r.bad != nil:
		return nil, fmt.Errorf("theazo: %s: %w", r.what, r.bad), true
	}
	return nil, nil, false
}

// result reads the run to its end, on the handle's stream if no one has
// ranged over it, else on connections of its own from the last event
// folded, and returns what the events folded into.
func (r *run[E, R]) result(ctx context.Context) (*R, error) {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("theazo: %s: %w", r.what, ctx.Err())
	}
	defer func() { <-r.sem }()
	if res, err, ok := r.ended(); ok {
		return res, err
	}
	err := r.read(ctx, r.stream)
	for stale := 0; ; {
		if res, err, ok := r.ended(); ok {
			return res, err
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("theazo: %s: %w", r.what, ctx.Err())
		}
		if err != nil && !errors.Is(err, sse.ErrConsumed) && !retryable(err) {
			return nil, fmt.Errorf("theazo: %s: %w", r.what, err)
		}
		if stale >= maxStaleReopens {
			if err == nil {
				return nil, fmt.Errorf("theazo: %s: %w: %d connections in a row brought no event", r.what, sse.ErrInterrupted, stale)
			}
			return nil, fmt.Errorf("theazo: %s: %w: %d connections in a row brought no event, last: %w", r.what, sse.ErrInterrupted, stale, err)
		}
		from, gen, ok := r.resumeFrom()
		if !ok {
			return nil, fmt.Errorf("theazo: %s: %w: the server sent no event id to resume from", r.what, sse.ErrInterrupted)
		}
		before := r.folded()
		var s *sse.Stream[E]
		if s, err = r.connect(ctx, gen, append(r.opts[:len(r.opts):len(r.opts)], resumption{lastEventID: from})); err == nil {
			err = r.read(ctx, s)
		}
		if r.folded() > before {
			stale = 0
		} else {
			stale++
		}
	}
}

// read ranges over s to its end, closing it if ctx ends first, and
// returns the error that ended it (sse.ErrConsumed if another reader has
// it). Events closes s when it ends.
func (r *run[E, R]) read(ctx context.Context, s *sse.Stream[E]) error {
	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	for _, err := range s.Events() {
		if err != nil {
			return err
		}
	}
	return nil
}

// resumeFrom returns the id a new connection resumes after, and the gen
// of that connection: from now on, only its events fold. Without an id, a
// run whose stream starts at its first event is read again from the start
// (its result too); any other cannot be resumed once events were lost.
func (r *run[E, R]) resumeFrom() (string, int, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch {
	case r.lastID != "":
	case r.fromStart:
		r.fold = r.newFold()
	default:
		return "", 0, false
	}
	r.gen++
	return r.lastID, r.gen, true
}

func (r *run[E, R]) folded() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.count
}

// responseOf returns the Response that WithResponseInto names among opts,
// if any.
func responseOf(opts []RequestOption) *Response {
	co, _ := newCallOptions(request{opts: opts})
	if co == nil {
		return nil
	}
	return co.response
}

// retryable reports whether an error that ended a run's stream before the
// run's end may go away on a new connection: not a refusal of the API
// (a 4xx other than 408 and 429) nor a reply this SDK cannot read.
func retryable(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.StatusCode >= 500 || e.StatusCode == 408 || e.StatusCode == 429
	}
	return !errors.Is(err, sse.ErrEventTooLarge) && !errors.Is(err, ErrInvalidResponse) && !errors.Is(err, ErrInvalidParams)
}
