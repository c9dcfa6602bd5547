package theazo

import (
	"errors"
	"os"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// releaseHeading matches a Keep a Changelog release heading,
// "## [1.2.3] - 2006-01-02", and captures the version.
var releaseHeading = regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\](?: - \d{4}-\d{2}-\d{2})?\s*$`)

// latestRelease returns the version of the first release heading of a
// changelog; the [Unreleased] heading is not a release.
func latestRelease(changelog string) (string, error) {
	m := releaseHeading.FindStringSubmatch(changelog)
	if m == nil {
		return "", errors.New("no release heading such as \"## [0.1.0] - 2006-01-02\"")
	}
	return m[1], nil
}

// TestVersionIsLatestRelease fails when Version, sent in the User-Agent, is
// not the latest release in CHANGELOG.md: a release bumps both together.
func TestVersionIsLatestRelease(t *testing.T) {
	t.Parallel()
	changelog, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	latest, err := latestRelease(string(changelog))
	require.NoError(t, err)
	assert.Equal(t, latest, Version, "Version in client.go and the latest release in CHANGELOG.md differ")
}

func TestLatestRelease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, changelog, want string
	}{
		{"after unreleased", "# Changelog\n\n## [Unreleased]\n\n### Added\n\n## [0.2.0] - 2027-01-02\n\n## [0.1.0] - 2026-11-28\n", "0.2.0"},
		{"without a date", "## [1.0.0]\n## [0.9.0] - 2026-01-01\n", "1.0.0"},
		{"pre-release", "## [Unreleased]\n## [1.0.0-rc.1] - 2026-01-01\n", "1.0.0-rc.1"},
		{"not a heading", "see [0.3.0] below\n### [0.2.0]\n## [0.1.0] - 2026-11-28\n", "0.1.0"},
		{"none", "# Changelog\n\n## [Unreleased]\n", ""},
		{"not a version", "## [next] - 2026-01-01\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := latestRelease(tc.changelog)
			if tc.want == "" {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
