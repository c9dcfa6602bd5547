package theazotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// defaultModel is the model id recorded for agents created without one.
const defaultModel = "claude-sonnet-4-20250514"

// agent is an Agent on the wire, plus its stream and run state.
type agent struct {
	agentWire
	log     *eventLog
	running bool          // a run is in progress (possibly paused)
	changed chan struct{} // closed and replaced on every status change
}

type agentWire struct {
	ID           string    `json:"id"`
	SessionID    string    `json:"sessionId"`
	Status       string    `json:"status"`
	Compute      *compute  `json:"compute,omitempty"`
	Model        *modelRef `json:"model,omitempty"`
	Browser      bool      `json:"browser"`
	Instructions string    `json:"instructions,omitempty"`
	Tools        []string  `json:"tools,omitempty"`
	Timeout      int64     `json:"timeout,omitempty"`
	DefinitionID string    `json:"definitionId,omitempty"`
	CreatedAt    timestamp `json:"createdAt"`
}

type compute struct {
	Provider string `json:"provider"`
}

type modelRef struct {
	ID string `json:"id"`
}

// setStatus changes an agent's status and wakes whoever waits on it. The
// caller holds s.mu.
func (a *agent) setStatus(status string) {
	a.Status = status
	close(a.changed)
	a.changed = make(chan struct{})
}

func (a *agent) model() string {
	if a.Model != nil && a.Model.ID != "" {
		return a.Model.ID
	}
	return defaultModel
}

// applyDefinition fills the fields of an agent created from an agent
// definition that the request left out: instructions, tools, model and
// compute. An unknown definition is 404; an archived one is 409, the
// conflict of a definition whose state no longer allows new agents (as an
// update of it is). The caller holds s.mu.
func (s *Server) applyDefinition(w *agentWire, o obj, timeoutSet bool) *apiError {
	if w.DefinitionID == "" {
		return nil
	}
	d := s.st.defs.get(w.DefinitionID)
	switch {
	case d == nil:
		return errNotFound("agent definition", w.DefinitionID)
	case d.Archived:
		return errConflict("Agent definition " + d.ID + " is archived and cannot be used to create new agents.")
	}
	if _, ok := o["instructions"]; !ok {
		w.Instructions = d.Instructions
	}
	if _, ok := o["tools"]; !ok {
		w.Tools = d.Tools
	}
	if w.Model == nil && d.Model != nil && d.Model.ID != "" {
		w.Model = &modelRef{ID: d.Model.ID}
	}
	if d.Compute != nil {
		if w.Compute == nil && d.Compute.Provider != "" {
			w.Compute = &compute{Provider: d.Compute.Provider}
		}
		if !timeoutSet && d.Compute.Timeout > 0 {
			w.Timeout = d.Compute.Timeout
		}
	}
	return nil
}

func (s *Server) createAgent(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	w := agentWire{Timeout: 300}
	if cm, ok := ck.object(o, "", "compute", false); ok {
		w.Compute = &compute{Provider: ck.enum(cm, "compute", "provider", true, "e2b", "fly", "docker")}
	}
	if m, ok := ck.object(o, "", "model", false); ok {
		w.Model = &modelRef{ID: ck.str(m, "model", "id", true)}
	}
	w.Browser, _ = ck.boolean(o, "", "browser")
	w.Instructions = ck.str(o, "", "instructions", false)
	w.Tools, _ = ck.strings(o, "", "tools", false)
	t, timeoutSet := ck.integer(o, "", "timeout", false, 1)
	if timeoutSet {
		w.Timeout = t
	}
	w.DefinitionID = ck.str(o, "", "definitionId", false)
	if e := ck.err(); e != nil {
		return failed(e)
	}

	sess, e := s.st.sessions.find(c, "id")
	if e != nil {
		return failed(e)
	}
	if e := s.checkSession(sess); e != nil {
		return failed(e)
	}
	if sess.Limits != nil && sess.Limits.MaxAgents > 0 {
		active := int64(0)
		for a := range s.st.agents.all() {
			if a.SessionID == sess.ID && a.Status != "terminated" {
				active++
			}
		}
		if active >= sess.Limits.MaxAgents {
			return failed(errLimit("maxAgents", "Session "+sess.ID+" already runs its maximum of "+itoa(sess.Limits.MaxAgents)+" agents."))
		}
	}
	if e := s.applyDefinition(&w, o, timeoutSet); e != nil {
		return failed(e)
	}
	if w.Compute == nil {
		w.Compute = &compute{Provider: s.defaultProvider()}
	}
	if e := s.providerError(w.Compute.Provider); e != nil {
		return failed(e)
	}
	now := s.now()
	w.ID, w.SessionID, w.Status, w.CreatedAt = newID("agt", now), sess.ID, "idle", timestamp(now)
	a := &agent{agentWire: w, log: newEventLog(), changed: make(chan struct{})}
	s.st.agents.put(a.ID, a)
	s.provision(a)
	return answer(http.StatusCreated, a.agentWire)
}

func (s *Server) getAgent(c *call) reply {
	a, e := s.st.agents.find(c, "id")
	if e != nil {
		return failed(e)
	}
	return answer(http.StatusOK, a.agentWire)
}

// usable returns the 409, 402 or 502 of an agent that cannot take work;
// the caller holds s.mu.
func (s *Server) usable(a *agent) *apiError {
	switch a.Status {
	case "terminated":
		return errConflict("Agent " + a.ID + " is terminated.")
	case "paused":
		return errConflict("Agent " + a.ID + " is paused; resume it first.")
	case "provisioning":
		return errConflict("Agent " + a.ID + " is still provisioning.")
	}
	if e := s.checkSession(s.st.sessions.get(a.SessionID)); e != nil {
		return e
	}
	return s.providerError(a.Compute.Provider)
}

func (s *Server) runAgentTask(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	task := ck.str(o, "", "task", true)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	a, e := s.st.agents.find(c, "id")
	if e == nil {
		e = s.usable(a)
	}
	if e != nil {
		return failed(e)
	}
	if a.running {
		return failed(errConflict("Agent " + a.ID + " is already running a task."))
	}
	a.running = true
	a.setStatus("running")
	taskID := newID("task", s.now())
	s.goBackground(func() { s.runScript(a, task) })
	return answer(http.StatusAccepted, map[string]string{"taskId": taskID, "agentId": a.ID})
}

// runScript streams the script of one run to the agent's log, honouring
// pause and terminate. The run ends with its last event, or with its first
// output or error event: then, under the same lock as that event, the
// agent turns idle and the run's usage is recorded, so that a client that
// has seen the end also sees the status and the cost.
func (s *Server) runScript(a *agent, task string) {
	script := s.cfg.script
	if script == nil {
		script = DefaultAgentScript
	}
	events := s.scriptFor(task) // a script set over the control API comes first
	if events == nil {
		events = protect(func(v any) []Event {
			return []Event{Failure("internal_error", fmt.Sprint("the agent script panicked: ", v))}
		}, func() []Event { return script(task) })
	}
	calls := int64(1)
	for i, ev := range events {
		if ev.Type == "tool_call" {
			calls++
		}
		last := i == len(events)-1 || ev.Type == "output" || ev.Type == "error"
		var end func()
		if last {
			end = func() { s.endRun(a, task, ev, calls) }
		}
		if !s.sleep(s.ctx, s.cfg.eventDelay) || !s.emitWhenRunnable(a, ev, end) {
			return
		}
		if last {
			return
		}
	}
	s.locked(func() { s.endRun(a, task, Event{}, calls) }) // an empty script
}

// endRun makes the agent idle and records the run's usage; the caller
// holds s.mu.
func (s *Server) endRun(a *agent, task string, final Event, calls int64) {
	a.running = false
	if a.Status == "running" {
		a.setStatus("idle")
	}
	cost, text := eventCost(final)
	compute := min(cost, s.cfg.computeRate)
	s.recordUsage(usageRecord{
		at: s.now(), sessionID: a.SessionID, agentID: a.ID, model: a.model(), calls: calls,
		inputTokens: 400 + 4*int64(len(task)), outputTokens: 100 + int64(len(text))/4,
		computeMinutes: 1, computeCost: compute, modelCost: cost - compute,
	})
}

// emitWhenRunnable waits while the agent is paused, then adds ev to its
// log and calls then (if not nil), under one lock. It reports false when
// the run must stop: terminated or closing.
func (s *Server) emitWhenRunnable(a *agent, ev Event, then func()) bool {
	for {
		var paused <-chan struct{} // closed when the agent's status changes
		terminated := false
		s.locked(func() {
			switch a.Status {
			case "terminated":
				terminated = true
			case "paused":
				paused = a.changed
			default:
				data, err := json.Marshal(ev.Data)
				typ := ev.Type
				if err != nil {
					typ, data = "error", mustJSON(map[string]string{"code": "internal_error", "message": "scripted event: " + err.Error()})
				}
				a.log.add(typ, data, "")
				if then != nil {
					then()
				}
			}
		})
		if paused == nil {
			return !terminated
		}
		select {
		case <-paused:
		case <-s.ctx.Done():
			return false
		}
	}
}

// eventCost reads the cost and text of an output event's data.
func eventCost(ev Event) (int64, string) {
	var v struct {
		Text string `json:"text"`
		Cost struct {
			Amount int64 `json:"amount"`
		} `json:"cost"`
	}
	b, _ := json.Marshal(ev.Data)
	_ = json.Unmarshal(b, &v)
	return max(v.Cost.Amount, 0), v.Text
}

func (s *Server) pauseAgent(c *call) reply {
	a, e := s.st.agents.find(c, "id")
	if e != nil {
		return failed(e)
	}
	if a.Status == "terminated" {
		return failed(errConflict("Agent " + a.ID + " is terminated."))
	}
	if a.Status != "paused" {
		a.setStatus("paused")
	}
	return answer(http.StatusOK, a.agentWire)
}

func (s *Server) resumeAgent(c *call) reply {
	a, e := s.st.agents.find(c, "id")
	if e != nil {
		return failed(e)
	}
	if a.Status != "paused" {
		return failed(errConflict("Agent " + a.ID + " is not paused (status " + a.Status + ")."))
	}
	if a.running {
		a.setStatus("running")
	} else {
		a.setStatus("idle")
	}
	return answer(http.StatusOK, a.agentWire)
}

func (s *Server) terminateAgent(c *call) reply {
	a, e := s.st.agents.find(c, "id")
	if e != nil {
		return failed(e)
	}
	if a.Status != "terminated" {
		if a.running {
			a.log.add("error", mustJSON(map[string]string{"code": "terminated", "message": "The agent was terminated."}), "")
		}
		a.running = false
		a.setStatus("terminated")
		a.log.finish()
	}
	return okReply()
}

func (s *Server) streamAgent(c *call) {
	if l := logOf(c, &s.st.agents, "id", func(a *agent) *eventLog { return a.log }); l != nil {
		c.stream(l, false, nil, func(t string) bool { return t == "output" || t == "error" })
	}
}

// ExecResult is what the fake's exec answers for a piece of code.
type ExecResult struct {
	// Stdout and Stderr are the code's output.
	Stdout, Stderr string
	// ExitCode is the process's exit status.
	ExitCode int
	// Duration is reported as durationMs.
	Duration time.Duration
	// TimedOut answers 504 timeout instead of a result, as the API does
	// when code runs past 120 seconds.
	TimedOut bool
}

// ExecFunc computes the result of exec for code in lang ("python",
// "typescript" or "bash"). It runs nothing real unless it chooses to.
type ExecFunc func(lang, code string) ExecResult

func (s *Server) execAgent(c *call) {
	o, e := decodeObject(c.body)
	if e != nil {
		c.fail(e)
		return
	}
	ck := &checker{}
	lang := ck.enum(o, "", "lang", true, "python", "typescript", "bash")
	code := ck.str(o, "", "code", true)
	if e := ck.err(); e != nil {
		c.fail(e)
		return
	}
	// The ExecFunc runs without the lock: it may take long, or call the server.
	var sessionID, agentID string
	s.locked(func() {
		var a *agent
		if a, e = s.st.agents.find(c, "id"); e == nil {
			e = s.usable(a)
		}
		if e == nil {
			sessionID, agentID = a.SessionID, a.ID
		}
	})
	if e != nil {
		c.fail(e)
		return
	}

	fn := s.cfg.exec
	if fn == nil {
		fn = DefaultExec
	}
	res := fn(lang, code)
	minutes := max(int64((res.Duration+time.Minute-1)/time.Minute), 1)
	s.locked(func() {
		s.recordUsage(usageRecord{at: s.now(), sessionID: sessionID, agentID: agentID,
			computeMinutes: minutes, computeCost: minutes * s.cfg.computeRate})
	})
	if res.TimedOut {
		c.fail(&apiError{status: http.StatusGatewayTimeout, code: "timeout", message: "exec exceeded the 120-second timeout."})
		return
	}
	c.json(http.StatusOK, map[string]any{
		"stdout": res.Stdout, "stderr": res.Stderr, "exitCode": res.ExitCode, "durationMs": res.Duration.Milliseconds(),
	})
}

// WithProvisionDelay makes new agents start in status "provisioning" and
// become "idle" after d, as real sandboxes do. Until then they refuse runs
// and exec with 409 conflict. Default 0: agents are idle at once.
func WithProvisionDelay(d time.Duration) Option { return func(c *config) { c.provisioning = d } }

// provision makes a new agent idle after the provisioning delay; the
// caller holds s.mu.
func (s *Server) provision(a *agent) {
	if s.cfg.provisioning <= 0 {
		return
	}
	a.setStatus("provisioning")
	s.goBackground(func() {
		if !s.sleep(s.ctx, s.cfg.provisioning) {
			return
		}
		s.locked(func() {
			if a.Status == "provisioning" {
				a.setStatus("idle")
			}
		})
	})
}
