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
	srv := theazotest.NewServer(theazotest.WithRateLimit(300))
	defer srv.Close()
	// Paced to the plan's 300 requests a minute (one every 200 ms), shared by
	// every goroutine, retry and stream connection of the client.
	client := srv.Client(theazo.WithRateLimit(300))
	ctx := context.Background()

	start := time.Now()
	for range 3 {
		if _, err := client.Usage.Summary(ctx, nil); err != nil {
			log.Fatal(err)
		}
	}
	fmt.Println(time.Since(start) >= 400*time.Millisecond)
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
