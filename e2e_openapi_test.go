package theazo_test

// The fake's replies are checked against testdata/openapi.yaml, the wire
// format as the contract suite describes it: every JSON reply an end-to-end
// test receives must match the schema of its operation and status. The fake
// and the document are written independently from the reference, so a
// mismatch points at one of them.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"mime"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/theazo/theazo-go/theazotest"
)

// openAPI is the parsed document.
type openAPI struct {
	doc   map[string]any
	paths []pathTemplate
}

type pathTemplate struct {
	template string
	segs     []string // "{…}" for a parameter
	ops      map[string]any
}

var loadOpenAPI = sync.OnceValues(func() (*openAPI, error) {
	b, err := os.ReadFile("testdata/openapi.yaml")
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, err
	}
	o := &openAPI{doc: doc}
	paths, _ := doc["paths"].(map[string]any)
	for tpl, ops := range paths {
		m, _ := ops.(map[string]any)
		o.paths = append(o.paths, pathTemplate{template: tpl, segs: strings.Split(strings.Trim(tpl, "/"), "/"), ops: m})
	}
	sort.Slice(o.paths, func(i, j int) bool { return o.paths[i].template < o.paths[j].template })
	return o, nil
})

// operation returns the operation of method and path (escaped, as sent):
// of the templates that match, the one with the most literal segments.
func (o *openAPI) operation(method, path string) (string, map[string]any) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	best, bestLiterals := "", -1
	var bestOp map[string]any
	for _, p := range o.paths {
		if len(p.segs) != len(segs) {
			continue
		}
		literals, ok := 0, true
		for i, s := range p.segs {
			switch {
			case strings.HasPrefix(s, "{"):
			case s == segs[i]:
				literals++
			default:
				ok = false
			}
		}
		op, _ := p.ops[strings.ToLower(method)].(map[string]any)
		if ok && op != nil && literals > bestLiterals {
			best, bestLiterals, bestOp = p.template, literals, op
		}
	}
	return best, bestOp
}

// resolve follows a local $ref.
func (o *openAPI) resolve(ref string) map[string]any {
	var v any = o.doc
	for _, k := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	m, _ := v.(map[string]any)
	return m
}

// responseSchema returns the JSON schema of an operation's reply with
// status: the status's own; for an error status, else "default". A success
// status must be documented as such.
func (o *openAPI) responseSchema(op map[string]any, status int) (map[string]any, bool) {
	responses, _ := op["responses"].(map[string]any)
	r, ok := responses[strconv.Itoa(status)].(map[string]any)
	if !ok && status/100 != 2 {
		r, ok = responses["default"].(map[string]any)
	}
	if !ok {
		return nil, false
	}
	if ref, isRef := r["$ref"].(string); isRef {
		r = o.resolve(ref)
	}
	content, _ := r["content"].(map[string]any)
	media, _ := content["application/json"].(map[string]any)
	schema, ok := media["schema"].(map[string]any)
	return schema, ok
}

// validate reports where v does not match schema s, for the subset of JSON
// Schema the document uses.
func (o *openAPI) validate(s map[string]any, v any, at string, out *[]string) {
	if ref, ok := s["$ref"].(string); ok {
		o.validate(o.resolve(ref), v, at, out)
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			o.validate(sub.(map[string]any), v, at, out)
		}
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		var first []string
		matched := false
		for i, sub := range anyOf {
			var probs []string
			o.validate(sub.(map[string]any), v, at, &probs)
			if len(probs) == 0 {
				matched = true
				break
			}
			if i == 0 {
				first = probs
			}
		}
		if !matched {
			*out = append(*out, fmt.Sprintf("%s: matches none of anyOf (first: %v)", at, first))
		}
	}
	if c, ok := s["const"]; ok && !sameJSON(c, v) {
		*out = append(*out, fmt.Sprintf("%s: %v is not the constant %v", at, v, c))
	}
	if enum, ok := s["enum"].([]any); ok && !slices.ContainsFunc(enum, func(e any) bool { return sameJSON(e, v) }) {
		*out = append(*out, fmt.Sprintf("%s: %v is not one of %v", at, v, enum))
	}
	if t, ok := s["type"]; ok && !hasType(t, v) {
		*out = append(*out, fmt.Sprintf("%s: %s is not of type %v", at, describe(v), t))
		return
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asList(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				*out = append(*out, fmt.Sprintf("%s: required field %q is missing", at, r))
			}
		}
		for k, fv := range x {
			if ps, ok := props[k].(map[string]any); ok {
				o.validate(ps, fv, at+"."+k, out)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					*out = append(*out, fmt.Sprintf("%s: field %q is not in the schema", at, k))
				}
			case map[string]any:
				o.validate(ap, fv, at+"."+k, out)
			}
		}
	case []any:
		if n, ok := s["minItems"].(int); ok && len(x) < n {
			*out = append(*out, fmt.Sprintf("%s: %d items, fewer than %d", at, len(x), n))
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, item := range x {
				o.validate(items, item, fmt.Sprintf("%s[%d]", at, i), out)
			}
		}
	case string:
		if n, ok := s["minLength"].(int); ok && len([]rune(x)) < n {
			*out = append(*out, fmt.Sprintf("%s: %q is shorter than %d", at, x, n))
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			*out = append(*out, fmt.Sprintf("%s: %q does not match %s", at, x, p))
		}
		if !formatOK(s["format"], x) {
			*out = append(*out, fmt.Sprintf("%s: %q is not a %v", at, x, s["format"]))
		}
	case float64:
		if m, ok := toFloat(s["minimum"]); ok && x < m {
			*out = append(*out, fmt.Sprintf("%s: %v is below %v", at, x, m))
		}
		if m, ok := toFloat(s["maximum"]); ok && x > m {
			*out = append(*out, fmt.Sprintf("%s: %v is above %v", at, x, m))
		}
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

func toFloat(v any) (float64, bool) {
	switch n := v.(type) {
	case int:
		return float64(n), true
	case float64:
		return n, true
	}
	return 0, false
}

func sameJSON(a, b any) bool {
	if fa, ok := toFloat(a); ok {
		fb, ok := b.(float64)
		return ok && fa == fb
	}
	return fmt.Sprint(a) == fmt.Sprint(b)
}

func hasType(t, v any) bool {
	types := []any{t}
	if l, ok := t.([]any); ok {
		types = l
	}
	for _, t := range types {
		switch t {
		case "object":
			if _, ok := v.(map[string]any); ok {
				return true
			}
		case "array":
			if _, ok := v.([]any); ok {
				return true
			}
		case "string":
			if _, ok := v.(string); ok {
				return true
			}
		case "boolean":
			if _, ok := v.(bool); ok {
				return true
			}
		case "number":
			if _, ok := v.(float64); ok {
				return true
			}
		case "integer":
			if f, ok := v.(float64); ok && f == math.Trunc(f) {
				return true
			}
		case "null":
			if v == nil {
				return true
			}
		}
	}
	return false
}

func describe(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		b = append(b[:60], "…"...)
	}
	return string(b)
}

func formatOK(format any, s string) bool {
	switch format {
	case "date-time":
		_, err := time.Parse(time.RFC3339, s)
		return err == nil
	case "date":
		_, err := time.Parse(time.DateOnly, s)
		return err == nil
	case "uri":
		u, err := url.Parse(s)
		return err == nil && u.Scheme != "" && u.Host != ""
	}
	return true
}

// wireChecker is a RoundTripper that checks each JSON reply against the
// document and keeps what does not match.
type wireChecker struct {
	base http.RoundTripper
	spec *openAPI

	mu       sync.Mutex
	problems []string
}

func (w *wireChecker) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := w.base.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/json" {
		return resp, nil // streams are read by the test, not here
	}
	body, readErr := io.ReadAll(resp.Body)
	resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if readErr != nil {
		resp.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errReader{readErr}))
		return resp, nil // a fault cut the body short; the SDK sees that
	}
	w.check(req.Method, req.URL.EscapedPath(), resp, body)
	return resp, nil
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (w *wireChecker) check(method, path string, resp *http.Response, body []byte) {
	var probs []string
	tpl, op := w.spec.operation(method, path)
	switch {
	case op == nil:
		probs = append(probs, "no operation in the document")
	case resp.Header.Get("X-Request-Id") == "":
		probs = append(probs, "no X-Request-Id header")
	}
	if op != nil {
		if schema, ok := w.spec.responseSchema(op, resp.StatusCode); !ok {
			probs = append(probs, fmt.Sprintf("status %d is not documented", resp.StatusCode))
		} else {
			var v any
			if err := json.Unmarshal(body, &v); err != nil {
				probs = append(probs, "reply is not JSON: "+err.Error())
			} else {
				w.spec.validate(schema, v, "body", &probs)
				// A test that asks the fake for a wait under a second gets a
				// fractional retryAfter, outside the document's integer
				// seconds, so that it need not wait a whole second.
				probs = slices.DeleteFunc(probs, func(p string) bool {
					return strings.HasPrefix(p, "body.error.details.retryAfter: 0.") && strings.HasSuffix(p, "is not of type integer")
				})
			}
		}
	}
	if len(probs) == 0 {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, p := range probs {
		w.problems = append(w.problems, fmt.Sprintf("%s %s (%s) → %d: %s", method, path, tpl, resp.StatusCode, p))
	}
}

// checkWire wraps the server's client transport in a wireChecker and
// fails t at its end if a reply did not match the document.
func checkWire(t *testing.T, srv *theazotest.Server) *http.Client {
	t.Helper()
	spec, err := loadOpenAPI()
	require.NoError(t, err)
	w := &wireChecker{base: srv.HTTPClient().Transport, spec: spec}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, p := range w.problems {
			t.Errorf("reply does not match testdata/openapi.yaml: %s", p)
		}
	})
	return &http.Client{Transport: w}
}

// Every operation of the document is served by the fake.
func TestE2EFakeServesEveryOperation(t *testing.T) {
	t.Parallel()
	spec, err := loadOpenAPI()
	require.NoError(t, err)
	srv := theazotest.NewServer()
	defer srv.Close()
	n := 0
	for _, p := range spec.paths {
		for method := range p.ops {
			switch method {
			case "get", "post", "put", "patch", "delete":
			default:
				continue
			}
			n++
			path := regexp.MustCompile(`\{[^}]+\}`).ReplaceAllString(p.template, "x")
			req, err := http.NewRequest(strings.ToUpper(method), srv.URL()+strings.TrimPrefix(path, "/v1"), nil)
			require.NoError(t, err)
			req.Header.Set("Authorization", "Bearer "+srv.APIKey())
			resp, err := srv.HTTPClient().Do(req)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.NotContains(t, string(body), `"No route`, "%s %s", method, p.template)
		}
	}
	assert.Equal(t, 56, n, "operations in the document")
}

// The checker itself finds mismatches: a missing required field, a wrong
// type, a bad timestamp, an unknown field in a closed object, an enum miss.
func TestE2EWireCheckerFindsMismatches(t *testing.T) {
	t.Parallel()
	spec, err := loadOpenAPI()
	require.NoError(t, err)
	check := func(method, path string, status int, body string) []string {
		_, op := spec.operation(method, path)
		require.NotNil(t, op, path)
		schema, ok := spec.responseSchema(op, status)
		require.True(t, ok)
		var v any
		require.NoError(t, json.Unmarshal([]byte(body), &v))
		var probs []string
		spec.validate(schema, v, "body", &probs)
		return probs
	}
	assert.Empty(t, check("POST", "/v1/sessions", 201, `{"id":"ses_1","userId":"u","status":"active","cost":{"amount":0,"currency":"usd"},"createdAt":"2025-05-01T09:30:00Z"}`))
	probs := check("POST", "/v1/sessions", 201, `{"id":"ses_1","cost":{"amount":"12","currency":"usd"},"createdAt":"yesterday"}`)
	assert.Len(t, probs, 3, "%v", probs)
	assert.Contains(t, strings.Join(probs, "\n"), `"userId" is missing`)
	probs = check("GET", "/v1/agents/agt_1", 200, `{"id":"agt_1","sessionId":"s","status":"idle","createdAt":"2025-05-01T09:30:00Z","compute":{"provider":"aws","region":"x"}}`)
	assert.Len(t, probs, 2, "%v", probs)
	_, op := spec.operation("POST", "/v1/sessions")
	_, documented := spec.responseSchema(op, http.StatusOK)
	assert.False(t, documented, "a success status the document does not list is a mismatch")
	probs = check("GET", "/v1/sessions", 429, `{"error":{"code":"rate_limited","message":"m","requestId":"req_1","details":{"retryAfter":"2"}}}`)
	assert.NotEmpty(t, probs)
	_, op = spec.operation("POST", "/v1/sessions/by-user/agents")
	assert.Equal(t, "getOrCreateSession", op["operationId"], "the literal segment wins")
}
