package theazo

import (
	"context"
	"crypto/sha256"
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

// paginate ranges over every item of a paged list, fetching each page lazily
// with fetch from a copy of params whose cursor (the field cursor points to)
// starts at params' own and then follows nextCursor. params is copied when
// paginate is called and again at the start of every range, so that each
// range starts from params' cursor and ranges running at once share nothing.
//
// It crosses empty pages while hasMore is true, and ends after a page whose
// hasMore is false or whose nextCursor is missing ("a missing nextCursor
// means you are on the last page"). It yields an error once and stops when a
// fetch fails or a cursor repeats, and fetches nothing more once the loop
// breaks. Only the current page's items are held in memory, with a 32-byte
// hash of each cursor seen to detect a loop of any length, however long the
// cursors. The error of a loop names pages, not cursors: a cursor is server
// text and may quote anything.
func paginate[P, T any](ctx context.Context, params *P, cursor func(*P) *string, fetch func(context.Context, *P) (*Page[T], error)) iter.Seq2[*T, error] {
	start := valueOf(params)
	return func(yield func(*T, error) bool) {
		p := start                               // this range's own params
		fetchedBy := map[[sha256.Size]byte]int{} // hash of a cursor → the page it fetched, from 1
		for n := 1; ; n++ {
			fetchedBy[sha256.Sum256([]byte(*cursor(&p)))] = n
			page, err := fetch(ctx, &p)
			if err != nil {
				yield(nil, err)
				return
			}
			for i := range page.Data {
				if !yield(&page.Data[i], nil) {
					return
				}
			}
			if !page.HasMore || page.NextCursor == "" {
				return
			}
			if m, ok := fetchedBy[sha256.Sum256([]byte(page.NextCursor))]; ok {
				yield(nil, fmt.Errorf("%w: the nextCursor of page %d is the cursor of page %d; stopping so the list does not loop", ErrInvalidResponse, n, m))
				return
			}
			*cursor(&p) = page.NextCursor
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
