package theazotest

import (
	"net/http"
	"strconv"
)

// channel is a Channel on the wire, plus its threads and stream.
type channel struct {
	channelWire
	messages table[message]
	threads  map[string]bool
	log      *eventLog
}

type channelWire struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	DefinitionID string         `json:"definitionId,omitempty"`
	Instructions string         `json:"instructions,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
	CreatedAt    timestamp      `json:"createdAt"`
}

// message is a Message on the wire.
type message struct {
	ID        string    `json:"id"`
	ChannelID string    `json:"channelId"`
	ThreadID  string    `json:"threadId"`
	Role      string    `json:"role"`
	Content   string    `json:"content"`
	CreatedAt timestamp `json:"createdAt"`
}

// ChatMessage is one message of a channel thread, as a ReplyFunc sees it.
type ChatMessage struct {
	// Role is "user" or "assistant".
	Role string
	// Content is the message text.
	Content string
}

// ReplyFunc returns the assistant's reply in a channel thread; thread holds
// the thread's messages so far, the user's new one last.
type ReplyFunc func(channelID, threadID string, thread []ChatMessage) string

// DefaultReply is the reply of a server without WithChannelReply: it
// repeats the message and counts the user's turns in the thread.
func DefaultReply(channelID, threadID string, thread []ChatMessage) string {
	turns := 0
	for _, m := range thread {
		if m.Role == "user" {
			turns++
		}
	}
	return "You said: " + strconv.Quote(thread[len(thread)-1].Content) + " (message " + strconv.Itoa(turns) + " of this thread)"
}

func (s *Server) createChannel(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	w := channelWire{
		Name:         ck.str(o, "", "name", true),
		DefinitionID: ck.str(o, "", "definitionId", false),
		Instructions: ck.str(o, "", "instructions", false),
	}
	w.Metadata, _ = ck.object(o, "", "metadata", false)
	s.usableDefinition(ck, "definitionId", w.DefinitionID)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	now := s.now()
	w.ID, w.CreatedAt = newID("ch", now), timestamp(now)
	ch := &channel{channelWire: w, messages: newTable[message]("message"), threads: map[string]bool{}, log: newEventLog()}
	s.st.channels.put(ch.ID, ch)
	return answer(http.StatusCreated, w)
}

func (s *Server) listChannels(c *call) reply {
	return tableReply(c, &s.st.channels, "channels", 20, func(ch *channel) (channelWire, bool) { return ch.channelWire, true })
}

// sendMessage is public: it stores the user's message and the assistant's
// reply in the thread (a new one when none is given) and returns the reply.
func (s *Server) sendMessage(c *call) {
	o, e := decodeObject(c.body)
	if e != nil {
		c.fail(e)
		return
	}
	ck := &checker{}
	content := ck.str(o, "", "content", true)
	threadID := ck.str(o, "", "threadId", false)
	if e := ck.err(); e != nil {
		c.fail(e)
		return
	}
	// The ReplyFunc runs without the lock: it may take long, or call the server.
	var ch *channel
	var thread []ChatMessage
	s.locked(func() {
		if ch, e = s.st.channels.find(c, "id"); e != nil {
			return
		}
		if threadID != "" && !ch.threads[threadID] {
			e = errNotFound("thread", threadID)
			return
		}
		now := s.now()
		if threadID == "" {
			threadID = newID("thr", now)
			ch.threads[threadID] = true
		}
		for m := range ch.messages.all() {
			if m.ThreadID == threadID {
				thread = append(thread, ChatMessage{Role: m.Role, Content: m.Content})
			}
		}
		thread = append(thread, ChatMessage{Role: "user", Content: content})
		s.addMessage(ch, threadID, "user", content)
	})
	if e != nil {
		c.fail(e)
		return
	}

	fn := s.cfg.reply
	if fn == nil {
		fn = DefaultReply
	}
	text := fn(ch.ID, threadID, thread)
	var m message
	s.locked(func() { m = s.addMessage(ch, threadID, "assistant", text) })
	c.json(http.StatusOK, m)
}

// addMessage stores a message and streams it; the caller holds s.mu.
func (s *Server) addMessage(ch *channel, threadID, role, content string) message {
	now := s.now()
	m := message{ID: newID("msg", now), ChannelID: ch.ID, ThreadID: threadID, Role: role, Content: content,
		CreatedAt: timestamp(now)}
	ch.messages.put(m.ID, &m)
	ch.log.add("message", mustJSON(m), threadID)
	return m
}

func (s *Server) listMessages(c *call) reply {
	threadID := c.r.URL.Query().Get("threadId")
	ch, e := s.st.channels.find(c, "id")
	if e != nil {
		return failed(e)
	}
	return tableReply(c, &ch.messages, "messages:"+ch.ID, 50, func(m *message) (message, bool) {
		return *m, threadID == "" || m.ThreadID == threadID
	})
}

func (s *Server) streamChannel(c *call) {
	threadID := c.r.URL.Query().Get("threadId")
	if l := logOf(c, &s.st.channels, "id", func(ch *channel) *eventLog { return ch.log }); l != nil {
		c.stream(l, false, func(ev sseEvent) bool { return threadID == "" || ev.thread == threadID }, nil)
	}
}
