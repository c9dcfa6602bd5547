package sse

import (
	"context"

	"github.com/theazo/theazo-go/internal/ssestream"
)

// The constructor of a Stream is internal to the SDK; these names let the
// package's tests open streams as the theazo package does.
type (
	Config[E any] = ssestream.Config[E]
	ConnectFunc   = ssestream.ConnectFunc
)

// Connect opens a Stream as the theazo package does.
func Connect[E any](ctx context.Context, connect ConnectFunc, cfg Config[E]) (*Stream[E], error) {
	s, err := ssestream.Connect(ctx, connect, cfg)
	return (*Stream[E])(s), err
}
