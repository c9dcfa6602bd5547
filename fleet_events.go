package theazo

import "github.com/theazo/theazo-go/sse"

// FleetEvent is an event of a fleet's stream: *AgentStartEvent,
// *AgentCompleteEvent, *AgentFailedEvent, *FleetCompleteEvent,
// *FleetFailedEvent, or *UnknownEvent for a type this SDK does not know.
// Each reports its wire name and raw data (sse.Event), e.g. for sse.Relay.
type FleetEvent interface {
	sse.Event
	fleetEvent()
}

// AgentStartEvent is a fleet agent that started its task ("agent:start").
type AgentStartEvent struct {
	rawData
	// AgentID is the agent running the task.
	AgentID string `json:"agentId"`
	// Index is the task's position in the fleet's tasks, from 0.
	Index int `json:"index"`
	// Task is the task the agent runs.
	Task string `json:"task"`
}

// AgentCompleteEvent is a fleet agent that finished its task ("agent:complete").
type AgentCompleteEvent struct {
	rawData
	// AgentID is the agent that ran the task.
	AgentID string `json:"agentId"`
	// Index is the task's position in the fleet's tasks, from 0.
	Index int `json:"index"`
	// Output is the agent's answer.
	Output string `json:"output"`
	// Cost is what the task cost.
	Cost Money `json:"cost"`
}

// AgentFailedEvent is a fleet agent whose task failed ("agent:failed",
// one per failed task). The fleet goes on with its other tasks.
type AgentFailedEvent struct {
	rawData
	// AgentID is the agent that ran the task.
	AgentID string `json:"agentId"`
	// Index is the task's position in the fleet's tasks, from 0.
	Index int `json:"index"`
	// Message describes the failure.
	Message string `json:"message"`
}

// FleetCompleteEvent is the end of a fleet, with its tally and cost
// ("fleet:complete"); it ends the stream.
type FleetCompleteEvent struct {
	rawData
	// Completed counts the tasks that completed.
	Completed int `json:"completed"`
	// Failed counts the tasks that failed.
	Failed int `json:"failed"`
	// TotalCost is what the fleet cost.
	TotalCost Money `json:"totalCost"`
}

// FleetFailedEvent is a fleet that stopped before its tasks were done, e.g.
// cancelled ("fleet:failed"); it ends the stream.
type FleetFailedEvent struct {
	rawData
	// Message says why the fleet stopped.
	Message string `json:"message"`
	// Completed counts the tasks that completed before it stopped.
	Completed int `json:"completed"`
	// Failed counts the tasks that failed before it stopped.
	Failed int `json:"failed"`
	// TotalCost is what the fleet cost.
	TotalCost Money `json:"totalCost"`
}

func (*AgentStartEvent) fleetEvent()    {}
func (*AgentCompleteEvent) fleetEvent() {}
func (*AgentFailedEvent) fleetEvent()   {}
func (*FleetCompleteEvent) fleetEvent() {}
func (*FleetFailedEvent) fleetEvent()   {}

// decodeFleetEvent turns a raw fleet stream event into its typed form.
func decodeFleetEvent(typ, data string) (FleetEvent, error) {
	switch typ {
	case "agent:start":
		return decodeEvent(data, &AgentStartEvent{})
	case "agent:complete":
		return decodeEvent(data, &AgentCompleteEvent{})
	case "agent:failed":
		return decodeEvent(data, &AgentFailedEvent{})
	case "fleet:complete":
		return decodeEvent(data, &FleetCompleteEvent{})
	case "fleet:failed":
		return decodeEvent(data, &FleetFailedEvent{})
	}
	return &UnknownEvent{Type: typ, Data: data}, nil
}

func isFleetTerminal(e FleetEvent) bool {
	switch e.(type) {
	case *FleetCompleteEvent, *FleetFailedEvent:
		return true
	}
	return false
}
