package theazo

import (
	"errors"
	"fmt"

	"github.com/theazo/theazo-go/internal/cron"
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

// ValidateCron checks the syntax of a schedule's cron expression the way
// Schedules.Create and Schedules.Update do before sending it, so that user
// input can be checked early. It returns nil or a *CronError.
//
// The reference says schedules use standard cron expressions, in UTC, so
// the standard five-field grammar is accepted: minute (0-59), hour (0-23),
// day of month (1-31), month (1-12 or JAN-DEC) and day of week (0-7 or
// SUN-SAT; 0 and 7 are both Sunday), names in any case. Each field is a
// comma-separated list of items; an item is `*`, a value `5`, a range
// `1-5` or `MON-FRI`, each with an optional step: `*/15`, `0-30/10`, and
// `5/15`, which runs from 5 to the field's maximum.
//
// Only the clearly malformed is refused, with an error naming the field: a
// count of fields other than five (a seconds or year field, `@daily`), a
// value out of its field's bounds, an unknown name, a backwards range
// (`5-1`), a step of 0 or longer than the field, an empty list item, and
// the non-standard `?`, `L`, `W` and `#`. Only syntax is checked:
// `0 0 31 2 *` (February 31st) is valid although it never fires.
func ValidateCron(expr string) error {
	_, err := cron.Parse(expr)
	if ce, ok := errors.AsType[*cron.Error](err); ok {
		return &CronError{Field: ce.Field, Value: ce.Value, Reason: ce.Reason}
	}
	return err
}
