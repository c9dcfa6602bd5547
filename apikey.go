package theazo

import (
	"fmt"
	"strings"
	"unicode"
)

// checkAPIKey refuses a key (already trimmed of surrounding white space)
// that cannot be what the API issued: one with white space or control
// characters inside, which would corrupt the Authorization header or hide a
// second value in it, or one that starts with "Bearer", which the SDK adds
// itself. The error never quotes the key.
func checkAPIKey(key string) error {
	if len(key) >= len("bearer") && strings.EqualFold(key[:len("bearer")], "bearer") {
		return fmt.Errorf(`%w: it starts with "Bearer"; pass the key alone, the SDK adds the scheme`, ErrInvalidAPIKey)
	}
	if strings.ContainsFunc(key, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		return fmt.Errorf("%w: it contains white space or a control character", ErrInvalidAPIKey)
	}
	return nil
}
