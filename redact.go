package theazo

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// redacted stands for a secret in printed and logged output.
const redacted = "[redacted]"

// redact returns redacted for a secret, or "" when there is none to hide.
func redact(secret string) string {
	if secret == "" {
		return ""
	}
	return redacted
}

// formatWithout prints c, a copy of v with its secrets redacted, whose type
// has v's fields but no methods: the way fmt prints it for f and verb, and
// under v's type name where %#v names the type. Every value holding a secret
// prints this way rather than through a hand-written String, so a field added
// to it later prints as fmt prints it, and the secrets stay redacted.
func formatWithout(f fmt.State, verb rune, v, c any) string {
	s := fmt.Sprintf(fmt.FormatString(f, verb), c)
	if rest, ok := strings.CutPrefix(s, fmt.Sprintf("%T", c)); ok {
		s = fmt.Sprintf("%T", v) + rest
	}
	return s
}

// keyRedactor replaces the API key with redacted wherever a server or proxy
// echoed it: a reply body, an error's text, a header a log line quotes. It
// finds the key spelled plainly and spelled with escapes a reader would
// undo (JSON's \u005f and \/, \x5f, %5F, &#95; and &#x5f;), also where
// quoting again doubled the backslash, so that quoting raw server text can
// never show it. Letters and hex digits match in either case, which only
// hides more. It scans once, decoding each escape where it starts, so text
// of any size costs time in proportion to its length. The zero value has no
// key and changes nothing.
type keyRedactor struct {
	key   string
	runes []rune // the key's characters
}

// newKeyRedactor returns the redactor of key.
func newKeyRedactor(key string) keyRedactor {
	if key == "" {
		return keyRedactor{}
	}
	return keyRedactor{key: key, runes: []rune(key)}
}

// mayEscape reports whether s holds a character that starts an escape, so
// that only such text pays for the scan.
func mayEscape(s string) bool { return strings.ContainsAny(s, `\%&`) }

// has reports whether s shows the key, plainly or escaped.
func (r keyRedactor) has(s string) bool {
	if r.key == "" {
		return false
	}
	if strings.Contains(s, r.key) {
		return true
	}
	_, end := r.find(s, 0)
	return end > 0
}

// text returns s with the key redacted; s itself when it has none.
func (r keyRedactor) text(s string) string {
	out, _ := r.replace(s)
	return out
}

// body returns b with the key redacted; b itself when it has none.
func (r keyRedactor) body(b []byte) []byte {
	if r.key == "" {
		return b
	}
	out, found := r.replace(string(b))
	if !found {
		return b
	}
	return []byte(out)
}

// replace returns s with every spelling of the key replaced, leftmost
// first, and whether there was one; s itself when there was none.
func (r keyRedactor) replace(s string) (string, bool) {
	start, end := r.find(s, 0)
	if end == 0 {
		return s, false
	}
	var out strings.Builder
	out.Grow(len(s))
	from := 0
	for end > 0 {
		out.WriteString(s[from:start])
		out.WriteString(redacted)
		from = end
		start, end = r.find(s, from)
	}
	out.WriteString(s[from:])
	return out.String(), true
}

// find returns where the first spelling of the key at or after from starts
// and ends in s, or 0, 0 when there is none.
func (r keyRedactor) find(s string, from int) (start, end int) {
	if r.key == "" {
		return 0, 0
	}
	escapes := mayEscape(s[from:])
	for i := from; i < len(s); i++ {
		if !escapes && s[i] < utf8.RuneSelf && !sameLetter(rune(s[i]), r.runes[0]) {
			continue // the common case: a byte that cannot start the key
		}
		if end := r.matchAt(s, i); end > 0 {
			return i, end
		}
	}
	return 0, 0
}

// matchAt returns where the key spelled from s[i] on ends, or 0.
func (r keyRedactor) matchAt(s string, i int) int {
	for _, want := range r.runes {
		c, n := decodeEscape(s[i:])
		if n == 0 || !sameLetter(c, want) {
			return 0
		}
		i += n
	}
	return i
}

// sameLetter reports whether c is want in either case.
func sameLetter(c, want rune) bool {
	for f := want; ; {
		if c == f {
			return true
		}
		if f = unicode.SimpleFold(f); f == want {
			return false
		}
	}
}

// decodeEscape returns the character s starts with and its length in s,
// undoing one escape: \u hhhh and \x hh after any number of backslashes,
// \/, %hh, &#ddd; and &#xhh;. Text that is no escape is one character.
func decodeEscape(s string) (rune, int) {
	if s == "" {
		return 0, 0
	}
	switch s[0] {
	case '\\':
		j := 1
		for j < len(s) && s[j] == '\\' {
			j++
		}
		if j < len(s) {
			switch s[j] {
			case '/':
				return '/', j + 1
			case 'u', 'U':
				if c, ok := parseHex(s[j+1:], 4); ok {
					return c, j + 5
				}
			case 'x', 'X':
				if c, ok := parseHex(s[j+1:], 2); ok {
					return c, j + 3
				}
			}
		}
	case '%':
		if c, ok := parseHex(s[1:], 2); ok {
			return c, 3
		}
	case '&':
		if c, n, ok := parseEntity(s); ok {
			return c, n
		}
	}
	c, n := utf8.DecodeRuneInString(s)
	return c, n
}

// parseHex parses the n hex digits s starts with.
func parseHex(s string, n int) (rune, bool) {
	if len(s) < n {
		return 0, false
	}
	var c rune
	for _, d := range []byte(s[:n]) {
		v, ok := hexValue(d)
		if !ok {
			return 0, false
		}
		c = c<<4 | v
	}
	return c, true
}

// hexValue returns the value of the hex digit d.
func hexValue(d byte) (rune, bool) {
	switch {
	case '0' <= d && d <= '9':
		return rune(d - '0'), true
	case 'a' <= d && d <= 'f':
		return rune(d-'a') + 10, true
	case 'A' <= d && d <= 'F':
		return rune(d-'A') + 10, true
	}
	return 0, false
}

// parseEntity parses the numeric character reference s starts with, &#ddd;
// or &#xhh;, with any number of leading zeros, and returns its character and
// length.
func parseEntity(s string) (rune, int, bool) {
	if len(s) < 4 || s[1] != '#' {
		return 0, 0, false
	}
	i, base := 2, rune(10)
	if s[i] == 'x' || s[i] == 'X' {
		i, base = 3, 16
	}
	var c rune
	digits := 0
	for ; i < len(s) && s[i] != ';'; i++ {
		v, ok := hexValue(s[i])
		if !ok || v >= base {
			return 0, 0, false
		}
		if c = c*base + v; c > unicode.MaxRune {
			return 0, 0, false
		}
		digits++
	}
	if i == len(s) || digits == 0 {
		return 0, 0, false
	}
	return c, i + 1, true
}
