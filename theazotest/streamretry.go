package theazotest

import "time"

// WithStreamRetry makes every stream start with a "retry:" field of d (in
// whole milliseconds): how long a client should wait before reconnecting
// after the connection drops. By default streams send none.
func WithStreamRetry(d time.Duration) Option { return func(c *config) { c.streamRetry = d } }
