package theazotest

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// cronSpec is a parsed five-field cron expression (UTC).
type cronSpec struct {
	minute, hour, dom, month, dow [64]bool
	domAny, dowAny                bool
}

var cronFields = []struct {
	name     string
	lo, hi   int
	synonyms []string // names for lo, lo+1, …
}{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 7, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// parseCron parses "m h dom mon dow": each field a list of *, n, a-b, with
// an optional /step; months and weekdays also by three-letter name; 7 is Sunday.
func parseCron(expr string) (*cronSpec, error) {
	fields := strings.Fields(expr)
	if len(fields) != 5 {
		return nil, errors.New("must have 5 fields (minute hour day-of-month month day-of-week), has " + strconv.Itoa(len(fields)))
	}
	spec := &cronSpec{domAny: fields[2] == "*", dowAny: fields[4] == "*"}
	sets := []*[64]bool{&spec.minute, &spec.hour, &spec.dom, &spec.month, &spec.dow}
	for i, f := range fields {
		if err := parseCronField(f, i, sets[i]); err != nil {
			return nil, errors.New(cronFields[i].name + " field " + strconv.Quote(f) + ": " + err.Error())
		}
	}
	if spec.dow[7] {
		spec.dow[0] = true
	}
	return spec, nil
}

func parseCronField(f string, idx int, set *[64]bool) error {
	def := cronFields[idx]
	value := func(s string) (int, error) {
		for i, name := range def.synonyms {
			if strings.EqualFold(s, name) {
				return def.lo + i, nil
			}
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, errors.New("bad value " + strconv.Quote(s))
		}
		if n < def.lo || n > def.hi {
			return 0, errors.New("value " + s + " out of range " + strconv.Itoa(def.lo) + "-" + strconv.Itoa(def.hi))
		}
		return n, nil
	}
	for _, part := range strings.Split(f, ",") {
		rng, stepStr, hasStep := strings.Cut(part, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepStr)
			if err != nil || n < 1 {
				return errors.New("bad step " + strconv.Quote(stepStr))
			}
			step = n
		}
		lo, hi := def.lo, def.hi
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, b, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = value(a); err != nil {
				return err
			}
			if hi, err = value(b); err != nil {
				return err
			}
			if lo > hi {
				return errors.New("range " + rng + " is backwards")
			}
		default:
			n, err := value(rng)
			if err != nil {
				return err
			}
			lo = n
			if !hasStep {
				hi = n
			}
		}
		for v := lo; v <= hi; v += step {
			set[v] = true
		}
	}
	return nil
}

// next returns the first time strictly after t that matches, within five years.
func (c *cronSpec) next(t time.Time) (time.Time, bool) {
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(5, 0, 0)
	for t.Before(limit) {
		switch {
		case !c.month[int(t.Month())]:
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !c.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case !c.hour[t.Hour()]:
			t = t.Truncate(time.Hour).Add(time.Hour)
		case !c.minute[t.Minute()]:
			t = t.Add(time.Minute)
		default:
			return t, true
		}
	}
	return time.Time{}, false
}

// dayMatches applies cron's rule: when both day fields are restricted,
// either may match.
func (c *cronSpec) dayMatches(t time.Time) bool {
	dom, dow := c.dom[t.Day()], c.dow[int(t.Weekday())]
	switch {
	case c.domAny && c.dowAny:
		return true
	case c.domAny:
		return dow
	case c.dowAny:
		return dom
	}
	return dom || dow
}
