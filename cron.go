package theazo

import (
	"fmt"
	"strconv"
	"strings"
)

// CronError is the error ValidateCron returns: which field of the expression
// is wrong and why, e.g. `cron: minute field "60": 60 is above 59`. It
// matches ErrInvalidParams with errors.Is; use errors.As to point a user at
// the field.
type CronError struct {
	// Field is "minute", "hour", "day-of-month", "month" or "day-of-week";
	// empty when the expression does not have five fields.
	Field string
	// Value is the field's text as given.
	Value string
	// Reason says what is wrong with it.
	Reason string
}

// Error names the field, its value and the reason.
func (e *CronError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("%v: cron: %s", ErrInvalidParams, e.Reason)
	}
	return fmt.Sprintf("%v: cron: %s field %q: %s", ErrInvalidParams, e.Field, e.Value, e.Reason)
}

// Unwrap returns ErrInvalidParams, so errors.Is(err, ErrInvalidParams) holds.
func (e *CronError) Unwrap() error { return ErrInvalidParams }

// cronField is one field of a cron expression and its allowed values.
type cronField struct {
	name     string
	min, max int
	hint     string // appended to an out-of-range or name error
}

var cronFields = [5]cronField{
	{name: "minute", min: 0, max: 59},
	{name: "hour", min: 0, max: 23},
	{name: "day-of-month", min: 1, max: 31},
	{name: "month", min: 1, max: 12, hint: "1 = January"},
	{name: "day-of-week", min: 0, max: 6, hint: "0 = Sunday"},
}

// ValidateCron checks the syntax of a schedule's cron expression the way
// Schedules.Create and Schedules.Update do before sending it, so that user
// input can be checked early. It returns nil or a *CronError.
//
// An expression has exactly five fields separated by white space, in UTC:
// minute (0-59), hour (0-23), day of month (1-31), month (1-12) and day of
// week (0-6, 0 = Sunday). Each field is a comma-separated list of items; an
// item is `*`, a number `5`, a range `1-5`, or a step `*/15` or `0-30/10`.
//
// Only this portable numeric subset, the one the API reference documents, is
// accepted. Rejected with an error naming the field: 7 as Sunday (use 0);
// names such as MON-FRI or JAN (use 1-5, 1); a step after a single number
// (`5/15`; write `5-59/15`); backwards ranges (`5-1`); the extensions `?`,
// `L`, `W` and `#`; a seconds or year field; and macros such as `@daily`.
//
// Only syntax is checked: `0 0 31 2 *` (February 31st) is valid although it
// never fires.
func ValidateCron(expr string) error {
	fields := strings.Fields(expr)
	if len(fields) != len(cronFields) {
		return &CronError{Reason: fmt.Sprintf("want 5 fields (minute hour day-of-month month day-of-week), got %d", len(fields))}
	}
	for i, f := range cronFields {
		if reason := f.check(fields[i]); reason != "" {
			return &CronError{Field: f.name, Value: fields[i], Reason: reason}
		}
	}
	return nil
}

// check returns why s is not a valid value of the field, or "".
func (f cronField) check(s string) string {
	for item := range strings.SplitSeq(s, ",") {
		if item == "" {
			return "empty list item"
		}
		if reason := f.checkItem(item); reason != "" {
			return reason
		}
	}
	return ""
}

// checkItem checks one list item: *, n, a-b, */n or a-b/n.
func (f cronField) checkItem(item string) string {
	rng, step, hasStep := strings.Cut(item, "/")
	if hasStep {
		n, reason := parseCronNumber(step)
		if reason != "" {
			return "step: " + reason
		}
		if span := f.max - f.min + 1; n < 1 || n > span {
			return fmt.Sprintf("step %d is not between 1 and %d", n, span)
		}
	}
	if rng == "*" {
		return ""
	}
	lo, hi, isRange := strings.Cut(rng, "-")
	if hasStep && !isRange {
		return fmt.Sprintf("a step needs * or a range before it, as in */%s or %s-%d/%s", step, rng, f.max, step)
	}
	a, reason := f.value(lo)
	if reason != "" || !isRange {
		return reason
	}
	b, reason := f.value(hi)
	if reason != "" {
		return reason
	}
	if a > b {
		return fmt.Sprintf("range %d-%d is backwards", a, b)
	}
	return ""
}

// value parses one number of the field and checks its bounds.
func (f cronField) value(s string) (int, string) {
	n, reason := parseCronNumber(s)
	if reason != "" {
		if isLetters(s) {
			reason = fmt.Sprintf("names such as %q are not supported; use numbers %d-%d", s, f.min, f.max)
			if f.hint != "" {
				reason += " (" + f.hint + ")"
			}
		}
		return 0, reason
	}
	switch {
	case n < f.min:
		return 0, fmt.Sprintf("%d is below %d", n, f.min)
	case n > f.max:
		reason = fmt.Sprintf("%d is above %d", n, f.max)
		if f.hint != "" {
			reason += " (" + f.hint + ")"
		}
		return 0, reason
	}
	return n, ""
}

// parseCronNumber parses a run of ASCII digits. A number too large for an
// int is reported as too large, not as malformed.
func parseCronNumber(s string) (int, string) {
	if s == "" {
		return 0, "missing number"
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, fmt.Sprintf("%q is not a number", s)
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Sprintf("%s is too large", s)
	}
	return n, ""
}

func isLetters(s string) bool {
	for _, c := range []byte(s) {
		if (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return false
		}
	}
	return s != ""
}
