// Package retry is the SDK's one retry policy, plugged into go-retryablehttp.
//
// A call's path in one pass: the transport marks the request's context with
// an Info (is the call idempotent; how many attempts it made), the one thing
// go-retryablehttp's CheckRetry can only learn from the context. After each
// attempt, CheckRetry reads a non-2xx reply once (Read: its bounded body and
// the wait it asks for, from Retry-After or details.retryAfter) and takes one
// typed Decision on it (Decide), kept with the reply. Backoff waits the
// Decision's Wait; ErrorHandler hands the last reply back undecoded; the
// transport's cool-down and its *Error take the wait from the same reading.
package retry

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Policy decides retries. Its zero value is not useful; see the fields.
type Policy struct {
	// BaseWait is the first exponential backoff step (doubled per retry).
	BaseWait time.Duration
	// MaxBackoff caps an exponential backoff step.
	MaxBackoff time.Duration
	// MaxWait caps any single wait; a longer Retry-After is not waited for.
	MaxWait time.Duration
	// MaxBodyBytes bounds what is read of a reply the policy inspects.
	MaxBodyBytes int64
}

type ctxKey struct{}

// Info is what the policy knows of one logical call across its attempts.
type Info struct {
	// Idempotent says the call is safe to repeat after it reached the server.
	Idempotent bool
	// Attempts counts the HTTP attempts made so far.
	Attempts int
	// Last is CheckRetry's Decision on the last attempt that got one, for a
	// caller that makes each attempt itself (a stream's connections).
	Last Decision
}

// WithInfo returns ctx carrying info for the policy and the transport.
func WithInfo(ctx context.Context, info *Info) context.Context {
	return context.WithValue(ctx, ctxKey{}, info)
}

// InfoFrom returns the Info in ctx, or nil.
func InfoFrom(ctx context.Context) *Info {
	info, _ := ctx.Value(ctxKey{}).(*Info)
	return info
}

// Reason says why a Decision retries or stops.
type Reason uint8

// The reasons of a Decision.
const (
	// Final: a success, or a reply that is never retried (504, a 4xx other than 429).
	Final Reason = iota
	// RateLimited: a 429, retried on any call.
	RateLimited
	// ServerError: a 500, 502 or 503 of an idempotent call.
	ServerError
	// NetworkError: an attempt of an idempotent call that got no reply.
	NetworkError
	// NotSent: the connection was never made, so any call is repeated.
	NotSent
	// NotIdempotent: a server or network error of a call not safe to repeat.
	NotIdempotent
	// WaitTooLong: the reply asks for a wait beyond MaxWait.
	WaitTooLong
	// PastDeadline: the wait would outlast the context's deadline.
	PastDeadline
	// Refused: a reply came with an error (a refused redirect); it would come again.
	Refused
	// Cancelled: the context ended.
	Cancelled
)

var reasonNames = [...]string{"final", "rate limited", "server error", "network error", "not sent",
	"not idempotent", "wait too long", "past deadline", "refused", "cancelled"}

// String names the reason.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return "reason(" + strconv.Itoa(int(r)) + ")"
}

// Decision is the policy's verdict on one attempt: retry or not, and how
// long to wait first.
type Decision struct {
	// Retry says the call is attempted again.
	Retry bool
	// Wait is how long to wait before that attempt: the reply's Retry-After
	// when it gave one, else a backoff step. Zero when Retry is false, and
	// when the attempt got no reply: Backoff draws that wait itself.
	Wait time.Duration
	// Reason says why.
	Reason Reason
}

// Outcome is what Decide looks at: one attempt's result and the call's state.
type Outcome struct {
	// Status is the reply's status; zero when the attempt got none.
	Status int
	// Err is the attempt's error, if any.
	Err error
	// After is the wait the reply asks for, when HasAfter.
	After time.Duration
	// HasAfter says the reply named a wait (Retry-After or details.retryAfter).
	HasAfter bool
	// Idempotent says the call is safe to repeat after it reached the server.
	Idempotent bool
	// Retries counts the retries already made (attempts minus one).
	Retries int
}

// Decide is the policy. 429 is retried on any call; 500, 502 and 503 and
// network errors only on idempotent calls; a connection that was never made
// on any call, as nothing was sent. The wait is the reply's Retry-After,
// else exponential backoff with equal jitter. A Retry-After beyond MaxWait
// (however long: one beyond what a Duration holds too), or any wait of a
// reply that would outlast ctx's deadline, is not waited for: the reply is
// returned at once, so that the caller gets the server's error rather than a
// bare deadline error.
func (p Policy) Decide(ctx context.Context, o Outcome) Decision {
	if ctx.Err() != nil {
		return Decision{Reason: Cancelled}
	}
	if o.Err != nil {
		switch {
		case o.Status != 0:
			return Decision{Reason: Refused}
		case neverSent(o.Err):
			return Decision{Retry: true, Reason: NotSent}
		case o.Idempotent:
			return Decision{Retry: true, Reason: NetworkError}
		}
		return Decision{Reason: NotIdempotent}
	}
	reason := RateLimited
	switch o.Status {
	case http.StatusTooManyRequests:
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable:
		if !o.Idempotent {
			return Decision{Reason: NotIdempotent}
		}
		reason = ServerError
	default:
		return Decision{Reason: Final}
	}
	wait := o.After
	if !o.HasAfter {
		wait = p.backoff(o.Retries)
	} else if wait > p.MaxWait {
		return Decision{Reason: WaitTooLong}
	}
	if beyondDeadline(ctx, wait) {
		return Decision{Reason: PastDeadline}
	}
	return Decision{Retry: true, Wait: wait, Reason: reason}
}

// CheckRetry implements retryablehttp.CheckRetry: it reads a non-2xx reply
// (Read), decides (Decide) and keeps the Decision with the reply for
// Backoff. It returns (false, nil) whenever there is a response, so the
// caller decodes the reply itself, and ctx's error once ctx has ended.
func (p Policy) CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if err == nil && resp != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		// A success: Decide would say Final (or Cancelled), and every call
		// comes this way, so it is answered without building an Outcome.
		return false, ctx.Err()
	}
	o := Outcome{Err: err}
	info := InfoFrom(ctx)
	if info != nil {
		o.Idempotent, o.Retries = info.Idempotent, max(info.Attempts-1, 0)
	}
	var r *Reply
	if resp != nil {
		o.Status = resp.StatusCode
		if err == nil {
			r = Read(resp, p.MaxBodyBytes)
			o.After, o.HasAfter = r.After, r.HasAfter
		}
	}
	d := p.Decide(ctx, o)
	if d.Reason == Cancelled {
		return false, ctx.Err()
	}
	if r != nil {
		r.Decision = d
	}
	if info != nil {
		info.Last = d
	}
	return d.Retry, nil
}

// beyondDeadline reports whether waiting d would outlast ctx's deadline; the
// caller is better served by the server's reply now than a deadline error later.
func beyondDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < d
}

// Backoff implements retryablehttp.Backoff: the Wait that CheckRetry decided
// on resp. An attempt without a reply (a network error) leaves nothing to
// keep the Decision with, and go-retryablehttp gives Backoff no context, so
// its wait is drawn here: exponential backoff with jitter, never above MaxWait.
func (p Policy) Backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	if r := replyOf(resp); r != nil && r.Decision.Retry {
		return r.Decision.Wait
	}
	return p.backoff(attempt)
}

// backoff is the exponential backoff with jitter before retry number
// attempt (from 0), never above MaxWait.
func (p Policy) backoff(attempt int) time.Duration {
	return min(Exponential(p.BaseWait, p.MaxBackoff, attempt), p.MaxWait)
}

// Exponential is the SDK's one backoff, used between retries, stream
// reconnections and WaitUntil's polls: base doubled per attempt (from 0),
// capped at ceiling, with equal jitter — half fixed, half random, so that
// waits spread out but never collapse to zero.
func Exponential(base, ceiling time.Duration, attempt int) time.Duration {
	step := base << min(attempt, 30)
	if step <= 0 || step > ceiling {
		step = ceiling
	}
	return step/2 + rand.N(step/2+1)
}

// ErrorHandler implements retryablehttp.ErrorHandler. When the retries are
// spent on a reply, or its Decision was to stop, that last reply is returned
// as is for the caller to decode, never the library's "giving up" error.
// Otherwise the error is returned (a network error, a cancelled context, a
// refused redirect) and a reply that came with it is closed.
func (p Policy) ErrorHandler(resp *http.Response, err error, _ int) (*http.Response, error) {
	if err == nil && resp != nil {
		return resp, nil
	}
	if resp != nil && resp.Body != nil {
		resp.Body.Close()
	}
	if err == nil {
		err = errors.New("retry: no reply and no error")
	}
	return nil, err
}

// neverSent reports whether err happened before a connection was made.
func neverSent(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Reply is a non-2xx reply's body read once, up to a bound, when the
// policy or the transport first needs it: the bytes, what they and the
// headers say about waiting, and CheckRetry's Decision on it. Read puts it
// in place of the response's Body, so that the caller still reads the same
// bytes, and closing it closes the connection's body.
type Reply struct {
	*bytes.Reader
	// Data is the body, up to the bound given to Read.
	Data []byte
	// After is how long the reply asks to wait (see the function After),
	// when HasAfter.
	After time.Duration
	// HasAfter says the reply named a wait; a zero After then means "now".
	HasAfter bool
	// Decision is CheckRetry's on this reply; zero until it has decided.
	Decision Decision
	orig     io.Closer
}

// Close closes the body the reply was read from.
func (r *Reply) Close() error { return r.orig.Close() }

// Read returns resp's Reply, reading (at most limit bytes of) its body and
// its wait the first time, and the same Reply every time after. A nil Body
// (which a RoundTripper may return) reads as empty.
func Read(resp *http.Response, limit int64) *Reply {
	if r := replyOf(resp); r != nil {
		return r
	}
	if resp.Body == nil {
		resp.Body = http.NoBody
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, limit))
	r := &Reply{Reader: bytes.NewReader(data), Data: data, orig: resp.Body}
	r.After, r.HasAfter = After(resp.Header, data)
	resp.Body = r
	return r
}

// replyOf returns resp's Reply if Read made one, else nil.
func replyOf(resp *http.Response) *Reply {
	if resp == nil {
		return nil
	}
	r, _ := resp.Body.(*Reply)
	return r
}

// After reads how long a reply asks the client to wait: the Retry-After
// header in seconds or as an HTTP-date, else the error envelope's
// details.retryAfter (seconds) in body. ok is false when neither says.
// A wait longer than a time.Duration holds (Retry-After: 4294967296,
// retryAfter: 1e10) is the largest Duration: longer than any cap.
func After(h http.Header, body []byte) (wait time.Duration, ok bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if wait, ok := seconds(v); ok {
			return wait, true
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(time.Until(t), 0), true // Until saturates too
		}
	}
	if len(body) == 0 {
		return 0, false
	}
	var env struct {
		Error struct {
			Details struct {
				RetryAfter json.RawMessage `json:"retryAfter"`
			} `json:"details"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &env) != nil {
		return 0, false
	}
	return seconds(string(env.Error.Details.RetryAfter))
}

// seconds reads a non-negative decimal number of seconds (a JSON number or
// delay-seconds, with a fraction allowed) as a Duration, saturating at the
// largest Duration however many digits it has. ok is false for anything else.
func seconds(v string) (time.Duration, bool) {
	if v == "" || v[0] < '0' || v[0] > '9' {
		return 0, false
	}
	secs, err := strconv.ParseFloat(v, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsNaN(secs) {
		return 0, false
	}
	ns := secs * float64(time.Second)
	if ns >= math.MaxInt64 { // 2^63 as a float64: beyond every Duration
		return math.MaxInt64, true
	}
	return time.Duration(ns), true
}
