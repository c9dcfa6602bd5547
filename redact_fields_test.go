package theazo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRedactedCopiesShowEveryField checks that each value holding a secret
// prints and logs every one of its fields, the way fmt and slog print a
// struct, with only the secret redacted: a field added later shows up
// without anyone writing it into a String method, and the secret does not.
func TestRedactedCopiesShowEveryField(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value"
	nested := Credentials{"headers": map[string]any{"X-Token": secret}, "keys": []any{secret}, "port": 4242}
	cases := []struct {
		name string
		v    any
	}{
		{"trigger", Trigger{ID: "trg_1", Name: "n", URL: "https://x.example", SigningSecret: secret}},
		{"secret set params", SecretSetParams{Name: "KEY", Value: secret, SessionID: "ses_1"}},
		{"provider create params", ProviderCreateParams{Provider: ProviderWebhook, Credentials: Credentials{"apiKey": secret}, IsDefault: true}},
		{"nested credentials", ProviderCreateParams{Provider: ProviderWebhook, Credentials: nested}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			typ := reflect.TypeOf(tc.v)
			ptr := reflect.New(typ)
			ptr.Elem().Set(reflect.ValueOf(tc.v))
			var text, js bytes.Buffer
			slog.New(slog.NewTextHandler(&text, nil)).Info("m", "v", tc.v)
			slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "v", tc.v)
			outs := map[string]string{
				"%+v": fmt.Sprintf("%+v", tc.v), "%#v": fmt.Sprintf("%#v", tc.v), "%+v of a pointer": fmt.Sprintf("%+v", ptr.Interface()),
				"slog text": text.String(), "slog JSON": js.String(),
			}
			for name, out := range outs {
				assert.NotContains(t, out, secret, name)
				assert.NotContains(t, out, "4242", name)
			}
			assert.Contains(t, outs["%#v"], typ.String()+"{", "%#v names the type itself, not its copy's")

			var logged struct{ V map[string]json.RawMessage }
			require.NoError(t, json.Unmarshal(js.Bytes(), &logged))
			wire := mustJSON(t, tc.v)
			var sent map[string]json.RawMessage
			require.NoError(t, json.Unmarshal([]byte(wire), &sent))
			for i := range typ.NumField() {
				f := typ.Field(i)
				if !f.IsExported() {
					continue
				}
				for _, name := range []string{"%+v", "%#v", "slog text"} {
					assert.Contains(t, outs[name], f.Name+":", "%s shows field %s", name, f.Name)
				}
				if key, ok := jsonKey(f); ok {
					if _, onWire := sent[key]; onWire {
						assert.Contains(t, logged.V, key, "slog's JSON handler logs %s as json.Marshal names it", f.Name)
					}
				}
			}
			assert.Contains(t, wire, secret, "encoding/json still sends the secret")
		})
	}
}

// jsonKey returns the name encoding/json gives field f, and false for a
// field it skips.
func jsonKey(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", false
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		return f.Name, true
	}
	return name, true
}
