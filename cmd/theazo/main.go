// Command theazo calls the Theazo API from a terminal or a script, and
// serves a fake of the API for tests in any language (theazo mock).
//
//	theazo sessions list
//	theazo agents run --follow agt_… "Summarize this week's papers"
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
	// The first Ctrl-C or SIGTERM cancels ctx: the command stops what it
	// does and exits (theazo mock shuts down within its deadline). A second
	// one exits at once.
	ctx, stop := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		stop()
		<-sigs
		os.Exit(exitInterrupted)
	}()
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
