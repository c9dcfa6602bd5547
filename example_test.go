package theazo_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// Each example runs against theazotest, an in-process fake of the API, so
// it needs no account. With a real key, use theazo.NewClient(key) instead.

func ExampleSessionsService_GetOrCreate() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	// Safe to call on every request: the first call creates the session,
	// later calls return it unchanged (limits apply on creation only).
	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", &theazo.SessionGetOrCreateParams{
		Limits: &theazo.SessionLimits{
			MaxCost:   &theazo.CostLimit{Amount: 500, Currency: "usd", Period: theazo.PeriodDay},
			MaxAgents: 3,
		},
		Metadata: theazo.Metadata{"plan": "pro"},
	})
	if err != nil {
		log.Fatal(err)
	}
	again, err := client.Sessions.GetOrCreate(ctx, "user_123", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sess.UserID, sess.Status, sess.Limits.MaxCost.Amount, sess.Limits.MaxCost.Period)
	fmt.Println("same session:", again.ID == sess.ID)
	// Output:
	// user_123 active 500 day
	// same session: true
}

func ExampleAgentsService_RunStream() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", nil)
	if err != nil {
		log.Fatal(err)
	}
	agent, err := client.Agents.Create(ctx, sess.ID, &theazo.AgentCreateParams{Tools: []string{"web_search"}})
	if err != nil {
		log.Fatal(err)
	}
	// RunStream connects first, then starts the task: no event is missed.
	run, err := client.Agents.RunStream(ctx, agent.ID, "Summarize this week's papers")
	if err != nil {
		log.Fatal(err)
	}
	defer run.Close()
	for ev, err := range run.Events() {
		if err != nil {
			log.Fatal(err)
		}
		switch e := ev.(type) {
		case *theazo.ThinkingEvent:
			fmt.Println("thinking:", e.Text)
		case *theazo.ToolCallEvent:
			fmt.Println("tool call:", e.Tool, string(e.Input))
		case *theazo.ToolResultEvent:
			fmt.Println("tool result:", e.Tool)
		case *theazo.OutputEvent:
			fmt.Println("output:", e.Text)
			fmt.Println("cost:", e.Cost)
		}
	}
	// Output:
	// thinking: Breaking the task into steps: search, read, summarize.
	// tool call: web_search {"query":"Summarize this week's papers"}
	// tool result: web_search
	// output: Here is a scripted answer to: Summarize this week's papers
	// cost: 0.12 USD
}

func ExampleAgentsService_RunAndWait() {
	srv := theazotest.NewServer(theazotest.WithProvisionDelay(50 * time.Millisecond))
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", nil)
	if err != nil {
		log.Fatal(err)
	}
	agent, err := client.Agents.Create(ctx, sess.ID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("created:", agent.Status)
	// A new agent takes tasks once it is idle.
	if agent, err = client.Agents.WaitUntil(ctx, agent.ID, theazo.AgentStatusIdle); err != nil {
		log.Fatal(err)
	}
	fmt.Println("now:", agent.Status)

	res, err := client.Agents.RunAndWait(ctx, agent.ID, "Summarize this week's papers")
	var runErr *theazo.RunError
	switch {
	case errors.As(err, &runErr):
		log.Fatalf("the run failed: %s", runErr.Message)
	case err != nil:
		log.Fatal(err)
	}
	fmt.Println("answer:", res.Output)
	fmt.Println("cost:", res.Cost)
	for _, call := range res.ToolCalls {
		fmt.Println("tool:", call.Tool, string(call.Input), "→", len(call.Output), "bytes")
	}
	// Output:
	// created: provisioning
	// now: idle
	// answer: Here is a scripted answer to: Summarize this week's papers
	// cost: 0.12 USD
	// tool: web_search {"query":"Summarize this week's papers"} → 85 bytes
}

func ExampleSessionsService_List() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	for _, user := range []string{"ada", "grace", "linus"} {
		if _, err := client.Sessions.GetOrCreate(ctx, user, nil); err != nil {
			log.Fatal(err)
		}
	}

	// List fetches pages lazily (here two sessions a page) as the loop goes.
	for sess, err := range client.Sessions.List(ctx, &theazo.SessionListParams{Limit: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(sess.UserID)
	}
	// Output:
	// ada
	// grace
	// linus
}

func ExampleAgentsService_Exec() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", nil)
	if err != nil {
		log.Fatal(err)
	}
	agent, err := client.Agents.Create(ctx, sess.ID, nil)
	if err != nil {
		log.Fatal(err)
	}

	res, err := client.Agents.Exec(ctx, agent.ID, &theazo.AgentExecParams{Lang: theazo.LangPython, Code: "print(2 + 2)"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("exit %d, stdout %q\n", res.ExitCode, res.Stdout)

	// Code that runs past the sandbox's 120 seconds is a 504.
	_, err = client.Agents.Exec(ctx, agent.ID, &theazo.AgentExecParams{Lang: theazo.LangBash, Code: "sleep 300"})
	fmt.Println("timed out:", errors.Is(err, theazo.ErrTimeout))
	// Output:
	// exit 0, stdout "4\n"
	// timed out: true
}

func ExampleTriggersService_Fire() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	def, err := client.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "Code reviewer"})
	if err != nil {
		log.Fatal(err)
	}
	trigger, err := client.Triggers.Create(ctx, &theazo.TriggerCreateParams{
		Name:   "GitHub push",
		Action: theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: def.ID, Task: "Review the pushed changes"}},
	})
	if err != nil {
		log.Fatal(err)
	}

	// Fire is public: it is authenticated by the HMAC signature Fire
	// computes over the exact bytes it sends.
	_, err = client.Triggers.Fire(ctx, trigger.ID, trigger.SigningSecret, map[string]any{"ref": "refs/heads/main"})
	fmt.Println("fired:", err == nil)
	_, err = client.Triggers.Fire(ctx, trigger.ID, "whsec_wrong", map[string]any{"ref": "refs/heads/main"})
	fmt.Println("wrong secret rejected:", errors.Is(err, theazo.ErrUnauthorized))
	fmt.Println("payload received:", string(srv.Firings()[0].Payload))
	// Output:
	// fired: true
	// wrong secret rejected: true
	// payload received: {"ref":"refs/heads/main"}
}

func ExampleChannelsService_SendMessage() {
	srv := theazotest.NewServer()
	defer srv.Close()
	ctx := context.Background()
	ch, err := srv.Client().Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "Support", Instructions: "Help Acme's users."})
	if err != nil {
		log.Fatal(err)
	}

	// The message endpoints are public: the channel ID is the access token,
	// so a client with no API key (in a browser-facing handler, say) works.
	public := theazo.NewClient("", theazo.WithBaseURL(srv.URL()))
	defer public.CloseIdleConnections()
	first, err := public.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: "How do I reset my password?"})
	if err != nil {
		log.Fatal(err)
	}
	second, err := public.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: "Thanks!", ThreadID: first.ThreadID})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(first.Role+":", first.Content)
	fmt.Println(second.Role+":", second.Content)
	fmt.Println("same thread:", first.ThreadID == second.ThreadID)
	// Output:
	// assistant: You said: "How do I reset my password?" (message 1 of this thread)
	// assistant: You said: "Thanks!" (message 2 of this thread)
	// same thread: true
}

func ExampleBillingService_Users() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	// Two users run tasks; the fake records 12 cents per run.
	for user, runs := range map[string]int{"user_123": 2, "user_456": 1} {
		sess, err := client.Sessions.GetOrCreate(ctx, user, nil)
		if err != nil {
			log.Fatal(err)
		}
		agent, err := client.Agents.Create(ctx, sess.ID, nil)
		if err != nil {
			log.Fatal(err)
		}
		for range runs {
			if _, err := client.Agents.RunAndWait(ctx, agent.ID, "Summarize the news"); err != nil {
				log.Fatal(err)
			}
			if err := client.Agents.Terminate(ctx, agent.ID); err != nil {
				log.Fatal(err)
			}
			if agent, err = client.Agents.Create(ctx, sess.ID, nil); err != nil {
				log.Fatal(err)
			}
		}
	}

	for u, err := range client.Billing.Users(ctx, nil) { // this billing period, most expensive first
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s: %v over %d session(s), %d agent(s)\n", u.UserID, u.Cost, u.Sessions, u.Agents)
	}
	// Output:
	// user_123: 0.24 USD over 1 session(s), 2 agent(s)
	// user_456: 0.12 USD over 1 session(s), 1 agent(s)
}
