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
	"iter"
	"net/http"
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
	Status      int
	Valid       string // X-Steady-Request-Valid
	ErrorCount  string // X-Steady-Error-Count
	MatchedPath string // X-Steady-Matched-Path
	Diagnostics []string
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
func (o *contractObserver) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := o.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ex := contractExchange{
		Method:      req.Method,
		Path:        req.URL.EscapedPath(),
		Auth:        req.Header.Get("Authorization"),
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

// contractEnv is one Steady server: its root URL and the operations of the
// document it serves.
type contractEnv struct {
	root string
	// public holds the operations whose security is explicitly empty.
	public map[string]bool
	// operations holds every operation of the document, "METHOD /path".
	operations map[string]bool

	mu      sync.Mutex
	covered map[string]bool
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
	env := &contractEnv{root: root, public: map[string]bool{}, operations: map[string]bool{}, covered: map[string]bool{}}
	env.loadDocument(t)
	return env
}

// loadDocument reads the document Steady serves (/_x-steady/spec) for the
// list of operations and which of them are public. It is the document the
// server validates against, not a copy the tests could drift from.
func (env *contractEnv) loadDocument(t *testing.T) {
	t.Helper()
	resp, err := http.Get(env.root + "/_x-steady/spec")
	require.NoError(t, err, "reading the document from Steady")
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "GET /_x-steady/spec")
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&doc))
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	for path, item := range doc.Paths {
		for method, raw := range item {
			if !slices.Contains(methods, method) {
				continue
			}
			var op struct {
				Security *[]json.RawMessage `json:"security"`
			}
			require.NoError(t, json.Unmarshal(raw, &op), "%s %s", method, path)
			key := strings.ToUpper(method) + " " + path
			env.operations[key] = true
			if op.Security != nil && len(*op.Security) == 0 {
				env.public[key] = true
			}
		}
	}
	require.NotEmpty(t, env.operations, "the document has no operations")
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
			obs := &contractObserver{base: http.DefaultTransport}
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
	for _, op := range ops {
		env.covered[op] = true
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
// checks that together they sent every operation of the document.
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
}

// contractEvents reads the events of a stream, at most limit of them (all
// when limit is 0), and fails the test on a stream error.
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

// contractTime parses an RFC 3339 time of the document's examples.
func contractTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return tm
}
