package theazo

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"log/slog"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecretPrintsRedacted prints a Secret every way fmt and slog can, and
// sends it with encoding/json: only JSON has the value.
func TestSecretPrintsRedacted(t *testing.T) {
	t.Parallel()
	const value = "whsec_s3cr3t"
	s := Secret(value)
	var text, js bytes.Buffer
	slog.New(slog.NewTextHandler(&text, nil)).Info("m", "s", s)
	slog.New(slog.NewJSONHandler(&js, nil)).Info("m", "s", s)
	outs := map[string]string{
		"String": s.String(), "GoString": s.GoString(), "slog text": text.String(), "slog JSON": js.String(),
		"%#v in a struct": fmt.Sprintf("%#v", struct{ S Secret }{s}),
		"%s of a pointer": fmt.Sprintf("%s", &struct{ S Secret }{s}),
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%10s", "%-3v", "%d"} {
		outs[verb] = fmt.Sprintf(verb, s)
	}
	for name, out := range outs {
		assert.NotContains(t, out, "s3cr3t", name)
		assert.NotContains(t, out, fmt.Sprintf("%x", value), name)
	}
	assert.Equal(t, "[redacted]", fmt.Sprint(s))
	assert.Equal(t, `"[redacted]"`, fmt.Sprintf("%#v", s))
	assert.Empty(t, fmt.Sprint(Secret("")), "an empty secret prints empty: nothing is hidden")

	b, err := json.Marshal(struct{ S Secret }{s})
	require.NoError(t, err)
	assert.JSONEq(t, `{"S":"whsec_s3cr3t"}`, string(b), "encoding/json sends the value")
	var back struct{ S Secret }
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, s, back.S)
}

// TestEverySecretFieldIsASecret walks every struct type of the package's
// source: an exported field whose name says secret, key, credential or
// token is a Secret (or Credentials, whose values print as Secrets do), so
// that no secret can be printed or logged in clear.
func TestEverySecretFieldIsASecret(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var files []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		files = append(files, f)
	}
	secretName := regexp.MustCompile(`(Secret|Key|Credential|Token|Password)(s?)([A-Z]|$)|^(secret|key|credential|token|password)`)
	allowed := map[string]bool{"Secret": true, "Credentials": true}
	seen := 0
	for _, f := range files {
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok || !ts.Name.IsExported() {
				return true
			}
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				return true
			}
			for _, field := range st.Fields.List {
				for _, name := range field.Names {
					m := secretName.FindStringSubmatch(name.Name)
					if !name.IsExported() || m == nil || isPlural(m, field) {
						continue
					}
					seen++
					typ, _ := field.Type.(*ast.Ident)
					assert.True(t, typ != nil && allowed[typ.Name], "%s.%s (%s) holds a secret: make it a Secret", ts.Name.Name, name.Name, fset.Position(name.Pos()))
				}
			}
			return true
		})
	}
	assert.GreaterOrEqual(t, seen, 2, "the walk finds Trigger.SigningSecret and ProviderCreateParams.Credentials")
	// A secret's value is named for what it is in its own struct.
	f, _ := reflect.TypeFor[SecretSetParams]().FieldByName("Value")
	assert.Equal(t, reflect.TypeFor[Secret](), f.Type, "SecretSetParams.Value is a Secret")
}

// isPlural reports whether a matched name is a plural that holds no secret:
// a count of tokens, or a service (a pointer to a *Service type).
func isPlural(m []string, field *ast.Field) bool {
	if m[2] != "s" {
		return false
	}
	if m[1] == "Token" {
		return true
	}
	star, ok := field.Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	id, ok := star.X.(*ast.Ident)
	return ok && strings.HasSuffix(id.Name, "Service")
}
