//go:build contract

package contract

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Key is the API key of the contract clients; Steady accepts any.
const Key = "th_test_contract0123456789"

// Exchange is one HTTP attempt as the observing RoundTripper saw it.
type Exchange struct {
	Method      string     // the request method
	Path        string     // escaped request path
	Auth        string     // the Authorization header sent
	Option      string     // the OptionHeader sent with every call
	Status      int        // the reply status
	Valid       string     // X-Steady-Request-Valid
	ErrorCount  string     // X-Steady-Error-Count
	MatchedPath string     // X-Steady-Matched-Path
	Diagnostics []string   // Steady's X-Steady-Error-N-* headers, one line each
	Query       url.Values // the query sent
	Body        []byte     // the body sent, nil for none
}

// Op names the document operation the exchange matched, e.g.
// "POST /v1/sessions". Steady names none when it refused the request.
func (e Exchange) Op() string {
	if e.MatchedPath == "" {
		return e.Method + " " + e.Path + " (no operation matched)"
	}
	return e.Method + " " + e.MatchedPath
}

// Observer is the RoundTripper the contract clients send through:
// it records each request and Steady's verdict on it, and changes nothing.
type Observer struct {
	Base http.RoundTripper // where requests go
	mu   sync.Mutex
	seen []Exchange
}

// RoundTrip sends req unchanged and records it with Steady's response headers.
// The body is read from a copy (GetBody), never from req.Body.
func (o *Observer) RoundTrip(req *http.Request) (*http.Response, error) {
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
	resp, err := o.Base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ex := Exchange{
		Query:       req.URL.Query(),
		Body:        body,
		Method:      req.Method,
		Path:        req.URL.EscapedPath(),
		Auth:        req.Header.Get("Authorization"),
		Option:      req.Header.Get(OptionHeader),
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

// Exchanges returns the exchanges recorded so far, in order.
func (o *Observer) Exchanges() []Exchange {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.seen)
}

// Env is one Steady server: its root URL and what the document it
// serves says of each operation, "METHOD /path".
type Env struct {
	Root string // the server root URL
	// Transport carries every request of the suite; closed when the test ends.
	Transport *http.Transport
	// Operations holds every operation of the document.
	Operations map[string]bool
	// Public holds the operations whose security is explicitly empty.
	Public map[string]bool
	// Fields holds, per operation, its documented query parameters
	// ("query.limit") and request body fields ("body.limits.maxCost.period"),
	// and the values of their enums ("body.lang=bash").
	Fields map[string][]string

	mu      sync.Mutex
	Covered map[string]bool            // operations the suite sent
	Sent    map[string]map[string]bool // fields the suite sent, per operation
}

// NewEnv returns the environment of the server named by the
// environment variable envVar, or skips the test when it is unset.
func NewEnv(t *testing.T, envVar string) *Env {
	t.Helper()
	root := strings.TrimRight(os.Getenv(envVar), "/")
	if root == "" {
		t.Skipf("contract tests need a Steady mock server: set %s to its root URL, "+
			"e.g. http://127.0.0.1:4010 (see .ci/run)", envVar)
	}
	transport := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(transport.CloseIdleConnections) // no keep-alive goroutine outlives the test
	env := &Env{
		Transport:  transport,
		Root:       root,
		Operations: map[string]bool{},
		Public:     map[string]bool{},
		Fields:     map[string][]string{},
		Covered:    map[string]bool{},
		Sent:       map[string]map[string]bool{},
	}
	env.loadDocument(t)
	return env
}

// loadDocument reads the document Steady serves (/_x-steady/spec): its
// operations, which of them are public, and their documented fields. It is
// the document the server validates against, not a copy that could drift.
func (env *Env) loadDocument(t *testing.T) {
	t.Helper()
	resp, err := (&http.Client{Transport: env.Transport}).Get(env.Root + "/_x-steady/spec")
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
			env.Operations[key] = true
			if sec, ok := op["security"].([]any); ok && len(sec) == 0 {
				env.Public[key] = true
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
			env.Fields[key] = fields
		}
	}
	require.NotEmpty(t, env.Operations, "the document has no operations")
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
// like Env.fields.
func sentFields(set map[string]bool, ex Exchange) {
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

// OptionHeader is the extra header every call of the suite sends.
const OptionHeader = "X-Contract-Option"

// CheckAll checks every request a case sent and records the operations
// as covered.
func (env *Env) CheckAll(t *testing.T, want []string, exchanges func() []Exchange) {
	t.Helper()
	got := exchanges()
	ops := make([]string, len(got))
	for i, ex := range got {
		ops[i] = ex.Op()
		env.check(t, ex)
	}
	assert.Equal(t, want, ops, "operations sent")
	env.mu.Lock()
	defer env.mu.Unlock()
	for _, ex := range got {
		op := ex.Op()
		env.Covered[op] = true
		if env.Sent[op] == nil {
			env.Sent[op] = map[string]bool{}
		}
		sentFields(env.Sent[op], ex)
	}
}

// check asserts that Steady accepted one request without any diagnostic,
// and that the request carried the key exactly when the operation needs it.
func (env *Env) check(t *testing.T, ex Exchange) {
	t.Helper()
	what := ex.Method + " " + ex.Path
	assert.Equal(t, "true", ex.Valid, "%s: X-Steady-Request-Valid; diagnostics: %q", what, ex.Diagnostics)
	assert.Equal(t, "0", ex.ErrorCount, "%s: X-Steady-Error-Count; diagnostics: %q", what, ex.Diagnostics)
	assert.True(t, ex.Status >= 200 && ex.Status < 300, "%s: status %d", what, ex.Status)
	if !assert.True(t, env.Operations[ex.Op()], "%s matched no operation of the document", what) {
		return
	}
	assert.Equal(t, "1", ex.Option, "%s: every call of the suite sends per-call options (contractOpts)", what)
	if env.Public[ex.Op()] {
		assert.Empty(t, ex.Auth, "%s is public: the key must not be sent", ex.Op())
	} else {
		assert.Equal(t, "Bearer "+Key, ex.Auth, "%s needs the bearer key", ex.Op())
	}
}
