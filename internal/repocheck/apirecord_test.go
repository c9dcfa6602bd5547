package repocheck

// The record of the module's exported API: one file per public package
// under api/ (api/theazo.txt, api/sse.txt, api/theazotest.txt), one sorted
// line per exported identifier with its signature, in the manner of the Go
// project's own api/ files. TestRecordMatchesAPI fails while the record and
// the code differ; after an intended API change, rewrite the record with
//
//	go test ./internal/repocheck -run TestRecordMatchesAPI -update
//
// The packages are parsed and type checked with the standard library's
// go/types; what they import is read from the go command's export data.

import (
	"flag"
	"fmt"
	"go/ast"
	"go/build"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// update makes TestRecordMatchesAPI write the record instead of checking it.
var update = flag.Bool("update", false, "rewrite api/*.txt from the code")

// packages maps each public package's directory, relative to the module
// root, to the file of its record under api/.
var packages = []struct{ dir, record string }{
	{".", "theazo.txt"},
	{"sse", "sse.txt"},
	{"theazotest", "theazotest.txt"},
}

// regenerate is the command that rewrites the record, for messages.
const regenerate = "go test ./internal/repocheck -run TestRecordMatchesAPI -update"

// records type checks every public package of the module rooted at root and
// returns each record's text by file name.
func records(root string) (map[string]string, error) {
	patterns := make([]string, len(packages))
	for i, p := range packages {
		patterns[i] = "./" + p.dir
	}
	fset := token.NewFileSet()
	imp, err := exportImporter(fset, root, patterns...)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, p := range packages {
		dir, err := filepath.Abs(filepath.Join(root, p.dir))
		if err != nil {
			return nil, err
		}
		pkg, err := check(fset, imp, dir)
		if err != nil {
			return nil, err
		}
		out[p.record] = record(pkg)
	}
	return out, nil
}

// exportImporter returns an importer of the packages matched by patterns
// (run in dir) and everything they import, read from the export data the go
// command builds (go list -export), which loads quicker than source.
func exportImporter(fset *token.FileSet, dir string, patterns ...string) (types.Importer, error) {
	cmd := exec.Command("go", append([]string{"list", "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}"}, patterns...)...)
	cmd.Dir = dir
	cmd.Stderr = os.Stderr
	list, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w", err)
	}
	exports := map[string]string{}
	for line := range strings.Lines(string(list)) {
		if path, file, ok := strings.Cut(strings.TrimSpace(line), "\t"); ok && file != "" {
			exports[path] = file
		}
	}
	return importer.ForCompiler(fset, "gc", func(path string) (io.ReadCloser, error) {
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	}), nil
}

// check parses and type checks the package in dir, without its tests.
func check(fset *token.FileSet, imp types.Importer, dir string) (*types.Package, error) {
	bp, err := build.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	conf := types.Config{Importer: imp, FakeImportC: true}
	return conf.Check(bp.ImportPath, fset, files, nil)
}

// record lists pkg's exported API, one sorted line per identifier.
func record(pkg *types.Package) string {
	qual := func(p *types.Package) string {
		if p == pkg {
			return ""
		}
		return p.Name()
	}
	var typ func(types.Type) string
	typ = func(t types.Type) string {
		if sig, ok := t.(*types.Signature); ok { // a func type: without parameter names
			return "func" + signature(sig, typ)
		}
		return types.TypeString(t, qual)
	}
	prefix := "pkg " + pkg.Name() + ", "
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, prefix+fmt.Sprintf(format, args...)) }

	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch o := obj.(type) {
		case *types.Const:
			add("const %s %s = %s", name, typ(o.Type()), o.Val().ExactString())
		case *types.Var:
			add("var %s %s", name, typ(o.Type()))
		case *types.Func:
			sig := o.Type().(*types.Signature)
			add("func %s%s%s", name, typeParams(sig.TypeParams(), typ), signature(sig, typ))
		case *types.TypeName:
			lines = append(lines, typeLines(prefix, o, typ)...)
		}
	}
	slices.Sort(lines)
	lines = slices.Compact(lines) // an interface's "unexported methods" once
	return strings.Join(lines, "\n") + "\n"
}

// typeLines records a type, its exported fields or interface methods, and
// the exported methods declared on it.
func typeLines(prefix string, o *types.TypeName, typ func(types.Type) string) []string {
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, prefix+fmt.Sprintf(format, args...)) }
	name := o.Name()
	named, isNamed := o.Type().(*types.Named)
	if isNamed {
		name += typeParams(named.TypeParams(), typ)
	}
	if o.IsAlias() {
		add("type %s = %s", name, typ(types.Unalias(o.Type())))
		return lines
	}
	switch u := o.Type().Underlying().(type) {
	case *types.Struct:
		add("type %s struct", name)
		for i := range u.NumFields() {
			f := u.Field(i)
			switch {
			case !f.Exported():
			case f.Embedded():
				add("type %s struct, embedded %s", name, typ(f.Type()))
			default:
				add("type %s struct, %s %s", name, f.Name(), typ(f.Type()))
			}
		}
	case *types.Interface:
		add("type %s interface", name)
		for i := range u.NumMethods() {
			m := u.Method(i)
			if m.Exported() {
				add("type %s interface, %s%s", name, m.Name(), signature(m.Type().(*types.Signature), typ))
			} else {
				add("type %s interface, unexported methods", name)
			}
		}
		for i := range u.NumEmbeddeds() {
			add("type %s interface, embedded %s", name, typ(u.EmbeddedType(i)))
		}
	default:
		add("type %s %s", name, typ(u))
	}
	if isNamed {
		for i := range named.NumMethods() {
			m := named.Method(i)
			if !m.Exported() {
				continue
			}
			sig := m.Type().(*types.Signature)
			recv := o.Name()
			if rtp := sig.RecvTypeParams(); rtp.Len() > 0 {
				params := make([]string, rtp.Len())
				for j := range rtp.Len() {
					params[j] = rtp.At(j).Obj().Name()
				}
				recv += "[" + strings.Join(params, ", ") + "]"
			}
			if _, ptr := sig.Recv().Type().(*types.Pointer); ptr {
				recv = "*" + recv
			}
			add("method (%s) %s%s", recv, m.Name(), signature(sig, typ))
		}
	}
	return lines
}

// typeParams formats a type parameter list as [K comparable, V any], or ""
// when there is none.
func typeParams(tp *types.TypeParamList, typ func(types.Type) string) string {
	if tp.Len() == 0 {
		return ""
	}
	params := make([]string, tp.Len())
	for i := range tp.Len() {
		p := tp.At(i)
		params[i] = p.Obj().Name() + " " + typ(p.Constraint())
	}
	return "[" + strings.Join(params, ", ") + "]"
}

// signature formats a function's parameters and results by type alone:
// parameter names are not part of the API.
func signature(sig *types.Signature, typ func(types.Type) string) string {
	params := tuple(sig.Params(), sig.Variadic(), typ)
	results := tuple(sig.Results(), false, typ)
	switch {
	case sig.Results().Len() == 0:
		return "(" + params + ")"
	case sig.Results().Len() == 1:
		return "(" + params + ") " + results
	default:
		return "(" + params + ") (" + results + ")"
	}
}

// tuple formats the types of t, comma-separated; with variadic, the last as ...T.
func tuple(t *types.Tuple, variadic bool, typ func(types.Type) string) string {
	parts := make([]string, t.Len())
	for i := range t.Len() {
		v := t.At(i).Type()
		if variadic && i == t.Len()-1 {
			parts[i] = "..." + typ(v.(*types.Slice).Elem())
			continue
		}
		parts[i] = typ(v)
	}
	return strings.Join(parts, ", ")
}

// TestRecordMatchesAPI fails while the exported API of a public package
// differs from its record under api/; with -update it writes the record.
func TestRecordMatchesAPI(t *testing.T) {
	root := moduleRoot
	got, err := records(root)
	require.NoError(t, err)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Join(root, "api"), 0o755))
		for _, p := range packages {
			require.NoError(t, os.WriteFile(filepath.Join(root, "api", p.record), []byte(got[p.record]), 0o644))
		}
		return
	}
	for _, p := range packages {
		t.Run(p.record, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(root, "api", p.record))
			require.NoError(t, err, "no record; run %q", regenerate)
			if added, removed := diff(string(want), got[p.record]); len(added)+len(removed) > 0 {
				t.Errorf("the exported API differs from api/%s:\n%s\n"+
					"If the change is intended, run %q, commit api/, "+
					"and add a line saying what changed to the [Unreleased] section of CHANGELOG.md.",
					p.record, formatDiff(added, removed), regenerate)
			}
		})
	}
}

// diff returns the lines only in got (added) and only in want (removed).
func diff(want, got string) (added, removed []string) {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	for _, l := range g {
		if l != "" && !slices.Contains(w, l) {
			added = append(added, l)
		}
	}
	for _, l := range w {
		if l != "" && !slices.Contains(g, l) {
			removed = append(removed, l)
		}
	}
	return added, removed
}

// formatDiff shows added lines with "+" and removed lines with "-".
func formatDiff(added, removed []string) string {
	var b strings.Builder
	for _, l := range removed {
		b.WriteString("\t- " + l + "\n")
	}
	for _, l := range added {
		b.WriteString("\t+ " + l + "\n")
	}
	return b.String()
}

func TestDiff(t *testing.T) {
	tests := []struct {
		name, want, got string
		added, removed  []string
	}{
		{"same", "a\nb\n", "a\nb\n", nil, nil},
		{"renamed", "pkg p, func A()\n", "pkg p, func B()\n", []string{"pkg p, func B()"}, []string{"pkg p, func A()"}},
		{"added", "a\n", "a\nb\n", []string{"b"}, nil},
		{"removed", "a\nb\n", "b\n", nil, []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			added, removed := diff(tc.want, tc.got)
			assert.Equal(t, tc.added, added)
			assert.Equal(t, tc.removed, removed)
		})
	}
}

// TestRecordFormat checks the line of each kind of exported identifier, and
// that unexported ones are left out.
func TestRecordFormat(t *testing.T) {
	src := `package p

import (
	"context"
	"time"
)

const Version = "1.0"
const Wait time.Duration = 2 * time.Second
const hidden = 1

type Status string

const StatusOK Status = "ok"

var ErrX error = nil
var Count = 3
var internal int

type config struct{}

type Option func(*config)

type Service struct {
	Name     string
	Handler  func(ctx context.Context, id string) (bool, error)
	private  int
	Embedded
}

type Embedded struct{ Z int }

func (s *Service) Get(ctx context.Context, id string, opts ...Option) (*Service, error) { return s, nil }
func (Service) Value() int                                                          { return 0 }
func (s *Service) unexported()                                                      {}

type Page[T any] struct{ Data []T }

func (p *Page[T]) First() T { return p.Data[0] }

func Ptr[T any](v T) *T { return &v }

type Event interface {
	Name() string
	sealed()
	sealed2()
}

type Alias = Status

func New(key string, opts ...Option) *Service { return nil }

func helper() {}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	require.NoError(t, err)
	imp, err := exportImporter(fset, ".", "context", "time")
	require.NoError(t, err)
	pkg, err := (&types.Config{Importer: imp}).Check("example.com/p", fset, []*ast.File{f}, nil)
	require.NoError(t, err)
	assert.Equal(t, `pkg p, const StatusOK Status = "ok"
pkg p, const Version untyped string = "1.0"
pkg p, const Wait time.Duration = 2000000000
pkg p, func New(string, ...Option) *Service
pkg p, func Ptr[T any](T) *T
pkg p, method (*Page[T]) First() T
pkg p, method (*Service) Get(context.Context, string, ...Option) (*Service, error)
pkg p, method (Service) Value() int
pkg p, type Alias = Status
pkg p, type Embedded struct
pkg p, type Embedded struct, Z int
pkg p, type Event interface
pkg p, type Event interface, Name() string
pkg p, type Event interface, unexported methods
pkg p, type Option func(*config)
pkg p, type Page[T any] struct
pkg p, type Page[T any] struct, Data []T
pkg p, type Service struct
pkg p, type Service struct, Handler func(context.Context, string) (bool, error)
pkg p, type Service struct, Name string
pkg p, type Service struct, embedded Embedded
pkg p, type Status string
pkg p, var Count int
pkg p, var ErrX error
`, record(pkg))
}
