package theazo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// serviceMethod is one method of one service of a client, found by reflection.
type serviceMethod struct {
	name string // "Sessions.Create"
	fn   reflect.Value
}

// serviceMethods returns every exported method of every service of c that
// takes a context first: the methods that make requests.
func serviceMethods(t *testing.T, c *theazo.Client) []serviceMethod {
	t.Helper()
	ctxType := reflect.TypeFor[context.Context]()
	var out []serviceMethod
	services := reflect.ValueOf(c).Elem()
	for i := range services.NumField() {
		field := services.Type().Field(i)
		if !field.IsExported() || field.Type.Kind() != reflect.Pointer {
			continue
		}
		svc := services.Field(i)
		for m := range svc.NumMethod() {
			fn := svc.Method(m)
			if fn.Type().NumIn() == 0 || fn.Type().In(0) != ctxType {
				continue
			}
			out = append(out, serviceMethod{name: field.Name + "." + svc.Type().Method(m).Name, fn: fn})
		}
	}
	return out
}

// walkArgs builds arguments for m: a context, "x" for every string (an ID
// the server does not know, or a task), a zero params struct, and a small
// object for any other value; the options come last.
func walkArgs(ctx context.Context, m serviceMethod, opts []theazo.RequestOption) []reflect.Value {
	typ := m.fn.Type()
	args := []reflect.Value{reflect.ValueOf(ctx)}
	for a := 1; a < typ.NumIn()-1; a++ {
		in := typ.In(a)
		switch {
		case in.Kind() == reflect.String:
			args = append(args, reflect.ValueOf("x").Convert(in))
		case in.Kind() == reflect.Pointer:
			p := reflect.New(in.Elem())
			fillParams(p.Elem(), 0)
			args = append(args, p)
		case in.Kind() == reflect.Interface:
			args = append(args, reflect.ValueOf(map[string]string{"event": "walk"}))
		default:
			args = append(args, reflect.Zero(in))
		}
	}
	for _, o := range opts {
		args = append(args, reflect.ValueOf(o))
	}
	return args
}

// fillParams sets the fields of a params struct that the SDK checks
// locally, so that the call reaches the server: each string "x" (a cron
// field, a name and a language get values those checks accept), each number
// 1, each list one filled element, each map of strings {"x": "x"}, each
// nested struct likewise.
func fillParams(v reflect.Value, depth int) {
	if depth > 3 {
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if !f.IsExported() {
				continue
			}
			switch f.Name {
			case "Cron":
				v.Field(i).SetString("0 9 * * *")
			case "Lang":
				v.Field(i).SetString("bash")
			case "Name", "Provider", "Type":
				v.Field(i).SetString("x_walk")
			default:
				fillParams(v.Field(i), depth+1)
			}
		}
	case reflect.String:
		v.SetString("x")
	case reflect.Int, reflect.Int64:
		v.SetInt(1)
	case reflect.Slice:
		if k := v.Type().Elem().Kind(); k == reflect.String || k == reflect.Struct {
			e := reflect.New(v.Type().Elem()).Elem()
			fillParams(e, depth+1)
			v.Set(reflect.Append(v, e))
		}
	case reflect.Map:
		if k := v.Type().Elem().Kind(); v.Type().Key().Kind() == reflect.String && (k == reflect.String || k == reflect.Interface) {
			v.Set(reflect.MakeMap(v.Type()))
			v.SetMapIndex(reflect.ValueOf("x").Convert(v.Type().Key()), reflect.ValueOf("x").Convert(v.Type().Elem())) // a string, or a string in an any
		}
	}
}

// callMethod calls m and returns its error: the method's own, the first a
// list yields, or a stream's first. It ranges over one item of a list and
// closes a stream.
func callMethod(ctx context.Context, m serviceMethod, opts ...theazo.RequestOption) error {
	out := m.fn.Call(walkArgs(ctx, m, opts))
	errType := reflect.TypeFor[error]()
	if last := out[len(out)-1]; last.Type() == errType && !last.IsNil() {
		return last.Interface().(error)
	}
	first := out[0]
	var err error
	switch {
	case first.Kind() == reflect.Func: // an iterator: range to its first item or error
		yield := reflect.MakeFunc(first.Type().In(0), func(in []reflect.Value) []reflect.Value {
			if e := in[len(in)-1]; e.Type() == errType && !e.IsNil() {
				err = e.Interface().(error)
			}
			return []reflect.Value{reflect.ValueOf(false)}
		})
		first.Call([]reflect.Value{yield})
	case first.IsValid() && first.MethodByName("Close").IsValid() && !first.IsNil():
		first.MethodByName("Close").Call(nil)
	}
	return err
}

// localError reports whether err was decided without a request.
func localError(err error) bool {
	return errors.Is(err, theazo.ErrInvalidParams) || errors.Is(err, theazo.ErrEmptyID)
}

// TestEveryMethodTakesOptions walks every service method of a real client
// and calls it against theazotest with WithResponseInto, WithHeader and
// WithQuery, then every method that sends a body with WithJSONSet: each
// takes the options last, fills the Response from the reply it got (a
// success or an API error), and sends the extras. Methods are found by
// reflection, so that one added later is walked too.
func TestEveryMethodTakesOptions(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client(theazo.WithMaxRetries(0))
	ctx := t.Context()
	methods := serviceMethods(t, c)
	require.GreaterOrEqual(t, len(methods), 65, "every method of every service")

	optType := reflect.TypeFor[[]theazo.RequestOption]()
	sentBody := map[string]bool{} // methods whose request has a body
	stream := map[string]bool{}   // methods that open a stream
	for _, m := range methods {
		typ := m.fn.Type()
		require.True(t, typ.IsVariadic() && typ.In(typ.NumIn()-1) == optType, "%s takes opts ...RequestOption last", m.name)
		t.Run(m.name, func(t *testing.T) {
			srv.ResetRequests()
			var resp theazo.Response
			err := callMethod(ctx, m, theazo.WithResponseInto(&resp), theazo.WithHeader("X-Walk", m.name), theazo.WithQuery("walk", m.name))
			require.False(t, localError(err), "%s: the walk's arguments reach the server: %v", m.name, err)
			reqs := srv.Requests()
			require.NotEmpty(t, reqs, "%s sent nothing", m.name)
			for _, r := range reqs {
				assert.Equal(t, m.name, r.Header.Get("X-Walk"), "%s %s: the extra header", r.Method, r.Path)
				assert.Equal(t, m.name, r.Query.Get("walk"), "%s %s: the extra query parameter", r.Method, r.Path)
				sentBody[m.name] = sentBody[m.name] || r.Method != http.MethodGet && r.Method != http.MethodDelete
				stream[m.name] = stream[m.name] || r.Header.Get("Accept") == "text/event-stream"
			}
			last := reqs[len(reqs)-1]
			assert.Equal(t, last.Status, resp.StatusCode, "the Response is the final reply's")
			assert.Equal(t, last.RequestID, resp.RequestID)
			assert.Equal(t, last.RequestID, resp.Header.Get("X-Request-Id"))
			assert.Equal(t, 1, resp.Attempts)
			var apiErr *theazo.Error
			if errors.As(err, &apiErr) {
				assert.Equal(t, apiErr.StatusCode, resp.StatusCode)
				assert.True(t, json.Valid(resp.Body), "the error's body: %q", resp.Body)
			} else if resp.Header.Get("Content-Type") == "application/json" {
				assert.True(t, json.Valid(resp.Body), "the reply's JSON: %q", resp.Body)
			} else {
				assert.Nil(t, resp.Body, "a stream's body is its events")
			}
		})
	}

	for _, m := range methods {
		t.Run(m.name+"/WithJSONSet", func(t *testing.T) {
			srv.ResetRequests()
			var resp theazo.Response
			err := callMethod(ctx, m, theazo.WithJSONSet("walkMember", m.name), theazo.WithResponseInto(&resp))
			switch {
			case stream[m.name] && !sentBody[m.name]:
				require.False(t, localError(err), "a stream ignores WithJSONSet: %v", err)
				for _, r := range srv.Requests() {
					assert.Empty(t, r.Body, "a stream's request has no body")
				}
				return
			case !sentBody[m.name] || m.name == "Triggers.Fire":
				require.ErrorIs(t, err, theazo.ErrInvalidParams, "%s has no JSON body to set a member of", m.name)
				assert.Empty(t, srv.Requests(), "refused locally")
				assert.Zero(t, resp, "nothing received: the Response is untouched")
				return
			}
			reqs := srv.Requests()
			require.NotEmpty(t, reqs)
			for _, r := range reqs {
				if r.Header.Get("Accept") == "text/event-stream" { // RunStream's stream
					assert.Empty(t, r.Body)
					continue
				}
				got, ok := r.BodyMember("walkMember")
				require.True(t, ok, "%s %s: %q", r.Method, r.Path, r.Body)
				assert.JSONEq(t, `"`+m.name+`"`, string(got), "%s %s", r.Method, r.Path)
			}
		})
	}
}

// TestWithJSONSetOverridesAndKeeps sets a member the SDK sends and adds one
// it does not model: the first is replaced, the second added, the rest kept.
func TestWithJSONSetOverridesAndKeeps(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := t.Context()
	s, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_1", Metadata: theazo.Metadata{"plan": "free"}},
		theazo.WithJSONSet("userId", "user_2"), theazo.WithJSONSet("region", map[string]any{"name": "eu", "strict": true}))
	require.NoError(t, err)
	assert.Equal(t, "user_2", s.UserID, "the server saw the overriding member")
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.JSONEq(t, `{"userId":"user_2","metadata":{"plan":"free"},"region":{"name":"eu","strict":true}}`, string(reqs[0].Body))

	_, err = c.Sessions.Create(ctx, nil, theazo.WithJSONSet("bad", func() {}))
	require.ErrorIs(t, err, theazo.ErrInvalidParams, "a value encoding/json cannot marshal")
	assert.Len(t, srv.Requests(), 1, "nothing sent")
}

// TestTriggerFireRefusesJSONSet: Fire signs its exact bytes, so a member set
// after signing would break the signature; the option is refused, and the
// same call without it is sent and verified.
func TestTriggerFireRefusesJSONSet(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := t.Context()
	def, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "d"})
	require.NoError(t, err)
	trig, err := c.Triggers.Create(ctx, &theazo.TriggerCreateParams{Name: "t", Action: theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: def.ID, Task: "x"}}})
	require.NoError(t, err)
	srv.ResetRequests()

	_, err = c.Triggers.Fire(ctx, trig.ID, trig.SigningSecret, map[string]string{"a": "b"}, theazo.WithJSONSet("a", "c"))
	require.ErrorIs(t, err, theazo.ErrInvalidParams)
	assert.Contains(t, err.Error(), "exact bytes")
	assert.Empty(t, srv.Requests())

	var resp theazo.Response
	_, err = c.Triggers.Fire(ctx, trig.ID, trig.SigningSecret, map[string]string{"a": "b"}, theazo.WithHeader("X-Source", "relay"), theazo.WithResponseInto(&resp))
	require.NoError(t, err)
	assert.Equal(t, http.StatusAccepted, resp.StatusCode)
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "relay", reqs[0].Header.Get("X-Source"))
	assert.Empty(t, reqs[0].Header.Get("Authorization"), "a public call carries no key")
}

// TestWithHeaderRefusesAuthorization on authenticated and public calls
// alike, and refuses header names and values that would corrupt the request.
func TestWithHeaderRefusesAuthorization(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := t.Context()
	for _, opt := range []theazo.RequestOption{
		theazo.WithHeader("Authorization", "Bearer th_test_other"),
		theazo.WithHeader("authorization", "Bearer th_test_other"),
		theazo.WithHeader("Bad Name", "x"),
		theazo.WithHeader("", "x"),
		theazo.WithHeader("X-Ok", "a\r\nAuthorization: Bearer x"),
		theazo.WithQuery("", "x"),
		theazo.WithLastEventID("1\n2"),
	} {
		_, err := c.Usage.Summary(ctx, nil, opt)
		require.ErrorIs(t, err, theazo.ErrInvalidParams)
		_, err = c.Channels.SendMessage(ctx, "ch_1", &theazo.MessageSendParams{Content: "hi"}, opt)
		require.ErrorIs(t, err, theazo.ErrInvalidParams)
		assert.NotContains(t, err.Error(), "th_test_other", "the refused value is not quoted")
	}
	assert.Empty(t, srv.Requests(), "nothing was sent")
}

// TestPerCallOptionsDoNotBleed runs 50 goroutines on one client, each with
// its own header, query, retries, middleware and Response, while faults make
// some calls retry: every request carries its own goroutine's extras and no
// other's, every Response describes its own call, and a call without
// options carries none.
func TestPerCallOptionsDoNotBleed(t *testing.T) {
	t.Parallel()
	const goroutines, calls = 25, 4
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client(theazo.WithMaxRetryWait(time.Millisecond))
	ctx := t.Context()
	srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/usage/summary", Status: http.StatusServiceUnavailable, Times: 20})

	type result struct {
		resp  theazo.Response
		err   error
		seen  []string // X-G values the goroutine's middleware saw
		plain error    // a call without options
	}
	results := make([][]result, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			tag := fmt.Sprint("g", g)
			for range calls {
				var r result
				mw := func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
					r.seen = append(r.seen, req.Header.Get("X-G"))
					return next(req)
				}
				_, r.err = c.Usage.Summary(ctx, nil, theazo.WithHeader("X-G", tag), theazo.WithQuery("g", tag),
					theazo.WithMaxRetries(5), theazo.WithMiddleware(mw), theazo.WithResponseInto(&r.resp))
				_, r.plain = c.Usage.Summary(ctx, nil, theazo.WithMaxRetries(5))
				results[g] = append(results[g], r)
			}
		})
	}
	wg.Wait()

	byID := map[string]theazotest.Request{}
	for _, r := range srv.Requests() {
		byID[r.RequestID] = r
		if g := r.Header.Get("X-G"); g != "" {
			assert.Equal(t, g, r.Query.Get("g"), "header and query of one call")
		}
	}
	plain := 0
	for _, r := range srv.Requests() {
		if r.Header.Get("X-G") == "" {
			plain++
			assert.Empty(t, r.Query.Get("g"), "a call without options carries no other call's query")
		}
	}
	assert.GreaterOrEqual(t, plain, goroutines*calls, "the calls without options")
	for g, rs := range results {
		tag := fmt.Sprint("g", g)
		for _, r := range rs {
			require.NoError(t, r.err)
			require.NoError(t, r.plain)
			assert.Equal(t, http.StatusOK, r.resp.StatusCode)
			req, ok := byID[r.resp.RequestID]
			require.True(t, ok, "the Response's request id is one the server gave")
			assert.Equal(t, tag, req.Header.Get("X-G"), "the Response describes this goroutine's call")
			assert.Equal(t, len(r.seen), r.resp.Attempts, "the middleware ran once per attempt")
			for _, s := range r.seen {
				assert.Equal(t, tag, s, "the middleware of one call sees only that call")
			}
		}
	}
}

// TestResponseIntoUntouchedWithoutReply: a call that receives nothing (a
// local error, a refused connection) leaves the Response as it was.
func TestResponseIntoUntouchedWithoutReply(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	url := srv.URL()
	srv.Close()
	c := theazo.NewClient("th_test_x", theazo.WithBaseURL(url), theazo.WithMaxRetries(0))
	before := theazo.Response{StatusCode: 299, RequestID: "before"}
	resp := before
	_, err := c.Agents.Get(t.Context(), "agt_1", theazo.WithResponseInto(&resp))
	require.Error(t, err)
	assert.Equal(t, before, resp, "nothing received")
	_, err = c.Agents.Get(t.Context(), "", theazo.WithResponseInto(&resp))
	require.ErrorIs(t, err, theazo.ErrEmptyID)
	assert.Equal(t, before, resp)
}

// TestResponseIntoOnErrorAndRetries: after retries, the Response is the last
// reply's, with the attempts counted and the error body kept.
func TestResponseIntoOnErrorAndRetries(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client(theazo.WithMaxRetryWait(time.Millisecond))
	srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*", Status: http.StatusServiceUnavailable, Times: 2})
	var resp theazo.Response
	_, err := c.Agents.Get(t.Context(), "agt_missing", theazo.WithResponseInto(&resp))
	require.ErrorIs(t, err, theazo.ErrNotFound)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)
	assert.Equal(t, 3, resp.Attempts, "two 503s, then the 404")
	var apiErr *theazo.Error
	require.ErrorAs(t, err, &apiErr)
	assert.Equal(t, apiErr.RequestID, resp.RequestID)
	assert.Contains(t, string(resp.Body), `"not_found"`)

	// Per call, the retries are this call's: none.
	srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*", Status: http.StatusServiceUnavailable, Times: 1})
	_, err = c.Agents.Get(t.Context(), "agt_missing", theazo.WithResponseInto(&resp), theazo.WithMaxRetries(0))
	require.Error(t, err)
	assert.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	assert.Equal(t, 1, resp.Attempts)
}

// TestResponseIntoBodyHasUnmodelledFields: the raw body reaches a member the
// typed result does not have.
func TestResponseIntoBodyHasUnmodelledFields(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	var resp theazo.Response
	s, err := c.Sessions.Create(t.Context(), &theazo.SessionCreateParams{UserID: "u"}, theazo.WithResponseInto(&resp))
	require.NoError(t, err)
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(resp.Body, &raw))
	assert.JSONEq(t, `"`+s.ID+`"`, string(raw["id"]))
	assert.True(t, strings.HasPrefix(resp.RequestID, "req_"))
}

// TestWithLastEventIDResumesFirstConnection: a stream opened with the id a
// browser reconnected with starts after that event.
func TestWithLastEventIDResumesFirstConnection(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	ctx := t.Context()
	agent, all := ranAgent(t, c)

	srv.ResetRequests()
	var resp theazo.Response
	resumed, err := c.Agents.Stream(ctx, agent.ID, theazo.WithLastEventID("2"), theazo.WithResponseInto(&resp))
	require.NoError(t, err)
	defer resumed.Close()
	var rest []string
	for ev, err := range resumed.Events() {
		require.NoError(t, err)
		rest = append(rest, fmt.Sprintf("%T", ev))
	}
	assert.Equal(t, all[2:], rest, "the events after id 2")
	reqs := srv.Requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "2", reqs[0].Header.Get("Last-Event-ID"))
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Nil(t, resp.Body, "a stream's body is its events")
}

// ranAgent returns an agent, in a new session, that has run the server's
// default script to its end, and the types of the events the run streamed.
func ranAgent(t *testing.T, c *theazo.Client) (*theazo.Agent, []string) {
	t.Helper()
	ctx := t.Context()
	sess, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "u"})
	require.NoError(t, err)
	agent, err := c.Agents.Create(ctx, sess.ID, nil)
	require.NoError(t, err)
	stream, err := c.Agents.RunStream(ctx, agent.ID, "task")
	require.NoError(t, err)
	defer stream.Close()
	var types []string
	for ev, err := range stream.Events() {
		require.NoError(t, err)
		types = append(types, fmt.Sprintf("%T", ev))
	}
	require.Len(t, types, 4, "the default script")
	return agent, types
}

// TestStreamOptionsOnResumption: a resumption keeps the call's extras, sends
// the stream's own last event id rather than WithLastEventID's, and leaves
// the Response describing the first connection; the rate governor paces
// the resumption too.
func TestStreamOptionsOnResumption(t *testing.T) {
	t.Parallel()
	// On synctest's clock: the wait before the resumption takes no real time.
	synctest.Test(t, func(t *testing.T) {
		srv := theazotest.NewServer(theazotest.WithInMemory())
		t.Cleanup(srv.Close)
		lim := &countingLimiter{}
		c := srv.Client(theazo.WithRateLimiter(lim))
		ctx := t.Context()
		agent, all := ranAgent(t, c)
		srv.ResetRequests()
		paced := lim.n.Load()
		srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 1})

		var resp theazo.Response
		stream, err := c.Agents.Stream(ctx, agent.ID, theazo.WithLastEventID("1"), theazo.WithHeader("X-Relay", "r1"), theazo.WithResponseInto(&resp))
		require.NoError(t, err)
		defer stream.Close()
		first := resp
		var got []string
		for ev, err := range stream.Events() {
			require.NoError(t, err)
			got = append(got, fmt.Sprintf("%T", ev))
		}
		assert.Equal(t, all[1:], got, "after event 1, across the drop")
		reqs := srv.Requests()
		require.Len(t, reqs, 2, "the connection and its resumption")
		assert.Equal(t, "1", reqs[0].Header.Get("Last-Event-ID"))
		assert.Equal(t, "2", reqs[1].Header.Get("Last-Event-ID"), "the stream's own id")
		assert.Equal(t, "r1", reqs[1].Header.Get("X-Relay"), "the extras on every connection")
		assert.Equal(t, first, resp, "the Response is the first connection's")
		assert.Equal(t, reqs[0].RequestID, resp.RequestID)
		assert.Equal(t, int64(2), lim.n.Load()-paced, "the connection and its resumption were paced")
	})
}

// TestRunStreamPassesOptionsToBothRequests: Agents.RunStream's stream
// ignores WithJSONSet and its run sends it; both carry the extra header.
func TestRunStreamPassesOptionsToBothRequests(t *testing.T) {
	t.Parallel()
	srv := theazotest.NewServer()
	t.Cleanup(srv.Close)
	c := srv.Client()
	agent, _ := ranAgent(t, c)
	srv.ResetRequests()
	stream, err := c.Agents.RunStream(t.Context(), agent.ID, "again", theazo.WithJSONSet("priority", "high"), theazo.WithHeader("X-Relay", "r1"))
	require.NoError(t, err)
	defer stream.Close()
	for _, err := range stream.Events() {
		require.NoError(t, err)
	}
	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, http.MethodGet, reqs[0].Method)
	assert.Empty(t, reqs[0].Body, "the stream has no body")
	got, ok := reqs[1].BodyMember("priority")
	require.True(t, ok, "the run's body: %s", reqs[1].Body)
	assert.JSONEq(t, `"high"`, string(got))
	for _, r := range reqs {
		assert.Equal(t, "r1", r.Header.Get("X-Relay"))
	}
}
