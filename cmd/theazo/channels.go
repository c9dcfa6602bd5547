package main

import (
	"fmt"

	"github.com/theazo/theazo-go"
)

func channelsCmd() *command {
	return group("channels", "Embeddable chat channels backed by an agent.",
		leaf("list", "", "List channels.", channelsList),
		leaf("create", "NAME", "Create a channel.", channelsCreate),
		leaf("send", "CHANNEL TEXT", "Send a message as a user and print the agent's reply.", channelsSend),
		leaf("messages", "CHANNEL", "List a channel's messages, oldest first.", channelsMessages),
		leaf("tail", "CHANNEL", "Print a channel's messages as they arrive.", channelsTail),
	)
}

func channelsList(x *inv) error {
	l := x.listFlags()
	if err := x.parse(0, 0); err != nil {
		return err
	}
	seq := x.client().Channels.List(x.ctx, &theazo.ChannelListParams{Limit: l.pageSize()})
	return list(x, l, seq, x.table("ID", "NAME", "DEFINITION", "CREATED"), func(c *theazo.Channel) []string {
		return []string{c.ID, c.Name, orDash(c.DefinitionID), x.ago(c.CreatedAt)}
	})
}

func channelsCreate(x *inv) error {
	var p theazo.ChannelCreateParams
	x.fs.StringVar(&p.DefinitionID, "definition", "", "the agent `definition` that answers")
	x.fs.StringVar(&p.Instructions, "instructions", "", "instructions of the channel's agent")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	p.Name = x.args[0]
	c, err := x.client().Channels.Create(x.ctx, &p)
	if err != nil {
		return err
	}
	return x.show(c, func() error {
		return x.fields("ID", c.ID, "Name", c.Name, "Definition", c.DefinitionID, "Instructions", c.Instructions,
			"Created", x.stamp(c.CreatedAt))
	})
}

func channelsSend(x *inv) error {
	var p theazo.MessageSendParams
	x.fs.StringVar(&p.ThreadID, "thread", "", "the `thread` to continue (default: a new one)")
	if err := x.parse(2, 2); err != nil {
		return err
	}
	p.Content = x.args[1]
	m, err := x.client().Channels.SendMessage(x.ctx, x.args[0], &p)
	if err != nil {
		return err
	}
	return x.show(m, func() error { return x.printMessage(m) })
}

// printMessage prints one message: who, in which thread, and what.
func (x *inv) printMessage(m *theazo.Message) error {
	_, err := fmt.Fprintf(x.stdout, "%s %s %s\n", x.paint(styleDim, m.ThreadID), x.paint(styleBold, string(m.Role)+":"), escape(m.Content))
	return err
}

func channelsMessages(x *inv) error {
	l := x.listFlags()
	thread := x.fs.String("thread", "", "only this `thread`")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	seq := x.client().Channels.Messages(x.ctx, x.args[0], &theazo.ChannelMessagesParams{Limit: l.pageSize(), ThreadID: *thread})
	return list(x, l, seq, x.table("ID", "THREAD", "ROLE", "CONTENT", "SENT"), func(m *theazo.Message) []string {
		return []string{m.ID, m.ThreadID, string(m.Role), truncate(m.Content, 60), x.ago(m.CreatedAt)}
	})
}

func channelsTail(x *inv) error {
	thread := x.fs.String("thread", "", "only this `thread`")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	stop := x.spin("waiting for messages…")
	stream, err := x.client().Channels.Stream(x.ctx, x.args[0], &theazo.ChannelStreamParams{ThreadID: *thread})
	if err != nil {
		stop()
		return err
	}
	return follow(x, stream, stop, func(ev theazo.ChannelEvent) error {
		if x.g.json {
			return nil
		}
		switch e := ev.(type) {
		case *theazo.MessageEvent:
			return x.printMessage(&e.Message)
		case *theazo.UnknownEvent:
			return x.eventLine(x.paint(styleDim, e.Type+": "+truncate(e.Data, 120)))
		}
		return nil
	})
}
