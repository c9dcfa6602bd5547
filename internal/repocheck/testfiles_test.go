package repocheck

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Root test files sit by subject (CONTRIBUTING.md, "Where tests go"): each
// is named for the source file it tests, with an _internal or _external
// suffix for the second test package of a subject, or is one of the at
// most six cross-cutting suites CONTRIBUTING.md lists.
func TestRootTestFilesSitBySubject(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(moduleRoot, "CONTRIBUTING.md"))
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(doc), "### Where tests go")
	require.True(t, ok, `CONTRIBUTING.md has a "Where tests go" section`)
	section, _, _ = strings.Cut(section, "\n#")
	suites := map[string]bool{}
	for _, m := range regexp.MustCompile("(?m)^- `(\\w+_test\\.go)`").FindAllStringSubmatch(section, -1) {
		suites[m[1]] = true
	}
	require.NotEmpty(t, suites, "CONTRIBUTING.md lists the cross-cutting suites")
	assert.LessOrEqual(t, len(suites), 6, "at most six cross-cutting suites")

	files, err := filepath.Glob(filepath.Join(moduleRoot, "*_test.go"))
	require.NoError(t, err)
	for _, f := range files {
		name := filepath.Base(f)
		if suites[name] {
			continue
		}
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		base := strings.TrimSuffix(name, "_test.go")
		switch {
		case strings.HasSuffix(base, "_internal"):
			base = strings.TrimSuffix(base, "_internal")
			assert.Regexp(t, `(?m)^package theazo$`, string(src), "%s is in package theazo", name)
		case strings.HasSuffix(base, "_external"):
			base = strings.TrimSuffix(base, "_external")
			assert.Regexp(t, `(?m)^package theazo_test$`, string(src), "%s is in package theazo_test", name)
		}
		assert.FileExists(t, filepath.Join(moduleRoot, base+".go"),
			"%s is named for no source file and is not a suite CONTRIBUTING.md lists", name)
	}
	for name := range suites {
		assert.FileExists(t, filepath.Join(moduleRoot, name), "CONTRIBUTING.md lists %s", name)
	}
}
