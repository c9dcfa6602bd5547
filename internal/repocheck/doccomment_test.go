package repocheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDocComments fails on any exported type, function, method, constant or
// variable, and any exported field of an exported struct, in any package of
// the module, that has no doc comment (a trailing line comment counts for a
// field). Embedded fields and interface methods are exempt; methods of
// unexported types too, as go doc does not show them, and generated files.
func TestDocComments(t *testing.T) {
	fset := token.NewFileSet()
	var files, missing []string
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != moduleRoot && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			if path != moduleRoot {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir // another module
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(moduleRoot, path)
		if err != nil {
			return err
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		// Parsed under its name in the repository, which reports show.
		f, err := parser.ParseFile(fset, rel, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, filepath.ToSlash(rel))
		if !ast.IsGenerated(f) {
			missing = append(missing, undocumented(fset, f)...)
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, files, "client.go", "the walk starts at the module root")
	require.Contains(t, files, "sse/stream.go")
	require.Contains(t, files, "internal/retry/retry.go")
	if len(missing) > 0 {
		t.Errorf("%d exported identifiers have no doc comment:\n\t%s", len(missing), strings.Join(missing, "\n\t"))
	}
}

// undocumented lists the exported declarations of f without a doc comment,
// as "file:line: kind Name".
func undocumented(fset *token.FileSet, f *ast.File) []string {
	var out []string
	report := func(pos token.Pos, kind, name string) {
		p := fset.Position(pos)
		out = append(out, filepath.ToSlash(p.Filename)+":"+strconv.Itoa(p.Line)+": "+kind+" "+name)
	}
	for _, decl := range f.Decls {
		switch d := decl.(type) {
		case *ast.FuncDecl:
			if !d.Name.IsExported() || d.Doc != nil {
				continue
			}
			if d.Recv == nil {
				report(d.Pos(), "func", d.Name.Name)
				continue
			}
			if recv := receiverType(d.Recv.List[0].Type); ast.IsExported(recv) {
				report(d.Pos(), "method", recv+"."+d.Name.Name)
			}
		case *ast.GenDecl:
			grouped := d.Lparen.IsValid()
			for _, spec := range d.Specs {
				switch s := spec.(type) {
				case *ast.TypeSpec:
					if !s.Name.IsExported() {
						continue
					}
					if s.Doc == nil && d.Doc == nil {
						report(s.Pos(), "type", s.Name.Name)
					}
					if st, ok := s.Type.(*ast.StructType); ok {
						for _, field := range st.Fields.List {
							if field.Doc != nil || field.Comment != nil {
								continue
							}
							for _, n := range field.Names { // embedded fields have none
								if n.IsExported() {
									report(n.Pos(), "field", s.Name.Name+"."+n.Name)
								}
							}
						}
					}
				case *ast.ValueSpec:
					documented := s.Doc != nil || d.Doc != nil || (grouped && s.Comment != nil)
					for _, n := range s.Names {
						if n.IsExported() && !documented {
							report(n.Pos(), d.Tok.String(), n.Name)
						}
					}
				}
			}
		}
	}
	return out
}

// receiverType returns the name of a method's receiver type: T for T, *T,
// T[P] and *T[P, Q].
func receiverType(e ast.Expr) string {
	for {
		switch x := e.(type) {
		case *ast.StarExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.ParenExpr:
			e = x.X
		case *ast.Ident:
			return x.Name
		default:
			return ""
		}
	}
}

func TestUndocumentedFindsMissingDocs(t *testing.T) {
	src := `package p

// Documented is fine.
type Documented struct{ Field int }

type Bare struct{ Field int }

type (
	// InGroup has its own doc.
	InGroup int
	GroupBare int
)

// Grouped types under one doc are documented.
type (
	A int
	B int
)

func Exported() {}

// Doc is documented.
func Doc() {}

func unexported() {}

func (Bare) Method() {}

func (*Documented) PtrMethod() {}

type gen[T any] struct{}

func (gen[T]) Hidden() {}

type Gen[K comparable, V any] struct{}

func (g *Gen[K, V]) Get() {}

const Loose = 1

const (
	Trailing = 2 // trailing comment in a group
	NoComment = 3
)

// The docs of a group cover its values.
var (
	X, Y = 1, 2
)

var Z, z = 1, 2

// Fields is documented; so must its exported fields be.
type Fields struct {
	// Doc is documented.
	Doc int
	Trailing int // a trailing comment counts
	A, B string
	Documented
	hidden int
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"p.go:4: field Documented.Field",
		"p.go:6: type Bare",
		"p.go:6: field Bare.Field",
		"p.go:11: type GroupBare",
		"p.go:20: func Exported",
		"p.go:27: method Bare.Method",
		"p.go:29: method Documented.PtrMethod",
		"p.go:35: type Gen",
		"p.go:37: method Gen.Get",
		"p.go:39: const Loose",
		"p.go:43: const NoComment",
		"p.go:51: var Z",
		"p.go:58: field Fields.A",
		"p.go:58: field Fields.B",
	}, undocumented(fset, f))
}
