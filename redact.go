package theazo

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
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
// never show it. The zero value has no key and changes
// nothing.
type keyRedactor struct {
	key     string
	escaped *regexp.Regexp // the key with any of its characters escaped
}

// newKeyRedactor returns the redactor of key.
func newKeyRedactor(key string) keyRedactor {
	if key == "" {
		return keyRedactor{}
	}
	var pat strings.Builder
	for _, c := range key {
		if c > 0xffff { // outside the BMP: no short escape to look for
			pat.WriteString(regexp.QuoteMeta(string(c)))
			continue
		}
		fmt.Fprintf(&pat, `(?:%[1]s|\\+u%04[2]x|&#0*%[2]d;|&#x0*%[2]x;`, regexp.QuoteMeta(string(c)), c)
		if c < 0x100 {
			fmt.Fprintf(&pat, `|\\+x%02[1]x|%%%02[1]x`, c)
		}
		if c == '/' {
			pat.WriteString(`|\\+/`)
		}
		pat.WriteString(")")
	}
	// (?i) lets hex digits come in either case; the key's letters too, which
	// only hides more.
	return keyRedactor{key: key, escaped: regexp.MustCompile("(?i)" + pat.String())}
}

// mayEscape reports whether s holds a character that starts an escape, so
// that only such text pays for the pattern.
func mayEscape(s string) bool { return strings.ContainsAny(s, `\%&`) }

// has reports whether s shows the key, plainly or escaped.
func (r keyRedactor) has(s string) bool {
	if r.key == "" {
		return false
	}
	return strings.Contains(s, r.key) || (mayEscape(s) && r.escaped.MatchString(s))
}

// text returns s with the key redacted; s itself when it has none.
func (r keyRedactor) text(s string) string {
	if !r.has(s) {
		return s
	}
	s = strings.ReplaceAll(s, r.key, redacted)
	if mayEscape(s) {
		s = r.escaped.ReplaceAllLiteralString(s, redacted)
	}
	return s
}

// body returns b with the key redacted; b itself when it has none.
func (r keyRedactor) body(b []byte) []byte {
	if r.key == "" {
		return b
	}
	plain := bytes.Contains(b, []byte(r.key))
	escaped := bytes.ContainsAny(b, `\%&`) && r.escaped.Match(b)
	if !plain && !escaped {
		return b
	}
	if plain {
		b = bytes.ReplaceAll(b, []byte(r.key), []byte(redacted))
	}
	if escaped {
		b = r.escaped.ReplaceAllLiteral(b, []byte(redacted))
	}
	return b
}
