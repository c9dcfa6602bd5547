package theazo

// FleetEvent is an event of a fleet's stream: *AgentStartEvent,
// *AgentCompleteEvent, *AgentFailedEvent, *FleetCompleteEvent,
// *FleetFailedEvent, or *UnknownEvent for a type this SDK does not know.
type FleetEvent interface{ fleetEvent() }

// AgentStartEvent is a fleet agent that started its task ("agent:start").
type AgentStartEvent struct {
	// AgentID is the agent running the task.
	AgentID string `json:"agentId"`
	// Index is the task's position in the fleet's tasks, from 0.
	Index int `json:"index"`
	// Task is the task the agent runs.
	Task string `json:"task"`
}

// AgentCompleteEvent is a fleet agent that finished its task ("agent:complete").
type AgentCompleteEvent struct {
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
// inferred shape). The fleet goes on with its other tasks.
type AgentFailedEvent struct {
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
	// Completed counts the tasks that completed.
	Completed int `json:"completed"`
	// Failed counts the tasks that failed.
	Failed int `json:"failed"`
	// TotalCost is what the fleet cost.
	TotalCost Money `json:"totalCost"`
}

// FleetFailedEvent is a fleet that stopped before its tasks were done, e.g.
// cancelled ("fleet:failed", inferred shape); it ends the stream.
type FleetFailedEvent struct {
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
