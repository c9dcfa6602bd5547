package theazo

import (
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go/internal/memnet"
	"github.com/theazo/theazo-go/sse"
)

// loadFlag asks for the paced load tests (TestLoad, TestRateGovernorLoad),
// which take seconds of real time: they run with -load or THEAZO_LOAD=1
// (scripts/test sets it), and skip otherwise.
var loadFlag = flag.Bool("load", false, "run the paced load tests, which take seconds of real time (or THEAZO_LOAD=1)")

// needLoad skips a paced load test unless -load or THEAZO_LOAD=1 asks for it.
func needLoad(t *testing.T) {
	t.Helper()
	if !*loadFlag && os.Getenv("THEAZO_LOAD") != "1" {
		t.Skip("a paced load test, in real time: run it with -load or THEAZO_LOAD=1")
	}
}

// TestMain fails the package's tests if any goroutine outlives them: a
// stream, a retry wait or a connection the SDK forgot to release.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testKey is the API key of the test clients.
const testKey = "th_test_harness0123456789"

// received is one request as a test server saw it.
type received struct {
	Method   string
	Path     string // escaped, as sent on the wire
	RawQuery string
	Header   http.Header
	Body     []byte
}

// recorder is an httptest server that records requests and answers each
// with the next reply of a script (the last reply repeats).
type recorder struct {
	*httptest.Server
	t       *testing.T
	hc      *http.Client // for a recorder in memory: the only way to reach it
	mu      sync.Mutex
	reqs    []received
	replies []reply
}

// reply is a scripted answer of a recorder.
type reply struct {
	Status int
	Header map[string]string
	Body   string
}

func newRecorder(t *testing.T, replies ...reply) *recorder {
	t.Helper()
	r := &recorder{t: t, replies: replies}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.Close)
	return r
}

// newMemRecorder is newRecorder served over in-memory connections
// (internal/memnet), which only its client reaches. Inside a
// testing/synctest bubble it and its client wait on the bubble's clock: a
// test's backoffs and Retry-Afters take no real time, and exact durations
// can be asserted.
func newMemRecorder(t *testing.T, replies ...reply) *recorder {
	t.Helper()
	r := &recorder{t: t, replies: replies}
	r.Server = httptest.NewUnstartedServer(http.HandlerFunc(r.serve))
	r.Listener.Close()
	l := memnet.Listen()
	r.Listener = l
	r.Start()
	tr := &http.Transport{DialContext: l.Dial}
	r.hc = &http.Client{Transport: tr}
	t.Cleanup(r.Close)
	t.Cleanup(tr.CloseIdleConnections)
	return r
}

func (r *recorder) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	n := len(r.reqs)
	r.reqs = append(r.reqs, received{Method: req.Method, Path: req.URL.EscapedPath(), RawQuery: req.URL.RawQuery, Header: req.Header.Clone(), Body: body})
	rep := reply{Status: http.StatusOK, Body: `{}`}
	if len(r.replies) > 0 {
		rep = r.replies[min(n, len(r.replies)-1)]
	}
	r.mu.Unlock()
	if rep.Status == 0 {
		rep.Status = http.StatusOK
	}
	for k, v := range rep.Header {
		w.Header().Set(k, v)
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(rep.Status)
	io.WriteString(w, rep.Body)
}

// requests returns a copy of what the server received.
func (r *recorder) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.reqs...)
}

// client returns a client of the recorder with fast, test-friendly defaults.
// Its idle connections are closed when the test ends, so that no goroutine
// outlives the test.
func (r *recorder) client(opts ...Option) *Client {
	if r.hc != nil {
		opts = append([]Option{WithHTTPClient(r.hc)}, opts...)
	}
	return newTestClient(r.t, r.URL, opts...)
}

// newTestClient returns a client with the test key of the server at root
// (its API under root/v1). Its idle connections are closed when the test
// ends.
func newTestClient(t *testing.T, root string, opts ...Option) *Client {
	t.Helper()
	c := NewClient(testKey, append([]Option{WithBaseURL(root + "/v1"), withReconnectWait(time.Millisecond)}, opts...)...)
	t.Cleanup(c.CloseIdleConnections)
	return c
}

// withReconnectWait makes every wait before a stream reconnects d, so
// that tests of resumption against canned replies run fast. The waits
// themselves are tested in the sse package.
func withReconnectWait(d time.Duration) Option {
	return clientOption(func(c *config) { c.reconnectWait = d })
}

// golden returns the contents of testdata/name.
func golden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	require.NoError(t, err)
	return string(b)
}

// endpointCase checks one service method against one endpoint: what is sent
// and how the reply is decoded.
type endpointCase struct {
	name string
	// call invokes the method under test and returns its result.
	call func(ctx context.Context, c *Client) (any, error)
	// reply is the server's answer (200 with "{}" when zero).
	reply reply
	// want* describe the one request the call must send.
	wantMethod string
	wantPath   string // escaped path after the host, e.g. "/v1/agents/agt_1/run"
	wantQuery  string // raw query, "" for none
	wantBody   string // exact JSON (compared as JSON); "" means no body at all
	public     bool   // true: no Authorization header may be sent
	// check asserts on the decoded result.
	check func(t *testing.T, got any)
}

// runEndpointCases runs each case against a fresh recorder.
func runEndpointCases(t *testing.T, cases []endpointCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := tc.reply
			if rep.Status == 0 {
				rep.Status = http.StatusOK
			}
			if rep.Body == "" {
				rep.Body = "{}"
			}
			srv := newRecorder(t, rep)
			got, err := tc.call(t.Context(), srv.client())
			require.NoError(t, err)

			reqs := srv.requests()
			require.Len(t, reqs, 1, "exactly one request")
			r := reqs[0]
			assert.Equal(t, tc.wantMethod, r.Method)
			assert.Equal(t, tc.wantPath, r.Path)
			assert.Equal(t, tc.wantQuery, r.RawQuery)
			if tc.wantBody == "" {
				assert.Empty(t, r.Body, "no request body")
				assert.Empty(t, r.Header.Get("Content-Type"))
			} else {
				assert.JSONEq(t, tc.wantBody, string(r.Body))
				assert.Equal(t, "application/json", r.Header.Get("Content-Type"))
			}
			if tc.public {
				assert.Empty(t, r.Header.Get("Authorization"), "public endpoint must not carry the key")
			} else {
				assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
			}
			assert.Regexp(t, `^theazo-go/\d+\.\d+\.\d+ go/\S+`, r.Header.Get("User-Agent"))
			if tc.check != nil {
				tc.check(t, got)
			}
		})
	}
}

// mustJSON marshals v for test fixtures.
func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// localErrorCase is a call that must fail before any request is sent.
type localErrorCase struct {
	name string
	// call invokes the method under test and returns its result.
	call func(ctx context.Context, c *Client) (any, error)
	// wantErr is the error the call must fail with (errors.Is).
	wantErr error
	// wantMsg is a part of the error's message; "" for no check.
	wantMsg string
	// hidden are strings the error's message must not contain (secrets).
	hidden []string
}

// runLocalErrorCases runs each case against a fresh recorder: the call must
// fail with wantErr, return no result and send nothing.
func runLocalErrorCases(t *testing.T, cases []localErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t)
			got, err := tc.call(t.Context(), srv.client())
			require.ErrorIs(t, err, tc.wantErr)
			assert.ErrorContains(t, err, tc.wantMsg)
			for _, s := range tc.hidden {
				assert.NotContains(t, err.Error(), s)
			}
			assert.Nil(t, got, "no result with an error")
			assert.Empty(t, srv.requests(), "nothing is sent")
		})
	}
}

// streamReply is a 200 recorder reply carrying body as an event stream.
func streamReply(body string) reply {
	return reply{Status: http.StatusOK, Header: map[string]string{"Content-Type": "text/event-stream"}, Body: body}
}

// drainStream ranges over s to its end and returns the events and the error
// that ended it, if any. It fails the test if the stream yields more than one
// error, or an event after its error. It may run on another goroutine.
func drainStream[E any](t *testing.T, s *sse.Stream[E]) ([]E, error) {
	t.Helper()
	var events []E
	var errs []error
	for ev, err := range s.Events() {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		assert.Empty(t, errs, "an event after the stream's error")
		events = append(events, ev)
	}
	assert.LessOrEqual(t, len(errs), 1, "a stream ends with one error at most: %v", errs)
	if len(errs) == 0 {
		return events, nil
	}
	return events, errs[0]
}

// assertStreamOpened asserts that srv received one request, the GET that
// opens a stream at path with the raw query: no body, Accept
// text/event-stream, no Last-Event-ID, and the API key unless public.
func assertStreamOpened(t *testing.T, srv *recorder, path, query string, public bool) {
	t.Helper()
	reqs := srv.requests()
	require.Len(t, reqs, 1)
	r := reqs[0]
	assert.Equal(t, http.MethodGet, r.Method)
	assert.Equal(t, path, r.Path)
	assert.Equal(t, query, r.RawQuery)
	assert.Empty(t, r.Body)
	assert.Equal(t, "text/event-stream", r.Header.Get("Accept"))
	assert.Empty(t, r.Header.Values("Last-Event-ID"), "a first connection resumes nothing")
	if public {
		assert.Empty(t, r.Header.Values("Authorization"), "a public stream carries no key")
	} else {
		assert.Equal(t, "Bearer "+testKey, r.Header.Get("Authorization"))
	}
}

// streamCase is an event stream's body and what ranging over it yields.
type streamCase[E any] struct {
	name    string
	body    string
	want    []E
	wantErr error // the error that ends the stream; nil for none
}

// runStreamCases serves each case's body on a fresh recorder, opens the
// stream with open and asserts its events and the error that ended it. The
// bodies carry no event ids, so each case is one request: the GET of
// wantPath, without a query, assertStreamOpened checks.
func runStreamCases[E any](t *testing.T, open func(ctx context.Context, c *Client) (*sse.Stream[E], error), wantPath string, public bool, cases []streamCase[E]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, streamReply(tc.body))
			stream, err := open(t.Context(), srv.client())
			require.NoError(t, err)
			events, err := drainStream(t, stream)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tc.want, withoutRaw(events))
			assertStreamOpened(t, srv, wantPath, "", public)
		})
	}
}

// withoutRaw returns copies of events without the raw data they were
// decoded from, to compare them with events made in code, which have none.
// The raw bytes themselves are asserted by the tests of RawJSON.
func withoutRaw[E any](events []E) []E {
	out := make([]E, len(events))
	for i, e := range events {
		out[i] = e
		v := reflect.ValueOf(e)
		if _, ok := any(e).(interface{ setRaw(json.RawMessage) }); !ok || v.Kind() != reflect.Pointer {
			continue
		}
		c := reflect.New(v.Elem().Type())
		c.Elem().Set(v.Elem())
		c.Interface().(interface{ setRaw(json.RawMessage) }).setRaw(nil)
		out[i] = c.Interface().(E)
	}
	return out
}

// WithTestReconnectWait is withReconnectWait for the tests of package
// theazo_test, which run against theazotest: every wait before a stream
// reconnects is d.
var WithTestReconnectWait = withReconnectWait

// NeedLoad is needLoad for the paced load tests of package theazo_test.
var NeedLoad = needLoad
