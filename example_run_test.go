package theazo_test

import (
	"context"
	"fmt"
	"log"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

func ExampleFleetsService_CreateAndWait() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", nil)
	if err != nil {
		log.Fatal(err)
	}
	def, err := client.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "Scraper"})
	if err != nil {
		log.Fatal(err)
	}
	res, err := client.Fleets.CreateAndWait(ctx, &theazo.FleetCreateParams{
		SessionID: sess.ID, DefinitionID: def.ID, Tasks: []string{"Scrape page 1", "Scrape page 2"}, Concurrency: 1,
	})
	if err != nil {
		log.Fatal(err) // a *theazo.RunError if the fleet stopped
	}
	fmt.Println(res.Completed, "done,", res.Failed, "failed, cost", res.TotalCost)
	for _, task := range res.Tasks {
		fmt.Printf("#%d %s (%s)\n", task.Index, task.Output, task.Cost)
	}
	// Output:
	// 2 done, 0 failed, cost 0.16 USD
	// #0 done: Scrape page 1 (0.08 USD)
	// #1 done: Scrape page 2 (0.08 USD)
}

func ExampleWorkflowsService_Attach() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	def, err := client.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "Writer"})
	if err != nil {
		log.Fatal(err)
	}
	wf, err := client.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "Digest", Steps: []theazo.WorkflowStep{
		{Name: "draft", DefinitionID: def.ID, Task: "Draft it"},
		{Name: "edit", DefinitionID: def.ID, Task: "Edit it", DependsOn: []string{"draft"}},
	}})
	if err != nil {
		log.Fatal(err)
	}
	info, err := client.Workflows.Run(ctx, wf.ID, nil)
	if err != nil {
		log.Fatal(err)
	}

	// A backend serving a browser that reconnected after event 2 attaches
	// to the run with the browser's Last-Event-ID: nothing starts again,
	// and the stream goes on after that event.
	run, err := client.Workflows.Attach(ctx, info.ID, theazo.WithLastEventID("2"))
	if err != nil {
		log.Fatal(err)
	}
	defer run.Close()
	for ev, err := range run.Events() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(run.LastEventID(), ev.EventType())
	}
	res, err := run.Result(ctx) // what the stream delivered from event 3 on
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(res.Steps), "step,", res.Cost)
	// Output:
	// 3 step:start
	// 4 step:complete
	// 5 workflow:complete
	// 1 step, 0.10 USD
}
