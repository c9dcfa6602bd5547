// Command theazo calls the Theazo API from a terminal or a script, and
// serves a fake of the API for tests in any language (theazo mock).
//
//	theazo sessions list
//	theazo agents run agt_… "Summarize this week's papers" --follow
//	theazo mock --seed
//
// It reads the API key from THEAZO_API_KEY or --api-key, and the API root
// from THEAZO_BASE_URL or --base-url. Run "theazo help" for every command.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := &app{
		stdin:  os.Stdin,
		stdout: os.Stdout,
		stderr: os.Stderr,
		getenv: os.Getenv,
		now:    time.Now,
		outTTY: isTerminal(os.Stdout),
		errTTY: isTerminal(os.Stderr),
	}
	code := a.main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device, as a terminal is.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
