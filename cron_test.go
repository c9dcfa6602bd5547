package theazo

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestValidateCronAccepts(t *testing.T) {
	t.Parallel()
	for _, expr := range []string{
		"0 9 * * 1-5",        // the reference's example: weekdays at 09:00
		"0 8 * * *",          // the reference's update example
		"*/15 * * * *",       // every 15 minutes
		"0 0 31 2 *",         // February 31st: valid syntax, never fires
		"* * * * *",          // every minute
		"59 23 31 12 6",      // every field at its maximum
		"0 0 1 1 0",          // every field at its minimum, Sunday as 0
		"0-30/10 * * * *",    // a stepped range
		"0,15,30,45 * * * *", // a list
		"1-5,10-15/2,30 0,12 1,15 */3 1-5",
		"*/60 * * * *",           // a step as large as the field
		"5 4 * * 0-6/2",          // step over a day-of-week range
		"  0   9  *  *  1-5  ",   // any run of spaces separates fields
		"0\t9\t*\t*\t1-5",        // tabs too
		"00 09 01 01 00",         // leading zeros are plain decimals
		"0 0 * * 6",              // Saturday
		"0 12 1-31/1 1-12 0-6/7", // steps equal to the field's span
		"0 9 * * MON-FRI",        // weekday names, as the API's standard cron accepts
		"0 9 * jan,Jul sun",      // month and weekday names in any case
		"0 9 * * 7",              // 7 is Sunday too
		"0 9 * * 1-7",            // a range ending on Sunday as 7
		"5/15 * * * *",           // a step after a single value: 5-59/15
		"0 0 * * MON/2",          // a step after a single name
	} {
		t.Run(expr, func(t *testing.T) {
			assert.NoError(t, ValidateCron(expr))
		})
	}
}

func TestValidateCronRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		expr      string
		field     string // the field the error names; "" for a field-count error
		wantError string // the full message
	}{
		{"60 * * * *", "minute", `theazo: invalid params: cron: minute field "60": 60 is above 59`},
		{"* * *", "", `theazo: invalid params: cron: want 5 fields (minute hour day-of-month month day-of-week), got 3`},
		{"", "", `theazo: invalid params: cron: want 5 fields (minute hour day-of-month month day-of-week), got 0`},
		{"0 0 0 * * *", "", `theazo: invalid params: cron: want 5 fields (minute hour day-of-month month day-of-week), got 6`},
		{"@daily", "", `theazo: invalid params: cron: want 5 fields (minute hour day-of-month month day-of-week), got 1`},
		{"0 24 * * *", "hour", `theazo: invalid params: cron: hour field "24": 24 is above 23`},
		{"0 0 0 * *", "day-of-month", `theazo: invalid params: cron: day-of-month field "0": 0 is below 1`},
		{"0 0 32 * *", "day-of-month", `theazo: invalid params: cron: day-of-month field "32": 32 is above 31`},
		{"0 0 * 0 *", "month", `theazo: invalid params: cron: month field "0": 0 is below 1`},
		{"0 0 * 13 *", "month", `theazo: invalid params: cron: month field "13": 13 is above 12 (1-12 or JAN-DEC)`},
		{"0 9 * * 8", "day-of-week", `theazo: invalid params: cron: day-of-week field "8": 8 is above 7 (0-7 or SUN-SAT; 0 and 7 are Sunday)`},
		{"0 9 * * MON-FRX", "day-of-week", `theazo: invalid params: cron: day-of-week field "MON-FRX": unknown name "FRX"; use 0-7 or SUN-SAT; 0 and 7 are Sunday`},
		{"0 9 * JANUARY *", "month", `theazo: invalid params: cron: month field "JANUARY": unknown name "JANUARY"; use 1-12 or JAN-DEC`},
		{"*/0 * * * *", "minute", `theazo: invalid params: cron: minute field "*/0": step 0 is not between 1 and 60`},
		{"*/61 * * * *", "minute", `theazo: invalid params: cron: minute field "*/61": step 61 is not between 1 and 60`},
		{"*/ * * * *", "minute", `theazo: invalid params: cron: minute field "*/": step: missing number`},
		{"*/x * * * *", "minute", `theazo: invalid params: cron: minute field "*/x": step: "x" is not a number`},
		{"30-10 * * * *", "minute", `theazo: invalid params: cron: minute field "30-10": range 30-10 is backwards`},
		{"1,,2 * * * *", "minute", `theazo: invalid params: cron: minute field "1,,2": empty list item`},
		{"1, * * * *", "minute", `theazo: invalid params: cron: minute field "1,": empty list item`},
		{"-1 * * * *", "minute", `theazo: invalid params: cron: minute field "-1": missing number`},
		{"1- * * * *", "minute", `theazo: invalid params: cron: minute field "1-": missing number`},
		{"1-2-3 * * * *", "minute", `theazo: invalid params: cron: minute field "1-2-3": "2-3" is not a number`},
		{"*-5 * * * *", "minute", `theazo: invalid params: cron: minute field "*-5": "*" is not a number`},
		{"+5 * * * *", "minute", `theazo: invalid params: cron: minute field "+5": "+5" is not a number`},
		{"0 0 ? * *", "day-of-month", `theazo: invalid params: cron: day-of-month field "?": "?" is not a number`},
		{"0 0 L * *", "day-of-month", `theazo: invalid params: cron: day-of-month field "L": names such as "L" are not part of this field; use numbers 1-31`},
		{"0 0 * * 5#3", "day-of-week", `theazo: invalid params: cron: day-of-week field "5#3": "5#3" is not a number`},
		{"99999999999999999999 * * * *", "minute", `theazo: invalid params: cron: minute field "99999999999999999999": 99999999999999999999 is too large`},
		{"0 9 * * 1-5/0", "day-of-week", `theazo: invalid params: cron: day-of-week field "1-5/0": step 0 is not between 1 and 7`},
	}
	for _, tc := range cases {
		t.Run(tc.expr, func(t *testing.T) {
			err := ValidateCron(tc.expr)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrInvalidParams)
			var ce *CronError
			require.True(t, errors.As(err, &ce), "want a *CronError, got %T", err)
			assert.Equal(t, tc.field, ce.Field)
			assert.Equal(t, tc.wantError, err.Error())
		})
	}
}
