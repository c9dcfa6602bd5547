package theazo

import (
	"bytes"
	"fmt"
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

// fieldNames is a fmt.State that asks for field names (the '+' flag), so
// that %v names a struct's fields as %+v does.
type fieldNames struct{ fmt.State }

func (s fieldNames) Flag(c int) bool { return c == '+' || s.State.Flag(c) }

// keyRedactor replaces the API key with redacted wherever a server or proxy
// echoed it: a reply body, an error's text, a header a log line quotes. The
// zero value has no key and changes nothing.
type keyRedactor struct{ key string }

// text returns s with the key redacted; s itself when it has none.
func (r keyRedactor) text(s string) string {
	if r.key == "" {
		return s
	}
	return strings.ReplaceAll(s, r.key, redacted)
}

// body returns b with the key redacted; b itself when it has none.
func (r keyRedactor) body(b []byte) []byte {
	if r.key == "" || !bytes.Contains(b, []byte(r.key)) {
		return b
	}
	return bytes.ReplaceAll(b, []byte(r.key), []byte(redacted))
}
