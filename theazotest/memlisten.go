package theazotest

import "github.com/theazo/theazo-go/internal/memnet"

// WithInMemory serves the API over in-memory connections (net.Pipe) instead
// of a loopback port: only Client and HTTPClient reach it. Inside a
// testing/synctest bubble a server made this way runs on the bubble's
// clock: every wait of the SDK and of the server (retry backoff,
// Retry-After, cool-downs, polls, event and provisioning delays) passes
// without waiting in real time.
func WithInMemory() Option {
	return func(c *config) { c.listener = memnet.Listen() }
}
