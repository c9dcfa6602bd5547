package theazo

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"time"

	"github.com/theazo/theazo-go/sse"
)

// ChannelsService manages embeddable chat channels and their public endpoints.
//
// SendMessage, Messages, MessagesPage and Stream are public: the channel ID
// is their access token, they never send the API key, and they work on a
// client made without one, e.g. in a service that only relays chat. (A
// client made with "" still takes THEAZO_API_KEY when it is set; the public
// calls do not send it either way.)
type ChannelsService struct{ t *transport }

// Channel is a chat interface backed by an agent.
type Channel struct {
	// ID identifies the channel, e.g. "ch_01HX…"; it is also the public
	// token of the channel's message and stream endpoints.
	ID string `json:"id"`
	// Name is the channel's name.
	Name string `json:"name"`
	// DefinitionID is the agent definition behind the channel, if any.
	DefinitionID string `json:"definitionId,omitempty"`
	// Instructions are the system instructions of the channel's agent.
	Instructions string `json:"instructions,omitempty"`
	// Metadata holds the key-value pairs stored with the channel.
	Metadata Metadata `json:"metadata,omitempty"`
	// CreatedAt is when the channel was created.
	CreatedAt time.Time `json:"createdAt"`
}

// Message is one message of a channel's thread.
type Message struct {
	// ID identifies the message, e.g. "msg_01HX…".
	ID string `json:"id"`
	// ChannelID is the channel the message belongs to.
	ChannelID string `json:"channelId"`
	// ThreadID is the conversation the message belongs to, e.g. "thr_01HX…";
	// pass it to continue that conversation.
	ThreadID string `json:"threadId"`
	// Role says who wrote the message.
	Role MessageRole `json:"role"`
	// Content is the message text.
	Content string `json:"content"`
	// CreatedAt is when the message was sent.
	CreatedAt time.Time `json:"createdAt"`
}

// MessageRole says who wrote a message. Values the SDK does not know are kept.
type MessageRole string

// The authors of channel messages.
const (
	MessageRoleUser      MessageRole = "user"
	MessageRoleAssistant MessageRole = "assistant"
)

// ChannelCreateParams are the fields of a new channel.
type ChannelCreateParams struct {
	// Name is the channel's name (required).
	Name string `json:"name"`
	// DefinitionID is the agent definition to back the channel.
	DefinitionID string `json:"definitionId,omitempty"`
	// Instructions are system instructions for the channel's agent.
	Instructions string `json:"instructions,omitempty"`
	// Metadata is stored with the channel.
	Metadata Metadata `json:"metadata,omitempty"`
}

// ChannelListParams page through channels.
type ChannelListParams struct {
	// Limit is the page size; zero lets the server choose.
	Limit int `url:"limit,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
}

// MessageSendParams are a user's message to a channel.
type MessageSendParams struct {
	// Content is the user's message text (required).
	Content string `json:"content"`
	// ThreadID continues a conversation; empty starts a new thread.
	ThreadID string `json:"threadId,omitempty"`
}

// ChannelMessagesParams filter and page through a channel's messages.
type ChannelMessagesParams struct {
	// Limit is the page size; zero lets the server choose.
	Limit int `url:"limit,omitempty"`
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string `url:"cursor,omitempty"`
	// ThreadID keeps only the messages of one thread; empty lists all.
	ThreadID string `url:"threadId,omitempty"`
}

// ChannelStreamParams filter a channel's stream.
type ChannelStreamParams struct {
	// ThreadID keeps only the messages of one thread; empty streams all.
	ThreadID string `url:"threadId,omitempty"`
}

// Create creates a channel (POST /channels). Its ID is what client-side code
// uses to reach the public endpoints.
func (s *ChannelsService) Create(ctx context.Context, params *ChannelCreateParams, opts ...RequestOption) (*Channel, error) {
	if params == nil || params.Name == "" {
		return nil, fmt.Errorf("%w: Name is required", ErrInvalidParams)
	}
	return call[Channel](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/channels", body: params})
}

// ListPage returns one page of channels (GET /channels).
func (s *ChannelsService) ListPage(ctx context.Context, params *ChannelListParams, opts ...RequestOption) (*Page[Channel], error) {
	return call[Page[Channel]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/channels", query: params})
}

// List ranges over every channel, fetching pages lazily from params.Cursor on.
func (s *ChannelsService) List(ctx context.Context, params *ChannelListParams, opts ...RequestOption) iter.Seq2[*Channel, error] {
	return paginate(ctx, params, func(p *ChannelListParams) *string { return &p.Cursor }, func(ctx context.Context, p *ChannelListParams) (*Page[Channel], error) {
		return s.ListPage(ctx, p, opts...)
	})
}

// SendMessage sends a user's message to a channel and returns the agent's
// reply, whose ThreadID continues the conversation; without params.ThreadID
// a new thread starts (POST /channels/{id}/messages). Public: no API key is
// sent. Once sent it is retried only after a 429, which the API answers
// without handling the message.
func (s *ChannelsService) SendMessage(ctx context.Context, channelID string, params *MessageSendParams, opts ...RequestOption) (*Message, error) {
	if params == nil || params.Content == "" {
		return nil, fmt.Errorf("%w: Content is required", ErrInvalidParams)
	}
	return call[Message](ctx, s.t, request{opts: opts, method: http.MethodPost, path: "/channels/%s/messages", ids: []string{channelID}, body: params, public: true})
}

// MessagesPage returns one page of a channel's messages in chronological
// order (GET /channels/{id}/messages). Public: no API key is sent.
func (s *ChannelsService) MessagesPage(ctx context.Context, channelID string, params *ChannelMessagesParams, opts ...RequestOption) (*Page[Message], error) {
	return call[Page[Message]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/channels/%s/messages", ids: []string{channelID}, query: params, public: true})
}

// Messages ranges over a channel's messages in chronological order, fetching
// pages lazily from params.Cursor on. Public: no API key is sent.
func (s *ChannelsService) Messages(ctx context.Context, channelID string, params *ChannelMessagesParams, opts ...RequestOption) iter.Seq2[*Message, error] {
	return paginate(ctx, params, func(p *ChannelMessagesParams) *string { return &p.Cursor }, func(ctx context.Context, p *ChannelMessagesParams) (*Page[Message], error) {
		return s.MessagesPage(ctx, channelID, p, opts...)
	})
}

// Stream connects to a channel's event stream (GET /channels/{id}/stream) and
// returns once the server has answered. It emits a *MessageEvent for every
// message sent and received, has no terminal event and stays open until it
// is closed or its context ends. A dropped connection is resumed with
// Last-Event-ID when the server sent event ids; otherwise the stream ends
// with sse.ErrInterrupted. Public: no API key is sent.
func (s *ChannelsService) Stream(ctx context.Context, channelID string, params *ChannelStreamParams, opts ...RequestOption) (*sse.Stream[ChannelEvent], error) {
	return openStream(ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/channels/%s/stream", ids: []string{channelID}, query: params, public: true}, decodeChannelEvent, nil)
}
