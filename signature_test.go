package theazo

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Known HMAC-SHA256 vectors, computed outside this package.
var signatureVectors = []struct {
	name   string
	secret Secret
	body   string
	want   string
}{{
	// RFC 4231, test case 2.
	name:   "rfc4231 case 2",
	secret: "Jefe",
	body:   "what do ya want for nothing?",
	want:   "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
}, {
	// printf '%s' '{"ref":"refs/heads/main","commits":[]}' | openssl dgst -sha256 -hmac 'whsec_test_3f9a2c'
	name:   "trigger payload",
	secret: "whsec_test_3f9a2c",
	body:   `{"ref":"refs/heads/main","commits":[]}`,
	want:   "sha256=196b008fd6ef9fe9e724820463cc12e47fc442111dfe495ff5c93056cf2d4b01",
}}

func TestSignTriggerPayload(t *testing.T) {
	t.Parallel()
	for _, v := range signatureVectors {
		t.Run(v.name, func(t *testing.T) {
			assert.Equal(t, v.want, SignTriggerPayload(v.secret, []byte(v.body)))
			assert.NoError(t, VerifyTriggerSignature(v.secret, []byte(v.body), v.want))
			assert.NoError(t, VerifyTriggerSignature(v.secret, []byte(v.body), "sha256="+strings.ToUpper(v.want[len("sha256="):])), "hex digits in either case")
		})
	}
}

func TestVerifyTriggerSignatureRejects(t *testing.T) {
	t.Parallel()
	const secret = "whsec_test_3f9a2c"
	body := []byte(`{"ref":"refs/heads/main","commits":[]}`)
	good := "sha256=196b008fd6ef9fe9e724820463cc12e47fc442111dfe495ff5c93056cf2d4b01"
	cases := []struct {
		name    string
		secret  Secret
		body    []byte
		header  string
		wantMsg string
	}{
		{"changed body", secret, []byte(`{"ref":"refs/heads/evil","commits":[]}`), good, "does not match"},
		{"body with a space added", secret, []byte(`{"ref": "refs/heads/main","commits":[]}`), good, "does not match"},
		{"wrong secret", "whsec_other", body, good, "does not match"},
		{"empty header", secret, body, "", "header is empty"},
		{"wrong prefix", secret, body, "sha1=" + good[len("sha256="):], `does not start with "sha256="`},
		{"uppercase prefix", secret, body, "SHA256=" + good[len("sha256="):], `does not start with "sha256="`},
		{"no prefix", secret, body, good[len("sha256="):], `does not start with "sha256="`},
		{"leading space", secret, body, " " + good, `does not start with "sha256="`},
		{"bad hex", secret, body, "sha256=" + strings.Repeat("zz", 32), "not hex"},
		{"odd hex length", secret, body, good[:len(good)-1], "not hex"},
		{"too short", secret, body, good[:len(good)-2], "31 bytes, want 32"},
		{"too long", secret, body, good + "00", "33 bytes, want 32"},
		{"prefix only", secret, body, "sha256=", "0 bytes, want 32"},
		{"two signatures", secret, body, good + "," + good, "not hex"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyTriggerSignature(tc.secret, tc.body, tc.header)
			require.ErrorIs(t, err, ErrInvalidSignature)
			assert.Contains(t, err.Error(), tc.wantMsg)
			assert.NotContains(t, err.Error(), tc.secret)
		})
	}
}

func TestVerifyTriggerSignatureEmptySecret(t *testing.T) {
	t.Parallel()
	body := []byte(`{}`)
	err := VerifyTriggerSignature("", body, SignTriggerPayload("", body))
	require.ErrorIs(t, err, ErrInvalidParams)
	assert.NotErrorIs(t, err, ErrInvalidSignature)
}

// verifyMessages are the only texts VerifyTriggerSignature's errors may
// have: none quotes the secret, the header or the body.
var verifyMessages = regexp.MustCompile(`^(theazo: invalid params: signing secret is empty|theazo: invalid trigger signature: (header is empty|header does not start with "sha256="|signature is not hex|signature is \d+ bytes, want 32|signature does not match the body))$`)

// FuzzVerifyTriggerSignature checks that any header is an error or a match,
// never a panic: a match only for the lowercase or uppercase hex of the
// body's own signature; an error only as ErrInvalidSignature (or
// ErrInvalidParams for an empty secret) with one of the fixed messages. A
// signature always verifies against its own body, and no longer once the
// body or the secret changes.
func FuzzVerifyTriggerSignature(f *testing.F) {
	f.Add("whsec_1", []byte(`{"a":1}`), "sha256=00")
	f.Add("whsec_1", []byte(``), "")
	f.Add("k", []byte(`x`), "sha256=zz")
	f.Add("k", []byte(`x`), "sha256=\x00\xff")
	f.Fuzz(func(t *testing.T, raw string, body []byte, header string) {
		secret := Secret(raw)
		err := VerifyTriggerSignature(secret, body, header)
		if err != nil {
			assert.Regexp(t, verifyMessages, err.Error())
		}
		if secret == "" {
			require.ErrorIs(t, err, ErrInvalidParams)
			assert.NotErrorIs(t, err, ErrInvalidSignature)
			return
		}
		if err == nil {
			assert.Equal(t, strings.ToLower(header), SignTriggerPayload(secret, body))
		} else {
			require.ErrorIs(t, err, ErrInvalidSignature)
		}
		sig := SignTriggerPayload(secret, body)
		require.NoError(t, VerifyTriggerSignature(secret, body, sig))
		require.NoError(t, VerifyTriggerSignature(secret, body, "sha256="+strings.ToUpper(sig[len("sha256="):])))
		tampered := append([]byte(nil), body...)
		if len(tampered) > 0 {
			tampered[len(tampered)/2] ^= 0x01
		} else {
			tampered = []byte{0}
		}
		require.ErrorIs(t, VerifyTriggerSignature(secret, tampered, sig), ErrInvalidSignature, "a changed body fails")
		require.ErrorIs(t, VerifyTriggerSignature(secret+"x", body, sig), ErrInvalidSignature, "another secret fails")
	})
}

// VerifyTriggerSignature must compare MACs in constant time: its source
// calls hmac.Equal on the decoded signature, and compares no MAC bytes or
// strings with ==, bytes.Equal or strings.EqualFold, which return early.
func TestSignatureComparedInConstantTime(t *testing.T) {
	t.Parallel()
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "signature.go", nil, 0)
	require.NoError(t, err)
	var fn *ast.FuncDecl
	for _, d := range file.Decls {
		if f, ok := d.(*ast.FuncDecl); ok && f.Name.Name == "VerifyTriggerSignature" {
			fn = f
		}
	}
	require.NotNil(t, fn, "VerifyTriggerSignature is in signature.go")

	hmacEqual := 0
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if sel, ok := n.Fun.(*ast.SelectorExpr); ok {
				pkg, _ := sel.X.(*ast.Ident)
				name := ""
				if pkg != nil {
					name = pkg.Name + "." + sel.Sel.Name
				}
				switch name {
				case "hmac.Equal", "subtle.ConstantTimeCompare":
					hmacEqual++
				case "bytes.Equal", "bytes.Compare", "strings.EqualFold", "strings.Compare", "reflect.DeepEqual":
					t.Errorf("%s: %s compares in variable time", fset.Position(n.Pos()), name)
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				// Only length and emptiness checks may use == and !=.
				src := fmt.Sprintf("%s %s %s", exprString(n.X), n.Op, exprString(n.Y))
				allowed := strings.Contains(src, "len(") || strings.Contains(src, `""`) || strings.Contains(src, "nil")
				assert.True(t, allowed, "%s: %s may compare secret bytes", fset.Position(n.Pos()), src)
			}
		}
		return true
	})
	assert.Equal(t, 1, hmacEqual, "the MAC is compared with hmac.Equal")
}

// exprString renders a small expression for a message.
func exprString(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name
	case *ast.BasicLit:
		return e.Value
	case *ast.CallExpr:
		return exprString(e.Fun) + "(...)"
	case *ast.SelectorExpr:
		return exprString(e.X) + "." + e.Sel.Name
	}
	return fmt.Sprintf("%T", e)
}
