package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/theazo/theazo-go"
)

// ANSI styles.
const (
	styleBold  = "1"
	styleDim   = "2"
	styleRed   = "31"
	styleGreen = "32"
	styleCyan  = "36"
)

// decorate reports whether output may carry colour and a spinner: only on
// a terminal, and never with NO_COLOR set or TERM=dumb.
func (a *app) decorate(tty bool) bool {
	return tty && a.getenv("NO_COLOR") == "" && a.getenv("TERM") != "dumb"
}

// paint wraps s in an ANSI style when stdout takes colour. It escapes s
// first (see escape): painted text is safe to print, and must not be
// escaped again, which would show the style's own escape codes.
func (a *app) paint(style, s string) string {
	s = escape(s)
	if !a.decorate(a.outTTY) || s == "" {
		return s
	}
	return "\x1b[" + style + "m" + s + "\x1b[0m"
}

// escape makes text from the API safe to print to a terminal: control
// characters (ESC, CR, BEL, DEL, the C1 range), bidirectional overrides
// and invalid UTF-8 are shown visibly, as \x1b, \u009b or \u202e, so
// that a string cannot move the cursor, set the window title or write the
// clipboard. Newlines and tabs stay. Escaping twice changes nothing more.
// --json output is never escaped: JSON has its own.
func escape(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, "\\x%02x", r)
		case unsafeRune(r):
			fmt.Fprintf(&b, "\\u%04x", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unsafeRune reports whether r must not reach a terminal as it is.
func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		return true
	}
	return false
}

// statusStyle is the colour of a status: green when ready or done, red
// when failed.
func statusStyle(s string) string {
	switch s {
	case "idle", "active", "completed":
		return styleGreen
	case "failed", "terminated", "cancelled":
		return styleRed
	}
	return ""
}

// table collects rows and prints them aligned, the header in bold, the
// cells escaped and a STATUS column coloured.
type table struct {
	a    *app
	rows [][]string
}

func (a *app) table(header ...string) *table { return &table{a: a, rows: [][]string{header}} }

func (t *table) row(cells ...string) { t.rows = append(t.rows, cells) }

// print writes the table; a table with no rows says so instead.
func (t *table) print() error {
	if len(t.rows) == 1 {
		_, err := fmt.Fprintln(t.a.stdout, "No results.")
		return err
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	status := slices.Index(t.rows[0], "STATUS")
	for n, r := range t.rows {
		for i, c := range r {
			c = escape(c)
			if n > 0 && i == status {
				c = t.a.status(c)
			}
			c = strings.ReplaceAll(c, "\t", " ")
			c = strings.ReplaceAll(c, "\n", " ")
			if i > 0 {
				tw.Write([]byte("\t"))
			}
			tw.Write([]byte(c))
		}
		tw.Write([]byte("\n"))
	}
	tw.Flush()
	header, rest, _ := strings.Cut(buf.String(), "\n")
	_, err := fmt.Fprint(t.a.stdout, t.a.paint(styleBold, strings.TrimRight(header, " "))+"\n"+trimLines(rest))
	return err
}

// trimLines drops the padding tabwriter leaves at the end of lines.
func trimLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	return strings.Join(lines, "\n")
}

// fields prints one object as aligned "Name: value" lines, the values
// escaped and a Status coloured.
func (a *app) fields(kv ...string) error {
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			continue
		}
		v := escape(kv[i+1])
		if kv[i] == "Status" {
			v = a.status(v)
		}
		fmt.Fprintf(tw, "%s\t%s\n", a.paint(styleBold, kv[i]+":"), strings.ReplaceAll(strings.ReplaceAll(v, "\t", " "), "\n", "\n\t"))
	}
	tw.Flush()
	_, err := a.stdout.Write(buf.Bytes())
	return err
}

// jsonLine prints v as one line of JSON.
func (a *app) jsonLine(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(append(b, '\n'))
	return err
}

// jsonObject prints one object as indented JSON.
func (a *app) jsonObject(v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(append(b, '\n'))
	return err
}

// show prints one object: as JSON with --json, else with human.
func (x *inv) show(v any, human func() error) error {
	if x.g.json {
		return x.jsonObject(v)
	}
	return human()
}

// ago formats t relative to now: "just now", "5m ago", "in 3h", and a
// date past a month.
func (a *app) ago(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	d := a.now().Sub(t)
	suffix := " ago"
	if d < 0 {
		d, suffix = -d, ""
	}
	var s string
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		s = strconv.Itoa(int(d/time.Minute)) + "m"
	case d < 24*time.Hour:
		s = strconv.Itoa(int(d/time.Hour)) + "h"
	case d < 30*24*time.Hour:
		s = strconv.Itoa(int(d/(24*time.Hour))) + "d"
	default:
		return t.UTC().Format("2006-01-02")
	}
	if suffix == "" {
		return "in " + s
	}
	return s + suffix
}

// stamp formats an absolute time for detail views.
func (a *app) stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339) + " (" + a.ago(t) + ")"
}

// money formats an amount, "5.00 USD".
func money(m theazo.Money) string { return m.String() }

// listFlags are --limit and --all of a list command.
type listFlags struct {
	limit int
	all   bool
	whole bool // the list shows every item unless --limit is given
}

// defaultLimit is how many items a list shows without --limit or --all.
const defaultLimit = 30

// maxPageSize is the largest page the API serves.
const maxPageSize = 100

func (x *inv) listFlags() *listFlags {
	l := &listFlags{}
	x.fs.IntVar(&l.limit, "limit", defaultLimit, "show at most `N` items")
	x.fs.BoolVar(&l.all, "all", false, "show every item, fetching every page")
	return l
}

// wholeListFlags is the --limit of a list that is short by nature
// (providers, secrets, the billing reports): without it the list shows
// every item, following every page; there is no --all.
func (x *inv) wholeListFlags() *listFlags {
	l := &listFlags{whole: true}
	x.fs.IntVar(&l.limit, "limit", 0, "show at most `N` items (default all)")
	return l
}

// check refuses a --limit under 1, and --limit with --all.
func (l *listFlags) check(x *inv) error {
	set := false
	x.fs.Visit(func(f *flag.Flag) { set = set || f.Name == "limit" })
	switch {
	case set && l.limit < 1:
		return x.usageErr("--limit must be at least 1; for every item, leave it out of this list")
	case set && l.all:
		return x.usageErr("give --limit or --all, not both")
	}
	if !set && l.whole {
		l.all = true
	}
	if !l.whole && l.limit < 1 {
		return x.usageErr("--limit must be at least 1; --all shows every item")
	}
	return nil
}

// pageSize is the page size to ask for: one more than the limit, so that
// the list knows whether more items exist without another request.
func (l *listFlags) pageSize() int {
	if l.all || l.limit <= 0 || l.limit >= maxPageSize {
		return maxPageSize
	}
	return l.limit + 1
}

// list prints the items of seq up to the limit: with --json one line per
// item as it arrives, else a table whose rows row makes. A list cut short
// by the limit says so on stderr, and how to see the rest.
func list[T any](x *inv, l *listFlags, seq iter.Seq2[*T, error], t *table, row func(*T) []string) error {
	if err := l.check(x); err != nil {
		return err
	}
	n, more := 0, false
	for item, err := range seq {
		if err != nil {
			return err
		}
		if !l.all && n >= l.limit {
			more = true
			break // before the iterator fetches another page
		}
		n++
		if x.g.json {
			if err := x.jsonLine(item); err != nil {
				return err
			}
		} else {
			t.row(row(item)...)
		}
	}
	if !x.g.json {
		if err := t.print(); err != nil {
			return err
		}
	}
	if more {
		hint := "--all for every one"
		if l.whole {
			hint = "leave out --limit for every one"
		}
		fmt.Fprintf(x.stderr, "Showing the first %d; more exist: raise --limit or use %s.\n", n, hint)
	}
	return nil
}

// orDash shows "-" for an empty cell.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// truncate shortens s to n runes for a table cell.
func truncate(s string, n int) string {
	s = strings.Join(strings.Fields(escape(s)), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
