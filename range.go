package theazo

import "time"

// RangeBound is one end of a usage or billing range (From or Until of
// UsageSummaryParams and the Billing params): a Date or an Instant. Nil,
// a zero Date and a zero Instant are not sent and leave the server's
// default.
//
// A Date covers a whole calendar day in UTC and is sent date-only
// ("2025-05-01"), as the reference's examples are: as From the range starts
// at the day's first instant, as Until it ends with the day's last, so
// From 2025-05-01 Until 2025-05-07 is seven days and the daily report has
// seven entries.
//
// An Instant is sent exactly, as RFC 3339 in UTC with as many fractional
// digits as it has ("2025-05-06T14:00:00.25Z"): the range starts at From
// and runs up to Until, and nothing recorded before the Until given is cut
// off by rounding.
type RangeBound interface {
	// rangeValue is the bound as sent; "" is not sent.
	rangeValue() string
}

// Instant is an instant as one end of a usage or billing range:
// theazo.Instant(time.Now()). See RangeBound.
type Instant time.Time

// String returns the instant as sent: RFC 3339 in UTC, with its
// fractional seconds.
func (i Instant) String() string { return time.Time(i).UTC().Format(time.RFC3339Nano) }

// rangeValue returns the instant in UTC to the nanosecond, or "" when zero.
func (i Instant) rangeValue() string {
	if time.Time(i).IsZero() {
		return ""
	}
	return i.String()
}

// rangeValue returns the date as "2006-01-02", or "" when zero.
func (d Date) rangeValue() string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}

// rangeQuery is the query of a usage or billing call.
type rangeQuery struct {
	From   string `url:"from,omitempty"`
	Until  string `url:"until,omitempty"`
	Limit  int    `url:"limit,omitempty"`
	Cursor string `url:"cursor,omitempty"`
}

// newRangeQuery encodes a range, a page size and a cursor.
func newRangeQuery(from, until RangeBound, limit int, cursor string) rangeQuery {
	return rangeQuery{From: boundValue(from), Until: boundValue(until), Limit: limit, Cursor: cursor}
}

// boundValue is b as sent, "" for nil, a nil *Date or a nil *Instant.
func boundValue(b RangeBound) string {
	switch v := b.(type) {
	case nil:
		return ""
	case *Date:
		if v == nil {
			return ""
		}
	case *Instant:
		if v == nil {
			return ""
		}
	}
	return b.rangeValue()
}
