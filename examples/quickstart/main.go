// Quickstart: the whole flow in one program. It gets (or creates) a session
// for a user with cost limits, creates an agent, runs a task while printing
// each event as it streams in, runs a code snippet in the agent's sandbox,
// and shows what the session has cost.
//
//	go run ./examples/quickstart
//
// With no THEAZO_API_KEY it runs against theazotest, an in-process fake of
// the API, and needs no account.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/examples/internal/exampleenv"
	"github.com/theazo/theazo-go/theazotest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		exampleenv.Fail(err)
	}
}

// run runs the example, printing to w. fake configures the fake API, if
// one is started (the tests serve it in memory).
func run(ctx context.Context, w io.Writer, fake ...theazotest.Option) error {
	env := exampleenv.Start(w, fake...)
	defer env.Close()
	client := env.Client

	// 1. One session per end user. GetOrCreate is safe to call on every
	// request: limits and metadata apply only when the session is created.
	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", &theazo.SessionGetOrCreateParams{
		Limits: &theazo.SessionLimits{
			MaxCost:   &theazo.CostLimit{Amount: 500, Currency: "usd", Period: theazo.PeriodDay},
			MaxAgents: 3,
		},
		Metadata: theazo.Metadata{"plan": "pro"},
	})
	if err != nil {
		return fmt.Errorf("getting the session: %w", err)
	}
	fmt.Fprintf(w, "\n1. Session %s for %s (limits: %s)\n", sess.ID, sess.UserID, limits(sess.Limits))

	// 2. An agent: an isolated sandbox inside the session.
	agent, err := client.Agents.Create(ctx, sess.ID, &theazo.AgentCreateParams{
		Tools:        []string{"web_search"},
		Instructions: "You are a research assistant. Be concise.",
	})
	if err != nil {
		return fmt.Errorf("creating the agent: %w", err)
	}
	defer client.Agents.Terminate(context.WithoutCancel(ctx), agent.ID) // release its compute
	fmt.Fprintf(w, "2. Agent %s is %s, with tools %s\n", agent.ID, agent.Status, strings.Join(agent.Tools, ", "))

	// 3. Run a task and print each event as it arrives. RunStream connects
	// to the stream before starting the task, so no event is missed.
	task := "Summarize this week's top AI research papers"
	fmt.Fprintf(w, "3. Running %q\n", task)
	run, err := client.Agents.RunStream(ctx, agent.ID, task)
	if err != nil {
		return fmt.Errorf("starting the run: %w", err)
	}
	defer run.Close()
	for ev, err := range run.Events() {
		if err != nil {
			return fmt.Errorf("streaming the run: %w", err)
		}
		switch e := ev.(type) {
		case *theazo.ThinkingEvent:
			fmt.Fprintf(w, "   thinking     %s\n", e.Text)
		case *theazo.ToolCallEvent:
			fmt.Fprintf(w, "   tool call    %s %s\n", e.Tool, e.Input)
		case *theazo.ToolResultEvent:
			fmt.Fprintf(w, "   tool result  %s %s\n", e.Tool, short(string(e.Output), 60))
		case *theazo.OutputEvent:
			fmt.Fprintf(w, "   answer       %s\n", e.Text)
			fmt.Fprintf(w, "   run cost     %s\n", e.Cost)
		case *theazo.ErrorEvent:
			fmt.Fprintf(w, "   failed       %s: %s\n", e.Code, e.Message)
		case *theazo.UnknownEvent:
			fmt.Fprintf(w, "   (%s event)\n", e.Type)
		}
	}

	// 4. Run code directly in the sandbox (infra-only mode). WithResponseInto
	// keeps the reply's request id, which Theazo support asks for.
	code := "print(2 + 2)"
	var resp theazo.Response
	res, err := client.Agents.Exec(ctx, agent.ID, &theazo.AgentExecParams{Lang: theazo.LangPython, Code: code}, theazo.WithResponseInto(&resp))
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	fmt.Fprintf(w, "4. Exec python %q printed %q (exit %d, %d ms, request %s)\n", code, strings.TrimSpace(res.Stdout), res.ExitCode, res.DurationMs, resp.RequestID)

	// 5. What the session has cost so far.
	sess, err = client.Sessions.GetOrCreate(ctx, "user_123", nil)
	if err != nil {
		return fmt.Errorf("reading the session: %w", err)
	}
	fmt.Fprintf(w, "5. Session cost so far: %s\n", sess.Cost)
	fmt.Fprintln(w, "\nDone. Next: examples/web-chat, pagination, streaming, webhook-relay, chat and infra-exec.")
	return nil
}

// limits describes a session's limits. A session that already existed
// keeps the limits it was created with, which may be none.
func limits(l *theazo.SessionLimits) string {
	if l == nil {
		return "none"
	}
	out := "no cost cap"
	if c := l.MaxCost; c != nil {
		out = fmt.Sprintf("%s a %s", theazo.Money{Amount: c.Amount, Currency: c.Currency}, c.Period)
	}
	if l.MaxAgents > 0 {
		out += fmt.Sprintf(", %d agents", l.MaxAgents)
	}
	return out
}

// short cuts s to n characters.
func short(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
