package theazo

import (
	"context"
	"fmt"
	"iter"
)

// Page is one page of a paged list: its items and the cursor of the next page.
type Page[T any] struct {
	// Data holds the items of this page, possibly none.
	Data []T `json:"data"`
	// NextCursor is passed as Cursor to fetch the next page; empty on the last page.
	NextCursor string `json:"nextCursor,omitempty"`
	// HasMore reports whether another page follows.
	HasMore bool `json:"hasMore"`
}

// paginate ranges over every item of a paged list, starting at cursor and
// fetching each page lazily with fetch. It crosses empty pages while HasMore
// is true, yields an error once and stops when a fetch fails or a cursor
// repeats, and fetches nothing more once the loop breaks. Only the current
// page's items are held in memory, with the cursors seen so far (one short
// string per page) to detect a loop of any length. The error of a loop
// names pages, not cursors: a cursor is server text and may quote anything.
func paginate[T any](ctx context.Context, cursor string, fetch func(ctx context.Context, cursor string) (*Page[T], error)) iter.Seq2[*T, error] {
	return func(yield func(*T, error) bool) {
		fetchedBy := map[string]int{} // cursor → the page it fetched, from 1
		for n := 1; ; n++ {
			fetchedBy[cursor] = n
			page, err := fetch(ctx, cursor)
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range page.Data {
				if !yield(&page.Data[i], nil) {
					return
				}
			}
			if !page.HasMore {
				return
			}
			cursor = page.NextCursor
			if cursor == "" {
				yield(nil, fmt.Errorf("%w: page %d has hasMore true but an empty nextCursor", ErrInvalidResponse, n))
				return
			}
			if m, ok := fetchedBy[cursor]; ok {
				yield(nil, fmt.Errorf("%w: the nextCursor of page %d is the cursor of page %d; stopping so the list does not loop", ErrInvalidResponse, n, m))
				return
			}
		}
	}
}

// valueOf returns *p, or the zero T when p is nil.
func valueOf[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
