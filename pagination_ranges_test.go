package theazo

import (
	"fmt"
	"iter"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

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

// Loop detection keeps a fixed-size hash per page, not the cursor: 150
// pages of 64 KiB cursors (9.4 MiB of cursors) leave the heap about where
// it was, where keeping the cursors grew it by more than 9 MiB.
func TestListLoopDetectionMemoryIsBounded(t *testing.T) {
	const pages = 150
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
			assert.Equal(t, "item_149_0", s.ID)
		}
	}
	assert.Equal(t, pages, n)
	growth := int64(after) - int64(before)
	t.Logf("heap growth over %d pages of 64 KiB cursors: %d KiB", pages, growth>>10)
	assert.Less(t, growth, int64(2<<20), "the cursors seen must not be kept")
}
