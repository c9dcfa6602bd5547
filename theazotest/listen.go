package theazotest

import "net"

// WithListener makes the server accept connections on l instead of a
// random loopback port, e.g. a listener on a fixed address for a server
// that other programs call. Close closes l.
func WithListener(l net.Listener) Option { return func(c *config) { c.listener = l } }
