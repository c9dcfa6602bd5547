package repocheck

import (
	"testing"

	"go.uber.org/goleak"
)

// moduleRoot is the repository root, where the checks start, relative to
// this package's directory (the working directory of its tests).
const moduleRoot = "../.."

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
