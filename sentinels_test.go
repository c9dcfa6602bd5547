package theazo

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSentinelsListEverySentinel parses the sources of theazo and sse for
// their exported Err* variables and checks that errors.go's sentinelErrors lists
// each, so that a new sentinel without an entry fails here.
func TestSentinelsListEverySentinel(t *testing.T) {
	t.Parallel()
	want := append(exportedErrs(t, ".", ""), exportedErrs(t, "sse", "sse.")...)
	require.NotEmpty(t, want)

	listed := map[string]bool{}
	for _, e := range sentinelErrorsElements(t) {
		listed[e] = true
	}
	for _, name := range want {
		assert.True(t, listed[name], "%s is missing from sentinelErrors in errors.go, so scrub would drop it", name)
	}
	assert.Len(t, sentinelErrors, len(listed), "sentinelErrors lists each error once")
}

// TestScrubKeepsEverySentinel wraps each listed sentinel in an error that
// quotes the API key: the scrubbed error hides the key and still matches
// the sentinel.
func TestScrubKeepsEverySentinel(t *testing.T) {
	t.Parallel()
	const key = "th_test_sentinelkey"
	tr := &transport{key: key, hide: newKeyRedactor(key)}
	for _, target := range sentinelErrors {
		t.Run(target.Error(), func(t *testing.T) {
			t.Parallel()
			err := tr.scrub(fmt.Errorf("%w: the server sent %q", target, key))
			assert.NotContains(t, err.Error(), key)
			assert.ErrorIs(t, err, target)
		})
	}
}

// exportedErrs returns the names, each after prefix, of the exported
// package-level variables named Err* in the non-test Go files of dir.
func exportedErrs(t *testing.T, dir, prefix string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var names []string
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		require.NoError(t, err)
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.VAR {
				continue
			}
			for _, spec := range g.Specs {
				for _, n := range spec.(*ast.ValueSpec).Names {
					if n.IsExported() && strings.HasPrefix(n.Name, "Err") {
						names = append(names, prefix+n.Name)
					}
				}
			}
		}
	}
	return names
}

// sentinelErrorsElements returns the entries of the sentinelErrors variable in
// errors.go as written, e.g. "ErrNotFound" or "sse.ErrInterrupted".
func sentinelErrorsElements(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("errors.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "errors.go", src, parser.SkipObjectResolution)
	require.NoError(t, err)
	var elems []string
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || spec.Names[0].Name != "sentinelErrors" {
			return true
		}
		require.Len(t, spec.Values, 1)
		lit, ok := spec.Values[0].(*ast.CompositeLit)
		require.True(t, ok, "sentinelErrors is a slice literal")
		for _, e := range lit.Elts {
			elems = append(elems, string(src[fset.Position(e.Pos()).Offset:fset.Position(e.End()).Offset]))
		}
		return false
	})
	require.NotEmpty(t, elems, "errors.go declares sentinelErrors")
	return elems
}
