package theazo

// Fuzz targets for everything the SDK decodes from a server it does not
// control. Each asserts properties of the result, not only that nothing
// panics. Seeds live in testdata/fuzz/<FuzzName>/. Run one target with
//
//	go test -run '^$' -fuzz '^FuzzNewError$' -fuzztime 15s .
//
// .ci/run runs every target for a short fixed time.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/internal/retry"
	"github.com/theazo/theazo-go/sse"
)

// fuzzKey is the API key of the fuzz targets' clients: a live key, the one
// that must never leak.
const fuzzKey = "th_live_Fuzz-K3y-0123456789abcdef"

// fuzzBaseURL is where the fuzz targets' clients send requests; a
// RoundTripper answers them in memory.
const fuzzBaseURL = "https://api.theazo.test/v1"

// spellKey returns the key as a server could write it inside a JSON string:
// raw, with every character \u-escaped, or with only its underscores escaped.
func spellKey(mode uint8) string {
	switch mode % 4 {
	case 1:
		return fuzzKey
	case 2:
		var b strings.Builder
		for _, r := range fuzzKey {
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		return b.String()
	case 3:
		return strings.ReplaceAll(fuzzKey, "_", `\u005f`)
	}
	return ""
}

// insertAt returns b with s inserted at offset at (modulo its length + 1).
func insertAt(b []byte, at uint16, s string) []byte {
	if s == "" {
		return b
	}
	i := int(at) % (len(b) + 1)
	out := append([]byte(nil), b[:i]...)
	out = append(out, s...)
	return append(out, b[i:]...)
}

// FuzzNewError decodes arbitrary error replies: any status, Retry-After and
// X-Request-Id headers, any body, with the API key spelled into the body (or
// the request id) as a server or proxy might echo it. Properties: an *Error
// always results, with the status; it matches at most one sentinel, and the
// one of its status when the body is not the envelope; a non-envelope
// message is a short single line of valid UTF-8; RetryAfter is never
// negative; no part of the error, however printed, contains the key or a
// control character; an envelope round-trips, bounded as serverText bounds
// server text.
func FuzzNewError(f *testing.F) {
	tr := newTransport(fuzzKey, config{baseURL: fuzzBaseURL, maxEventSize: DefaultMaxEventSize})
	f.Fuzz(func(t *testing.T, status int, retryAfter, requestID string, body []byte, keyMode uint8, keyAt uint16, code, message string) {
		body = insertAt(body, keyAt, spellKey(keyMode))
		header := http.Header{}
		if retryAfter != "" {
			header.Set("Retry-After", retryAfter)
		}
		if keyMode >= 4 {
			requestID += fuzzKey // a header that echoes the key
		}
		if requestID != "" {
			header.Set("X-Request-Id", requestID)
		}

		e := tr.apiError(status, header, retry.Read(&http.Response{Header: header, Body: io.NopCloser(bytes.NewReader(body))}, maxErrorBody))
		require.NotNil(t, e)
		assert.Equal(t, status, e.StatusCode)
		assert.GreaterOrEqual(t, e.RetryAfter, time.Duration(0))

		matched := 0
		for c, s := range sentinels {
			if errors.Is(e, s) {
				matched++
				if e.Code == "" {
					assert.Equal(t, statusCodes[status], c, "a non-envelope reply matches the sentinel of its status")
				}
			}
		}
		assert.LessOrEqual(t, matched, 1, "at most one sentinel")
		if e.Code == "" && statusCodes[status] != "" {
			assert.Equal(t, 1, matched, "a non-envelope %d matches its status's sentinel", status)
		}
		if e.Code == "" {
			assert.True(t, utf8.ValidString(e.Message), "excerpt is valid UTF-8")
			assert.NotContains(t, e.Message, "\n")
			assert.LessOrEqual(t, utf8.RuneCountInString(e.Message), max(maxExcerpt+1, len(http.StatusText(status))))
			assert.Nil(t, e.Details)
			assert.Nil(t, e.Fields)
		}
		if len(e.Fields) > 0 {
			assert.True(t, e.Code == CodeUnprocessableEntity || status == http.StatusUnprocessableEntity)
		}
		for _, fe := range e.Fields {
			assert.NotEmpty(t, fe.Field)
		}

		for _, s := range []string{e.Message, e.RequestID, string(e.Code)} {
			assert.Equal(t, -1, strings.IndexFunc(s, isControl), "no control character in %q", s)
			assert.LessOrEqual(t, utf8.RuneCountInString(s), maxExcerpt+1)
		}
		var wrapped error = fmt.Errorf("theazo: GET /agents/{id}: %w", e)
		for _, s := range []string{e.Error(), wrapped.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e), fmt.Sprint(e.Details), fmt.Sprint(e.Fields), e.Message, e.RequestID, string(e.Code)} {
			require.NotContains(t, s, fuzzKey, "the key leaked into the error")
		}

		// An envelope made of the fuzzed code and message decodes back to them.
		if code != "" && utf8.ValidString(code) && utf8.ValidString(message) {
			env, err := json.Marshal(map[string]any{"error": map[string]any{
				"code": code, "message": message, "requestId": "req_rt", "details": map[string]any{"retryAfter": 3},
			}})
			require.NoError(t, err)
			rt := tr.apiError(status, http.Header{}, retry.Read(&http.Response{Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(env))}, maxErrorBody))
			assert.Equal(t, ErrorCode(serverText(code)), rt.Code)
			assert.Equal(t, serverText(message), rt.Message)
			assert.Equal(t, "req_rt", rt.RequestID)
			assert.Equal(t, 3*time.Second, rt.RetryAfter)
		}
	})
}

// streamKinds are the four typed streams: their decoders, terminal checks
// and the Go type of each known event name.
var streamKinds = []struct {
	name     string
	decode   func(typ, data string) (any, error)
	terminal func(any) bool
	known    map[string]reflect.Type
}{
	{
		name:     "agent",
		decode:   func(typ, data string) (any, error) { return decodeAgentEvent(typ, data) },
		terminal: func(e any) bool { return isAgentTerminal(e.(AgentEvent)) },
		known: map[string]reflect.Type{
			"thinking": reflect.TypeFor[*ThinkingEvent](), "tool_call": reflect.TypeFor[*ToolCallEvent](),
			"tool_result": reflect.TypeFor[*ToolResultEvent](), "output": reflect.TypeFor[*OutputEvent](),
			"error": reflect.TypeFor[*ErrorEvent](),
		},
	},
	{
		name:     "workflow",
		decode:   func(typ, data string) (any, error) { return decodeWorkflowEvent(typ, data) },
		terminal: func(e any) bool { return isWorkflowTerminal(e.(WorkflowEvent)) },
		known: map[string]reflect.Type{
			"step:start": reflect.TypeFor[*StepStartEvent](), "step:complete": reflect.TypeFor[*StepCompleteEvent](),
			"workflow:complete": reflect.TypeFor[*WorkflowCompleteEvent](), "workflow:failed": reflect.TypeFor[*WorkflowFailedEvent](),
		},
	},
	{
		name:     "fleet",
		decode:   func(typ, data string) (any, error) { return decodeFleetEvent(typ, data) },
		terminal: func(e any) bool { return isFleetTerminal(e.(FleetEvent)) },
		known: map[string]reflect.Type{
			"agent:start": reflect.TypeFor[*AgentStartEvent](), "agent:complete": reflect.TypeFor[*AgentCompleteEvent](),
			"agent:failed": reflect.TypeFor[*AgentFailedEvent](), "fleet:complete": reflect.TypeFor[*FleetCompleteEvent](),
			"fleet:failed": reflect.TypeFor[*FleetFailedEvent](),
		},
	},
	{
		name:     "channel",
		decode:   func(typ, data string) (any, error) { return decodeChannelEvent(typ, data) },
		terminal: func(any) bool { return false },
		known:    map[string]reflect.Type{"message": reflect.TypeFor[*MessageEvent]()},
	},
}

// terminalTypes are the event types that end their stream.
var terminalTypes = map[reflect.Type]bool{
	reflect.TypeFor[*OutputEvent](): true, reflect.TypeFor[*ErrorEvent](): true,
	reflect.TypeFor[*WorkflowCompleteEvent](): true, reflect.TypeFor[*WorkflowFailedEvent](): true,
	reflect.TypeFor[*FleetCompleteEvent](): true, reflect.TypeFor[*FleetFailedEvent](): true,
}

// marshalDecoded marshals a value the SDK decoded, for a round-trip
// property. encoding/json decodes a time whose zone offset is 24 hours or
// more ("+24:00") but refuses to encode it again; such a value cannot
// round-trip through any Go program, so ok is false and the property ends
// there. Any other marshal error fails the test.
func marshalDecoded(t *testing.T, v any) (data []byte, ok bool) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil && strings.Contains(err.Error(), "Time.MarshalJSON: timezone hour outside of range") {
		return nil, false
	}
	require.NoError(t, err, "a decoded value marshals")
	return data, true
}

// FuzzDecodeEvent decodes arbitrary events with each stream's decoder.
// Properties: an unknown type passes through as *UnknownEvent with its type
// and data, never an error; a known type decodes to its Go type or fails
// with ErrInvalidResponse; a decoded event marshals and decodes back to the
// same JSON; only the documented terminal types end a stream.
func FuzzDecodeEvent(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind uint8, typ, data string) {
		k := streamKinds[int(kind)%len(streamKinds)]
		ev, err := k.decode(typ, data)
		want, known := k.known[typ]
		if !known {
			require.NoError(t, err, "an unknown event type is never an error")
			assert.Equal(t, &UnknownEvent{Type: typ, Data: data}, ev)
			assert.False(t, k.terminal(ev), "an unknown event never ends a stream")
			return
		}
		if err != nil {
			require.ErrorIs(t, err, ErrInvalidResponse, "%s %q", k.name, typ)
			return
		}
		require.Equal(t, want.String(), reflect.TypeOf(ev).String())
		assert.True(t, json.Valid([]byte(data)), "only valid JSON decodes")
		assert.Equal(t, terminalTypes[want], k.terminal(ev))

		m1, ok := marshalDecoded(t, ev)
		if !ok {
			return
		}
		ev2, err := k.decode(typ, string(m1))
		require.NoError(t, err, "a marshalled event decodes: %s", m1)
		m2, err := json.Marshal(ev2)
		require.NoError(t, err)
		assert.Equal(t, string(m1), string(m2), "round trip")
	})
}

// memRT answers every request in memory with the reply of serve, and
// records the requests and whether each reply body was closed.
type memRT struct {
	serve func(n int, req *http.Request) (status int, contentType string, body []byte)

	mu     sync.Mutex
	reqs   []*http.Request
	bodies []*trackedBody
}

// trackedBody is a reply body that knows whether it was closed.
type trackedBody struct {
	io.Reader
	mu     sync.Mutex
	closed bool
}

func (b *trackedBody) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}

func (b *trackedBody) isClosed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.closed
}

func (m *memRT) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	m.mu.Lock()
	n := len(m.reqs)
	m.reqs = append(m.reqs, req)
	m.mu.Unlock()
	status, ct, body := m.serve(n, req)
	b := &trackedBody{Reader: bytes.NewReader(body)}
	m.mu.Lock()
	m.bodies = append(m.bodies, b)
	m.mu.Unlock()
	return &http.Response{
		StatusCode: status, Header: http.Header{"Content-Type": {ct}}, Body: b,
		ContentLength: int64(len(body)), Request: req,
	}, nil
}

func (m *memRT) requests() []*http.Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*http.Request(nil), m.reqs...)
}

// allClosed reports whether every reply body was closed.
func (m *memRT) allClosed() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, b := range m.bodies {
		if !b.isClosed() {
			return false
		}
	}
	return true
}

// memClient is a client whose requests rt answers, with retries off.
func memClient(rt http.RoundTripper, opts ...Option) *Client {
	return NewClient(fuzzKey, append([]Option{WithBaseURL(fuzzBaseURL), WithHTTPClient(&http.Client{Transport: rt}), WithMaxRetries(0), withReconnectWait(time.Nanosecond)}, opts...)...)
}

// fuzzMaxEventSize is small so that the fuzzer reaches the size bound.
const fuzzMaxEventSize = 512

// fuzzStreamAnswers is how many connections FuzzEventStream's server accepts.
const fuzzStreamAnswers = 4

// FuzzEventStream reads arbitrary bytes, with the API key spelled in
// somewhere, as each of the four streams, through the client. Properties:
// the iteration ends; an error comes at most once, last, is
// ErrInterrupted, ErrEventTooLarge or ErrInvalidResponse, and never
// contains the key; nothing follows a terminal event; reconnections are
// bounded; every connection's body is closed; Close is idempotent and
// returns nil.
func FuzzEventStream(f *testing.F) {
	f.Fuzz(func(t *testing.T, kind uint8, body []byte, keyMode uint8, keyAt uint16) {
		body = insertAt(body, keyAt, spellKey(keyMode))
		// The first fuzzStreamAnswers connections answer body, later ones
		// fail: quiet reconnections are not failures, so a server that
		// accepted every one could keep a stream open for ever.
		rt := &memRT{serve: func(n int, _ *http.Request) (int, string, []byte) {
			if n >= fuzzStreamAnswers {
				return 404, "application/json", []byte(`{"error":{"code":"not_found","message":"gone"}}`)
			}
			return 200, "text/event-stream", body
		}}
		c := memClient(rt, WithMaxEventSize(fuzzMaxEventSize))
		ctx := t.Context()
		var events []any
		var errs []error
		var closeErr error
		collect := func(e any, err error) {
			if err != nil {
				errs = append(errs, err)
				return
			}
			events = append(events, e)
		}
		k := streamKinds[int(kind)%len(streamKinds)]
		switch k.name {
		case "agent":
			s, err := c.Agents.Stream(ctx, "agt_1")
			require.NoError(t, err)
			for e, err := range s.Events() {
				collect(e, err)
			}
			closeErr = errors.Join(s.Close(), s.Close())
		case "workflow":
			s, err := c.Workflows.Attach(ctx, "wfr_1")
			require.NoError(t, err)
			for e, err := range s.Events() {
				collect(e, err)
			}
			closeErr = errors.Join(s.Close(), s.Close())
		case "fleet":
			s, err := c.Fleets.Attach(ctx, "flt_1")
			require.NoError(t, err)
			for e, err := range s.Events() {
				collect(e, err)
			}
			closeErr = errors.Join(s.Close(), s.Close())
		case "channel":
			s, err := c.Channels.Stream(ctx, "ch_1", nil)
			require.NoError(t, err)
			for e, err := range s.Events() {
				collect(e, err)
			}
			closeErr = errors.Join(s.Close(), s.Close())
		}
		assert.NoError(t, closeErr)
		require.LessOrEqual(t, len(errs), 1, "an error ends the iteration")
		for _, err := range errs {
			assert.True(t, errors.Is(err, sse.ErrInterrupted) || errors.Is(err, sse.ErrEventTooLarge) || errors.Is(err, ErrInvalidResponse), "undocumented error: %v", err)
			assert.NotContains(t, err.Error(), fuzzKey)
		}
		for i, e := range events {
			if k.terminal(e) {
				assert.Equal(t, len(events)-1, i, "nothing follows a terminal event")
				assert.Empty(t, errs, "a terminal event ends the stream cleanly")
			}
		}
		reqs := rt.requests()
		assert.LessOrEqual(t, len(reqs), fuzzStreamAnswers+sse.DefaultMaxReconnects, "reconnections are bounded")
		for _, r := range reqs {
			if k.name == "channel" {
				assert.Empty(t, r.Header.Get("Authorization"), "a channel stream is public")
			}
		}
		assert.True(t, rt.allClosed(), "every connection is released")
	})
}

// FuzzPageDecode decodes arbitrary bodies, with the API key spelled in
// somewhere, as a page of sessions through the transport's bounded reader.
// Properties: the result is a page, or an error matching ErrInvalidResponse
// that does not contain the key; a body json.Unmarshal accepts is accepted,
// but for null; a decoded page marshals and decodes back to the same JSON.
func FuzzPageDecode(f *testing.F) {
	tr := newTransport(fuzzKey, config{baseURL: fuzzBaseURL, maxEventSize: DefaultMaxEventSize})
	req := request{method: http.MethodGet, path: "/sessions"}
	f.Fuzz(func(t *testing.T, body []byte, keyMode uint8, keyAt uint16) {
		body = insertAt(body, keyAt, spellKey(keyMode))
		var page Page[Session]
		resp := &http.Response{StatusCode: 200, Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
		if err := tr.decodeBody(req, resp, &page, nil); err != nil {
			require.ErrorIs(t, err, ErrInvalidResponse)
			assert.False(t, json.Valid(body) && !isNull(body) && json.Unmarshal(body, new(Page[Session])) == nil, "a decodable page was refused")
			assert.NotContains(t, err.Error(), fuzzKey)
			return
		}
		m1, ok := marshalDecoded(t, page)
		if !ok {
			return
		}
		var again Page[Session]
		require.NoError(t, json.Unmarshal(m1, &again), "%s", m1)
		m2, err := json.Marshal(again)
		require.NoError(t, err)
		assert.Equal(t, string(m1), string(m2), "round trip")
		assert.Len(t, again.Data, len(page.Data))
		assert.Equal(t, page.NextCursor, again.NextCursor)
		assert.Equal(t, page.HasMore, again.HasMore)
	})
}

// FuzzPaginate ranges over a list whose server answers the first, second
// and then every later request with three arbitrary bodies. Properties: the
// iteration ends after at most four requests; each request after the first
// asks for the previous page's nextCursor, exactly, and the first for the
// cursor given; a page without hasMore or without nextCursor is the last,
// with no error; the items are those of the pages fetched, in order; an
// error is ErrInvalidResponse, comes once, and last; every reply body is
// closed.
func FuzzPaginate(f *testing.F) {
	f.Fuzz(func(t *testing.T, start string, first, second, third []byte) {
		pages := [][]byte{first, second, third}
		rt := &memRT{serve: func(n int, _ *http.Request) (int, string, []byte) {
			return 200, "application/json", pages[min(n, len(pages)-1)]
		}}
		c := memClient(rt)
		var got []Session
		var errs []error
		for s, err := range c.Sessions.List(t.Context(), &SessionListParams{Cursor: start, Limit: 2}) {
			if err != nil {
				errs = append(errs, err)
				continue
			}
			require.Empty(t, errs, "nothing follows an error")
			got = append(got, *s)
		}
		require.LessOrEqual(t, len(errs), 1)
		for _, err := range errs {
			require.ErrorIs(t, err, ErrInvalidResponse)
		}
		reqs := rt.requests()
		require.NotEmpty(t, reqs)
		require.LessOrEqual(t, len(reqs), 4, "a list over a finite server ends")
		assert.True(t, rt.allClosed(), "every page's body is closed")

		// Replay what the client saw: each page decoded as the client would.
		var want []Session
		cursor := start
		for i, r := range reqs {
			q, err := url.ParseQuery(r.URL.RawQuery)
			require.NoError(t, err)
			assert.Equal(t, cursor, q.Get("cursor"), "request %d asks for the previous page's cursor", i)
			assert.Equal(t, "2", q.Get("limit"))
			var page Page[Session]
			last := i == len(reqs)-1
			if body := pages[min(i, len(pages)-1)]; isNull(body) || json.Unmarshal(body, &page) != nil {
				require.True(t, last, "a bad page is the last one fetched")
				require.Len(t, errs, 1)
				break
			}
			want = append(want, page.Data...)
			cursor = page.NextCursor
			switch {
			case !last:
				assert.True(t, page.HasMore && page.NextCursor != "", "only a page with more and a nextCursor is followed")
			case page.HasMore && page.NextCursor != "":
				assert.Len(t, errs, 1, "a last page that claims more, with a cursor already fetched, is an error")
			default:
				assert.Empty(t, errs, "a last page without more, or without a nextCursor, ends the list cleanly")
			}
		}
		require.Len(t, got, len(want), "the items of the pages fetched")
		mw, ok := marshalDecoded(t, want)
		if !ok {
			return
		}
		mg, err := json.Marshal(got)
		require.NoError(t, err)
		assert.Equal(t, string(mw), string(mg), "the items of the pages fetched, in order")
	})
}

// FuzzValidateCron compares ValidateCron with an independent, regular
// expression based reading of the syntax its documentation gives.
// Properties: the verdicts agree; an error is a *CronError matching
// ErrInvalidParams, naming a real field and that field's text; a valid
// expression stays valid with its fields rejoined by single spaces.
func FuzzValidateCron(f *testing.F) {
	f.Fuzz(func(t *testing.T, expr string) {
		err := ValidateCron(expr)
		want := referenceCron(expr)
		require.Equal(t, want, err == nil, "ValidateCron(%q) = %v; the reference says valid=%v", expr, err, want)
		fields := strings.Fields(expr)
		if err != nil {
			var ce *CronError
			require.ErrorAs(t, err, &ce)
			require.ErrorIs(t, err, ErrInvalidParams)
			assert.NotEmpty(t, ce.Reason)
			if ce.Field == "" {
				assert.NotEqual(t, 5, len(fields))
				return
			}
			i := cronFieldIndex[ce.Field]
			require.Less(t, i, 5, "unknown field %q", ce.Field)
			require.Len(t, fields, 5)
			assert.Equal(t, fields[i], ce.Value)
			return
		}
		assert.NoError(t, ValidateCron(strings.Join(fields, " ")))
	})
}

var cronFieldIndex = map[string]int{"minute": 0, "hour": 1, "day-of-month": 2, "month": 3, "day-of-week": 4}

// cronItem is one list item: *, a value or a-b, with an optional /step; a
// value is a number or a name.
var cronItem = regexp.MustCompile(`^(?:\*|([0-9]+|[A-Za-z]+)|([0-9]+|[A-Za-z]+)-([0-9]+|[A-Za-z]+))(?:/([0-9]+))?$`)

// referenceCron is the documented syntax, read independently of the
// grammar in internal/cron.
func referenceCron(expr string) bool {
	bounds := [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 7}}
	spans := [5]int{60, 24, 31, 12, 7}
	names := [5]string{3: "jan feb mar apr may jun jul aug sep oct nov dec", 4: "sun mon tue wed thu fri sat"}
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return false
	}
	for i, field := range fields {
		lo, hi := bounds[i][0], bounds[i][1]
		num := func(s string) int {
			if n := slices.Index(strings.Fields(names[i]), strings.ToLower(s)); n >= 0 {
				return lo + n
			}
			n, err := strconv.Atoi(s)
			if err != nil || n < lo || n > hi {
				return -1
			}
			return n
		}
		for _, item := range strings.Split(field, ",") {
			m := cronItem.FindStringSubmatch(item)
			if m == nil {
				return false
			}
			single, from, to, step := m[1], m[2], m[3], m[4]
			switch {
			case single != "" && num(single) < 0:
				return false
			case from != "" && (num(from) < 0 || num(to) < 0 || num(from) > num(to)):
				return false
			}
			if step != "" {
				if n, err := strconv.Atoi(step); err != nil || n < 1 || n > spans[i] {
					return false
				}
			}
		}
	}
	return true
}

// FuzzKeyRedactor checks the redactor against a regular expression that
// spells out every escaped form of every character of the key: both find
// the same spellings, and what the redactor leaves shows none of them.
func FuzzKeyRedactor(f *testing.F) {
	for _, s := range []string{
		"a th_test_abc b", `th\u005ftest\u005fabc`, `\\\\x74H_TEST_abc`, `th&#95;test&#x5F;abc&#0000095;`,
		`th%5ftest%5Fabc th_test_ab`, `a\/b a\\/b a%2Fb a&#47;b`, `&#;&#x;\u00`, "th_test_ab\u212a",
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(1))
	}
	keys := []string{"th_test_abc", "a/b"}
	f.Fuzz(func(t *testing.T, s string, which uint8) {
		key := keys[int(which)%len(keys)]
		r, oracle := newKeyRedactor(key), keyPattern(key)
		assert.Equal(t, oracle.MatchString(s), r.has(s), "has(%q)", s)
		assert.Equal(t, oracle.ReplaceAllLiteralString(s, redacted), r.text(s), "text(%q)", s)
		assert.Equal(t, r.text(s), string(r.body([]byte(s))))
	})
}

// keyPattern returns the expression that matches key with any of its
// characters escaped in one of the ways keyRedactor undoes.
func keyPattern(key string) *regexp.Regexp {
	var pat strings.Builder
	for _, c := range key {
		fmt.Fprintf(&pat, `(?:%[1]s|\\+u%04[2]x|&#0*%[2]d;|&#x0*%[2]x;|\\+x%02[2]x|%%%02[2]x`, regexp.QuoteMeta(string(c)), c)
		if c == '/' {
			pat.WriteString(`|\\+/`)
		}
		pat.WriteString(")")
	}
	return regexp.MustCompile("(?i)" + pat.String())
}
