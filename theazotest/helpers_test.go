package theazotest_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// These tests speak raw HTTP and JSON to the server, independent of the SDK.

// reply is a decoded JSON reply.
type reply struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// str returns the string at a dotted path of the body, e.g. "error.code".
func (r reply) str(path string) string {
	s, _ := r.get(path).(string)
	return s
}

// num returns the number at a dotted path of the body.
func (r reply) num(path string) float64 {
	n, _ := r.get(path).(float64)
	return n
}

func (r reply) get(path string) any {
	var v any = r.body
	for _, k := range strings.Split(path, ".") {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// list returns the "data" array of the body.
func (r reply) list() []map[string]any {
	arr, _ := r.body["data"].([]any)
	out := make([]map[string]any, len(arr))
	for i, v := range arr {
		out[i], _ = v.(map[string]any)
	}
	return out
}

// fields returns the field names of a 422's details.
func (r reply) fields() []string {
	arr, _ := r.get("error.details.fields").([]any)
	var out []string
	for _, f := range arr {
		m, _ := f.(map[string]any)
		name, _ := m["field"].(string)
		out = append(out, name)
	}
	return out
}

// api sends requests to one server with a key ("" for none).
type api struct {
	t   *testing.T
	srv *theazotest.Server
	key string
}

func newAPI(t *testing.T, opts ...theazotest.Option) *api {
	t.Helper()
	srv := theazotest.NewServer(opts...)
	t.Cleanup(srv.Close)
	return &api{t: t, srv: srv, key: srv.APIKey()}
}

// as returns the same server with another key.
func (a *api) as(key string) *api { return &api{t: a.t, srv: a.srv, key: key} }

func (a *api) req(method, path string, body any, header ...string) *http.Request {
	a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(a.t, err)
		rd = bytes.NewReader(data)
	}
	r, err := http.NewRequest(method, a.srv.URL()+path, rd)
	require.NoError(a.t, err)
	if a.key != "" {
		r.Header.Set("Authorization", "Bearer "+a.key)
	}
	if rd != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	return r
}

// do sends one request and decodes the JSON reply.
func (a *api) do(method, path string, body any, header ...string) reply {
	a.t.Helper()
	resp, err := a.srv.HTTPClient().Do(a.req(method, path, body, header...))
	require.NoError(a.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(a.t, err)
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		require.NoError(a.t, json.Unmarshal(raw, &r.body), "body: %s", raw)
	}
	return r
}

// must sends a request that must answer want, and returns the reply.
func (a *api) must(want int, method, path string, body any, header ...string) reply {
	a.t.Helper()
	r := a.do(method, path, body, header...)
	require.Equal(a.t, want, r.status, "%s %s: %s", method, path, r.raw)
	return r
}

// event is one Server-Sent Event.
type event struct{ id, typ, data string }

// sse is an open event stream.
type sse struct {
	resp *http.Response
	rd   *bufio.Reader
}

// open connects to a stream and checks the reply.
func (a *api) open(path string, header ...string) *sse {
	a.t.Helper()
	resp, err := a.srv.HTTPClient().Do(a.req("GET", path, nil, header...))
	require.NoError(a.t, err)
	require.Equal(a.t, 200, resp.StatusCode)
	require.Equal(a.t, "text/event-stream", resp.Header.Get("Content-Type"))
	a.t.Cleanup(func() { resp.Body.Close() })
	return &sse{resp: resp, rd: bufio.NewReader(resp.Body)}
}

// next reads one event; ok is false at the end of the stream or on an error.
func (s *sse) next() (event, bool) {
	var ev event
	for {
		line, err := s.rd.ReadString('\n')
		if err != nil {
			return ev, false
		}
		line = strings.TrimRight(line, "\n")
		if line == "" {
			if ev.data != "" {
				return ev, true
			}
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimPrefix(v, " ")
		switch k {
		case "id":
			ev.id = v
		case "event":
			ev.typ = v
		case "data":
			ev.data = v
		}
	}
}

// take reads n events, failing the test if the stream ends first.
func (s *sse) take(t *testing.T, n int) []event {
	t.Helper()
	var out []event
	for range n {
		ev, ok := s.next()
		require.True(t, ok, "stream ended after %d of %d events", len(out), n)
		out = append(out, ev)
	}
	return out
}

// rest reads events until the stream ends.
func (s *sse) rest() []event {
	var out []event
	for {
		ev, ok := s.next()
		if !ok {
			return out
		}
		out = append(out, ev)
	}
}

func types(evs []event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.typ
	}
	return out
}

// eventually polls cond for up to two seconds.
func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	require.Eventually(t, cond, 2*time.Second, 5*time.Millisecond, msg)
}

// sign is the X-Theazo-Signature value of body under a trigger's signing
// secret.
func sign(secret string, body []byte) string {
	return theazo.SignTriggerPayload(theazo.Secret(secret), body)
}
