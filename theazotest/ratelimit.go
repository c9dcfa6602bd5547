package theazotest

import (
	"encoding/json"
	"time"
)

// rateLimit is a sliding-window limit per key; limit <= 0 is off.
type rateLimit struct {
	limit  int
	window time.Duration
}

// allowRate counts a request of key and reports whether it is within the
// limit; when not, how long until it would be.
func (s *Server) allowRate(key string) (wait time.Duration, ok bool) {
	s.locked(func() { wait, ok = s.countRate(key) })
	return wait, ok
}

// countRate is allowRate; the caller holds s.mu.
func (s *Server) countRate(key string) (time.Duration, bool) {
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

func rateLimitedError(wait time.Duration) *apiError {
	return &apiError{status: 429, code: "rate_limited",
		message:    "Too many requests. Retry after " + formatSeconds(wait) + " seconds.",
		details:    map[string]any{"retryAfter": json.Number(formatSeconds(wait))},
		retryAfter: wait}
}

// SetRateLimit changes the rate limit while the server runs: at most limit
// requests per key in any window. A limit of zero or less turns it off.
func (s *Server) SetRateLimit(limit int, window time.Duration) {
	s.locked(func() {
		s.rate = rateLimit{limit: limit, window: window}
		s.rateSeen = map[string][]time.Time{}
	})
}
