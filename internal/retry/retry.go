// Package retry is the SDK's one retry policy, plugged into go-retryablehttp:
// which replies and errors are retried, how long to wait, and what the caller
// gets back when the retries are spent.
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
	// wait is the backoff CheckRetry chose for the next retry, so that
	// Backoff waits exactly what CheckRetry checked against the deadline.
	wait time.Duration
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

// CheckRetry implements retryablehttp.CheckRetry. It returns (false, nil)
// whenever there is a response, so the caller decodes the reply itself.
//
// 429 is retried on any method; 500, 502 and 503 and network errors only on
// idempotent calls; a connection that was never made is retried on any call,
// as nothing was sent. A Retry-After longer than MaxWait (however long: one
// beyond what a time.Duration holds too), or any wait that would outlast
// ctx's deadline, is not waited for: the reply is returned at once, so that
// the caller gets the server's error rather than a bare deadline error.
func (p Policy) CheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	info := InfoFrom(ctx)
	idempotent := info != nil && info.Idempotent
	if err != nil {
		if resp != nil {
			// A reply came with the error: the redirect policy refused it.
			// Repeating the call would get the same redirect.
			return false, nil
		}
		return idempotent || neverSent(err), nil
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
	case http.StatusInternalServerError, http.StatusBadGateway, http.StatusServiceUnavailable:
		if !idempotent {
			return false, nil
		}
	default:
		return false, nil
	}
	p.bufferBody(resp)
	wait, ok := After(resp.Header, peek(resp))
	if ok {
		if wait > p.MaxWait || beyondDeadline(ctx, wait) {
			return false, nil
		}
		// Let Backoff see a details-only wait (or a date, now resolved)
		// through the header, to the millisecond.
		resp.Header.Set("Retry-After", strconv.FormatFloat(wait.Round(time.Millisecond).Seconds(), 'f', -1, 64))
		return true, nil
	}
	retries := 0
	if info != nil {
		retries = max(info.Attempts-1, 0)
	}
	wait = p.backoff(retries)
	if beyondDeadline(ctx, wait) {
		return false, nil
	}
	if info != nil {
		info.wait = wait
	}
	return true, nil
}

// beyondDeadline reports whether waiting d would outlast ctx's deadline; the
// caller is better served by the server's reply now than a deadline error later.
func beyondDeadline(ctx context.Context, d time.Duration) bool {
	deadline, ok := ctx.Deadline()
	return ok && time.Until(deadline) < d
}

// Backoff implements retryablehttp.Backoff: the server's Retry-After when it
// gave one, else exponential backoff with jitter, never above MaxWait.
func (p Policy) Backoff(_, _ time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil {
		if wait, ok := After(resp.Header, nil); ok {
			return min(wait, p.MaxWait)
		}
		if resp.Request != nil {
			if info := InfoFrom(resp.Request.Context()); info != nil && info.wait > 0 {
				wait := info.wait
				info.wait = 0
				return wait
			}
		}
	}
	return p.backoff(attempt)
}

// backoff is the exponential backoff with jitter before retry number
// attempt (from 0), never above MaxWait.
func (p Policy) backoff(attempt int) time.Duration {
	step := p.BaseWait << min(attempt, 30)
	if step <= 0 || step > p.MaxBackoff {
		step = p.MaxBackoff
	}
	// Equal jitter: half fixed, half random, so waits spread but never collapse to zero.
	wait := step/2 + rand.N(step/2+1)
	return min(wait, p.MaxWait)
}

// ErrorHandler implements retryablehttp.ErrorHandler. When the retries are
// spent on a reply, that last reply is returned as is for the caller to
// decode, never the library's "giving up" error. Otherwise the error is
// returned (a network error, a cancelled context, a refused redirect) and a
// reply that came with it is closed.
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

// bufferedBody is a reply body read into memory by the policy, so that
// the caller can still decode it after the policy looked at it.
type bufferedBody struct {
	*bytes.Reader
	data []byte
	orig io.Closer
}

func (b *bufferedBody) Close() error { return b.orig.Close() }

// bufferBody reads (a bounded part of) resp.Body into memory once.
func (p Policy) bufferBody(resp *http.Response) {
	if _, ok := resp.Body.(*bufferedBody); ok {
		return
	}
	data, _ := io.ReadAll(io.LimitReader(resp.Body, p.MaxBodyBytes))
	resp.Body = &bufferedBody{Reader: bytes.NewReader(data), data: data, orig: resp.Body}
}

// peek returns the bytes of a body buffered by bufferBody.
func peek(resp *http.Response) []byte {
	if b, ok := resp.Body.(*bufferedBody); ok {
		return b.data
	}
	return nil
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
