// Command apirecord writes the record of the module's exported API: one file
// per public package under api/ (api/theazo.txt, api/sse.txt,
// api/theazotest.txt), one sorted line per exported identifier with its
// signature, in the manner of the Go project's own api/ files. Run it from
// the module root after an intended API change:
//
//	go run ./internal/apirecord
//
// Its test fails while the record and the code differ. The packages are
// parsed and type checked with the standard library's go/types; what they
// import is read from the go command's export data.
package main

import (
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
)

// packages maps each public package's directory, relative to the module
// root, to the file of its record under api/.
var packages = []struct{ dir, record string }{
	{".", "theazo.txt"},
	{"sse", "sse.txt"},
	{"theazotest", "theazotest.txt"},
}

// regenerate is the command that rewrites the record, for messages.
const regenerate = "go run ./internal/apirecord"

func main() {
	recs, err := records(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, "apirecord:", err)
		os.Exit(1)
	}
	if err := os.MkdirAll("api", 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "apirecord:", err)
		os.Exit(1)
	}
	for _, p := range packages {
		if err := os.WriteFile(filepath.Join("api", p.record), []byte(recs[p.record]), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "apirecord:", err)
			os.Exit(1)
		}
	}
}

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
