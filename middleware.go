package theazo

import (
	"context"
	"net/http"
)

// Middleware wraps each HTTP attempt of a call: it receives the request and
// next, which sends it on, and returns the response (or error) the SDK then
// handles as if it came from the server. It runs once per attempt (three
// attempts, three runs), after the SDK has set every header, the key
// included, and before the rate governor and the HTTP transport. So it can
// add tracing, metrics or logging, or answer without calling next (a cache,
// a test double).
//
// req carries the Authorization header: a middleware may read it but must
// never log or record it. A middleware that changes the request sends a
// clone (req.Clone) to next. For a stream, the response's body is the event
// stream, not read yet: a middleware must leave it unread.
type Middleware func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error)

// middlewareKey carries a call's own middleware in its request's context.
type middlewareKey struct{}

// withCallMiddleware returns ctx carrying the call's middleware, if any.
func withCallMiddleware(ctx context.Context, co *callOptions) context.Context {
	if co == nil || len(co.middleware) == 0 {
		return ctx
	}
	return context.WithValue(ctx, middlewareKey{}, co.middleware)
}

// runMiddleware calls mws in order around last.
func runMiddleware(mws []Middleware, req *http.Request, last func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	if len(mws) == 0 {
		return last(req)
	}
	return mws[0](req, func(r *http.Request) (*http.Response, error) {
		return runMiddleware(mws[1:], r, last)
	})
}
