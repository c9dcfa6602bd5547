package theazo

import "github.com/theazo/theazo-go/sse"

// ChannelEvent is an event of a channel's stream: *MessageEvent, or
// *UnknownEvent for a type this SDK does not know. Each reports its wire
// name and raw data (sse.Event), e.g. for sse.Relay.
type ChannelEvent interface {
	sse.Event
	channelEvent()
}

// MessageEvent is a message sent or received on the channel ("message").
type MessageEvent struct {
	Message
	rawData
}

func (*MessageEvent) channelEvent() {}

// decodeChannelEvent turns a raw channel stream event into its typed form.
// The sse package names an event without an event line "message".
func decodeChannelEvent(typ, data string) (ChannelEvent, error) {
	if typ == "message" {
		return decodeEvent(data, &MessageEvent{})
	}
	return &UnknownEvent{Type: typ, Data: data}, nil
}
