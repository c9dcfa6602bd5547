//go:build contract

package contract_test

import (
	"context"
	"encoding/json"
	"iter"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/internal/contract"
)

// client returns an SDK client of the server whose requests go through obs.
// Retries are off, so that each call is a known number of requests.
func client(env *contract.Env, obs *contract.Observer) *theazo.Client {
	return theazo.NewClient(contract.Key,
		theazo.WithBaseURL(env.Root+"/v1"),
		theazo.WithHTTPClient(&http.Client{Transport: obs}),
		theazo.WithMaxRetries(0),
	)
}

// contractOpts returns the per-call options every call of the suite passes,
// so that the suite proves they leave every request valid: an extra header
// (checked on each request), WithResponseInto (checked, when the case ends,
// to hold the call's reply) and WithMaxRetries.
func contractOpts(t *testing.T) []theazo.RequestOption {
	t.Helper()
	resp := new(theazo.Response)
	t.Cleanup(func() {
		assert.True(t, resp.StatusCode >= 200 && resp.StatusCode < 300, "WithResponseInto holds the reply: status %d", resp.StatusCode)
		assert.Equal(t, 1, resp.Attempts)
		if resp.Header.Get("Content-Type") == "application/json" {
			assert.True(t, json.Valid(resp.Body), "WithResponseInto holds the raw JSON: %q", resp.Body)
		}
	})
	return []theazo.RequestOption{theazo.WithHeader(contract.OptionHeader, "1"), theazo.WithResponseInto(resp), theazo.WithMaxRetries(0)}
}

// contractCase is one SDK call and the operations it must send.
type contractCase struct {
	name string
	// ops are the document operations the call sends, in order.
	ops []string
	// call makes the call and asserts on what the SDK decoded.
	call func(t *testing.T, ctx context.Context, c *theazo.Client)
}

// run runs each case against a fresh client and checks every request the
// case sent: the expected operation, accepted by Steady with no diagnostic
// at all, and carrying the key exactly when the document requires auth.
func run(t *testing.T, env *contract.Env, cases []contractCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obs := &contract.Observer{Base: env.Transport}
			ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
			defer cancel()
			// Deferred, so that Steady's verdict is reported even when the
			// call fails an assertion of its own (a 400 from Steady does).
			defer env.CheckAll(t, tc.ops, obs.Exchanges)
			tc.call(t, ctx, client(env, obs))
		})
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
	env := contract.NewEnv(t, "THEAZO_CONTRACT_URL")
	ranAll := true
	for _, svc := range contractServices {
		ran := false
		t.Run(svc.name, func(t *testing.T) {
			ran = true
			run(t, env, svc.cases())
		})
		ranAll = ranAll && ran
	}
	if !ranAll {
		t.Log("some services were filtered out with -run: operation coverage not checked")
		return
	}
	t.Run("EveryOperation", func(t *testing.T) {
		var missing, extra []string
		for op := range env.Operations {
			if !env.Covered[op] {
				missing = append(missing, op)
			}
		}
		for op := range env.Covered {
			if !env.Operations[op] {
				extra = append(extra, op)
			}
		}
		slices.Sort(missing)
		slices.Sort(extra)
		assert.Empty(t, missing, "operations of testdata/openapi.yaml that no SDK call sent (of %d)", len(env.Operations))
		assert.Empty(t, extra, "requests that matched no operation")
	})
	// Steady judges what is sent; a field the SDK drops is invisible to it.
	// So every documented query parameter and body field, optional ones
	// included, and every value of their enums must have been sent by some
	// call of the suite.
	t.Run("EveryField", func(t *testing.T) {
		var missing []string
		total := 0
		for op, fields := range env.Fields {
			total += len(fields)
			for _, f := range fields {
				if !env.Sent[op][f] {
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
