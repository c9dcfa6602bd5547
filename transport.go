package theazo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-querystring/query"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/theazo/theazo-go/internal/retry"
)

// maxResponseBody bounds the bytes read from a successful JSON reply.
const maxResponseBody = 16 << 20

// transport is the one request path every service uses. A call, in one pass:
//
//   - a service method builds a request and calls call, callOK or do (streams
//     through openStream), which gather the call's options; send has
//     newRequest check and encode it and mark its context with retry.Info,
//     and refuses it while the client cools down longer than it may wait;
//   - go-retryablehttp sends each attempt through roundTripper: middleware,
//     then the governor (cool-down and rate limit), then the wire, where a
//     429 starts the cool-down from its retry.Reply;
//   - after each attempt the policy's CheckRetry reads a non-2xx reply once
//     (retry.Read) and takes one retry.Decision on it; Backoff waits the
//     Decision's Wait; the ErrorHandler hands back the last reply;
//   - send turns a non-2xx reply into an *Error, its RetryAfter from the same
//     retry.Reply, and fills WithResponseInto's Response.
type transport struct {
	key          string
	auth         string      // "Bearer " + key, the Authorization header's value
	hide         keyRedactor // of key
	base         string
	baseURL      *url.URL
	baseErr      error
	keyErr       error // of a malformed key, returned by authenticated calls
	userAgent    string
	maxEventSize int
	reconnect    time.Duration // every wait before a stream reconnects; zero: sse's backoff
	roundTripper http.RoundTripper
	policy       retry.Policy
	gov          *governor
	http         *retryablehttp.Client
}

// request describes one API call.
type request struct {
	method string
	// path is a format with one %s per element of ids, e.g. "/agents/%s/run".
	path string
	ids  []string
	// query is a struct with `url` tags (go-querystring), or nil.
	query any
	// body is marshalled as JSON, unless raw is set.
	body any
	// raw is sent as the body byte for byte (trigger fire signs these bytes).
	raw []byte
	// header holds extra headers (a signature, Last-Event-ID).
	header http.Header
	// public calls never carry the API key.
	public bool
	// idempotent marks a POST that is safe to repeat (get-or-create by user).
	idempotent bool
	// stream asks for text/event-stream instead of JSON.
	stream bool
	// once, when set, makes the call a single attempt, without the
	// transport's retries, and receives the retry policy's decision on it:
	// a stream counts its connections' attempts itself (openStream).
	once *retry.Decision
	// opts are the caller's options for this call.
	opts []RequestOption
}

// route is the path template for messages, e.g. "/agents/{id}/run".
func (r request) route() string { return strings.ReplaceAll(r.path, "%s", "{id}") }

// call sends req and returns its JSON reply decoded as a T; nil on error.
func call[T any](ctx context.Context, t *transport, req request) (*T, error) {
	co, err := newCallOptions(req)
	if err != nil {
		return nil, err
	}
	resp, err := t.send(ctx, req, co)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	out := new(T)
	if err := t.decodeBody(req, resp, out, co); err != nil {
		return nil, err
	}
	return out, nil
}

// callOK sends req, whose reply is {"ok": true}; any other reply is an error.
func callOK(ctx context.Context, t *transport, req request) error {
	out, err := call[okReply](ctx, t, req)
	if err == nil && !out.OK {
		err = fmt.Errorf("%w: %s %s: reply is not {\"ok\": true}", ErrInvalidResponse, req.method, req.route())
	}
	return err
}

// do sends req through the retrying client and returns a 2xx response whose
// body the caller must close. Any other status becomes an *Error.
func (t *transport) do(ctx context.Context, req request) (*http.Response, error) {
	co, err := newCallOptions(req)
	if err != nil {
		return nil, err
	}
	return t.send(ctx, req, co)
}

// send is do with req's options already applied (co is nil without any).
// It fills co's Response with the reply's metadata; the caller adds a
// successful JSON reply's body.
func (t *transport) send(ctx context.Context, req request, co *callOptions) (*http.Response, error) {
	hreq, err := t.newRequest(withCallMiddleware(ctx, co), req, co)
	if err != nil {
		return nil, err
	}
	if !req.public {
		// The client cools down after a 429: a call that may not wait
		// that long is refused now rather than sent into another 429.
		if d := t.gov.coolDown(); d > 0 {
			if late := beyondDeadline(ctx, d); late || d > co.maxRetryWait(t.policy.MaxWait) {
				return nil, coolingDownError(d, late)
			}
		}
	}
	rc := t.retryClientFor(co)
	if req.once != nil {
		rc = &retryablehttp.Client{HTTPClient: rc.HTTPClient, CheckRetry: rc.CheckRetry, Backoff: rc.Backoff, ErrorHandler: rc.ErrorHandler}
	}
	resp, err := rc.Do(hreq)
	if req.once != nil {
		if info := retry.InfoFrom(hreq.Context()); info != nil {
			*req.once = info.Last
		}
	}
	if err != nil {
		if refusal := governorRefusal(err); refusal != nil {
			return nil, refusal
		}
		return nil, t.scrub(fmt.Errorf("theazo: %s %s: %w", req.method, req.route(), err))
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		co.record(resp, attempts(hreq), "", nil, t.hide)
		return resp, nil
	}
	defer resp.Body.Close()
	reply := retry.Read(resp, maxErrorBody)
	e := t.apiError(resp.StatusCode, resp.Header, reply)
	co.record(resp, attempts(hreq), e.RequestID, t.hide.body(reply.Data), t.hide)
	return nil, e
}

// attempts returns how many HTTP attempts hreq took.
func attempts(hreq *retryablehttp.Request) int {
	if info := retry.InfoFrom(hreq.Context()); info != nil {
		return info.Attempts
	}
	return 0
}

// apiError builds the *Error of a non-2xx reply with the API key redacted:
// from the raw body, whose excerpt may become the message, and from every
// string decoded from the envelope or taken from a header, since a JSON
// string can spell the key with escapes (\u005f) that the raw body hides.
// Its RetryAfter is the wait the reply was read to ask for.
func (t *transport) apiError(status int, header http.Header, reply *retry.Reply) *Error {
	e := replyError(status, header, t.hide.body(reply.Data), reply.After)
	if t.key == "" {
		return e
	}
	e.Code = ErrorCode(t.hide.text(string(e.Code)))
	e.Message = t.hide.text(e.Message)
	e.RequestID = t.hide.text(e.RequestID)
	for i, f := range e.Fields {
		e.Fields[i] = FieldError{Field: t.hide.text(f.Field), Message: t.hide.text(f.Message)}
	}
	if e.Details != nil {
		e.Details = redactJSON(e.Details, t.hide).(map[string]any)
	}
	return e
}

// redactJSON applies r to every string, object key included, of a decoded
// JSON value, in place for arrays and as a copy for objects.
func redactJSON(v any, r keyRedactor) any {
	switch v := v.(type) {
	case string:
		return r.text(v)
	case []any:
		for i := range v {
			v[i] = redactJSON(v[i], r)
		}
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[r.text(k)] = redactJSON(x, r)
		}
		return out
	}
	return v
}

// scrub is the one boundary where errors quoting server text leave the SDK.
// It returns err as it is unless its text contains the API key (plainly or
// escaped), control characters, or more than maxErrorText bytes: a server
// can echo anything into what an error quotes (a JSON value cited by a
// decoding error, an event id, a Content-Type, a redirect's Location). Then
// the key is redacted from the text, control characters become spaces and
// each quoted part is bounded, and the error still matches the sentinels and
// the *Error it matched, but no longer wraps the error that quoted the text.
func (t *transport) scrub(err error) error {
	if err == nil {
		return err
	}
	msg := err.Error()
	if !t.hide.has(msg) && len(msg) <= maxErrorText && !hasControl(msg) {
		return err
	}
	s := &scrubbedError{msg: boundText(t.hide.text(msg))}
	for _, target := range sentinelErrors {
		if errors.Is(err, target) {
			s.kept = append(s.kept, target)
		}
	}
	var apiErr *Error
	if errors.As(err, &apiErr) {
		s.kept = append(s.kept, apiErr)
	}
	return s
}

// maxErrorText bounds the text of an error that quotes a server.
const maxErrorText = 1000

// hasControl reports whether s has a control character.
func hasControl(s string) bool {
	return strings.IndexFunc(s, isControl) >= 0
}

// boundText makes an error's text one line of at most maxErrorText bytes:
// control characters become spaces and a longer text is cut (at a rune) and
// marked.
func boundText(s string) string {
	s = spaceControls(s)
	if len(s) <= maxErrorText {
		return s
	}
	cut := maxErrorText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// scrubbedError is an error whose text had the API key redacted.
type scrubbedError struct {
	msg  string
	kept []error
}

func (e *scrubbedError) Error() string   { return e.msg }
func (e *scrubbedError) Unwrap() []error { return e.kept }

// newRequest checks req locally and builds the HTTP request: escaped path,
// query, JSON body, auth and the SDK's headers.
func (t *transport) newRequest(ctx context.Context, req request, co *callOptions) (*retryablehttp.Request, error) {
	if t.baseErr != nil {
		return nil, t.baseErr
	}
	u, err := joinPath(t.base, req.path, req.ids)
	if err != nil {
		return nil, fmt.Errorf("%w: %s %s", err, req.method, req.route())
	}
	if !req.public {
		if t.key == "" {
			return nil, ErrMissingAPIKey
		}
		if t.keyErr != nil {
			return nil, t.keyErr
		}
		if strings.HasPrefix(t.key, "th_live_") && t.baseURL.Scheme == "http" && !isLoopback(t.baseURL.Hostname()) {
			return nil, ErrInsecureTransport
		}
	}
	if req.query != nil || co.hasQuery() {
		var v url.Values
		if req.query == nil {
			v = url.Values{}
		} else if v, err = query.Values(req.query); err != nil {
			return nil, fmt.Errorf("%w: encoding query: %w", ErrInvalidParams, err)
		}
		co.setQuery(v)
		if q := v.Encode(); q != "" {
			u += "?" + q
		}
	}
	body := req.raw
	if body == nil && req.body != nil {
		if body, err = json.Marshal(req.body); err != nil {
			return nil, fmt.Errorf("%w: encoding request body: %w", ErrInvalidParams, err)
		}
	}
	if !req.stream {
		if body, err = co.setJSON(body); err != nil {
			return nil, fmt.Errorf("%w (%s %s)", err, req.method, req.route())
		}
	}
	ctx = retry.WithInfo(ctx, &retry.Info{Idempotent: req.idempotent || isIdempotent(req.method)})
	var rawBody any
	if body != nil {
		rawBody = body
	}
	hreq, err := retryablehttp.NewRequestWithContext(ctx, req.method, u, rawBody)
	if err != nil {
		return nil, fmt.Errorf("theazo: building request: %w", err)
	}
	for k, vs := range req.header {
		hreq.Header[k] = vs
	}
	hreq.Header.Set("User-Agent", t.userAgent)
	if req.stream {
		hreq.Header.Set("Accept", "text/event-stream")
		hreq.Header.Set("Cache-Control", "no-cache")
	} else {
		hreq.Header.Set("Accept", "application/json")
	}
	if body != nil {
		hreq.Header.Set("Content-Type", "application/json")
	}
	if req.stream && co != nil && co.lastEventID != "" && hreq.Header.Get("Last-Event-ID") == "" {
		hreq.Header.Set("Last-Event-ID", co.lastEventID)
	}
	co.setHeaders(hreq.Header)
	if !req.public {
		hreq.Header.Set("Authorization", t.auth)
	}
	return hreq, nil
}

// escapePath fills format's %s verbs with the escaped ids. An empty id, or
// one that is a dot segment, is refused: it would address another resource.
func escapePath(format string, ids []string) (string, error) {
	return joinPath("", format, ids)
}

// joinPath is base followed by escapePath's path, built in one allocation
// when no id needs escaping (a request's URL is built on every call).
func joinPath(base, format string, ids []string) (string, error) {
	if len(ids) == 0 && base == "" {
		return format, nil
	}
	n := len(base) + len(format)
	for _, id := range ids {
		switch id {
		case "":
			return "", ErrEmptyID
		case ".", "..":
			return "", fmt.Errorf("%w: ID %q", ErrInvalidParams, id)
		}
		n += len(id)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(base)
	rest := format
	for _, id := range ids {
		i := strings.Index(rest, "%s")
		if i < 0 {
			break
		}
		b.WriteString(rest[:i])
		b.WriteString(url.PathEscape(id))
		rest = rest[i+len("%s"):]
	}
	b.WriteString(rest)
	return b.String(), nil
}

// isIdempotent reports whether a method is safe to repeat after it reached the server.
func isIdempotent(method string) bool {
	return method == http.MethodGet || method == http.MethodPut || method == http.MethodDelete
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// decodeBody reads a bounded JSON reply into out, and gives the raw body to
// co's Response when it asks for one (co may be nil).
func (t *transport) decodeBody(req request, resp *http.Response, out any, co *callOptions) error {
	body, err := readBody(resp.Body, resp.ContentLength, maxResponseBody)
	switch {
	case resp.ContentLength > maxResponseBody || len(body) > maxResponseBody:
		return fmt.Errorf("%w: %s %s: body exceeds %d bytes", ErrInvalidResponse, req.method, req.route(), maxResponseBody)
	case err != nil:
		return fmt.Errorf("%w: %s %s: reading body: %w", ErrInvalidResponse, req.method, req.route(), err)
	}
	if co != nil && co.response != nil {
		co.response.Body = body
	}
	// json.Unmarshal accepts null and leaves out at its zero value: an
	// empty result with no error. No endpoint answers null.
	if isNull(body) {
		return fmt.Errorf("%w: %s %s: status %d: the reply is null", ErrInvalidResponse, req.method, req.route(), resp.StatusCode)
	}
	// No excerpt of the body here: a successful reply may carry secrets
	// (a trigger's signing secret), and the decoding error says enough.
	if err := json.Unmarshal(body, out); err != nil {
		return t.scrub(fmt.Errorf("%w: %s %s: status %d: %w", ErrInvalidResponse, req.method, req.route(), resp.StatusCode, err))
	}
	return nil
}

// readBody reads r to its end, or to limit+1 bytes if it is longer. A
// body of a known size (size > 0) is read into one buffer of size+1 bytes,
// the extra byte leaving room for the read that finds the end; one known to
// be over the limit is not read at all. Otherwise the buffer doubles as it
// fills, so that reading n bytes copies fewer than n.
func readBody(r io.Reader, size, limit int64) ([]byte, error) {
	if size > limit {
		return nil, nil
	}
	c := int64(512)
	if size > 0 {
		c = size + 1
	}
	b := make([]byte, 0, c)
	for int64(len(b)) <= limit {
		if len(b) == cap(b) {
			b = slices.Grow(b, len(b))
		}
		n, err := r.Read(b[len(b):min(int64(cap(b)), limit+1)])
		b = b[:len(b)+n]
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return b, err
		}
	}
	return b, nil
}

// isNull reports whether body is the JSON value null, between the white
// space JSON allows.
func isNull(body []byte) bool {
	i, j := 0, len(body)
	for i < j && isJSONSpace(body[i]) {
		i++
	}
	for j > i && isJSONSpace(body[j-1]) {
		j--
	}
	return string(body[i:j]) == "null"
}

func isJSONSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// roundTripper counts and logs attempts. It deliberately has no
// CloseIdleConnections method: go-retryablehttp calls it after every exhausted
// retry, which would churn the pool under the healthy calls sharing it.
type roundTripper struct {
	base   http.RoundTripper
	logger *slog.Logger
	// hide redacts the key from what the log quotes of the server: the path
	// a redirect points to, the request id, an error.
	hide keyRedactor
	// middleware is the client's; a call's own runs after it.
	middleware []Middleware
	// gov paces the attempts that carry the key, and cools them down after a 429.
	gov *governor
}

// RoundTrip sends one attempt and logs it at debug level.
func (rt *roundTripper) RoundTrip(req *http.Request) (*http.Response, error) {
	attempt := 0
	if info := retry.InfoFrom(req.Context()); info != nil {
		info.Attempts++
		attempt = info.Attempts
	}
	start := time.Now()
	mws := rt.middleware
	if own, _ := req.Context().Value(middlewareKey{}).([]Middleware); len(own) > 0 {
		mws = append(mws[:len(mws):len(mws)], own...)
	}
	var resp *http.Response
	var err error
	if len(mws) == 0 {
		resp, err = rt.send(req)
	} else {
		resp, err = runMiddleware(mws, req, rt.send)
	}
	if rt.logger != nil && rt.logger.Enabled(req.Context(), slog.LevelDebug) {
		attrs := []slog.Attr{
			slog.String("method", req.Method),
			slog.String("path", rt.hide.text(req.URL.Path)),
			slog.Int("attempt", attempt),
			slog.Duration("duration", time.Since(start)),
		}
		if err != nil {
			attrs = append(attrs, slog.String("error", rt.hide.text(err.Error())))
		} else {
			attrs = append(attrs, slog.Int("status", resp.StatusCode), slog.String("request_id", rt.hide.text(resp.Header.Get("X-Request-Id"))))
		}
		rt.logger.LogAttrs(req.Context(), slog.LevelDebug, "theazo: http attempt", attrs...)
	}
	return resp, err
}

// send is the innermost step of an attempt, after the middleware: an
// attempt that carries the key waits for the governor, and a 429 it gets
// back starts the client's cool-down.
func (rt *roundTripper) send(req *http.Request) (*http.Response, error) {
	keyed := req.Header.Get("Authorization") != ""
	if keyed {
		if err := rt.gov.wait(req.Context()); err != nil {
			return nil, err
		}
	}
	resp, err := rt.base.RoundTrip(req)
	if keyed && err == nil {
		rt.gov.observe(req.Context(), resp)
	}
	return resp, err
}

// closeIdle closes idle connections of the underlying transport.
func (t *transport) closeIdle() {
	if c, ok := t.roundTripper.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// checkRedirect drops the Authorization header when a redirect leaves the
// origin (another host, port or scheme), then applies the caller's own policy.
func checkRedirect(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if len(via) >= 10 {
			return errors.New("theazo: stopped after 10 redirects")
		}
		if origin := via[0].URL; req.URL.Scheme != origin.Scheme || req.URL.Host != origin.Host {
			req.Header.Del("Authorization")
		}
		if next != nil {
			return next(req, via)
		}
		return nil
	}
}

// orEmpty returns p, or a new zero T when p is nil, so that a nil params
// pointer is sent as an empty object.
func orEmpty[T any](p *T) *T {
	if p == nil {
		return new(T)
	}
	return p
}

// retryClient returns the retrying client that sends through hc with the
// SDK's policy.
func retryClient(hc *http.Client, maxRetries int, policy retry.Policy) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   hc,
		RetryMax:     maxRetries,
		CheckRetry:   checkRetry(policy),
		Backoff:      policy.Backoff,
		ErrorHandler: policy.ErrorHandler,
	}
}

// retryClientFor returns the client's retrying client, or, for a call that
// sets its own retries or wait, one with those settings over the same HTTP
// client.
func (t *transport) retryClientFor(co *callOptions) *retryablehttp.Client {
	if co == nil || !co.retriesSet && !co.maxWaitSet {
		return t.http
	}
	n, policy := t.http.RetryMax, t.policy
	if co.retriesSet {
		n = co.maxRetries
	}
	policy.MaxWait = co.maxRetryWait(policy.MaxWait)
	return retryClient(t.http.HTTPClient, n, policy)
}

// checkRetry is the policy's CheckRetry, except that an attempt the rate
// governor held back (its context ended, or the limiter refused) is not
// retried: it was never sent, and waiting again would fail the same way.
func checkRetry(policy retry.Policy) retryablehttp.CheckRetry {
	return func(ctx context.Context, resp *http.Response, err error) (bool, error) {
		if err != nil && isGovernorError(err) {
			return false, nil
		}
		return policy.CheckRetry(ctx, resp, err)
	}
}

// isGovernorError reports whether err is a wait of the rate governor that
// failed. (A function of its own, so that the target of errors.As is
// allocated only for errors.)
func isGovernorError(err error) bool {
	var gerr *governorError
	return errors.As(err, &gerr)
}

// beyondDeadline reports whether waiting d would outlast ctx's deadline.
func beyondDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < d
}
