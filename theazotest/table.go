package theazotest

import (
	"iter"
	"net/http"
	"slices"
)

// table holds the items of one resource kind: by id, and in the order they
// were put, which is the order lists show. Each item gets a sequence number
// when put, which list cursors name, so that a page after a cursor neither
// repeats nor misses an item whatever is put or deleted meanwhile. The
// caller holds s.mu.
type table[T any] struct {
	kind string // the kind, as a 404 names it: "agent definition"
	byID map[string]*T
	rows []row[T] // in the order put
	last int64    // the sequence number of the latest item put
}

// row is an item of a table with its id and sequence number.
type row[T any] struct {
	id  string
	seq int64
	v   *T
}

func newTable[T any](kind string) table[T] {
	return table[T]{kind: kind, byID: map[string]*T{}}
}

// put adds v under id, which is new to the table, after every item.
func (t *table[T]) put(id string, v *T) {
	t.last++
	t.rows = append(t.rows, row[T]{id: id, seq: t.last, v: v})
	t.byID[id] = v
}

// get returns the item under id, or nil.
func (t *table[T]) get(id string) *T { return t.byID[id] }

// delete removes the item under id, if any.
func (t *table[T]) delete(id string) {
	if _, ok := t.byID[id]; ok {
		delete(t.byID, id)
		t.rows = slices.DeleteFunc(t.rows, func(r row[T]) bool { return r.id == id })
	}
}

// all yields the items in the order they were put.
func (t *table[T]) all() iter.Seq[*T] {
	return func(yield func(*T) bool) {
		for _, r := range t.rows {
			if !yield(r.v) {
				return
			}
		}
	}
}

// find returns the item named by the call's path parameter param, or the
// 404 that names the table's kind.
func (t *table[T]) find(c *call, param string) (*T, *apiError) {
	id := c.r.PathValue(param)
	v := t.byID[id]
	if v == nil {
		return nil, errNotFound(t.kind, id)
	}
	return v, nil
}

// itemReply is the reply of a get: a copy of the item of t named by the
// call's path parameter param, or its 404.
func itemReply[T any](c *call, t *table[T], param string) reply {
	v, e := t.find(c, param)
	if e != nil {
		return failed(e)
	}
	return answer(http.StatusOK, *v)
}

// tableReply is the reply of a list of t's items, in the order they were
// put: each as view shows it, those for which view reports true, paged as
// pageReply pages. name names the list in its cursors.
func tableReply[T, V any](c *call, t *table[T], name string, defaultLimit int, view func(*T) (V, bool)) reply {
	var items []V
	var seqs []int64
	for _, r := range t.rows {
		if v, ok := view(r.v); ok {
			items = append(items, v)
			seqs = append(seqs, r.seq)
		}
	}
	return pageReply(c, name, items, seqs, defaultLimit, maxLimit)
}

// copied is the view of a list that shows a copy of every item.
func copied[T any](v *T) (T, bool) { return *v, true }
