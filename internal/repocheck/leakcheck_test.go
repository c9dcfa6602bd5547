package repocheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Every package of the module that has tests must fail them when a
// goroutine outlives them: its TestMain calls goleak.VerifyTestMain.
func TestEveryTestPackageVerifiesLeaks(t *testing.T) {
	testFiles := map[string][]string{} // directory -> its _test.go files
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != moduleRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(path, "_test.go") {
			dir, err := filepath.Rel(moduleRoot, filepath.Dir(path))
			if err != nil {
				return err
			}
			testFiles[dir] = append(testFiles[dir], path)
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, testFiles, ".")
	for dir, files := range testFiles {
		verified := false
		for _, f := range files {
			src, err := os.ReadFile(f)
			require.NoError(t, err)
			if strings.Contains(string(src), "func TestMain(") && strings.Contains(string(src), "goleak.VerifyTestMain(") {
				verified = true
			}
		}
		assert.True(t, verified, "package %s has tests but no TestMain calling goleak.VerifyTestMain", dir)
	}
}
