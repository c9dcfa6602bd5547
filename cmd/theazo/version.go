package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/theazo/theazo-go"
)

func versionCmd() *command {
	return leaf("version", "", "Print the versions of theazo, the SDK and Go.", func(x *inv) error {
		if err := x.parse(0, 0); err != nil {
			return err
		}
		v := cliVersion()
		if x.g.json {
			return x.jsonLine(map[string]string{"version": v, "sdk": theazo.Version, "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH})
		}
		_, err := fmt.Fprintf(x.stdout, "theazo %s (SDK theazo-go %s, %s %s/%s)\n", v, theazo.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return err
	})
}

// cliVersion is the module version go install recorded, else the SDK's.
func cliVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "v" + theazo.Version
}
