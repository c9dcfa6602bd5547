package theazo

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strconv"
)

// Secret is a secret value the SDK sends or receives: a secret's value, a
// trigger's signing secret. fmt (every verb) and slog print it as
// "[redacted]" (an empty Secret prints empty), so that a struct holding one
// can be printed or logged; encoding/json sends its value, as the API needs.
// string(s) is the value itself.
type Secret string

// String returns "[redacted]", or "" for an empty Secret.
func (s Secret) String() string { return redact(string(s)) }

// GoString returns the redacted value quoted, as %#v prints a string.
func (s Secret) GoString() string { return strconv.Quote(s.String()) }

// Format prints the redacted value for every verb: %v, %s, %q, %x alike.
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, s.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
}

// LogValue logs the redacted value.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// MarshalJSON sends the value itself: a Secret is sent to the API as it is.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(string(s)) }

// secretType and credentialsType are the types withoutSecrets redacts.
var (
	secretType      = reflect.TypeFor[Secret]()
	credentialsType = reflect.TypeFor[Credentials]()
)

// withoutSecrets returns a copy of v, a struct holding a Secret or
// Credentials, with each secret redacted, whose type has v's fields (names,
// types and tags) but no methods: fmt and slog print it the way they print
// a struct, a field added to v later included, without calling Format or
// LogValue again, and encoding/json gives its wire names.
func withoutSecrets(v any) any {
	rv := reflect.ValueOf(v)
	fields := make([]reflect.StructField, rv.NumField())
	for i := range fields {
		fields[i] = rv.Type().Field(i)
	}
	out := reflect.New(reflect.StructOf(fields)).Elem()
	for i := range fields {
		f := rv.Field(i)
		switch f.Type() {
		case secretType:
			f = reflect.ValueOf(Secret(redact(f.String())))
		case credentialsType:
			f = reflect.ValueOf(f.Interface().(Credentials).withoutSecrets())
		}
		out.Field(i).Set(f)
	}
	return out.Interface()
}

// formatSecrets is the Format of every struct holding a secret: fmt's
// output for v with each secret redacted, for every verb, under v's own type
// name for %#v. A struct needs it besides Secret's own Format because fmt
// prints a value reached through a pointer with a verb pointers lack (%s,
// %q) without calling any method of its fields.
func formatSecrets(f fmt.State, verb rune, v any) {
	io.WriteString(f, formatWithout(f, verb, v, withoutSecrets(v)))
}

// logValue is the LogValue of every struct holding a secret: the redacted
// copy, so slog's text and JSON handlers print the fields (by field name in
// text, by JSON name in JSON) but no secret.
func logValue(v any) slog.Value { return slog.AnyValue(withoutSecrets(v)) }
