// Streaming: follow a workflow run and a fleet as Server-Sent Events, with
// typed events, through their run handles (Workflows.RunStream,
// Fleets.CreateStream), then read the run's collected result; stop cleanly
// on Ctrl-C: cancelling the context ends the streams. A dropped connection
// is resumed with Last-Event-ID by the SDK, and each event arrives once.
//
//	go run ./examples/streaming
//
// With no THEAZO_API_KEY it runs against theazotest, an in-process fake of
// the API, and needs no account.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/examples/internal/exampleenv"
	"github.com/theazo/theazo-go/theazotest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout); err != nil {
		if errors.Is(err, context.Canceled) {
			fmt.Println("\nInterrupted.")
			return
		}
		exampleenv.Fail(err)
	}
}

// run runs the example, printing to w. fake configures the fake API, if
// one is started (the tests serve it in memory).
func run(ctx context.Context, w io.Writer, fake ...theazotest.Option) error {
	env := exampleenv.Start(w, fake...)
	defer env.Close()
	client := env.Client

	def, err := client.Definitions.Create(ctx, &theazo.DefinitionCreateParams{
		Name: "Web researcher", Instructions: "Be thorough and cite sources.", Tools: []string{"web_search"},
	})
	if err != nil {
		return fmt.Errorf("creating a definition: %w", err)
	}
	defer client.Definitions.Archive(context.WithoutCancel(ctx), def.ID)

	if err := workflow(ctx, w, client, def.ID); err != nil {
		return err
	}
	return fleet(ctx, w, client, def.ID)
}

// workflow runs a three-step workflow and prints its events.
func workflow(ctx context.Context, w io.Writer, client *theazo.Client, defID string) error {
	wf, err := client.Workflows.Create(ctx, &theazo.WorkflowCreateParams{
		Name: "Page digest",
		Steps: []theazo.WorkflowStep{
			{Name: "scrape", DefinitionID: defID, Task: "Fetch the page at the input URL"},
			{Name: "summarize", DefinitionID: defID, Task: "Summarize the page", DependsOn: []string{"scrape"}},
			{Name: "translate", DefinitionID: defID, Task: "Translate the summary to French", DependsOn: []string{"summarize"}},
		},
	})
	if err != nil {
		return fmt.Errorf("creating the workflow: %w", err)
	}
	defer client.Workflows.Delete(context.WithoutCancel(ctx), wf.ID)

	run, err := client.Workflows.RunStream(ctx, wf.ID, &theazo.WorkflowRunParams{Input: map[string]any{"url": "https://example.com"}})
	if err != nil {
		return fmt.Errorf("running the workflow: %w", err)
	}
	defer run.Close()
	fmt.Fprintf(w, "\nWorkflow run %s:\n", run.RunID)
	for ev, err := range run.Events() {
		if err != nil {
			return err
		}
		switch e := ev.(type) {
		case *theazo.StepStartEvent:
			fmt.Fprintf(w, "  step %d %-10s started\n", e.Index+1, e.Step)
		case *theazo.StepCompleteEvent:
			fmt.Fprintf(w, "  step %d %-10s done in %d ms\n", e.Index+1, e.Step, e.DurationMs)
		case *theazo.WorkflowCompleteEvent:
			fmt.Fprintf(w, "  workflow complete, cost %s\n", e.Cost)
		case *theazo.WorkflowFailedEvent:
			fmt.Fprintf(w, "  workflow failed at %q: %s\n", e.Step, e.Message)
		}
	}
	// The handle collected the events into the run's result; had the loop
	// stopped early, Result would read the rest of the run first.
	res, err := run.Result(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  result: %d steps, output %s\n", len(res.Steps), res.Output)
	return nil
}

// fleet runs one definition over several tasks in parallel and prints its events.
func fleet(ctx context.Context, w io.Writer, client *theazo.Client, defID string) error {
	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", nil)
	if err != nil {
		return fmt.Errorf("getting the session: %w", err)
	}
	tasks := []string{"Scrape page 1", "Scrape page 2", "Scrape page 3", "Scrape page 4"}
	f, err := client.Fleets.CreateStream(ctx, &theazo.FleetCreateParams{SessionID: sess.ID, DefinitionID: defID, Tasks: tasks, Concurrency: 2})
	if err != nil {
		return fmt.Errorf("creating the fleet: %w", err)
	}
	defer f.Close()
	fmt.Fprintf(w, "\nFleet %s, %d tasks, 2 at a time:\n", f.FleetID, len(tasks))
	for ev, err := range f.Events() {
		if err != nil {
			return err
		}
		switch e := ev.(type) {
		case *theazo.AgentStartEvent:
			fmt.Fprintf(w, "  task %d started   %s\n", e.Index+1, e.Task)
		case *theazo.AgentCompleteEvent:
			fmt.Fprintf(w, "  task %d finished  %s (%s)\n", e.Index+1, e.Output, e.Cost)
		case *theazo.AgentFailedEvent:
			fmt.Fprintf(w, "  task %d failed    %s\n", e.Index+1, e.Message)
		case *theazo.FleetCompleteEvent:
			fmt.Fprintf(w, "  fleet complete: %d done, %d failed, cost %s\n", e.Completed, e.Failed, e.TotalCost)
		case *theazo.FleetFailedEvent:
			fmt.Fprintf(w, "  fleet stopped: %s\n", e.Message)
		}
	}
	return nil
}
