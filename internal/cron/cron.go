// Package cron reads the standard five-field cron expressions of schedules.
// It is the one grammar of the module: the SDK's ValidateCron checks input
// with it and theazotest accepts, and computes next runs, with it.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Error says which field of an expression is wrong and why.
type Error struct {
	// Field is "minute", "hour", "day-of-month", "month" or "day-of-week";
	// empty when the expression does not have five fields.
	Field string
	// Value is the field's text as given.
	Value string
	// Reason says what is wrong with it.
	Reason string
}

// Error reads `minute field "60": 60 is above 59`, or the reason alone when
// no field is at fault.
func (e *Error) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return fmt.Sprintf("%s field %q: %s", e.Field, e.Value, e.Reason)
}

// field is one field of an expression: its bounds, the number of distinct
// values a step may span, its names (for min, min+1, …) and a hint added to
// a bound or name error.
type field struct {
	name     string
	min, max int
	span     int
	names    []string
	hint     string
}

var fields = [5]field{
	{name: "minute", min: 0, max: 59, span: 60},
	{name: "hour", min: 0, max: 23, span: 24},
	{name: "day-of-month", min: 1, max: 31, span: 31},
	{name: "month", min: 1, max: 12, span: 12,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"},
		hint:  "1-12 or JAN-DEC"},
	// 7 is Sunday too, so a step spans the seven days, not eight values.
	{name: "day-of-week", min: 0, max: 7, span: 7,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"},
		hint:  "0-7 or SUN-SAT; 0 and 7 are Sunday"},
}

// Schedule is a parsed expression: the minutes, hours, days, months and
// weekdays it matches, in UTC.
type Schedule struct {
	sets           [5]uint64 // bit v set when value v matches
	domAny, dowAny bool
}

// Parse reads a five-field expression, fields separated by white space:
// minute (0-59), hour (0-23), day of month (1-31), month (1-12 or JAN-DEC)
// and day of week (0-7 or SUN-SAT, 0 and 7 both Sunday), names in any case.
// A field is a comma-separated list of items; an item is `*`, a value, a
// range `a-b`, each optionally followed by a step `/n`; a step after a
// single value runs from it to the field's maximum (`5/15` is `5-59/15`).
// Anything else, such as `?`, `L`, `#`, a sixth field or `@daily`, is an
// *Error naming the field.
func Parse(expr string) (*Schedule, error) {
	parts := strings.Fields(expr)
	if len(parts) != len(fields) {
		return nil, &Error{Reason: fmt.Sprintf("want 5 fields (minute hour day-of-month month day-of-week), got %d", len(parts))}
	}
	s := &Schedule{domAny: parts[2] == "*", dowAny: parts[4] == "*"}
	for i, f := range fields {
		set, reason := f.parse(parts[i])
		if reason != "" {
			return nil, &Error{Field: f.name, Value: parts[i], Reason: reason}
		}
		s.sets[i] = set
	}
	if s.sets[4]&(1<<7) != 0 {
		s.sets[4] |= 1 // 7 is Sunday
	}
	return s, nil
}

// parse returns the values of a field's list, or why it is malformed.
func (f field) parse(s string) (uint64, string) {
	var set uint64
	for item := range strings.SplitSeq(s, ",") {
		if item == "" {
			return 0, "empty list item"
		}
		lo, hi, step, reason := f.item(item)
		if reason != "" {
			return 0, reason
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << v
		}
	}
	return set, ""
}

// item reads one list item: *, v, a-b, each with an optional /step.
func (f field) item(item string) (lo, hi, step int, reason string) {
	rng, stepText, hasStep := strings.Cut(item, "/")
	step = 1
	if hasStep {
		n, reason := number(stepText)
		if reason != "" {
			return 0, 0, 0, "step: " + reason
		}
		if n < 1 || n > f.span {
			return 0, 0, 0, fmt.Sprintf("step %d is not between 1 and %d", n, f.span)
		}
		step = n
	}
	if rng == "*" {
		return f.min, f.max, step, ""
	}
	a, b, isRange := strings.Cut(rng, "-")
	if lo, reason = f.value(a); reason != "" {
		return 0, 0, 0, reason
	}
	switch {
	case isRange:
		if hi, reason = f.value(b); reason != "" {
			return 0, 0, 0, reason
		}
		if lo > hi {
			return 0, 0, 0, fmt.Sprintf("range %s is backwards", rng)
		}
	case hasStep:
		hi = f.max
	default:
		hi = lo
	}
	return lo, hi, step, ""
}

// value reads a number or a name of the field and checks its bounds.
func (f field) value(s string) (int, string) {
	for i, name := range f.names {
		if strings.EqualFold(s, name) {
			return f.min + i, ""
		}
	}
	if isLetters(s) {
		if f.names == nil {
			return 0, fmt.Sprintf("names such as %q are not part of this field; use numbers %d-%d", s, f.min, f.max)
		}
		return 0, fmt.Sprintf("unknown name %q; use %s", s, f.hint)
	}
	n, reason := number(s)
	switch {
	case reason != "":
		return 0, reason
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

// number reads a run of ASCII digits; one too large for an int is reported
// as too large, not as malformed.
func number(s string) (int, string) {
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

// Next returns the first minute strictly after t that matches, looking at
// most five years ahead; false when none does (February 31st).
func (s *Schedule) Next(t time.Time) (time.Time, bool) {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case !s.has(3, int(t.Month())):
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case !s.has(1, t.Hour()):
			t = t.Truncate(time.Hour).Add(time.Hour)
		case !s.has(0, t.Minute()):
			t = t.Add(time.Minute)
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

func (s *Schedule) has(field, v int) bool { return s.sets[field]&(1<<v) != 0 }

// dayMatches applies cron's rule: when both day fields are restricted,
// either may match.
func (s *Schedule) dayMatches(t time.Time) bool {
	dom, dow := s.has(2, t.Day()), s.has(4, int(t.Weekday()))
	switch {
	case s.domAny && s.dowAny:
		return true
	case s.domAny:
		return dow
	case s.dowAny:
		return dom
	}
	return dom || dow
}
