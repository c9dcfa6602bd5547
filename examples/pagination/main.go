// Pagination: range over every session with List, which fetches pages
// lazily as the loop goes; then walk the pages yourself with ListPage and
// the cursors it returns, as a paged HTTP endpoint of your own would.
//
//	go run ./examples/pagination
//
// With no THEAZO_API_KEY it runs against theazotest, seeded with 25 users.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/examples/internal/exampleenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		exampleenv.Fail(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	env := exampleenv.Start(w)
	defer env.Close()
	client := env.Client

	if env.Fake != nil {
		// Something to page through.
		for i := range 25 {
			if _, err := client.Sessions.GetOrCreate(ctx, fmt.Sprintf("user_%03d", i+1), nil); err != nil {
				return err
			}
		}
	}

	// Every session, 10 per request: breaking out of the loop stops fetching.
	fmt.Fprintln(w, "\nEvery session, with List:")
	n := 0
	for sess, err := range client.Sessions.List(ctx, &theazo.SessionListParams{Limit: 10}) {
		if err != nil {
			return fmt.Errorf("listing sessions: %w", err)
		}
		n++
		if n <= 3 {
			fmt.Fprintf(w, "  %s  %-10s %s\n", sess.ID, sess.UserID, sess.Cost)
		}
	}
	if n > 3 {
		fmt.Fprintf(w, "  … and %d more\n", n-3)
	}
	fmt.Fprintf(w, "%d sessions in all.\n", n)

	// The same, one page at a time, keeping the cursor yourself.
	fmt.Fprintln(w, "\nPage by page, with ListPage:")
	params := &theazo.SessionListParams{Limit: 10}
	for page := 1; ; page++ {
		p, err := client.Sessions.ListPage(ctx, params)
		if err != nil {
			return fmt.Errorf("listing page %d: %w", page, err)
		}
		first, last := "", ""
		if len(p.Data) > 0 {
			first, last = p.Data[0].UserID, p.Data[len(p.Data)-1].UserID
		}
		fmt.Fprintf(w, "  page %d: %2d sessions (%s … %s), more: %v\n", page, len(p.Data), first, last, p.HasMore)
		if !p.HasMore {
			break
		}
		params.Cursor = p.NextCursor // opaque: pass it back as it is
	}
	return nil
}
