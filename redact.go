package theazo

import (
	"bytes"
	"fmt"
	"io"
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

// formatRedacted implements fmt.Formatter for a value whose String and
// GoString already hide its secrets, so that no verb (%v, %+v, %#v, %s, %q,
// %x, %d, …) prints the fields raw.
func formatRedacted(f fmt.State, verb rune, v interface {
	String() string
	GoString() string
}) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, v.GoString())
		return
	}
	io.WriteString(f, v.String())
}

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
