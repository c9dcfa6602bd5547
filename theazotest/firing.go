package theazotest

import (
	"encoding/json"
	"time"
)

// Firing is one run of a schedule's or a trigger's action: a schedule whose
// cron time the clock passed, or an accepted call of a trigger's public
// fire endpoint.
//
// A firing runs its action as the API does, visible through the API:
//   - agent-run: an agent is created from the action's definition in the
//     session of the user named by the schedule's or trigger's id (created
//     if needed), and runs the task; its events stream from the agent, and
//     its cost is recorded against that session (usage and billing).
//     A trigger's request body is appended to the task as its input.
//   - workflow-run: a run of the workflow starts, with the action's input,
//     or a trigger's request body; GET /workflow-runs/{id} shows it.
type Firing struct {
	// ScheduleID is the schedule that fired; empty for a trigger.
	ScheduleID string
	// TriggerID is the trigger fired; empty for a schedule.
	TriggerID string
	// TaskID is the task started: the one a trigger's fire call answered.
	TaskID string
	// SessionID and AgentID are the session and the agent of an agent-run.
	SessionID, AgentID string
	// RunID is the workflow run of a workflow-run.
	RunID string
	// Payload is a trigger's request body ("null" when empty), passed as
	// input to its action; nil for a schedule.
	Payload json.RawMessage
	// Error says why the action could not start (its definition or
	// workflow gone, a session over its limit); empty when it started.
	Error string
	// Time is when it fired (the server's clock).
	Time time.Time
}

// Firings returns the schedule and trigger firings so far, oldest first.
func (s *Server) Firings() (out []Firing) {
	s.locked(func() { out = append([]Firing(nil), s.st.firings...) })
	return out
}

// fireDue fires each active schedule whose next run is due, once however
// many of its cron times passed, and moves its next run on. It returns
// the firings; the caller holds s.mu.
func (s *Server) fireDue() []Firing {
	now := s.now()
	var fired []Firing
	for sc := range s.st.schedules.all() {
		if sc.Status != "active" || sc.NextRunAt == nil || now.Before(time.Time(*sc.NextRunAt)) {
			continue
		}
		f := Firing{ScheduleID: sc.ID, TaskID: newID("task", now), Time: now}
		s.runAction(sc.Action, nil, &f)
		s.st.firings = append(s.st.firings, f)
		fired = append(fired, f)
		s.reschedule(sc)
	}
	return fired
}

// runAction starts an action for a firing f, with a trigger's payload
// (nil for a schedule), and notes in f what it started or why it could
// not; the caller holds s.mu.
func (s *Server) runAction(a action, payload json.RawMessage, f *Firing) {
	source := f.ScheduleID + f.TriggerID
	str := func(k string) string { v, _ := a.Config[k].(string); return v }
	hasPayload := len(payload) > 0 && string(payload) != "null"
	switch a.Type {
	case "agent-run":
		task := str("task")
		if hasPayload {
			task += "\n\nInput: " + string(payload)
		}
		sess := s.st.byUser[source]
		if sess == nil {
			sess = s.newSession(source, nil, nil)
		}
		w := agentWire{Timeout: 300, DefinitionID: str("definitionId")}
		if e := s.applyDefinition(&w, obj{}, false); e != nil {
			f.Error = e.message
			return
		}
		if w.Compute == nil {
			w.Compute = &compute{Provider: s.defaultProvider()}
		}
		e := s.checkSession(sess)
		if e == nil {
			e = s.providerError(w.Compute.Provider)
		}
		if e != nil {
			f.Error = e.message
			return
		}
		w.ID, w.SessionID, w.CreatedAt = newID("agt", f.Time), sess.ID, timestamp(f.Time)
		ag := &agent{agentWire: w, log: newEventLog(), changed: make(chan struct{})}
		ag.Status = "running"
		ag.running = true
		s.st.agents.put(ag.ID, ag)
		f.SessionID, f.AgentID = sess.ID, ag.ID
		s.goBackground(func() { s.runScript(ag, task) })
	case "workflow-run":
		wf := s.st.workflows.get(str("workflowId"))
		if wf == nil {
			f.Error = "No workflow with id " + str("workflowId") + "."
			return
		}
		input := json.RawMessage("null")
		if in, ok := a.Config["input"]; ok {
			input = mustJSON(in)
		}
		if hasPayload {
			input = payload
		}
		f.RunID = s.startRun(wf, input).ID
	}
}
