package theazo_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

// Against the fake: one List value ranged twice, and from several
// goroutines at once, yields the whole list each time, and a list starting
// from a cursor yields what follows it.
func TestE2EListRangedAgainAndConcurrently(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, c := newE2E(t)
	var want []string
	for i := range 7 {
		s, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: fmt.Sprintf("user_%d", i)})
		require.NoError(t, err)
		want = append(want, s.ID)
	}
	ids := func(seq func(func(*theazo.Session, error) bool)) []string {
		var out []string
		for s, err := range seq {
			require.NoError(t, err)
			out = append(out, s.ID)
		}
		return out
	}

	seq := c.Sessions.List(ctx, &theazo.SessionListParams{Limit: 2})
	assert.Equal(t, want, ids(seq))
	assert.Equal(t, want, ids(seq), "a second range starts over")

	var wg sync.WaitGroup
	got := make([][]string, 4)
	for g := range got {
		wg.Go(func() { got[g] = ids(seq) })
	}
	wg.Wait()
	for _, g := range got {
		assert.Equal(t, want, g)
	}

	first, err := c.Sessions.ListPage(ctx, &theazo.SessionListParams{Limit: 3})
	require.NoError(t, err)
	rest := c.Sessions.List(ctx, &theazo.SessionListParams{Limit: 2, Cursor: first.NextCursor})
	assert.Equal(t, want[3:], ids(rest))
	assert.Equal(t, want[3:], ids(rest), "each range starts from the params' cursor")
}
