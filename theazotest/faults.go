package theazotest

import (
	"time"
)

// Fault makes the server misbehave on the next requests that match its
// Method and Path. Exactly one of Status, Disconnect, HangUp and
// DropAfterEvents says what happens; Delay may come with any of them, or
// alone to slow requests down.
type Fault struct {
	// Method to match, e.g. "POST"; "" or "*" matches any method.
	Method string
	// Path to match, relative to /v1, e.g. "/agents/*/run", where a segment
	// "*" matches any one segment; "" or "*" matches any path.
	Path string
	// Times is how many matching requests the fault affects: 0 means one,
	// a negative number every one until ClearFaults.
	Times int

	// Status answers this HTTP status in the error envelope, with the code
	// of that status (429 rate_limited, 503 service_unavailable, …),
	// without handling the request.
	Status int
	// RetryAfter adds a Retry-After header and details.retryAfter to a
	// Status answer. Whole seconds are sent as an integer, as the API does;
	// less than a second with millisecond precision ("0.05"), which the
	// API never sends, so that tests need not wait a whole second.
	RetryAfter time.Duration
	// Delay waits this long before handling the request (or answering Status).
	Delay time.Duration
	// Disconnect closes the connection without answering; the request is
	// not handled.
	Disconnect bool
	// HangUp handles the request, then sends the headers and only half of
	// the body and closes the connection: the client sees a truncated body.
	// On a stream it closes the connection right after the headers.
	HangUp bool
	// DropAfterEvents closes a stream's connection after sending this many
	// events (the client may resume with Last-Event-ID).
	DropAfterEvents int
}

// faultState is an injected fault and how many times it may still fire.
type faultState struct {
	Fault
	match     routeMatcher
	remaining int // negative: unlimited
}

// InjectFault adds f; the oldest fault that matches a request applies to it.
func (s *Server) InjectFault(f Fault) {
	n := f.Times
	if n == 0 {
		n = 1
	}
	s.faultMu.Lock()
	s.faults = append(s.faults, &faultState{Fault: f, match: newRouteMatcher(f.Method, f.Path), remaining: n})
	s.faultMu.Unlock()
}

// ClearFaults removes every fault not yet used up.
func (s *Server) ClearFaults() {
	s.faultMu.Lock()
	s.faults = nil
	s.faultMu.Unlock()
}

// takeFault returns the fault that applies to a request, if any, and counts it.
func (s *Server) takeFault(method, path string) *Fault {
	s.faultMu.Lock()
	defer s.faultMu.Unlock()
	for i, f := range s.faults {
		if !f.match.match(method, path) {
			continue
		}
		if f.remaining > 0 {
			f.remaining--
			if f.remaining == 0 {
				s.faults = append(s.faults[:i:i], s.faults[i+1:]...)
			}
		}
		out := f.Fault
		return &out
	}
	return nil
}

// rateLimit is a sliding-window limit per key; limit <= 0 is off.
type rateLimit struct {
	limit  int
	window time.Duration
}

// allowRate counts a request of key and reports whether it is within the
// limit; when not, how long until it would be.
func (s *Server) allowRate(key string) (time.Duration, bool) {
	s.rateMu.Lock()
	defer s.rateMu.Unlock()
	if s.rate.limit <= 0 || s.rate.window <= 0 {
		return 0, true
	}
	now := time.Now()
	seen := s.rateSeen[key]
	cut := 0
	for cut < len(seen) && now.Sub(seen[cut]) >= s.rate.window {
		cut++
	}
	seen = seen[cut:]
	if len(seen) >= s.rate.limit {
		s.rateSeen[key] = seen
		wait := seen[0].Add(s.rate.window).Sub(now)
		if s.rate.window >= time.Second {
			// Like the API: whole seconds, at least one.
			wait = max(wait.Truncate(time.Second)+time.Second, time.Second)
		}
		return wait, false
	}
	s.rateSeen[key] = append(seen, now)
	return 0, true
}
