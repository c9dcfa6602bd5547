package theazo_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
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

func ExampleWithResponseInto() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	// The Response holds what the typed result does not: the status, the
	// headers, the request id for support, the attempts, and the raw JSON.
	var resp theazo.Response
	sess, err := client.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_123"}, theazo.WithResponseInto(&resp))
	if err != nil {
		log.Fatal(err)
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(resp.Body, &raw); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, resp.Attempts, strings.HasPrefix(resp.RequestID, "req_"), string(raw["userId"]) == `"`+sess.UserID+`"`)

	// On an API error it holds the error's reply.
	_, err = client.Agents.Get(ctx, "agt_missing", theazo.WithResponseInto(&resp))
	fmt.Println(errors.Is(err, theazo.ErrNotFound), resp.StatusCode)
	// Output:
	// 201 1 true true
	// true 404
}

func ExampleWithJSONSet() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	// Send a field the API has gained before this SDK models it.
	_, err := client.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_123"},
		theazo.WithJSONSet("region", "eu"), theazo.WithHeader("X-Tenant", "acme"))
	if err != nil {
		log.Fatal(err)
	}
	sent := srv.Requests()[0]
	region, _ := sent.BodyMember("region")
	fmt.Println(string(region), sent.Header.Get("X-Tenant"))
	// Output:
	// "eu" acme
}

func ExampleWithMiddleware() {
	srv := theazotest.NewServer()
	defer srv.Close()
	ctx := context.Background()

	// A middleware runs once per HTTP attempt: here it logs each one, as a
	// tracing middleware would start a span. It may read the Authorization
	// header but must never log it.
	logAttempt := func(req *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		resp, err := next(req)
		if err == nil {
			fmt.Println(req.Method, req.URL.Path, resp.StatusCode)
		}
		return resp, err
	}
	client := srv.Client(theazo.WithMiddleware(logAttempt), theazo.WithMaxRetryWait(time.Millisecond))

	srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/usage/summary", Status: http.StatusServiceUnavailable})
	if _, err := client.Usage.Summary(ctx, nil); err != nil {
		log.Fatal(err)
	}
	// Output:
	// GET /v1/usage/summary 503
	// GET /v1/usage/summary 200
}

func ExampleWithRateLimit() {
	srv := theazotest.NewServer(theazotest.WithRateLimit(3000))
	defer srv.Close()
	// Paced to the plan's 3,000 requests a minute (one every 20 ms), shared
	// by every goroutine, retry and stream connection of the client.
	client := srv.Client(theazo.WithRateLimit(3000))
	ctx := context.Background()

	start := time.Now()
	for range 3 {
		if _, err := client.Usage.Summary(ctx, nil); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(time.Since(start) >= 40*time.Millisecond)
	// Output:
	// true
}

func ExampleError_Limit() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	sess, err := client.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_123", Limits: &theazo.SessionLimits{MaxAgents: 1}})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := client.Agents.Create(ctx, sess.ID, nil); err != nil {
		log.Fatal(err)
	}
	_, err = client.Agents.Create(ctx, sess.ID, nil)
	var apiErr *theazo.Error
	if errors.As(err, &apiErr) && apiErr.Limit() == theazo.LimitAgents {
		fmt.Println("the session already runs its maximum of agents")
	}
	// Output:
	// the session already runs its maximum of agents
}

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
