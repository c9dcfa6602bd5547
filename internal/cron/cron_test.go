package cron

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestParse is the grammar as a table: every expression either parses or
// fails with an *Error naming the field and giving the hint.
func TestParse(t *testing.T) {
	cases := []struct {
		expr  string
		field string // "" with err: a field-count error
		err   string // "" when the expression is valid
	}{
		// Valid: numbers, lists, ranges, steps.
		{expr: "0 9 * * 1-5"},  // the reference's example: weekdays at 09:00
		{expr: "0 8 * * *"},    // the reference's update example
		{expr: "* * * * *"},    // every minute
		{expr: "*/15 * * * *"}, // steps on *
		{expr: "0-30/10 * * * *"},
		{expr: "0,15,30,45 * * * *"},
		{expr: "1-5,10-15/2,30 0,12 1,15 */3 1-5"},
		{expr: "59 23 31 12 6"},
		{expr: "0 0 1 1 0"},
		{expr: "0 0 31 2 *"}, // February 31st: valid, never fires
		{expr: "*/60 * * * *"},
		{expr: "0 12 1-31/1 1-12 0-6/7"},
		{expr: "00 09 01 01 00"},
		{expr: "  0   9  *  *  1-5  "},
		{expr: "0\t9\t*\t*\t1-5"},
		// Valid: names, any case, in ranges, lists and with steps.
		{expr: "0 9 * * MON-FRI"},
		{expr: "0 9 * * mon-fri"},
		{expr: "0 9 * * Mon,Wed,Fri"},
		{expr: "0 9 * JAN *"},
		{expr: "0 9 1 jan-jun/2 *"},
		{expr: "0 9 * Dec sun"},
		{expr: "0 0 * JAN,jul SAT"},
		// Valid: 7 is Sunday; steps on a single start value.
		{expr: "0 9 * * 7"},
		{expr: "0 9 * * 1-7"},
		{expr: "0 9 * * 5-7"},
		{expr: "5/15 * * * *"},
		{expr: "0 1/2 * * *"},
		{expr: "0 0 1 FEB/3 *"},
		{expr: "0 0 * * MON/2"},
		{expr: "0 0 * * 0-7/7"},

		// Invalid: field count.
		{expr: "", err: "want 5 fields (minute hour day-of-month month day-of-week), got 0"},
		{expr: "* * *", err: "want 5 fields (minute hour day-of-month month day-of-week), got 3"},
		{expr: "0 0 0 * * *", err: "want 5 fields (minute hour day-of-month month day-of-week), got 6"},
		{expr: "@daily", err: "want 5 fields (minute hour day-of-month month day-of-week), got 1"},
		// Invalid: out of bounds, with the field's hint.
		{expr: "60 * * * *", field: "minute", err: `minute field "60": 60 is above 59`},
		{expr: "0 24 * * *", field: "hour", err: `hour field "24": 24 is above 23`},
		{expr: "0 0 0 * *", field: "day-of-month", err: `day-of-month field "0": 0 is below 1`},
		{expr: "0 0 32 * *", field: "day-of-month", err: `day-of-month field "32": 32 is above 31`},
		{expr: "0 0 * 0 *", field: "month", err: `month field "0": 0 is below 1`},
		{expr: "0 0 * 13 *", field: "month", err: `month field "13": 13 is above 12 (1-12 or JAN-DEC)`},
		{expr: "0 0 * * 8", field: "day-of-week", err: `day-of-week field "8": 8 is above 7 (0-7 or SUN-SAT; 0 and 7 are Sunday)`},
		{expr: "99999999999999999999 * * * *", field: "minute", err: `minute field "99999999999999999999": 99999999999999999999 is too large`},
		// Invalid: names.
		{expr: "0 0 * JANUARY *", field: "month", err: `month field "JANUARY": unknown name "JANUARY"; use 1-12 or JAN-DEC`},
		{expr: "0 9 * * MON-FRX", field: "day-of-week", err: `day-of-week field "MON-FRX": unknown name "FRX"; use 0-7 or SUN-SAT; 0 and 7 are Sunday`},
		{expr: "0 9 * MON *", field: "month", err: `month field "MON": unknown name "MON"; use 1-12 or JAN-DEC`},
		{expr: "0 0 L * *", field: "day-of-month", err: `day-of-month field "L": names such as "L" are not part of this field; use numbers 1-31`},
		{expr: "0 0 15W * *", field: "day-of-month", err: `day-of-month field "15W": "15W" is not a number`},
		// Invalid: ranges, steps, lists, extensions.
		{expr: "30-10 * * * *", field: "minute", err: `minute field "30-10": range 30-10 is backwards`},
		{expr: "0 0 * * FRI-MON", field: "day-of-week", err: `day-of-week field "FRI-MON": range FRI-MON is backwards`},
		{expr: "*/0 * * * *", field: "minute", err: `minute field "*/0": step 0 is not between 1 and 60`},
		{expr: "*/61 * * * *", field: "minute", err: `minute field "*/61": step 61 is not between 1 and 60`},
		{expr: "0 9 * * 1-5/0", field: "day-of-week", err: `day-of-week field "1-5/0": step 0 is not between 1 and 7`},
		{expr: "*/ * * * *", field: "minute", err: `minute field "*/": step: missing number`},
		{expr: "*/x * * * *", field: "minute", err: `minute field "*/x": step: "x" is not a number`},
		{expr: "1,,2 * * * *", field: "minute", err: `minute field "1,,2": empty list item`},
		{expr: "1, * * * *", field: "minute", err: `minute field "1,": empty list item`},
		{expr: "-1 * * * *", field: "minute", err: `minute field "-1": missing number`},
		{expr: "1- * * * *", field: "minute", err: `minute field "1-": missing number`},
		{expr: "1-2-3 * * * *", field: "minute", err: `minute field "1-2-3": "2-3" is not a number`},
		{expr: "*-5 * * * *", field: "minute", err: `minute field "*-5": "*" is not a number`},
		{expr: "+5 * * * *", field: "minute", err: `minute field "+5": "+5" is not a number`},
		{expr: "0 0 ? * *", field: "day-of-month", err: `day-of-month field "?": "?" is not a number`},
		{expr: "0 0 * * 5#3", field: "day-of-week", err: `day-of-week field "5#3": "5#3" is not a number`},
		{expr: "0 0 * * 5L", field: "day-of-week", err: `day-of-week field "5L": "5L" is not a number`},
	}
	require.GreaterOrEqual(t, len(cases), 40)
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			s, err := Parse(tc.expr)
			if tc.err == "" {
				require.NoError(t, err)
				require.NotNil(t, s)
				return
			}
			require.Error(t, err)
			assert.Nil(t, s)
			var ce *Error
			require.True(t, errors.As(err, &ce), "want an *Error, got %T", err)
			assert.Equal(t, tc.field, ce.Field)
			assert.Equal(t, tc.err, err.Error())
		})
	}
}

// TestParseMeaning checks what parsed expressions match, through Next:
// names equal numbers, 7 is Sunday, a single-value step runs to the
// field's maximum, and the two day fields combine with "or".
func TestParseMeaning(t *testing.T) {
	from := time.Date(2025, time.May, 1, 0, 0, 0, 0, time.UTC) // a Thursday
	cases := []struct {
		expr string
		want []string // the next runs after from, in order
	}{
		{"0 9 * * MON-FRI", []string{"2025-05-01T09:00", "2025-05-02T09:00", "2025-05-05T09:00"}},
		{"0 9 * * 1-5", []string{"2025-05-01T09:00", "2025-05-02T09:00", "2025-05-05T09:00"}},
		{"0 0 * * 7", []string{"2025-05-04T00:00", "2025-05-11T00:00"}},
		{"0 0 * * sun", []string{"2025-05-04T00:00", "2025-05-11T00:00"}},
		{"50/5 0 * * *", []string{"2025-05-01T00:50", "2025-05-01T00:55", "2025-05-02T00:50"}},
		{"0 0 1 jan,JUL *", []string{"2025-07-01T00:00", "2026-01-01T00:00"}},
		{"0 0 13 * FRI", []string{"2025-05-02T00:00", "2025-05-09T00:00", "2025-05-13T00:00"}},
		{"0 0 * * 5-7", []string{"2025-05-02T00:00", "2025-05-03T00:00", "2025-05-04T00:00", "2025-05-09T00:00"}},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			s, err := Parse(tc.expr)
			require.NoError(t, err)
			at := from
			for _, want := range tc.want {
				next, ok := s.Next(at)
				require.True(t, ok)
				assert.Equal(t, want, next.Format("2006-01-02T15:04"))
				at = next
			}
		})
	}
	s, err := Parse("0 0 31 2 *")
	require.NoError(t, err)
	_, ok := s.Next(from)
	assert.False(t, ok, "February 31st never comes")
}
