package theazotest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// workflow is a Workflow on the wire.
type workflow struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Steps       []workflowStep `json:"steps"`
	Metadata    map[string]any `json:"metadata,omitempty"`
	CreatedAt   timestamp      `json:"createdAt"`
	UpdatedAt   timestamp      `json:"updatedAt"`
}

type workflowStep struct {
	Name         string   `json:"name"`
	DefinitionID string   `json:"definitionId"`
	Task         string   `json:"task"`
	DependsOn    []string `json:"dependsOn,omitempty"`
	Condition    string   `json:"condition,omitempty"`
}

// workflowRun is a WorkflowRunInfo on the wire, plus its event stream.
type workflowRun struct {
	ID         string          `json:"id"`
	WorkflowID string          `json:"workflowId"`
	Status     string          `json:"status"`
	Output     json.RawMessage `json:"output,omitempty"`
	Cost       *money          `json:"cost,omitempty"`
	Steps      []runStep       `json:"steps,omitempty"`
	CreatedAt  timestamp       `json:"createdAt"`

	log *eventLog
}

type runStep struct {
	Name       string          `json:"name"`
	Status     string          `json:"status"`
	Output     json.RawMessage `json:"output,omitempty"`
	DurationMs *int64          `json:"durationMs,omitempty"`
}

// WorkflowStep is a step of a workflow as the fake runs it.
type WorkflowStep struct {
	// Index is the step's position in the workflow's steps.
	Index int
	// Name, DefinitionID and Task are as created.
	Name, DefinitionID, Task string
	// DependsOn names the steps that run before this one.
	DependsOn []string
	// Condition is the step's condition as created; see ConditionHolds.
	Condition string
}

// StepOutcome is what running a workflow step produced.
type StepOutcome struct {
	// Output is the step's output, any JSON-encodable value.
	Output any
	// Cost of the step, in cents.
	Cost int64
	// Duration is reported as durationMs.
	Duration time.Duration
	// Error, when not empty, fails the step and the run with this message.
	Error string
	// Skip skips the step (its condition does not hold); steps that depend
	// on it are skipped too.
	Skip bool
}

// StepFunc decides the outcome of a workflow step, given the run's input
// (raw JSON, "null" when none was given).
type StepFunc func(step WorkflowStep, input json.RawMessage) StepOutcome

// DefaultWorkflowStep is the outcome of a step on a server without
// WithWorkflowSteps: skipped when its condition does not hold, else
// completed with a small output, in 100 ms, for 5 cents.
func DefaultWorkflowStep(step WorkflowStep, input json.RawMessage) StepOutcome {
	if !ConditionHolds(step.Condition, input) {
		return StepOutcome{Skip: true}
	}
	return StepOutcome{
		Output:   map[string]any{"step": step.Name, "result": "completed: " + step.Task},
		Cost:     5,
		Duration: 100 * time.Millisecond,
	}
}

// ConditionHolds evaluates a step condition the way the fake does: empty
// holds; "input.a.b" holds when that field of the input is present and not
// false, null, 0 or ""; "!input.a" is its negation; "input.a == 'x'" and
// "input.a != 'x'" compare with a string or number literal. Anything else holds.
func ConditionHolds(cond string, input json.RawMessage) bool {
	cond = strings.TrimSpace(cond)
	if cond == "" {
		return true
	}
	var in any
	dec := json.NewDecoder(bytes.NewReader(input))
	dec.UseNumber()
	_ = dec.Decode(&in)
	lookup := func(path string) (any, bool) {
		path = strings.TrimSpace(path)
		if !strings.HasPrefix(path, "input.") {
			return nil, false
		}
		v := in
		for _, k := range strings.Split(strings.TrimPrefix(path, "input."), ".") {
			m, ok := v.(map[string]any)
			if !ok {
				return nil, false
			}
			if v, ok = m[k]; !ok {
				return nil, false
			}
		}
		return v, true
	}
	for _, op := range []string{"==", "!="} {
		if l, r, ok := strings.Cut(cond, op); ok {
			v, _ := lookup(l)
			lit := strings.Trim(strings.TrimSpace(r), `'"`)
			eq := fmt.Sprint(v) == lit
			return eq == (op == "==")
		}
	}
	if rest, ok := strings.CutPrefix(cond, "!"); ok {
		return !ConditionHolds(rest, input)
	}
	if !strings.HasPrefix(cond, "input.") {
		return true
	}
	v, ok := lookup(cond)
	switch x := v.(type) {
	case nil:
		return false
	case bool:
		return x
	case string:
		return x != ""
	case json.Number:
		return x.String() != "0"
	}
	return ok
}

// readWorkflow reads a workflow body; the caller holds s.mu, to check the
// definitions the steps name.
func (s *Server) readWorkflow(ck *checker, o obj) workflow {
	w := workflow{
		Name:        ck.str(o, "", "name", true),
		Description: ck.str(o, "", "description", false),
	}
	w.Metadata, _ = ck.object(o, "", "metadata", false)
	v, ok := ck.get(o, "", "steps", true)
	if !ok {
		return w
	}
	arr, isArr := v.([]any)
	if !isArr || len(arr) == 0 {
		ck.add("steps", "must be a non-empty array of steps")
		return w
	}
	names := map[string]int{}
	for i, item := range arr {
		prefix := fmt.Sprintf("steps[%d]", i)
		so, isObj := item.(map[string]any)
		if !isObj {
			ck.add(prefix, "must be an object")
			continue
		}
		st := workflowStep{
			Name:         ck.str(so, prefix, "name", true),
			DefinitionID: ck.str(so, prefix, "definitionId", true),
			Task:         ck.str(so, prefix, "task", true),
			Condition:    ck.str(so, prefix, "condition", false),
		}
		st.DependsOn, _ = ck.strings(so, prefix, "dependsOn", false)
		if _, dup := names[st.Name]; dup && st.Name != "" {
			ck.add(prefix+".name", "repeats the name of another step")
		}
		names[st.Name] = i
		s.usableDefinition(ck, prefix+".definitionId", st.DefinitionID)
		w.Steps = append(w.Steps, st)
	}
	for i, st := range w.Steps {
		for _, dep := range st.DependsOn {
			if _, ok := names[dep]; !ok || dep == st.Name {
				ck.add(fmt.Sprintf("steps[%d].dependsOn", i), "names no other step: "+dep)
			}
		}
	}
	if len(ck.errs) == 0 && stepOrder(w.Steps) == nil {
		ck.add("steps", "depend on each other in a cycle")
	}
	return w
}

// stepOrder returns step indexes in an order that runs each step after
// those it depends on (declaration order among the ready ones), or nil on
// a cycle.
func stepOrder(steps []workflowStep) []int {
	index := map[string]int{}
	for i, st := range steps {
		index[st.Name] = i
	}
	done := make([]bool, len(steps))
	var order []int
	for len(order) < len(steps) {
		progressed := false
		for i, st := range steps {
			if done[i] {
				continue
			}
			ready := true
			for _, dep := range st.DependsOn {
				if !done[index[dep]] {
					ready = false
				}
			}
			if ready {
				done[i] = true
				order = append(order, i)
				progressed = true
			}
		}
		if !progressed {
			return nil
		}
	}
	return order
}

func (s *Server) createWorkflow(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	w := s.readWorkflow(ck, o)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	now := s.now()
	w.ID, w.CreatedAt, w.UpdatedAt = newID("wf", now), timestamp(now), timestamp(now)
	s.st.workflows.put(w.ID, &w)
	return answer(http.StatusCreated, w)
}

func (s *Server) listWorkflows(c *call) reply {
	return tableReply(c, &s.st.workflows, "workflows", 20, copied)
}

func (s *Server) getWorkflow(c *call) reply {
	return itemReply(c, &s.st.workflows, "id")
}

func (s *Server) updateWorkflow(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	w, e := s.st.workflows.find(c, "id")
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	next := s.readWorkflow(ck, o)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	next.ID, next.CreatedAt, next.UpdatedAt = w.ID, w.CreatedAt, timestamp(s.now())
	*w = next
	return answer(http.StatusOK, next)
}

func (s *Server) deleteWorkflow(c *call) reply {
	w, e := s.st.workflows.find(c, "id")
	if e != nil {
		return failed(e)
	}
	s.st.workflows.delete(w.ID)
	return okReply()
}

// readInput reads the optional input object of a run or estimate body.
func readInput(c *call) (json.RawMessage, *apiError) {
	o, e := decodeObject(c.body)
	if e != nil {
		return nil, e
	}
	ck := &checker{}
	in, ok := ck.object(o, "", "input", false)
	if e := ck.err(); e != nil {
		return nil, e
	}
	if !ok {
		return json.RawMessage("null"), nil
	}
	return mustJSON(in), nil
}

// workflowInput returns the workflow of the call's {id} and the input of
// its body, for a run or an estimate; the caller holds s.mu.
func (s *Server) workflowInput(c *call) (*workflow, json.RawMessage, *apiError) {
	input, e := readInput(c)
	if e != nil {
		return nil, nil, e
	}
	w, e := s.st.workflows.find(c, "id")
	return w, input, e
}

func (s *Server) runWorkflow(c *call) reply {
	w, input, e := s.workflowInput(c)
	if e != nil {
		return failed(e)
	}
	return answer(http.StatusAccepted, *s.startRun(w, input))
}

// startRun starts a run of w on input and returns it; the caller holds s.mu.
func (s *Server) startRun(w *workflow, input json.RawMessage) *workflowRun {
	now := s.now()
	run := &workflowRun{ID: newID("wfr", now), WorkflowID: w.ID, Status: "queued", CreatedAt: timestamp(now), log: newEventLog()}
	for _, st := range w.Steps {
		run.Steps = append(run.Steps, runStep{Name: st.Name, Status: "pending"})
	}
	s.st.runs.put(run.ID, run)
	steps := w.Steps
	s.goBackground(func() { s.executeRun(run, steps, input) })
	return run
}

// setStep updates step i of a run, replacing the steps slice; the caller
// holds s.mu.
func (r *workflowRun) setStep(i int, st runStep) {
	steps := append([]runStep(nil), r.Steps...)
	steps[i] = st
	r.Steps = steps
}

// executeRun runs a workflow's steps in dependency order, emitting the
// run's events and recording each step's cost.
func (s *Server) executeRun(run *workflowRun, steps []workflowStep, input json.RawMessage) {
	defer run.log.finish()
	fn := s.cfg.step
	if fn == nil {
		fn = DefaultWorkflowStep
	}
	emit := func(typ string, v any) { run.log.add(typ, mustJSON(v), "") }
	s.locked(func() { run.Status = "running" })

	var total int64
	outputs := map[string]json.RawMessage{}
	skipped := map[string]bool{}
	for _, i := range stepOrder(steps) {
		st := steps[i]
		skip := false
		for _, dep := range st.DependsOn {
			skip = skip || skipped[dep]
		}
		var res StepOutcome
		if !skip {
			step := WorkflowStep{Index: i, Name: st.Name, DefinitionID: st.DefinitionID, Task: st.Task,
				DependsOn: st.DependsOn, Condition: st.Condition}
			var ok bool
			if res, ok = s.stepFor(st.Name); !ok { // an outcome set over the control API comes first
				res = protect(func(v any) StepOutcome {
					return StepOutcome{Error: fmt.Sprint("internal error: ", v)}
				}, func() StepOutcome { return fn(step, input) })
			}
		}
		if skip || res.Skip {
			skipped[st.Name] = true
			s.locked(func() { run.setStep(i, runStep{Name: st.Name, Status: "skipped"}) })
			continue
		}
		if !s.sleep(s.ctx, s.cfg.eventDelay) {
			return
		}
		s.locked(func() { run.setStep(i, runStep{Name: st.Name, Status: "running"}) })
		emit("step:start", map[string]any{"step": st.Name, "index": i, "status": "running"})
		if !s.sleep(s.ctx, s.cfg.eventDelay) {
			return
		}
		total += max(res.Cost, 0)
		ms := res.Duration.Milliseconds()
		var out json.RawMessage
		s.locked(func() {
			comp := min(max(res.Cost, 0), s.cfg.computeRate)
			s.recordUsage(usageRecord{at: s.now(), model: s.modelOf(st.DefinitionID), calls: 1, inputTokens: 300 + 4*int64(len(st.Task)),
				outputTokens: 150, computeMinutes: 1, computeCost: comp, modelCost: max(res.Cost, 0) - comp})
			if res.Error != "" {
				run.setStep(i, runStep{Name: st.Name, Status: "failed", DurationMs: &ms})
				run.Status = "failed"
				cost := usd(total)
				run.Cost = &cost
				return
			}
			out = mustJSON(res.Output)
			run.setStep(i, runStep{Name: st.Name, Status: "completed", Output: out, DurationMs: &ms})
		})
		if res.Error != "" {
			emit("workflow:failed", map[string]any{"step": st.Name, "message": res.Error, "cost": usd(total)})
			return
		}
		outputs[st.Name] = out
		emit("step:complete", map[string]any{"step": st.Name, "index": i, "status": "completed", "output": out, "durationMs": ms})
	}
	if !s.sleep(s.ctx, s.cfg.eventDelay) {
		return
	}
	s.locked(func() {
		run.Status = "completed"
		run.Output = mustJSON(outputs)
		cost := usd(total)
		run.Cost = &cost
	})
	emit("workflow:complete", map[string]any{"output": outputs, "cost": usd(total)})
}

func (s *Server) getRun(c *call) reply {
	return itemReply(c, &s.st.runs, "runId")
}

func (s *Server) streamRun(c *call) {
	if l := logOf(c, &s.st.runs, "runId", func(r *workflowRun) *eventLog { return r.log }); l != nil {
		c.stream(l, true, nil, func(t string) bool { return t == "workflow:complete" || t == "workflow:failed" })
	}
}

// estimateWorkflow estimates from the steps whose condition holds for the
// input: 2 minutes and 30 cents a step; confidence is high without
// conditions, medium with them, low when they meet no input.
func (s *Server) estimateWorkflow(c *call) reply {
	w, input, e := s.workflowInput(c)
	if e != nil {
		return failed(e)
	}
	n, conditions := 0, false
	for _, st := range w.Steps {
		conditions = conditions || st.Condition != ""
		if ConditionHolds(st.Condition, input) {
			n++
		}
	}
	confidence := "high"
	switch {
	case conditions && string(input) == "null":
		confidence = "low"
	case conditions:
		confidence = "medium"
	}
	return answer(http.StatusOK, map[string]any{
		"steps": n, "estimatedMinutes": 2 * n, "estimatedCost": usd(30 * int64(n)), "confidence": confidence,
	})
}
