// Chat: a channel is an embeddable chat backed by an agent. The server
// creates it with the API key; the message and stream endpoints are public
// (the channel ID is the access token), so a browser-facing handler can
// call them without the key. This example sends messages in one thread and
// prints the conversation as it streams in.
//
//	go run ./examples/chat
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
	return chat(ctx, w, env.Client)
}

// chat runs the example's conversation with client, which holds the API key.
func chat(ctx context.Context, w io.Writer, client *theazo.Client) error {
	// Server side, with the API key: create the channel.
	ch, err := client.Channels.Create(ctx, &theazo.ChannelCreateParams{
		Name: "Support Chat", Instructions: "You are a helpful support agent for Acme Corp.",
	})
	if err != nil {
		return fmt.Errorf("creating the channel: %w", err)
	}
	fmt.Fprintf(w, "\nChannel %s (%q)\n\n", ch.ID, ch.Name)

	// Client side: only the channel ID. Public calls never send a key.
	public := theazo.NewClient("", theazo.WithBaseURL(client.BaseURL()))
	defer public.CloseIdleConnections()

	stream, err := public.Channels.Stream(ctx, ch.ID, nil)
	if err != nil {
		return fmt.Errorf("opening the stream: %w", err)
	}
	defer stream.Close()

	questions := []string{"How do I reset my password?", "And if I no longer have access to my email?"}
	sent := make(chan error, 1)
	threadID := make(chan string, 1)
	go func() {
		thread := ""
		for _, q := range questions {
			reply, err := public.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: q, ThreadID: thread})
			if err != nil {
				sent <- err
				stream.Close() // no more messages will come: end the loop below
				return
			}
			thread = reply.ThreadID // stay in the same conversation
		}
		threadID <- thread
		sent <- nil
	}()

	// Each message, the user's and the assistant's, arrives on the stream.
	seen := 0
	for ev, err := range stream.Events() {
		if err != nil {
			return fmt.Errorf("streaming: %w", err)
		}
		if m, ok := ev.(*theazo.MessageEvent); ok {
			who := "you"
			if m.Role == theazo.MessageRoleAssistant {
				who = "assistant"
			}
			fmt.Fprintf(w, "%10s: %s\n", who, m.Content)
			if seen++; seen == 2*len(questions) {
				break
			}
		}
	}
	if err := <-sent; err != nil {
		return fmt.Errorf("sending: %w", err)
	}

	// The thread's history, in order, from the public messages endpoint.
	thread := <-threadID
	n := 0
	for _, err := range public.Channels.Messages(ctx, ch.ID, &theazo.ChannelMessagesParams{ThreadID: thread}) {
		if err != nil {
			return fmt.Errorf("reading the thread: %w", err)
		}
		n++
	}
	fmt.Fprintf(w, "\nThread %s holds %d messages.\n", thread, n)
	return nil
}
