//go:build contract

package contract_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
)

func contractChannelsCases() []contractCase {
	return []contractCase{{
		name: "Create",
		ops:  []string{"POST /v1/channels"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			ch, err := c.Channels.Create(ctx, &theazo.ChannelCreateParams{
				Name:         "Support Chat",
				DefinitionID: "adef_01HX3K2JKL",
				Instructions: "You are a helpful support agent for Acme Corp.",
				Metadata:     theazo.Metadata{"site": "acme.example"},
			}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, "ch_01HX3K2EFG", ch.ID)
			assert.Equal(t, "adef_01HX3K2JKL", ch.DefinitionID)
			assert.Equal(t, "acme.example", ch.Metadata["site"])
		},
	}, {
		name: "ListPage",
		ops:  []string{"GET /v1/channels"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			page, err := c.Channels.ListPage(ctx, &theazo.ChannelListParams{Limit: 25, Cursor: "cur_01HX3K2PREV"}, contractOpts(t)...)
			require.NoError(t, err)
			require.Len(t, page.Data, 1)
			assert.Equal(t, "Support Chat", page.Data[0].Name)
		},
	}, {
		name: "List",
		ops:  []string{"GET /v1/channels"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			assert.Equal(t, "ch_01HX3K2EFG", contractFirst(t, c.Channels.List(ctx, nil, contractOpts(t)...)).ID)
		},
	}, {
		name: "SendMessage",
		ops:  []string{"POST /v1/channels/{id}/messages", "POST /v1/channels/{id}/messages"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			m, err := c.Channels.SendMessage(ctx, "ch_01HX3K2EFG", &theazo.MessageSendParams{Content: "How do I reset my password?", ThreadID: "thr_01HX3K2HIJ"}, contractOpts(t)...)
			require.NoError(t, err)
			assert.Equal(t, theazo.MessageRoleAssistant, m.Role)
			assert.Equal(t, "thr_01HX3K2HIJ", m.ThreadID)
			assert.Equal(t, "To reset your password, go to Settings...", m.Content)
			_, err = c.Channels.SendMessage(ctx, "ch_01HX3K2EFG", &theazo.MessageSendParams{Content: "Hello"}, contractOpts(t)...)
			require.NoError(t, err)
		},
	}, {
		name: "MessagesPage",
		ops:  []string{"GET /v1/channels/{id}/messages"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			page, err := c.Channels.MessagesPage(ctx, "ch_01HX3K2EFG", &theazo.ChannelMessagesParams{
				Limit: 20, Cursor: "cur_01HX3K2PREV", ThreadID: "thr_01HX3K2HIJ",
			}, contractOpts(t)...)
			require.NoError(t, err)
			require.Len(t, page.Data, 2)
			assert.Equal(t, theazo.MessageRoleUser, page.Data[0].Role)
			assert.Equal(t, theazo.MessageRoleAssistant, page.Data[1].Role)
		},
	}, {
		name: "Messages",
		ops:  []string{"GET /v1/channels/{id}/messages"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			assert.Equal(t, "msg_01HX3K2KLL", contractFirst(t, c.Channels.Messages(ctx, "ch_01HX3K2EFG", nil, contractOpts(t)...)).ID)
		},
	}, {
		name: "Stream",
		ops:  []string{"GET /v1/channels/{id}/stream", "GET /v1/channels/{id}/stream"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			for _, params := range []*theazo.ChannelStreamParams{{ThreadID: "thr_01HX3K2HIJ"}, nil} {
				stream, err := c.Channels.Stream(ctx, "ch_01HX3K2EFG", params, contractOpts(t)...)
				require.NoError(t, err)
				// The stream has no terminal event; one event is enough.
				events := contractEvents(t, stream.Events(), 1)
				require.NoError(t, stream.Close())
				require.Len(t, events, 1)
				m := contractEventAs[*theazo.MessageEvent](t, events, 0)
				assert.Equal(t, "msg_01HX3K2KLL", m.ID)
				assert.Equal(t, theazo.MessageRoleUser, m.Role)
				assert.Equal(t, "How do I reset my password?", m.Content)
			}
		},
	}, {
		// Steady ends the stream after its example (with an extra "done"
		// event); the SDK then resumes it with Last-Event-ID, which the
		// document must accept too.
		name: "Stream/resumed with Last-Event-ID",
		ops:  []string{"GET /v1/channels/{id}/stream", "GET /v1/channels/{id}/stream"},
		call: func(t *testing.T, ctx context.Context, c *theazo.Client) {
			stream, err := c.Channels.Stream(ctx, "ch_01HX3K2EFG", &theazo.ChannelStreamParams{ThreadID: "thr_01HX3K2HIJ"}, contractOpts(t)...)
			require.NoError(t, err)
			defer stream.Close()
			events := contractEvents(t, stream.Events(), 4)
			require.Len(t, events, 4)
			// The mock sends its example (ids 0 and 1), then "done" with no id
			// of its own, and replays all of it from the start when resumed
			// after id 1: the replayed messages are dropped, so each message
			// arrives once, and "done" again.
			assert.Equal(t, "msg_01HX3K2KLL", contractEventAs[*theazo.MessageEvent](t, events, 0).ID)
			assert.Equal(t, "msg_01HX3K2KLM", contractEventAs[*theazo.MessageEvent](t, events, 1).ID)
			assert.Equal(t, "done", contractEventAs[*theazo.UnknownEvent](t, events, 2).Type)
			assert.Equal(t, "done", contractEventAs[*theazo.UnknownEvent](t, events, 3).Type, "no message twice")
		},
	}}
}
