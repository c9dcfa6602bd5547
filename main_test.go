package theazo

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// stream, a retry wait or a connection the SDK forgot to release.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
