package theazo

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sessionPage is a page of sessions with the given ids.
func sessionPage(next string, hasMore bool, ids ...string) reply {
	items := make([]string, len(ids))
	for i, id := range ids {
		items[i] = fmt.Sprintf(`{"id":%q,"userId":"user_%s","cost":{"amount":0,"currency":"usd"},"createdAt":"2025-05-01T09:30:00Z"}`, id, id)
	}
	return reply{Status: 200, Body: fmt.Sprintf(`{"data":[%s],"nextCursor":%q,"hasMore":%t}`, strings.Join(items, ","), next, hasMore)}
}

// collect ranges over a list and returns the ids and errors in order.
func collect(seq func(func(*Session, error) bool)) (ids []string, errs []error) {
	for s, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, s.ID)
	}
	return ids, errs
}

func queries(srv *recorder) []string {
	var out []string
	for _, r := range srv.requests() {
		out = append(out, r.RawQuery)
	}
	return out
}

// assertListed asserts that srv received one GET of path per page, with
// the raw queries wantQueries in order.
func assertListed(t *testing.T, srv *recorder, path string, wantQueries ...string) {
	t.Helper()
	for _, r := range srv.requests() {
		assert.Equal(t, http.MethodGet, r.Method)
		assert.Equal(t, path, r.Path)
	}
	assert.Equal(t, wantQueries, queries(srv), "the query of each page")
}

func TestListPages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		params      *SessionListParams
		replies     []reply
		wantIDs     []string
		wantQueries []string
		wantErr     string // substring of the one error yielded, "" for none
		wantIs      error  // the sentinel that error matches
	}{
		{
			name:        "three pages",
			params:      &SessionListParams{Limit: 2},
			replies:     []reply{sessionPage("cur_a", true, "s1", "s2"), sessionPage("cur_b", true, "s3", "s4"), sessionPage("", false, "s5")},
			wantIDs:     []string{"s1", "s2", "s3", "s4", "s5"},
			wantQueries: []string{"limit=2", "cursor=cur_a&limit=2", "cursor=cur_b&limit=2"},
		},
		{
			name:        "nil params",
			replies:     []reply{sessionPage("cur_a", true, "s1"), sessionPage("", false, "s2")},
			wantIDs:     []string{"s1", "s2"},
			wantQueries: []string{"", "cursor=cur_a"},
		},
		{
			name:        "starts from the given cursor",
			params:      &SessionListParams{Cursor: "cur_start"},
			replies:     []reply{sessionPage("", false, "s9")},
			wantIDs:     []string{"s9"},
			wantQueries: []string{"cursor=cur_start"},
		},
		{
			name:        "empty middle page with hasMore",
			replies:     []reply{sessionPage("cur_a", true, "s1"), sessionPage("cur_b", true), sessionPage("", false, "s2")},
			wantIDs:     []string{"s1", "s2"},
			wantQueries: []string{"", "cursor=cur_a", "cursor=cur_b"},
		},
		{
			name:        "empty list",
			replies:     []reply{sessionPage("", false)},
			wantQueries: []string{""},
		},
		{
			name:        "last page with a stale cursor stops at hasMore false",
			replies:     []reply{sessionPage("cur_a", false, "s1")},
			wantIDs:     []string{"s1"},
			wantQueries: []string{""},
		},
		{
			name:        "repeated cursor",
			replies:     []reply{sessionPage("cur_a", true, "s1"), sessionPage("cur_a", true, "s2"), sessionPage("", false, "s3")},
			wantIDs:     []string{"s1", "s2"},
			wantQueries: []string{"", "cursor=cur_a"},
			wantErr:     "the nextCursor of page 2 is the cursor of page 2",
			wantIs:      ErrInvalidResponse,
		},
		{
			name:        "cursor cycle",
			replies:     []reply{sessionPage("cur_a", true, "s1"), sessionPage("cur_b", true, "s2"), sessionPage("cur_a", true, "s3"), sessionPage("", false, "s4")},
			wantIDs:     []string{"s1", "s2", "s3"},
			wantQueries: []string{"", "cursor=cur_a", "cursor=cur_b"},
			wantErr:     "the nextCursor of page 3 is the cursor of page 2",
			wantIs:      ErrInvalidResponse,
		},
		{
			name:        "cursor back to the start",
			params:      &SessionListParams{Cursor: "cur_start"},
			replies:     []reply{sessionPage("cur_start", true, "s1"), sessionPage("", false, "s2")},
			wantIDs:     []string{"s1"},
			wantQueries: []string{"cursor=cur_start"},
			wantErr:     "the nextCursor of page 1 is the cursor of page 1",
			wantIs:      ErrInvalidResponse,
		},
		{
			name:        "a repeated cursor that spells the API key is not quoted",
			replies:     []reply{sessionPage(testKey, true, "s1"), sessionPage(testKey, true, "s2")},
			wantIDs:     []string{"s1", "s2"},
			wantQueries: []string{"", "cursor=" + url.QueryEscape(testKey)},
			wantErr:     "the nextCursor of page 2 is the cursor of page 2",
			wantIs:      ErrInvalidResponse,
		},
		{
			// "A missing nextCursor means you are on the last page."
			name:        "hasMore with an empty nextCursor is the last page",
			replies:     []reply{sessionPage("cur_a", true, "s1"), sessionPage("", true, "s2"), sessionPage("", false, "s3")},
			wantIDs:     []string{"s1", "s2"},
			wantQueries: []string{"", "cursor=cur_a"},
		},
		{
			name:        "hasMore with no nextCursor member is the last page",
			replies:     []reply{sessionPage("cur_a", true, "s1"), {Status: 200, Body: `{"data":[{"id":"s2"}],"hasMore":true}`}, sessionPage("", false, "s3")},
			wantIDs:     []string{"s1", "s2"},
			wantQueries: []string{"", "cursor=cur_a"},
		},
		{
			name:        "hasMore with a null nextCursor is the last page",
			replies:     []reply{sessionPage("cur_a", true, "s1"), {Status: 200, Body: `{"data":[{"id":"s2"}],"nextCursor":null,"hasMore":true}`}, sessionPage("", false, "s3")},
			wantIDs:     []string{"s1", "s2"},
			wantQueries: []string{"", "cursor=cur_a"},
		},
		{
			name:        "an empty page with hasMore and no nextCursor ends the list",
			replies:     []reply{sessionPage("cur_a", true, "s1"), {Status: 200, Body: `{"data":[],"hasMore":true}`}, sessionPage("", false, "s3")},
			wantIDs:     []string{"s1"},
			wantQueries: []string{"", "cursor=cur_a"},
		},
		{
			name:        "error on page two",
			replies:     []reply{sessionPage("cur_a", true, "s1", "s2"), {Status: 404, Body: envelopeBody("not_found", "Cursor expired.", `{}`)}, sessionPage("", false, "s3")},
			wantIDs:     []string{"s1", "s2"},
			wantQueries: []string{"", "cursor=cur_a"},
			wantErr:     "Cursor expired.",
			wantIs:      ErrNotFound,
		},
		{
			name:        "malformed page",
			replies:     []reply{sessionPage("cur_a", true, "s1"), {Status: 200, Body: `{"data":[{"id":`}},
			wantIDs:     []string{"s1"},
			wantQueries: []string{"", "cursor=cur_a"},
			wantErr:     "invalid response",
			wantIs:      ErrInvalidResponse,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, tc.replies...)
			ids, errs := collect(srv.client().Sessions.List(t.Context(), tc.params))
			assert.Equal(t, tc.wantIDs, ids)
			assert.Equal(t, tc.wantQueries, queries(srv))
			if tc.wantErr == "" {
				assert.Empty(t, errs)
				return
			}
			require.Len(t, errs, 1, "an error is yielded once and ends the loop")
			assert.ErrorIs(t, errs[0], tc.wantIs)
			assert.Contains(t, errs[0].Error(), tc.wantErr)
			assert.NotContains(t, errs[0].Error(), testKey)
		})
	}
}

func TestListDoesNotModifyParams(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, sessionPage("cur_a", true, "s1"), sessionPage("", false, "s2"))
	params := &SessionListParams{Limit: 5}
	ids, errs := collect(srv.client().Sessions.List(t.Context(), params))
	require.Empty(t, errs)
	assert.Equal(t, []string{"s1", "s2"}, ids)
	assert.Equal(t, &SessionListParams{Limit: 5}, params)
}

func TestListErrorIsTyped(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, sessionPage("cur_a", true, "s1"), reply{Status: 403, Body: envelopeBody("forbidden", "No.", `{}`)})
	var last error
	for _, err := range srv.client().Sessions.List(t.Context(), nil) {
		last = err
	}
	assert.ErrorIs(t, last, ErrForbidden)
	var apiErr *Error
	assert.True(t, errors.As(last, &apiErr))

	srv = newRecorder(t, sessionPage("cur_a", true, "s1"), sessionPage("cur_a", true, "s2"))
	for _, err := range srv.client().Sessions.List(t.Context(), nil) {
		last = err
	}
	assert.ErrorIs(t, last, ErrInvalidResponse)
}

func TestListBreakEarly(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, sessionPage("cur_a", true, "s1", "s2"), sessionPage("", false, "s3"))
	var ids []string
	for s, err := range srv.client().Sessions.List(t.Context(), nil) {
		require.NoError(t, err)
		ids = append(ids, s.ID)
		break
	}
	assert.Equal(t, []string{"s1"}, ids)
	assert.Len(t, srv.requests(), 1, "breaking out fetches no further page")

	// Breaking at a page's last item fetches nothing more either.
	srv = newRecorder(t, sessionPage("cur_a", true, "s1", "s2"), sessionPage("", false, "s3"))
	ids = nil
	for s, err := range srv.client().Sessions.List(t.Context(), nil) {
		require.NoError(t, err)
		ids = append(ids, s.ID)
		if s.ID == "s2" {
			break
		}
	}
	assert.Equal(t, []string{"s1", "s2"}, ids)
	assert.Len(t, srv.requests(), 1)
}

func TestListIsLazy(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, sessionPage("", false, "s1"))
	seq := srv.client().Sessions.List(t.Context(), nil)
	assert.Empty(t, srv.requests(), "nothing is fetched before ranging")
	ids, errs := collect(seq)
	assert.Empty(t, errs)
	assert.Equal(t, []string{"s1"}, ids)
	// Ranging again starts over.
	ids, _ = collect(seq)
	assert.Equal(t, []string{"s1"}, ids)
	assert.Len(t, srv.requests(), 2)
}

func TestListContextCancelled(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, sessionPage("cur_a", true, "s1"), sessionPage("", false, "s2"))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var errs []error
	for _, err := range srv.client().Sessions.List(ctx, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		cancel()
	}
	require.Len(t, errs, 1)
	assert.ErrorIs(t, errs[0], context.Canceled)
	assert.Len(t, srv.requests(), 1)
}

func TestListPageParams(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, sessionPage("cur_next", true, "s1"))
	page, err := srv.client().Sessions.ListPage(t.Context(), &SessionListParams{Limit: 25, Cursor: "cur_01HX3K"})
	require.NoError(t, err)
	assert.Equal(t, []string{"cursor=cur_01HX3K&limit=25"}, queries(srv))
	assert.Equal(t, "cur_next", page.NextCursor)
	assert.True(t, page.HasMore)
	require.Len(t, page.Data, 1)
	assert.Equal(t, "s1", page.Data[0].ID)
}

// pagedServer answers every GET with page n of a list of pages items each,
// where n is read from the cursor: "" is page 0, and the cursor of page n is
// cursorOf(n). The last page has hasMore false and no nextCursor. Unlike a
// recorder it answers by cursor, not by arrival, so ranges may run at once.
func pagedServer(t *testing.T, pages, perPage int, cursorOf func(n int) string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			n, _ = strconv.Atoi(strings.TrimLeft(c[:min(len(c), 8)], "p"))
		}
		items := make([]string, perPage)
		for i := range items {
			items[i] = fmt.Sprintf(`{"id":"item_%d_%d"}`, n, i)
		}
		next := ""
		if n+1 < pages {
			next = fmt.Sprintf(`,"nextCursor":%q`, cursorOf(n+1))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"data":[%s]%s,"hasMore":%t}`, strings.Join(items, ","), next, n+1 < pages)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// shortCursor is a cursor pagedServer reads back: "p" and the page number.
func shortCursor(n int) string { return fmt.Sprintf("p%07d", n) }

// count ranges over seq and returns how many items it yielded, and its errors.
func count[T any](seq iter.Seq2[*T, error]) (n int, errs []error) {
	for _, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errs
}

// Every List value can be ranged again, and from several goroutines at
// once: each range starts from the params' cursor, shares no state with
// another, and yields the whole list. Run with -race.
func TestListRangedTwiceAndConcurrently(t *testing.T) {
	t.Parallel()
	const pages, perPage = 4, 3
	srv := pagedServer(t, pages, perPage, shortCursor)
	c := newTestClient(t, srv.URL)
	ctx := t.Context()
	lists := map[string]func() (n int, errs []error){}
	add := func(name string, fn func() (int, []error)) { lists[name] = fn }
	sessions := c.Sessions.List(ctx, &SessionListParams{Limit: perPage})
	add("sessions", func() (int, []error) { return count(sessions) })
	channels := c.Channels.List(ctx, nil)
	add("channels", func() (int, []error) { return count(channels) })
	messages := c.Channels.Messages(ctx, "ch_1", &ChannelMessagesParams{ThreadID: "thr_1"})
	add("channel messages", func() (int, []error) { return count(messages) })
	definitions := c.Definitions.List(ctx, nil)
	add("definitions", func() (int, []error) { return count(definitions) })
	fleets := c.Fleets.List(ctx, nil)
	add("fleets", func() (int, []error) { return count(fleets) })
	schedules := c.Schedules.List(ctx, nil)
	add("schedules", func() (int, []error) { return count(schedules) })
	triggers := c.Triggers.List(ctx, nil)
	add("triggers", func() (int, []error) { return count(triggers) })
	workflows := c.Workflows.List(ctx, nil)
	add("workflows", func() (int, []error) { return count(workflows) })
	providers := c.Providers.List(ctx, nil)
	add("providers", func() (int, []error) { return count(providers) })
	secrets := c.Secrets.List(ctx, nil)
	add("secrets", func() (int, []error) { return count(secrets) })
	daily := c.Billing.Daily(ctx, nil)
	add("billing daily", func() (int, []error) { return count(daily) })
	users := c.Billing.Users(ctx, nil)
	add("billing users", func() (int, []error) { return count(users) })
	models := c.Billing.Models(ctx, nil)
	add("billing models", func() (int, []error) { return count(models) })

	for name, rangeOnce := range lists {
		t.Run(name, func(t *testing.T) {
			for i := range 2 {
				n, errs := rangeOnce()
				assert.Empty(t, errs)
				assert.Equal(t, pages*perPage, n, "range %d yields the whole list", i+1)
			}
			var wg sync.WaitGroup
			got := make([]int, 4)
			for g := range got {
				wg.Go(func() {
					n, errs := rangeOnce()
					assert.Empty(t, errs)
					got[g] = n
				})
			}
			wg.Wait()
			assert.Equal(t, []int{pages * perPage, pages * perPage, pages * perPage, pages * perPage}, got)
		})
	}
}

func TestListRangedTwiceStartsFromTheParamsCursor(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, sessionPage("cur_b", true, "s1"), sessionPage("", false, "s2"), sessionPage("cur_b", true, "s1"), sessionPage("", false, "s2"))
	params := &SessionListParams{Limit: 1, Cursor: "cur_a"}
	seq := srv.client().Sessions.List(t.Context(), params)
	params.Cursor = "cur_changed_after_List" // List took its copy already
	for range 2 {
		ids, errs := collect(seq)
		assert.Empty(t, errs)
		assert.Equal(t, []string{"s1", "s2"}, ids)
	}
	assert.Equal(t, []string{"cursor=cur_a&limit=1", "cursor=cur_b&limit=1", "cursor=cur_a&limit=1", "cursor=cur_b&limit=1"}, queries(srv))
}

// Loop detection keeps a fixed-size hash per page, not the cursor: 25
// pages of 64 KiB cursors (1.6 MiB of cursors) leave the heap about where
// it was (within 100 KiB either way, run after run), where keeping the
// cursors grew it by more than 1.5 MiB.
func TestListLoopDetectionMemoryIsBounded(t *testing.T) {
	const pages = 25
	long := func(n int) string { return shortCursor(n) + strings.Repeat("x", 64<<10) }
	srv := pagedServer(t, pages, 1, long)
	c := newTestClient(t, srv.URL)

	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	var before, after uint64
	n := 0
	for s, err := range c.Sessions.List(t.Context(), nil) {
		require.NoError(t, err)
		n++
		switch n {
		case 2: // the client and its connection exist by now
			before = heap()
		case pages:
			after = heap()
			assert.Equal(t, "item_24_0", s.ID)
		}
	}
	assert.Equal(t, pages, n)
	growth := int64(after) - int64(before)
	t.Logf("heap growth over %d pages of 64 KiB cursors: %d KiB", pages, growth>>10)
	assert.Less(t, growth, int64(512<<10), "the cursors seen must not be kept")
}

// gather ranges over a list to its end and returns its items, or the
// first error.
func gather[T any](seq iter.Seq2[*T, error]) ([]T, error) {
	out := []T{}
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// TestListsThatWereUnpaged follows nextCursor on the lists the reference
// shows only as {data} (providers, secrets, the billing reports): a page
// with a cursor is followed, a page without one (the reference's shape)
// ends the list after one request, and the first request carries the
// params' own cursor and query.
func TestListsThatWereUnpaged(t *testing.T) {
	t.Parallel()
	created := `"createdAt":"2025-05-01T09:30:00Z"`
	cases := []struct {
		name      string
		path      string
		item1     string
		item2     string
		query     string // the query of the first request, from the params
		list      func(ctx context.Context, c *Client) ([]string, error)
		firstPage func(ctx context.Context, c *Client) (int, error) // ListPage of the first page
	}{{
		name: "providers", path: "/v1/providers",
		item1: `{"provider":"e2b","isDefault":true,"status":"active",` + created + `}`,
		item2: `{"provider":"fly","isDefault":false,"status":"active",` + created + `}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			return names(c.Providers.List(ctx, nil), func(p *Provider) string { return string(p.Provider) })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			p, err := c.Providers.ListPage(ctx, nil)
			return pageLen(p, err)
		},
	}, {
		name: "secrets", path: "/v1/secrets", query: "sessionId=ses_1",
		item1: `{"name":"A","scope":"ses_1",` + created + `}`,
		item2: `{"name":"B","scope":"ses_1",` + created + `}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			return names(c.Secrets.List(ctx, &SecretListParams{SessionID: "ses_1"}), func(s *SecretMetadata) string { return s.Name })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			p, err := c.Secrets.ListPage(ctx, &SecretListParams{SessionID: "ses_1"})
			return pageLen(p, err)
		},
	}, {
		name: "billing daily", path: "/v1/billing/usage/daily", query: "from=2025-05-01&until=2025-05-07",
		item1: `{"date":"2025-05-01","cost":{"amount":1,"currency":"usd"}}`,
		item2: `{"date":"2025-05-02","cost":{"amount":2,"currency":"usd"}}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			return names(c.Billing.Daily(ctx, &BillingDailyParams{From: NewDate(2025, time.May, 1), Until: NewDate(2025, time.May, 7)}),
				func(d *DailyCost) string { return d.Date.String() })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			p, err := c.Billing.DailyPage(ctx, &BillingDailyParams{From: NewDate(2025, time.May, 1), Until: NewDate(2025, time.May, 7)})
			return pageLen(p, err)
		},
	}, {
		name: "billing users", path: "/v1/billing/usage/users", query: "limit=1",
		item1: `{"userId":"u1","cost":{"amount":2,"currency":"usd"},"sessions":1,"agents":1}`,
		item2: `{"userId":"u2","cost":{"amount":1,"currency":"usd"},"sessions":1,"agents":1}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			return names(c.Billing.Users(ctx, &BillingUsersParams{Limit: 1}), func(u *UserCost) string { return u.UserID })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			p, err := c.Billing.UsersPage(ctx, &BillingUsersParams{Limit: 1})
			return pageLen(p, err)
		},
	}, {
		name: "billing models", path: "/v1/billing/usage/models", query: "until=2025-05-07T10%3A00%3A00.5Z",
		item1: `{"model":"m1","calls":1,"inputTokens":1,"outputTokens":1,"cost":{"amount":2,"currency":"usd"}}`,
		item2: `{"model":"m2","calls":1,"inputTokens":1,"outputTokens":1,"cost":{"amount":1,"currency":"usd"}}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			until := Instant(time.Date(2025, time.May, 7, 10, 0, 0, 5e8, time.UTC))
			return names(c.Billing.Models(ctx, &BillingModelsParams{Until: until}), func(m *ModelCost) string { return m.Model })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			until := Instant(time.Date(2025, time.May, 7, 10, 0, 0, 5e8, time.UTC))
			p, err := c.Billing.ModelsPage(ctx, &BillingModelsParams{Until: until})
			return pageLen(p, err)
		},
	}}
	withCursor := func(query string) string {
		if query == "" {
			return "cursor=cur_2"
		}
		return "cursor=cur_2&" + query
	}
	for _, tc := range cases {
		t.Run(tc.name+": follows nextCursor", func(t *testing.T) {
			srv := newRecorder(t,
				reply{Body: `{"data":[` + tc.item1 + `],"nextCursor":"cur_2","hasMore":true}`},
				reply{Body: `{"data":[` + tc.item2 + `]}`})
			got, err := tc.list(t.Context(), srv.client())
			require.NoError(t, err)
			assert.Len(t, got, 2)
			assertListed(t, srv, tc.path, tc.query, withCursor(tc.query))
		})
		t.Run(tc.name+": one page without nextCursor", func(t *testing.T) {
			srv := newRecorder(t, reply{Body: `{"data":[` + tc.item1 + `,` + tc.item2 + `]}`})
			got, err := tc.list(t.Context(), srv.client())
			require.NoError(t, err)
			assert.Len(t, got, 2)
			assertListed(t, srv, tc.path, tc.query)
		})
		t.Run(tc.name+": ListPage is one request", func(t *testing.T) {
			srv := newRecorder(t, reply{Body: `{"data":[` + tc.item1 + `],"nextCursor":"cur_2","hasMore":true}`})
			n, err := tc.firstPage(t.Context(), srv.client())
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			assertListed(t, srv, tc.path, tc.query)
		})
	}
}

// names ranges over a list and returns one name per item.
func names[T any](seq iter.Seq2[*T, error], name func(*T) string) ([]string, error) {
	var out []string
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, name(v))
	}
	return out, nil
}

func pageLen[T any](p *Page[T], err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return len(p.Data), nil
}

func TestInstantString(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, time.May, 6, 16, 0, 0, 250_000_000, time.FixedZone("CEST", 2*60*60))
	assert.Equal(t, "2025-05-06T14:00:00.25Z", Instant(at).String())
	assert.Equal(t, "2025-05-06T14:00:00.25Z", fmt.Sprint(Instant(at)))
	assert.Equal(t, "2025-05-06T14:00:00Z", Instant(at.Truncate(time.Second)).String())
}
