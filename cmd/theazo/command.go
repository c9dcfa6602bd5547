package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// command is a node of the command tree: a group of subcommands or a leaf
// that runs.
type command struct {
	name    string
	args    string // the positional arguments, e.g. "AGENT TASK"
	summary string
	more    string // printed after the flags by --help
	run     func(x *inv) error
	subs    []*command
}

// inv is one invocation of a leaf command: its flags and arguments.
type inv struct {
	*app
	ctx  context.Context
	cmd  *command
	path string // "theazo agents run"
	fs   *flag.FlagSet
	raw  []string
	args []string // positional arguments, after parse

	// interrupted, if set, is printed to stderr when Ctrl-C ends a followed
	// run: what goes on, and how to follow or stop it.
	interrupted string
}

// errHelp ends a run that printed help on request: exit 0.
var errHelp = errors.New("help requested")

// usageError is a command line that cannot run; it prints the usage of
// the command concerned and exits 2.
type usageError struct {
	msg   string
	usage func(io.Writer)
}

func (e *usageError) Error() string { return e.msg }

// dispatch finds the command that args name and runs it.
func dispatch(ctx context.Context, a *app, c *command, path, args []string) error {
	if c.run != nil {
		x := &inv{app: a, ctx: ctx, cmd: c, path: strings.Join(path, " "), raw: args}
		x.fs = flag.NewFlagSet(x.path, flag.ContinueOnError)
		x.fs.SetOutput(io.Discard)
		a.g.register(x.fs)
		return c.run(x)
	}
	// Global flags may come before the subcommand: theazo --json sessions list.
	fs := flag.NewFlagSet(c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	a.g.register(fs)
	usage := func(w io.Writer) { groupUsage(w, c, path) }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage(a.stdout)
			return errHelp
		}
		return &usageError{flagError(fs, err), usage}
	}
	args = fs.Args()
	if len(args) == 0 {
		// As gh does: a group alone shows its commands.
		usage(a.stdout)
		return errHelp
	}
	name := args[0]
	if name == "help" && len(path) == 1 {
		if len(args) == 1 {
			usage(a.stdout)
			return errHelp
		}
		return dispatch(ctx, a, c, path, append(args[1:], "--help"))
	}
	for _, sub := range c.subs {
		if sub.name == name {
			return dispatch(ctx, a, sub, append(path, name), args[1:])
		}
	}
	return &usageError{fmt.Sprintf("unknown command %q for %q", name, strings.Join(path, " ")), usage}
}

// register adds the global flags to fs.
func (g *globals) register(fs *flag.FlagSet) {
	fs.StringVar(&g.apiKey, "api-key", g.apiKey, "API key (default $THEAZO_API_KEY)")
	fs.StringVar(&g.baseURL, "base-url", g.baseURL, "API root (default $THEAZO_BASE_URL, else https://api.theazo.com/v1)")
	fs.BoolVar(&g.json, "json", g.json, "print JSON: one object per line for lists and streams")
	fs.BoolVar(&g.debug, "debug", g.debug, "log each HTTP attempt to stderr")
}

// isGlobal reports whether name is a global flag.
func isGlobal(name string) bool {
	switch name {
	case "api-key", "base-url", "json", "debug":
		return true
	}
	return false
}

// parse parses the flags, then checks that between min and max
// positional arguments follow (max < 0: any number). Flags come before the
// positional arguments: once one is seen, or after "--", nothing is read as
// a flag, and an argument that looks like a flag where a value is expected
// is a usage error, so that a value such as "--base-url=…" passed by a
// script can never change where the key is sent.
func (x *inv) parse(min, max int) error {
	if err := x.fs.Parse(x.raw); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			x.usage(x.stdout)
			if x.cmd.more != "" {
				fmt.Fprint(x.stdout, "\n"+x.cmd.more)
			}
			return errHelp
		}
		return x.usageErr("%s", flagError(x.fs, err))
	}
	rest := x.fs.Args()
	dashdash := len(x.raw) > len(rest) && x.raw[len(x.raw)-len(rest)-1] == "--"
	if !dashdash {
		for i, a := range rest {
			if i > 0 && a == "--" {
				rest = append(rest[:i:i], rest[i+1:]...)
				break // values after "--" are values
			}
			if i > 0 && looksLikeFlag(a) {
				return x.flagAfterArgs(a)
			}
		}
	}
	x.args = rest
	switch {
	case len(x.args) < min:
		names := strings.Fields(x.cmd.args)
		missing := "argument"
		if len(x.args) < len(names) {
			missing = strings.Trim(names[len(x.args)], "[]")
		}
		return x.usageErr("missing %s", missing)
	case max >= 0 && len(x.args) > max:
		return x.usageErr("too many arguments: %s takes at most %d, and %d were given", x.path, max, len(x.args))
	}
	names := strings.Fields(x.cmd.args)
	for i, a := range x.args {
		if strings.TrimSpace(a) == "" && i < len(names) {
			return x.usageErr("%s is empty", strings.Trim(names[i], "[]"))
		}
	}
	return nil
}

// looksLikeFlag reports whether an argument starts like a flag: "-x" or
// "--x", but not "-" alone (stdin) nor a negative number.
func looksLikeFlag(a string) bool {
	if len(a) < 2 || a[0] != '-' {
		return false
	}
	if _, err := strconv.ParseFloat(a, 64); err == nil {
		return false
	}
	return true
}

// flagAfterArgs is the usage error of an argument that looks like a flag
// after a positional one. It names the flag only when the command has it,
// never the value, which may be a secret.
func (x *inv) flagAfterArgs(a string) error {
	name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
	if x.fs.Lookup(name) != nil {
		return x.usageErr("--%s comes after an argument: put flags before the arguments, e.g. %s --%s … %s", name, x.path, name, x.cmd.args)
	}
	return x.usageErr("an argument that starts with \"-\" comes where a value is expected; flags go before the arguments, and -- before a value that starts with \"-\" (%s [flags] -- %s)", x.path, x.cmd.args)
}

// isDuration reports whether fs's flag name takes a duration.
func isDuration(fs *flag.FlagSet, name string) bool {
	f := fs.Lookup(strings.TrimLeft(name, "-"))
	if f == nil {
		return false
	}
	_, err := time.ParseDuration(f.DefValue)
	return err == nil && f.DefValue != "0" // an integer's default is "0", a duration's "0s"
}

// flagError rewrites an error of package flag as a sentence that names
// flags as --name and never repeats the value given, which may be a secret
// typed in the wrong place.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	name := func(s string) string {
		s = strings.TrimLeft(s, "-")
		if len(s) > 32 || strings.ContainsAny(s, " \t") || strings.HasPrefix(s, "th_") {
			return "" // not a flag name: do not echo it
		}
		return "--" + s
	}
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "):
		if n := name(strings.TrimPrefix(msg, "flag provided but not defined: ")); n != "" {
			return "unknown flag " + n
		}
		return "unknown flag"
	case strings.HasPrefix(msg, "flag needs an argument: "):
		return name(strings.TrimPrefix(msg, "flag needs an argument: ")) + " needs a value"
	case strings.HasPrefix(msg, "invalid boolean value "), strings.HasPrefix(msg, "invalid value "):
		// invalid value "v" for flag -name: reason / invalid boolean value "v" for -name: reason
		_, after, _ := strings.Cut(msg, "\" for ")
		after = strings.TrimPrefix(after, "flag ")
		flagName, reason, _ := strings.Cut(after, ": ")
		n := name(flagName)
		switch {
		case strings.HasPrefix(msg, "invalid boolean value "):
			return n + " takes no value, or =true or =false"
		case isDuration(fs, flagName):
			return "invalid value for " + n + ": it must be a duration, like 30s or 5m"
		case strings.Contains(reason, "out of range"):
			return "invalid value for " + n + ": it is out of range"
		}
		return "invalid value for " + n + ": it must be a whole number"
	case strings.HasPrefix(msg, "bad flag syntax: "):
		return "bad flag syntax"
	}
	return msg
}

// usageErr is a usage error of this command.
func (x *inv) usageErr(format string, args ...any) error {
	return &usageError{fmt.Sprintf(format, args...), x.usage}
}

// usage prints the command's usage, its flags and the global flags.
func (x *inv) usage(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  %s [flags]", x.cmd.summary, x.path)
	if x.cmd.args != "" {
		fmt.Fprint(w, " "+x.cmd.args)
	}
	fmt.Fprint(w, "\n")
	var own, global []*flag.Flag
	x.fs.VisitAll(func(f *flag.Flag) {
		if isGlobal(f.Name) {
			global = append(global, f)
		} else {
			own = append(own, f)
		}
	})
	if len(own) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		printFlags(w, own)
	}
	fmt.Fprint(w, "\nGlobal flags:\n")
	printFlags(w, global)
	if x.cmd.args != "" {
		fmt.Fprint(w, "\nFlags go before the arguments; -- ends them, for a value that starts with \"-\".\n")
	}
}

// printFlags prints one line per flag: its name, value type and help.
func printFlags(w io.Writer, flags []*flag.Flag) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, f := range flags {
		kind, help := flag.UnquoteUsage(f)
		name := "--" + f.Name
		if kind != "" {
			name += " " + kind
		}
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" && !isGlobal(f.Name) {
			help += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(tw, "  %s\t%s\n", name, help)
	}
	tw.Flush()
}

// groupUsage prints a group's subcommands.
func groupUsage(w io.Writer, c *command, path []string) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  %s <command> [flags]\n\nCommands:\n", c.summary, strings.Join(path, " "))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, sub := range c.subs {
		fmt.Fprintf(tw, "  %s\t%s\n", sub.name, sub.summary)
	}
	tw.Flush()
	fmt.Fprintf(w, "\nRun \"%s <command> --help\" for a command's flags.\n", strings.Join(path, " "))
}

// group returns a command grouping subs.
func group(name, summary string, subs ...*command) *command {
	return &command{name: name, summary: summary, subs: subs}
}

// leaf returns a command that runs.
func leaf(name, args, summary string, run func(x *inv) error) *command {
	return &command{name: name, args: args, summary: summary, run: run}
}

// root is the whole command tree.
func root() *command {
	return group("theazo", "theazo calls the Theazo API and serves a fake of it for tests.",
		sessionsCmd(),
		agentsCmd(),
		billingCmd(),
		definitionsCmd(),
		workflowsCmd(),
		fleetsCmd(),
		schedulesCmd(),
		triggersCmd(),
		channelsCmd(),
		secretsCmd(),
		providersCmd(),
		mockCmd(),
		versionCmd(),
	)
}
