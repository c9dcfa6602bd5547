package repocheck

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// SECURITY.md names, for each guarantee, the tests that prove it: every
// test it cites must exist in the file it names.
func TestSecurityDocCitesRealTests(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join(moduleRoot, "SECURITY.md"))
	require.NoError(t, err)
	cites := 0
	token := regexp.MustCompile("`([\\w/]+_test\\.go)`|\\b((?:Test|Fuzz)\\w+)")
	for _, segment := range regexp.MustCompile(`[;|\n]`).Split(string(doc), -1) {
		var file string
		var src []byte
		for _, m := range token.FindAllStringSubmatch(segment, -1) {
			if m[1] != "" {
				file = m[1]
				src, err = os.ReadFile(filepath.Join(moduleRoot, file))
				require.NoError(t, err, "SECURITY.md cites %s", file)
				continue
			}
			if file == "" {
				continue // a name in prose, not a citation
			}
			cites++
			assert.Contains(t, string(src), "func "+m[2]+"(", "SECURITY.md cites %s in %s", m[2], file)
		}
	}
	assert.Greater(t, cites, 40)
}
