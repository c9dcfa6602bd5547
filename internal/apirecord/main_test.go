package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestRecordMatchesAPI fails while the exported API of a public package
// differs from its record under api/.
func TestRecordMatchesAPI(t *testing.T) {
	root := filepath.Join("..", "..")
	got, err := records(root)
	require.NoError(t, err)
	for _, p := range packages {
		t.Run(p.record, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(root, "api", p.record))
			require.NoError(t, err, "no record; run %q from the module root", regenerate)
			if added, removed := diff(string(want), got[p.record]); len(added)+len(removed) > 0 {
				t.Errorf("the exported API differs from api/%s:\n%s\n"+
					"If the change is intended, run %q from the module root, commit api/, "+
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
