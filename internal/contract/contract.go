//go:build contract

// The contract suite calls every SDK method that sends a request against a
// Steady mock server (https://github.com/dgellow/steady) serving
// testdata/openapi.yaml. Steady validates each request against the document
// and says so in X-Steady-* response headers, which a wrapping RoundTripper
// reads, since the SDK does not expose response headers.
//
// It is built only with -tags contract and skips itself unless
// THEAZO_CONTRACT_URL names the server root (e.g. http://127.0.0.1:4010);
// .ci/run starts Steady and runs it.

package theazo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// contractKey is the API key of the contract clients; Steady accepts any.
const contractKey = "th_test_contract0123456789"

// contractExchange is one HTTP attempt as the observing RoundTripper saw it.
type contractExchange struct {
	Method      string
	Path        string // escaped request path
	Auth        string // the Authorization header sent
	Option      string // the contractOptionHeader sent by contractOpts
	Status      int
	Valid       string // X-Steady-Request-Valid
	ErrorCount  string // X-Steady-Error-Count
	MatchedPath string // X-Steady-Matched-Path
	Diagnostics []string
	Query       url.Values // the query sent
	Body        []byte     // the body sent, nil for none
}

// op names the document operation the exchange matched, e.g.
// "POST /v1/sessions". Steady names none when it refused the request.
func (e contractExchange) op() string {
	if e.MatchedPath == "" {
		return e.Method + " " + e.Path + " (no operation matched)"
	}
	return e.Method + " " + e.MatchedPath
}

// contractObserver is the RoundTripper the contract clients send through:
// it records each request and Steady's verdict on it, and changes nothing.
type contractObserver struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen []contractExchange
}

// RoundTrip sends req unchanged and records it with Steady's response headers.
// The body is read from a copy (GetBody), never from req.Body.
func (o *contractObserver) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.GetBody != nil {
		rc, err := req.GetBody()
		if err != nil {
			return nil, err
		}
		body, err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, err
		}
	}
	resp, err := o.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ex := contractExchange{
		Query:       req.URL.Query(),
		Body:        body,
		Method:      req.Method,
		Path:        req.URL.EscapedPath(),
		Auth:        req.Header.Get("Authorization"),
		Option:      req.Header.Get(contractOptionHeader),
		Status:      resp.StatusCode,
		Valid:       resp.Header.Get("X-Steady-Request-Valid"),
		ErrorCount:  resp.Header.Get("X-Steady-Error-Count"),
		MatchedPath: resp.Header.Get("X-Steady-Matched-Path"),
	}
	n, _ := strconv.Atoi(ex.ErrorCount)
	for i := 1; i <= n; i++ {
		p := "X-Steady-Error-" + strconv.Itoa(i) + "-"
		ex.Diagnostics = append(ex.Diagnostics, fmt.Sprintf("%s at %s: %s",
			resp.Header.Get(p+"Code"), resp.Header.Get(p+"Path"), resp.Header.Get(p+"Message")))
	}
	o.mu.Lock()
	o.seen = append(o.seen, ex)
	o.mu.Unlock()
	return resp, nil
}

func (o *contractObserver) exchanges() []contractExchange {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.seen)
}

// contractEnv is one Steady server: its root URL and what the document it
// serves says of each operation, "METHOD /path".
type contractEnv struct {
	root string
	// transport carries every request of the suite; closed when the test ends.
	transport *http.Transport
	// operations holds every operation of the document.
	operations map[string]bool
	// public holds the operations whose security is explicitly empty.
	public map[string]bool
	// fields holds, per operation, its documented query parameters
	// ("query.limit") and request body fields ("body.limits.maxCost.period"),
	// and the values of their enums ("body.lang=bash").
	fields map[string][]string

	mu      sync.Mutex
	covered map[string]bool            // operations the suite sent
	sent    map[string]map[string]bool // fields the suite sent, per operation
}

// newContractEnv returns the environment of the server named by the
// environment variable envVar, or skips the test when it is unset.
func newContractEnv(t *testing.T, envVar string) *contractEnv {
	t.Helper()
	root := strings.TrimRight(os.Getenv(envVar), "/")
	if root == "" {
		t.Skipf("contract tests need a Steady mock server: set %s to its root URL, "+
			"e.g. http://127.0.0.1:4010 (see .ci/run)", envVar)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections) // no keep-alive goroutine outlives the test
	env := &contractEnv{
		transport:  transport,
		root:       root,
		operations: map[string]bool{},
		public:     map[string]bool{},
		fields:     map[string][]string{},
		covered:    map[string]bool{},
		sent:       map[string]map[string]bool{},
	}
	env.loadDocument(t)
	return env
}

// loadDocument reads the document Steady serves (/_x-steady/spec): its
// operations, which of them are public, and their documented fields. It is
// the document the server validates against, not a copy that could drift.
func (env *contractEnv) loadDocument(t *testing.T) {
	t.Helper()
	resp, err := (&http.Client{Transport: env.transport}).Get(env.root + "/_x-steady/spec")
	require.NoError(t, err, "reading the document from Steady")
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET /_x-steady/spec")
	var doc map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	d := contractDoc{root: doc}
	paths, _ := doc["paths"].(map[string]any)
	for path, item := range paths {
		item, _ := d.resolve(item).(map[string]any)
		for method, op := range item {
			op, ok := op.(map[string]any)
			if !ok || !slices.Contains([]string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}, method) {
				continue
			}
			key := strings.ToUpper(method) + " " + path
			env.operations[key] = true
			if sec, ok := op["security"].([]any); ok && len(sec) == 0 {
				env.public[key] = true
			}
			var fields []string
			for _, p := range append(d.list(item["parameters"]), d.list(op["parameters"])...) {
				p, _ := d.resolve(p).(map[string]any)
				if p["in"] == "query" {
					name, _ := p["name"].(string)
					fields = append(fields, "query."+name)
					fields = d.schemaFields(fields, "query."+name, p["schema"], 0)
				}
			}
			body, _ := d.resolve(op["requestBody"]).(map[string]any)
			content, _ := body["content"].(map[string]any)
			media, _ := content["application/json"].(map[string]any)
			fields = d.schemaFields(fields, "body", media["schema"], 0)
			env.fields[key] = fields
		}
	}
	require.NotEmpty(t, env.operations, "the document has no operations")
}

// contractDoc reads a decoded OpenAPI document, following local $refs.
type contractDoc struct{ root map[string]any }

// resolve follows v's "#/…" $ref, if any, to the value it points at.
func (d contractDoc) resolve(v any) any {
	for range 32 { // a bound, in case of a cycle of $refs
		m, ok := v.(map[string]any)
		ref, isRef := m["$ref"].(string)
		if !ok || !isRef || !strings.HasPrefix(ref, "#/") {
			return v
		}
		var cur any = d.root
		for _, part := range strings.Split(ref[2:], "/") {
			part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
			m, _ := cur.(map[string]any)
			cur = m[part]
		}
		v = cur
	}
	return v
}

// list returns v as a list, or nil.
func (d contractDoc) list(v any) []any {
	l, _ := d.resolve(v).([]any)
	return l
}

// schemaFields appends to fields the path of every property a schema
// documents under prefix, nested objects and array items ("[]") included,
// and each value of an enum ("prefix=value").
func (d contractDoc) schemaFields(fields []string, prefix string, schema any, depth int) []string {
	s, _ := d.resolve(schema).(map[string]any)
	if s == nil || depth > 8 {
		return fields
	}
	if props, ok := s["properties"].(map[string]any); ok {
		for _, name := range slices.Sorted(maps.Keys(props)) {
			fields = append(fields, prefix+"."+name)
			fields = d.schemaFields(fields, prefix+"."+name, props[name], depth+1)
		}
	}
	for _, v := range d.list(s["enum"]) {
		fields = append(fields, fmt.Sprintf("%s=%v", prefix, v))
	}
	if items, ok := s["items"]; ok {
		fields = d.schemaFields(fields, prefix+"[]", items, depth+1)
	}
	for _, key := range []string{"allOf", "anyOf", "oneOf"} {
		for _, sub := range d.list(s[key]) {
			fields = d.schemaFields(fields, prefix, sub, depth+1)
		}
	}
	return fields
}

// sentFields adds to set the query parameters and body fields of ex, named
// like contractEnv.fields.
func sentFields(set map[string]bool, ex contractExchange) {
	for name, values := range ex.Query {
		set["query."+name] = true
		for _, v := range values {
			set["query."+name+"="+v] = true
		}
	}
	var body any
	if json.Unmarshal(ex.Body, &body) == nil {
		valueFields(set, "body", body)
	}
}

func valueFields(set map[string]bool, prefix string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, sub := range v {
			set[prefix+"."+k] = true
			valueFields(set, prefix+"."+k, sub)
		}
	case []any:
		for _, sub := range v {
			valueFields(set, prefix+"[]", sub)
		}
	default:
		set[fmt.Sprintf("%s=%v", prefix, v)] = true
	}
}

// client returns an SDK client of the server whose requests go through obs.
// Retries are off, so that each call is a known number of requests.
func (env *contractEnv) client(obs *contractObserver) *Client {
	return NewClient(contractKey,
		WithBaseURL(env.root+"/v1"),
		WithHTTPClient(&http.Client{Transport: obs}),
		WithMaxRetries(0),
	)
}

// contractOptionHeader is the extra header every call of the suite sends.
const contractOptionHeader = "X-Contract-Option"

// contractOpts returns the per-call options every call of the suite passes,
// so that the suite proves they leave every request valid: an extra header
// (checked on each request), WithResponseInto (checked, when the case ends,
// to hold the call's reply) and WithMaxRetries.
func contractOpts(t *testing.T) []RequestOption {
	t.Helper()
	resp := new(Response)
	t.Cleanup(func() {
		assert.True(t, resp.StatusCode >= 200 && resp.StatusCode < 300, "WithResponseInto holds the reply: status %d", resp.StatusCode)
		assert.Equal(t, 1, resp.Attempts)
		if resp.Header.Get("Content-Type") == "application/json" {
			assert.True(t, json.Valid(resp.Body), "WithResponseInto holds the raw JSON: %q", resp.Body)
		}
	})
	return []RequestOption{WithHeader(contractOptionHeader, "1"), WithResponseInto(resp), WithMaxRetries(0)}
}

// contractCase is one SDK call and the operations it must send.
type contractCase struct {
	name string
	// ops are the document operations the call sends, in order.
	ops []string
	// call makes the call and asserts on what the SDK decoded.
	call func(t *testing.T, ctx context.Context, c *Client)
}

// run runs each case against a fresh client and checks every request the
// case sent: the expected operation, accepted by Steady with no diagnostic
// at all, and carrying the key exactly when the document requires auth.
func (env *contractEnv) run(t *testing.T, cases []contractCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obs := &contractObserver{base: env.transport}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			// Deferred, so that Steady's verdict is reported even when the
			// call fails an assertion of its own (a 400 from Steady does).
			defer env.checkAll(t, tc.ops, obs.exchanges)
			tc.call(t, ctx, env.client(obs))
		})
	}
}

// checkAll checks every request a case sent and records the operations
// as covered.
func (env *contractEnv) checkAll(t *testing.T, want []string, exchanges func() []contractExchange) {
	t.Helper()
	got := exchanges()
	ops := make([]string, len(got))
	for i, ex := range got {
		ops[i] = ex.op()
		env.check(t, ex)
	}
	assert.Equal(t, want, ops, "operations sent")
	env.mu.Lock()
	defer env.mu.Unlock()
	for _, ex := range got {
		op := ex.op()
		env.covered[op] = true
		if env.sent[op] == nil {
			env.sent[op] = map[string]bool{}
		}
		sentFields(env.sent[op], ex)
	}
}

// check asserts that Steady accepted one request without any diagnostic,
// and that the request carried the key exactly when the operation needs it.
func (env *contractEnv) check(t *testing.T, ex contractExchange) {
	t.Helper()
	what := ex.Method + " " + ex.Path
	assert.Equal(t, "true", ex.Valid, "%s: X-Steady-Request-Valid; diagnostics: %q", what, ex.Diagnostics)
	assert.Equal(t, "0", ex.ErrorCount, "%s: X-Steady-Error-Count; diagnostics: %q", what, ex.Diagnostics)
	assert.True(t, ex.Status >= 200 && ex.Status < 300, "%s: status %d", what, ex.Status)
	if !assert.True(t, env.operations[ex.op()], "%s matched no operation of the document", what) {
		return
	}
	assert.Equal(t, "1", ex.Option, "%s: every call of the suite sends per-call options (contractOpts)", what)
	if env.public[ex.op()] {
		assert.Empty(t, ex.Auth, "%s is public: the key must not be sent", ex.op())
	} else {
		assert.Equal(t, "Bearer "+contractKey, ex.Auth, "%s needs the bearer key", ex.op())
	}
}

// contractServices lists the suite of each service, in the order they run.
var contractServices = []struct {
	name  string
	cases func() []contractCase
}{
	{"Sessions", contractSessionsCases},
	{"Agents", contractAgentsCases},
	{"Usage", contractUsageCases},
	{"Providers", contractProvidersCases},
	{"Secrets", contractSecretsCases},
	{"Definitions", contractDefinitionsCases},
	{"Billing", contractBillingCases},
	{"Workflows", contractWorkflowsCases},
	{"Fleets", contractFleetsCases},
	{"Schedules", contractSchedulesCases},
	{"Triggers", contractTriggersCases},
	{"Channels", contractChannelsCases},
}

// TestContract runs every service's suite against THEAZO_CONTRACT_URL, then
// checks that together they sent every operation of the document, and every
// query parameter, body field and enum value it documents.
func TestContract(t *testing.T) {
	env := newContractEnv(t, "THEAZO_CONTRACT_URL")
	ranAll := true
	for _, svc := range contractServices {
		ran := false
		t.Run(svc.name, func(t *testing.T) {
			ran = true
			env.run(t, svc.cases())
		})
		ranAll = ranAll && ran
	}
	if !ranAll {
		t.Log("some services were filtered out with -run: operation coverage not checked")
		return
	}
	t.Run("EveryOperation", func(t *testing.T) {
		var missing, extra []string
		for op := range env.operations {
			if !env.covered[op] {
				missing = append(missing, op)
			}
		}
		for op := range env.covered {
			if !env.operations[op] {
				extra = append(extra, op)
			}
		}
		slices.Sort(missing)
		slices.Sort(extra)
		assert.Empty(t, missing, "operations of testdata/openapi.yaml that no SDK call sent (of %d)", len(env.operations))
		assert.Empty(t, extra, "requests that matched no operation")
	})
	// Steady judges what is sent; a field the SDK drops is invisible to it.
	// So every documented query parameter and body field, optional ones
	// included, and every value of their enums must have been sent by some
	// call of the suite.
	t.Run("EveryField", func(t *testing.T) {
		var missing []string
		total := 0
		for op, fields := range env.fields {
			total += len(fields)
			for _, f := range fields {
				if !env.sent[op][f] {
					missing = append(missing, op+" "+f)
				}
			}
		}
		slices.Sort(missing)
		t.Logf("%d documented query parameters, body fields and enum values", total)
		assert.Empty(t, missing, "documented fields and enum values that no SDK call sent")
	})
}

// contractEvents reads the events of a stream (or the items of a list), at
// most limit of them (all when limit is 0), and fails the test on an error.
func contractEvents[E any](t *testing.T, events iter.Seq2[E, error], limit int) []E {
	t.Helper()
	var got []E
	for ev, err := range events {
		require.NoError(t, err)
		got = append(got, ev)
		if limit > 0 && len(got) == limit {
			break
		}
	}
	return got
}

// contractFirst returns the first item of a list, fetching one page only. It
// fails the test on an error or an empty list.
func contractFirst[E any](t *testing.T, list iter.Seq2[E, error]) E {
	t.Helper()
	items := contractEvents(t, list, 1)
	require.Len(t, items, 1, "the list is empty")
	return items[0]
}

// contractEventAs returns events[i] as a T, and fails the test when there is
// no such event or it is of another type.
func contractEventAs[T, E any](t *testing.T, events []E, i int) T {
	t.Helper()
	require.Greater(t, len(events), i, "no event %d", i)
	ev, ok := any(events[i]).(T)
	require.True(t, ok, "event %d is %T", i, events[i])
	return ev
}

// contractTime parses an RFC 3339 time of the document's examples.
func contractTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return tm
}
