package theazotest_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/theazotest"
)

// TestEveryListPages: providers, secrets and the billing reports page like
// every list, and answer one page without nextCursor when all fits.
func TestEveryListPages(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 5, 8, 12, 0, 0, 0, time.UTC)
	a := newAPI(t, theazotest.WithClock(func() time.Time { return now }))
	for _, p := range []string{"e2b", "fly", "webhook"} {
		a.must(201, "POST", "/providers", map[string]any{"provider": p, "credentials": map[string]any{"k": "v"}})
	}
	ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	for i := range 3 {
		body := map[string]any{"name": fmt.Sprintf("S%d", i), "value": "v"}
		if i == 2 {
			body["sessionId"] = ses
		}
		a.must(201, "POST", "/secrets", body)
	}
	for _, tc := range []struct {
		path  string
		query string
		want  int // items in all
	}{
		{"/providers", "", 3},
		{"/secrets", "", 3}, // both scopes without sessionId
		{"/billing/usage/daily", "from=2025-05-01&until=2025-05-07&", 7},
	} {
		t.Run(tc.path, func(t *testing.T) {
			one := a.must(200, "GET", tc.path+"?"+tc.query, nil)
			assert.Len(t, one.list(), tc.want)
			assert.Nil(t, one.get("nextCursor"), "all on one page: no cursor")
			assert.Equal(t, false, one.get("hasMore"))

			var got int
			cursor := ""
			for pages := 0; ; pages++ {
				require.Less(t, pages, tc.want, "the list does not end")
				q := tc.path + "?" + tc.query + "limit=2"
				if cursor != "" {
					q += "&cursor=" + cursor
				}
				r := a.must(200, "GET", q, nil)
				got += len(r.list())
				cursor = r.str("nextCursor")
				if cursor == "" {
					assert.Equal(t, false, r.get("hasMore"))
					break
				}
				assert.Equal(t, true, r.get("hasMore"))
			}
			assert.Equal(t, tc.want, got)
		})
	}
	scoped := a.must(200, "GET", "/secrets?sessionId="+ses, nil)
	require.Len(t, scoped.list(), 1)
	assert.Equal(t, ses, scoped.list()[0]["scope"])
}

// TestDateAndInstantRanges: a date until covers its whole day, an instant
// is exact to the fraction of a second.
func TestDateAndInstantRanges(t *testing.T) {
	t.Parallel()
	cases := []struct {
		query string
		rows  int
	}{
		{"from=2025-05-01&until=2025-05-07", 7},
		{"from=2025-05-01&until=2025-05-07T00:00:00Z", 6},
		{"from=2025-05-01T00:00:00Z&until=2025-05-07T00:00:00.000000001Z", 7},
		{"from=2025-05-07&until=2025-05-07", 1},
	}
	a := newAPI(t)
	for _, tc := range cases {
		t.Run(tc.query, func(t *testing.T) {
			assert.Len(t, a.must(200, "GET", "/billing/usage/daily?"+tc.query, nil).list(), tc.rows)
		})
	}
}

// TestAgentFromDefinition: definitionId fills the agent's configuration;
// unknown is 404, archived 409.
func TestAgentFromDefinition(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	ses := a.must(201, "POST", "/sessions", map[string]any{"userId": "u"}).str("id")
	def := a.must(201, "POST", "/agent-definitions", map[string]any{"name": "d", "instructions": "Cite.",
		"tools": []string{"web_search"}, "model": map[string]any{"id": "m1"}, "compute": map[string]any{"provider": "fly", "timeout": 60}}).str("id")
	ag := a.must(201, "POST", "/sessions/"+ses+"/agents", map[string]any{"definitionId": def, "instructions": ""})
	assert.Equal(t, def, ag.str("definitionId"))
	assert.Empty(t, ag.str("instructions"), "a field given, even empty, wins")
	assert.Equal(t, "m1", ag.str("model.id"))
	assert.Equal(t, "fly", ag.str("compute.provider"))
	assert.Equal(t, float64(60), ag.num("timeout"))

	assert.Equal(t, "not_found", a.must(404, "POST", "/sessions/"+ses+"/agents", map[string]any{"definitionId": "adef_nope"}).str("error.code"))
	a.must(200, "DELETE", "/agent-definitions/"+def, nil)
	assert.Equal(t, "conflict", a.must(409, "POST", "/sessions/"+ses+"/agents", map[string]any{"definitionId": def}).str("error.code"))
	assert.Equal(t, []string{"definitionId"}, a.must(422, "POST", "/sessions/"+ses+"/agents", map[string]any{"definitionId": 5}).fields())
}

// TestNestedCredentials: any JSON object is accepted as credentials.
func TestNestedCredentials(t *testing.T) {
	t.Parallel()
	a := newAPI(t)
	a.must(201, "POST", "/providers", map[string]any{"provider": "webhook", "credentials": map[string]any{
		"url": "https://hook.example.com", "headers": map[string]any{"X-Token": "t"}, "timeoutMs": 5000, "regions": []string{"eu"},
	}})
}
