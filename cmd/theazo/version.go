package main

import (
	"fmt"
	"runtime"

	"github.com/theazo/theazo-go"
)

func versionCmd() *command {
	return leaf("version", "", "Print the SDK and Go versions.", func(x *inv) error {
		if err := x.parse(0, 0); err != nil {
			return err
		}
		if x.g.json {
			return x.jsonLine(map[string]string{"sdk": theazo.Version, "go": runtime.Version(), "os": runtime.GOOS, "arch": runtime.GOARCH})
		}
		_, err := fmt.Fprintf(x.stdout, "theazo %s (theazo-go %s, %s, %s/%s)\n", theazo.Version, theazo.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return err
	})
}
