package theazo

import (
	"fmt"
	"io"
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
