package theazotest

import (
	"fmt"
	"net/http"
	"sync"
)

// fleet is a Fleet on the wire, plus its stream.
type fleet struct {
	fleetWire
	log *eventLog
}

type fleetWire struct {
	ID           string    `json:"id"`
	SessionID    string    `json:"sessionId"`
	DefinitionID string    `json:"definitionId"`
	Instructions string    `json:"instructions,omitempty"`
	Tasks        []string  `json:"tasks"`
	Concurrency  int64     `json:"concurrency"`
	Status       string    `json:"status"`
	Completed    int64     `json:"completed"`
	Failed       int64     `json:"failed"`
	TotalCost    money     `json:"totalCost"`
	CreatedAt    timestamp `json:"createdAt"`
}

// TaskOutcome is what one fleet task produced.
type TaskOutcome struct {
	// Output is the agent's answer.
	Output string
	// Cost of the task, in cents.
	Cost int64
	// Error, when not empty, fails the task with this message.
	Error string
}

// TaskFunc decides the outcome of fleet task index (from 0).
type TaskFunc func(index int, task string) TaskOutcome

// DefaultFleetTask is the outcome of a task on a server without
// WithFleetTasks: done, for 8 cents.
func DefaultFleetTask(index int, task string) TaskOutcome {
	return TaskOutcome{Output: "done: " + task, Cost: 8}
}

func (s *Server) createFleet(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	w := fleetWire{Concurrency: 5, Status: "running", TotalCost: usd(0)}
	w.SessionID = ck.str(o, "", "sessionId", true)
	w.DefinitionID = ck.str(o, "", "definitionId", true)
	w.Instructions = ck.str(o, "", "instructions", false)
	if tasks, ok := ck.strings(o, "", "tasks", true); ok {
		if len(tasks) == 0 {
			ck.add("tasks", "must not be empty")
		}
		for _, t := range tasks {
			if t == "" {
				ck.add("tasks", "must not contain an empty task")
				break
			}
		}
		w.Tasks = tasks
	}
	if n, ok := ck.integer(o, "", "concurrency", false, 1); ok {
		w.Concurrency = n
	}
	sess := s.st.sessions.get(w.SessionID)
	if w.SessionID != "" && sess == nil {
		ck.add("sessionId", "names no session")
	}
	s.usableDefinition(ck, "definitionId", w.DefinitionID)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	if e := s.checkSession(sess); e != nil {
		return failed(e)
	}
	now := s.now()
	w.ID, w.CreatedAt = newID("flt", now), timestamp(now)
	f := &fleet{fleetWire: w, log: newEventLog()}
	s.st.fleets.put(f.ID, f)
	model := s.modelOf(w.DefinitionID)
	s.goBackground(func() { s.executeFleet(f, model) })
	return answer(http.StatusCreated, f.fleetWire)
}

// executeFleet runs a fleet's tasks on Concurrency workers, each task on a
// new agent of the fleet's session.
func (s *Server) executeFleet(f *fleet, model string) {
	defer f.log.finish()
	fn := s.cfg.task
	if fn == nil {
		fn = DefaultFleetTask
	}
	emit := func(typ string, v any) { f.log.add(typ, mustJSON(v), "") }
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(int(f.Concurrency), len(f.Tasks)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				s.fleetTask(f, i, model, fn, emit)
			}
		}()
	}
feed:
	for i := range f.Tasks {
		cancelled := false
		s.locked(func() { cancelled = f.Status != "running" })
		if cancelled {
			break
		}
		select {
		case next <- i:
		case <-s.ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if s.ctx.Err() != nil {
		return
	}
	var end map[string]any
	typ := "fleet:complete"
	s.locked(func() {
		end = map[string]any{"completed": f.Completed, "failed": f.Failed, "totalCost": f.TotalCost}
		switch {
		case f.Status == "cancelled":
			typ, end["message"] = "fleet:failed", "The fleet was cancelled."
		case f.Completed == 0 && f.Failed > 0:
			f.Status = "failed"
			typ, end["message"] = "fleet:failed", "Every task failed."
		default:
			f.Status = "completed"
		}
	})
	emit(typ, end)
}

// fleetTask runs task i of a fleet on a new agent.
func (s *Server) fleetTask(f *fleet, i int, model string, fn TaskFunc, emit func(string, any)) {
	if !s.sleep(s.ctx, s.cfg.eventDelay) {
		return
	}
	var a *agent
	s.locked(func() {
		if f.Status != "running" {
			return
		}
		now := s.now()
		a = &agent{agentWire: agentWire{ID: newID("agt", now), SessionID: f.SessionID, Status: "running",
			Compute: &compute{Provider: s.defaultProvider()}, Model: &modelRef{ID: model}, Instructions: f.Instructions,
			Timeout: 300, CreatedAt: timestamp(now)}, log: newEventLog(), changed: make(chan struct{})}
		s.st.agents.put(a.ID, a)
	})
	if a == nil {
		return // cancelled
	}
	emit("agent:start", map[string]any{"agentId": a.ID, "index": i, "task": f.Tasks[i]})

	res := protect(func(v any) TaskOutcome {
		return TaskOutcome{Error: fmt.Sprint("internal error: ", v)}
	}, func() TaskOutcome { return fn(i, f.Tasks[i]) })
	if !s.sleep(s.ctx, s.cfg.eventDelay) {
		return
	}
	cost := max(res.Cost, 0)
	// The fleet's counts and the task's event change together.
	s.locked(func() {
		a.setStatus("terminated")
		a.log.finish()
		comp := min(cost, s.cfg.computeRate)
		s.recordUsage(usageRecord{at: s.now(), sessionID: f.SessionID, agentID: a.ID, model: model, calls: 1,
			inputTokens: 300 + 4*int64(len(f.Tasks[i])), outputTokens: 100 + int64(len(res.Output))/4,
			computeMinutes: 1, computeCost: comp, modelCost: cost - comp})
		f.TotalCost = usd(f.TotalCost.Amount + cost)
		if res.Error != "" {
			f.Failed++
			emit("agent:failed", map[string]any{"agentId": a.ID, "index": i, "message": res.Error})
			return
		}
		f.Completed++
		emit("agent:complete", map[string]any{"agentId": a.ID, "index": i, "output": res.Output, "cost": usd(cost)})
	})
}

func (s *Server) listFleets(c *call) reply {
	return tableReply(c, &s.st.fleets, "fleets", 20, func(f *fleet) (fleetWire, bool) { return f.fleetWire, true })
}

func (s *Server) getFleet(c *call) reply {
	f, e := s.st.fleets.find(c, "id")
	if e != nil {
		return failed(e)
	}
	return answer(http.StatusOK, f.fleetWire)
}

func (s *Server) cancelFleet(c *call) reply {
	f, e := s.st.fleets.find(c, "id")
	if e != nil {
		return failed(e)
	}
	if f.Status != "running" {
		return failed(errConflict("Fleet " + f.ID + " is " + f.Status + "; only a running fleet can be cancelled."))
	}
	f.Status = "cancelled"
	return answer(http.StatusOK, f.fleetWire)
}

func (s *Server) streamFleet(c *call) {
	if l := logOf(c, &s.st.fleets, "id", func(f *fleet) *eventLog { return f.log }); l != nil {
		c.stream(l, true, nil, func(t string) bool { return t == "fleet:complete" || t == "fleet:failed" })
	}
}
