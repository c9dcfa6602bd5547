package theazo

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

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
