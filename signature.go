package theazo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// SignatureHeader is the header that carries a trigger request's signature.
const SignatureHeader = "X-Theazo-Signature"

// signaturePrefix starts every signature header value.
const signaturePrefix = "sha256="

// ErrInvalidSignature is returned by VerifyTriggerSignature when a signature
// header is missing, malformed, or does not match the body.
var ErrInvalidSignature = errors.New("theazo: invalid trigger signature")

// SignTriggerPayload returns the X-Theazo-Signature value of body:
// "sha256=" and the lowercase hex HMAC-SHA256 of the exact bytes, keyed with
// the trigger's signing secret. Triggers.Fire uses it; a relay that forwards
// webhooks to a trigger URL can too.
func SignTriggerPayload(secret Secret, body []byte) string {
	return signaturePrefix + hex.EncodeToString(triggerMAC(secret, body))
}

// VerifyTriggerSignature checks that header, an X-Theazo-Signature value, is
// the signature of body under secret, comparing in constant time. It returns
// nil on a match, and an error matching ErrInvalidSignature when the header
// is empty, lacks the "sha256=" prefix, is not hex of the right length, or
// does not match. An empty secret is ErrInvalidParams. The errors never
// contain the secret.
func VerifyTriggerSignature(secret Secret, body []byte, header string) error {
	if secret == "" {
		return fmt.Errorf("%w: signing secret is empty", ErrInvalidParams)
	}
	if header == "" {
		return fmt.Errorf("%w: header is empty", ErrInvalidSignature)
	}
	hexSig, ok := strings.CutPrefix(header, signaturePrefix)
	if !ok {
		return fmt.Errorf("%w: header does not start with %q", ErrInvalidSignature, signaturePrefix)
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return fmt.Errorf("%w: signature is not hex", ErrInvalidSignature)
	}
	if len(got) != sha256.Size {
		return fmt.Errorf("%w: signature is %d bytes, want %d", ErrInvalidSignature, len(got), sha256.Size)
	}
	if !hmac.Equal(got, triggerMAC(secret, body)) {
		return fmt.Errorf("%w: signature does not match the body", ErrInvalidSignature)
	}
	return nil
}

// triggerMAC is HMAC-SHA256(secret, body).
func triggerMAC(secret Secret, body []byte) []byte {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return m.Sum(nil)
}
