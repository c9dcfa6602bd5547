package theazotest_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

func ExampleNewServer() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()

	sess, err := client.Sessions.GetOrCreate(context.Background(), "user_123", nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(sess.UserID, sess.Status)
	fmt.Println(len(srv.Requests()), "request:", srv.Requests()[0].Method, srv.Requests()[0].Path)
	// Output:
	// user_123 active
	// 1 request: POST /v1/sessions/by-user/user_123
}

func ExampleWithAgentScript() {
	srv := theazotest.NewServer(theazotest.WithAgentScript(func(task string) []theazotest.Event {
		return []theazotest.Event{
			theazotest.ToolCall("http_request", map[string]string{"url": "https://example.com"}),
			theazotest.Output("The page says hello.", 7),
		}
	}))
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()
	sess, _ := client.Sessions.GetOrCreate(ctx, "user_123", nil)
	agent, _ := client.Agents.Create(ctx, sess.ID, nil)

	run, err := client.Agents.RunStream(ctx, agent.ID, "Read example.com")
	if err != nil {
		log.Fatal(err)
	}
	defer run.Close()
	for ev, err := range run.Events() {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%T\n", ev)
	}
	// Output:
	// *theazo.ToolCallEvent
	// *theazo.OutputEvent
}

func ExampleServer_InjectFault() {
	srv := theazotest.NewServer()
	defer srv.Close()
	client := srv.Client()
	ctx := context.Background()

	// The next two GET /sessions answer 429 with a short Retry-After: the
	// client waits and retries, and the third attempt succeeds.
	srv.InjectFault(theazotest.Fault{Method: "GET", Path: "/sessions", Times: 2, Status: 429, RetryAfter: 10 * time.Millisecond})
	_, err := client.Sessions.ListPage(ctx, nil)
	fmt.Println("error:", err)
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, r.Path, r.Status)
	}

	// A 503 on a POST that is not idempotent is not retried.
	srv.InjectFault(theazotest.Fault{Method: "POST", Path: "/sessions", Status: 503})
	_, err = client.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "user_123"})
	var apiErr *theazo.Error
	fmt.Println(errors.As(err, &apiErr), apiErr.StatusCode)
	// Output:
	// error: <nil>
	// GET /v1/sessions 429
	// GET /v1/sessions 429
	// GET /v1/sessions 200
	// true 503
}
