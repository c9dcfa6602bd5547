// Infra-exec: infra-only mode, where you run your own agent framework and
// use Theazo for isolated compute. Exec runs code in an agent's sandbox and
// waits for it; past 120 seconds the API answers 504, which the SDK reports
// as theazo.ErrTimeout.
//
//	go run ./examples/infra-exec
//
// With no THEAZO_API_KEY it runs against theazotest, an in-process fake of
// the API, whose exec only pretends to run code. Against the real API the
// last snippet really waits the 120 seconds out.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/examples/internal/exampleenv"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		exampleenv.Fail(err)
	}
}

func run(ctx context.Context, w io.Writer) error {
	env := exampleenv.Start(w)
	defer env.Close()
	client := env.Client

	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", nil)
	if err != nil {
		return fmt.Errorf("getting the session: %w", err)
	}
	agent, err := client.Agents.Create(ctx, sess.ID, &theazo.AgentCreateParams{Compute: &theazo.AgentCompute{Provider: theazo.ComputeE2B}})
	if err != nil {
		return fmt.Errorf("creating the agent: %w", err)
	}
	defer client.Agents.Terminate(context.WithoutCancel(ctx), agent.ID)
	provider := theazo.ComputeE2B // asked for; the reply may not repeat it
	if agent.Compute != nil {
		provider = agent.Compute.Provider
	}
	fmt.Fprintf(w, "\nSandbox of agent %s (%s) is %s.\n\n", agent.ID, provider, agent.Status)

	snippets := []struct {
		lang theazo.ExecLang
		code string
	}{
		{theazo.LangPython, `print("hello from the sandbox")`},
		{theazo.LangPython, "print(6 * 7)"},
		{theazo.LangTypeScript, "console.log(1024 / 4)"},
		{theazo.LangBash, "echo building...\nexit 3"},
		{theazo.LangPython, "import time\ntime.sleep(300)  # longer than the 120-second limit"},
	}
	for _, s := range snippets {
		fmt.Fprintf(w, "$ %s: %s\n", s.lang, strings.ReplaceAll(s.code, "\n", "; "))
		res, err := client.Agents.Exec(ctx, agent.ID, &theazo.AgentExecParams{Lang: s.lang, Code: s.code})
		switch {
		case errors.Is(err, theazo.ErrTimeout):
			fmt.Fprintln(w, "  timed out after 120 s: run long jobs as tasks with Agents.Run, or split them up")
			continue
		case err != nil:
			return fmt.Errorf("exec: %w", err)
		}
		for line := range strings.Lines(res.Stdout) {
			fmt.Fprintf(w, "  %s", line)
		}
		if res.Stderr != "" {
			fmt.Fprintf(w, "  stderr: %s\n", strings.TrimSpace(res.Stderr))
		}
		fmt.Fprintf(w, "  (exit %d, %d ms)\n", res.ExitCode, res.DurationMs)
	}
	return nil
}
