package theazo

import (
	"flag"
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: a
// stream, a retry wait or a connection the SDK forgot to release.
//
// Most parallel tests here wait (on a backoff, a Retry-After, a paced
// stream) rather than compute, so unless -parallel is given they run four
// at a time, not GOMAXPROCS (two on CI's machine).
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		flag.Set("test.parallel", "4")
	}
	goleak.VerifyTestMain(m)
}
