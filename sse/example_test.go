package sse_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

// A backend relays an agent's run to a browser, hiding the agent's thinking.
func ExampleRelay() {
	api := theazotest.NewServer()
	defer api.Close()
	client := api.Client()
	ctx := context.Background()
	sess, _ := client.Sessions.GetOrCreate(ctx, "user_123", nil)
	agent, _ := client.Agents.Create(ctx, sess.ID, nil)

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		run, err := client.Agents.RunStream(r.Context(), agent.ID, r.URL.Query().Get("task"))
		if err != nil {
			http.Error(w, "could not start the run", http.StatusBadGateway)
			return
		}
		hideThinking := sse.WithEventHook(func(ev sse.Event) (sse.Event, bool) {
			_, thinking := ev.(*theazo.ThinkingEvent)
			return ev, !thinking
		})
		if err := sse.Relay(r.Context(), w, r, run.Stream(), hideThinking); err != nil {
			log.Print(err)
		}
	}))
	defer backend.Close()

	// What a browser's EventSource receives:
	resp, err := http.Get(backend.URL + "?task=Hi")
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Print(string(body))
	// Output:
	// id: 2
	// event: tool_call
	// data: {"input":{"query":"Hi"},"tool":"web_search"}
	//
	// id: 3
	// event: tool_result
	// data: {"output":{"results":[{"title":"A scripted search result","url":"https://example.com/result"}]},"tool":"web_search"}
	//
	// id: 4
	// event: output
	// data: {"cost":{"amount":12,"currency":"usd"},"text":"Here is a scripted answer to: Hi"}
}
