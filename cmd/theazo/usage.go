package main

import (
	"fmt"
	"time"

	"github.com/theazo/theazo-go"
)

// usageBreakdown prints Usage.Summary: the cost of the billing period by
// item. It is theazo billing usage --breakdown: one command for the usage
// of a period.

// rangeFlags are --from and --until: a date (2025-05-01) or a time (RFC 3339).
type rangeFlags struct{ from, until string }

func (x *inv) rangeFlags() *rangeFlags {
	r := &rangeFlags{}
	x.fs.StringVar(&r.from, "from", "", "start `date` (2025-05-01 or RFC 3339)")
	x.fs.StringVar(&r.until, "until", "", "end `date` (2025-05-31 or RFC 3339)")
	return r
}

// times parses the flags; a flag not given is the zero time, which the
// API reads as its default.
func (r *rangeFlags) times(x *inv) (from, until theazo.RangeBound, err error) {
	if from, err = parseWhen(r.from); err != nil {
		return from, until, x.usageErr("invalid --from: %v", err)
	}
	if until, err = parseWhen(r.until); err != nil {
		return from, until, x.usageErr("invalid --until: %v", err)
	}
	return from, until, nil
}

// parseWhen parses a whole day ("2025-05-01", a theazo.Date) or an exact
// RFC 3339 time (a theazo.Instant); "" is no bound.
func parseWhen(s string) (theazo.RangeBound, error) {
	if s == "" {
		return nil, nil
	}
	if d, err := theazo.ParseDate(s); err == nil {
		return d, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("want a date like 2025-05-01 or a time like 2025-05-01T12:00:00Z")
	}
	return theazo.Instant(t), nil
}

// usageSummaryParams builds the params of Usage.Summary from the flags.
func usageSummaryParams(x *inv, r *rangeFlags) (*theazo.UsageSummaryParams, error) {
	from, until, err := r.times(x)
	if err != nil {
		return nil, err
	}
	return &theazo.UsageSummaryParams{From: from, Until: until}, nil
}

func usageBreakdown(x *inv, r *rangeFlags) error {
	p, err := usageSummaryParams(x, r)
	if err != nil {
		return err
	}
	u, err := x.client().Usage.Summary(x.ctx, p)
	if err != nil {
		return err
	}
	return x.show(u, func() error {
		t := x.table("ITEM", "QUANTITY", "COST")
		t.row("compute", fmt.Sprintf("%d min", u.Compute.Minutes), money(u.Compute.Cost))
		t.row("models", fmt.Sprintf("%d in / %d out tokens", u.Models.InputTokens, u.Models.OutputTokens), money(u.Models.Cost))
		t.row("storage", fmt.Sprintf("%g GB", u.Storage.GB), money(u.Storage.Cost))
		t.row("total", "", money(u.Total))
		fmt.Fprintf(x.stdout, "Period %s to %s\n\n", day(u.Period.From), day(u.Period.Until))
		return t.print()
	})
}

// day formats the calendar day of t, in UTC.
func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}
