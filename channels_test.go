package theazo

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/sse"
)

// The messages of the reference's channel example, filled out.
var (
	chUserMessage = Message{
		ID: "msg_01HX3K2ABC", ChannelID: "ch_01HX3K2ABC", ThreadID: "thr_01HX3K2ABC", Role: MessageRoleUser,
		Content: "How do I reset my password?", CreatedAt: time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC),
	}
	chAssistantMessage = Message{
		ID: "msg_01HX3K2DEF", ChannelID: "ch_01HX3K2ABC", ThreadID: "thr_01HX3K2ABC", Role: MessageRoleAssistant,
		Content: "To reset your password, go to Settings...", CreatedAt: time.Date(2025, 5, 1, 9, 30, 2, 0, time.UTC),
	}
)

func TestChannelsEndpoints(t *testing.T) {
	t.Parallel()
	runEndpointCases(t, []endpointCase{{
		name: "create",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.Create(ctx, &ChannelCreateParams{Name: "Support Chat", Instructions: "You are a helpful support agent for Acme Corp."})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "channels/channel.json")},
		wantMethod: "POST", wantPath: "/v1/channels",
		wantBody: `{"name":"Support Chat","instructions":"You are a helpful support agent for Acme Corp."}`,
		check: func(t *testing.T, got any) {
			assert.Equal(t, &Channel{
				ID: "ch_01HX3K2ABC", Name: "Support Chat", Instructions: "You are a helpful support agent for Acme Corp.",
				CreatedAt: time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC),
			}, got)
		},
	}, {
		name: "create with every field",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.Create(ctx, &ChannelCreateParams{Name: "Sales", DefinitionID: "adef_1", Instructions: "Be brief.", Metadata: Metadata{"region": "eu"}})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "channels/channel.json")},
		wantMethod: "POST", wantPath: "/v1/channels",
		wantBody: `{"name":"Sales","definitionId":"adef_1","instructions":"Be brief.","metadata":{"region":"eu"}}`,
	}, {
		name:       "list page",
		call:       func(ctx context.Context, c *Client) (any, error) { return c.Channels.ListPage(ctx, nil) },
		reply:      reply{Body: golden(t, "channels/list.json")},
		wantMethod: "GET", wantPath: "/v1/channels",
		check: func(t *testing.T, got any) {
			p := got.(*Page[Channel])
			require.Len(t, p.Data, 2)
			assert.Equal(t, "ch_01HX3K2ABC", p.Data[0].ID)
			assert.Equal(t, "adef_01HX3K2GHI", p.Data[1].DefinitionID)
			assert.Equal(t, Metadata{"region": "eu"}, p.Data[1].Metadata)
			assert.Equal(t, "cur_01HX3K2JKL", p.NextCursor)
			assert.True(t, p.HasMore)
		},
	}, {
		name: "list page with limit and cursor",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.ListPage(ctx, &ChannelListParams{Limit: 3, Cursor: "cur_1"})
		},
		reply:      reply{Body: `{"data":[],"hasMore":false}`},
		wantMethod: "GET", wantPath: "/v1/channels", wantQuery: "cursor=cur_1&limit=3",
	}, {
		name: "send message in a thread",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.SendMessage(ctx, "ch_01HX3K2ABC", &MessageSendParams{Content: "How do I reset my password?", ThreadID: "thr_01HX3K2ABC"})
		},
		reply:      reply{Body: golden(t, "channels/message.json")},
		wantMethod: "POST", wantPath: "/v1/channels/ch_01HX3K2ABC/messages",
		wantBody: `{"content":"How do I reset my password?","threadId":"thr_01HX3K2ABC"}`,
		public:   true,
		check: func(t *testing.T, got any) {
			assert.Equal(t, &chAssistantMessage, got)
		},
	}, {
		name: "send message starting a thread, hostile id",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.SendMessage(ctx, "a/b?x", &MessageSendParams{Content: "Hi"})
		},
		reply:      reply{Body: golden(t, "channels/message.json")},
		wantMethod: "POST", wantPath: "/v1/channels/a%2Fb%3Fx/messages",
		wantBody: `{"content":"Hi"}`,
		public:   true,
		check: func(t *testing.T, got any) {
			assert.Equal(t, "thr_01HX3K2ABC", got.(*Message).ThreadID, "the reply names the new thread")
		},
	}, {
		name: "messages page",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.MessagesPage(ctx, "ch_01HX3K2ABC", &ChannelMessagesParams{ThreadID: "thr_01HX3K2ABC", Limit: 20})
		},
		reply:      reply{Body: golden(t, "channels/messages.json")},
		wantMethod: "GET", wantPath: "/v1/channels/ch_01HX3K2ABC/messages", wantQuery: "limit=20&threadId=thr_01HX3K2ABC",
		public: true,
		check: func(t *testing.T, got any) {
			p := got.(*Page[Message])
			assert.Equal(t, []Message{chUserMessage, chAssistantMessage}, p.Data)
			assert.Equal(t, "cur_01HX3K2GHI", p.NextCursor)
			assert.True(t, p.HasMore)
		},
	}, {
		name:       "messages page without params, hostile id",
		call:       func(ctx context.Context, c *Client) (any, error) { return c.Channels.MessagesPage(ctx, "a/b?x", nil) },
		reply:      reply{Body: `{"data":[],"hasMore":false}`},
		wantMethod: "GET", wantPath: "/v1/channels/a%2Fb%3Fx/messages",
		public: true,
	}})
}

func TestChannelsList(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t,
		reply{Status: http.StatusOK, Body: golden(t, "channels/list.json")},
		reply{Status: http.StatusOK, Body: `{"data":[{"id":"ch_3","name":"Three"}],"hasMore":false}`},
	)
	var ids []string
	for ch, err := range srv.client().Channels.List(t.Context(), nil) {
		require.NoError(t, err)
		ids = append(ids, ch.ID)
	}
	assert.Equal(t, []string{"ch_01HX3K2ABC", "ch_01HX3K2DEF", "ch_3"}, ids)
	assertListed(t, srv, "/v1/channels", "", "cursor=cur_01HX3K2JKL")
}

// TestChannelsPublicCallsWithoutKey runs the public calls on a client that
// has no API key at all.
func TestChannelsPublicCallsWithoutKey(t *testing.T) {
	t.Run("send message", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: http.StatusOK, Body: golden(t, "channels/message.json")})
		msg, err := newKeylessClient(t, srv).Channels.SendMessage(t.Context(), "ch_01HX3K2ABC", &MessageSendParams{Content: "How do I reset my password?"})
		require.NoError(t, err)
		assert.Equal(t, &chAssistantMessage, msg)
		require.Len(t, srv.requests(), 1)
		assert.Empty(t, srv.requests()[0].Header.Values("Authorization"))
	})
	t.Run("messages", func(t *testing.T) {
		srv := newRecorder(t,
			reply{Status: http.StatusOK, Body: golden(t, "channels/messages.json")},
			reply{Status: http.StatusOK, Body: `{"data":[],"hasMore":false}`},
		)
		var got []Message
		for m, err := range newKeylessClient(t, srv).Channels.Messages(t.Context(), "ch_01HX3K2ABC", &ChannelMessagesParams{ThreadID: "thr_01HX3K2ABC", Limit: 2}) {
			require.NoError(t, err)
			got = append(got, *m)
		}
		assert.Equal(t, []Message{chUserMessage, chAssistantMessage}, got)
		assertListed(t, srv, "/v1/channels/ch_01HX3K2ABC/messages", "limit=2&threadId=thr_01HX3K2ABC", "cursor=cur_01HX3K2GHI&limit=2&threadId=thr_01HX3K2ABC")
		for _, r := range srv.requests() {
			assert.Empty(t, r.Header.Values("Authorization"))
		}
	})
	t.Run("messages page", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: http.StatusOK, Body: golden(t, "channels/messages.json")})
		p, err := newKeylessClient(t, srv).Channels.MessagesPage(t.Context(), "ch_01HX3K2ABC", nil)
		require.NoError(t, err)
		assert.Len(t, p.Data, 2)
		require.Len(t, srv.requests(), 1)
		assert.Empty(t, srv.requests()[0].Header.Values("Authorization"))
	})
	t.Run("authenticated calls still need a key", func(t *testing.T) {
		srv := newRecorder(t)
		c := newKeylessClient(t, srv)
		_, err := c.Channels.Create(t.Context(), &ChannelCreateParams{Name: "n"})
		assert.ErrorIs(t, err, ErrMissingAPIKey)
		_, err = c.Channels.ListPage(t.Context(), nil)
		assert.ErrorIs(t, err, ErrMissingAPIKey)
		assert.Empty(t, srv.requests())
	})
}

func TestChannelsStream(t *testing.T) {
	srv := newRecorder(t, streamReply(golden(t, "channels/stream.sse")))
	stream, err := newKeylessClient(t, srv).Channels.Stream(t.Context(), "ch_01HX3K2ABC", &ChannelStreamParams{ThreadID: "thr_01HX3K2ABC"})
	require.NoError(t, err)
	defer stream.Close()

	events, err := drainStream(t, stream)
	assert.Equal(t, []ChannelEvent{&MessageEvent{Message: chUserMessage}, &MessageEvent{Message: chAssistantMessage}}, withoutRaw(events))
	assert.ErrorIs(t, err, sse.ErrInterrupted, "the channel stream has no terminal event: a closed connection is an interruption")

	assertStreamOpened(t, srv, "/v1/channels/ch_01HX3K2ABC/stream", "threadId=thr_01HX3K2ABC", true)
}

func TestChannelsStreamEvents(t *testing.T) {
	t.Parallel()
	// The channel stream has no terminal event: each ends interrupted. It is
	// public even on a client with a key.
	open := func(ctx context.Context, c *Client) (*sse.Stream[ChannelEvent], error) {
		return c.Channels.Stream(ctx, "a/b?x", nil)
	}
	runStreamCases(t, open, "/v1/channels/a%2Fb%3Fx/stream", true, []streamCase[ChannelEvent]{{
		name: "unknown event passes through",
		body: "event: typing\ndata: {\"role\":\"assistant\"}\n\nevent: message\ndata: {\"id\":\"msg_2\",\"role\":\"assistant\",\"content\":\"Hello\"}\n\n",
		want: []ChannelEvent{
			&UnknownEvent{Type: "typing", Data: `{"role":"assistant"}`},
			&MessageEvent{Message: Message{ID: "msg_2", Role: MessageRoleAssistant, Content: "Hello"}},
		},
		wantErr: sse.ErrInterrupted,
	}, {
		name:    "unnamed event is a message",
		body:    "data: {\"role\":\"user\",\"content\":\"Hi\"}\n\n",
		want:    []ChannelEvent{&MessageEvent{Message: Message{Role: MessageRoleUser, Content: "Hi"}}},
		wantErr: sse.ErrInterrupted,
	}, {
		name:    "unknown role is kept",
		body:    "event: message\ndata: {\"role\":\"system\",\"content\":\"Joined\"}\n\n",
		want:    []ChannelEvent{&MessageEvent{Message: Message{Role: "system", Content: "Joined"}}},
		wantErr: sse.ErrInterrupted,
	}})
}

func TestChannelsStreamErrors(t *testing.T) {
	t.Parallel()
	t.Run("malformed message", func(t *testing.T) {
		srv := newRecorder(t, streamReply("event: message\ndata: not json\n\n"))
		stream, err := srv.client().Channels.Stream(t.Context(), "ch_1", nil)
		require.NoError(t, err)
		defer stream.Close()
		events, err := drainStream(t, stream)
		assert.Empty(t, events)
		assert.ErrorContains(t, err, `decoding "message" event`)
	})
	t.Run("not found", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: http.StatusNotFound, Body: `{"error":{"code":"not_found","message":"No such channel"}}`})
		_, err := srv.client().Channels.Stream(t.Context(), "ch_1", nil)
		assert.ErrorIs(t, err, ErrNotFound)
	})
	runLocalErrorCases(t, []localErrorCase{{name: "empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
		return c.Channels.Stream(ctx, "", nil)
	}}})
}

func TestChannelsLocalErrors(t *testing.T) {
	t.Parallel()
	runLocalErrorCases(t, []localErrorCase{
		{name: "create nil", wantErr: ErrInvalidParams, wantMsg: "Name is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.Create(ctx, nil)
		}},
		{name: "create without name", wantErr: ErrInvalidParams, wantMsg: "Name is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.Create(ctx, &ChannelCreateParams{Instructions: "x"})
		}},
		{name: "send nil", wantErr: ErrInvalidParams, wantMsg: "Content is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.SendMessage(ctx, "ch_1", nil)
		}},
		{name: "send without content", wantErr: ErrInvalidParams, wantMsg: "Content is required", call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.SendMessage(ctx, "ch_1", &MessageSendParams{ThreadID: "thr_1"})
		}},
		{name: "send empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.SendMessage(ctx, "", &MessageSendParams{Content: "hi"})
		}},
		{name: "messages page empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Channels.MessagesPage(ctx, "", nil)
		}},
		{name: "messages empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			for m, err := range c.Channels.Messages(ctx, "", nil) {
				return m, err
			}
			return nil, nil
		}},
	})
}
