package theazotest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// ControlPrefix is the path under which WithControlAPI serves the control
// API, beside the API's /v1.
const ControlPrefix = "/_theazo/"

// WithControlAPI serves a control API under /_theazo/ on the server's own
// listener, so that tests in any language can steer the fake over HTTP,
// without a key (bodies are JSON; durations are Go durations, "250ms";
// times RFC 3339):
//
//	POST   /_theazo/faults         inject a fault: {"method","path","times","status","retryAfter",
//	                               "delay","disconnect","hangUp","dropAfterEvents"} as in Fault
//	DELETE /_theazo/faults         clear every fault
//	POST   /_theazo/agent-scripts  what a run emits for a task matching "task" (a pattern where * matches
//	                               anything; none: every task): {"task","events":[{"type","data"}],
//	                               "output","cost","error":{"code","message"}}; the oldest match wins
//	DELETE /_theazo/agent-scripts  forget every script: runs stream the server's script again
//	POST   /_theazo/workflow-steps how workflow steps named like "step" (a pattern) end:
//	                               {"step","output","cost","error","skip"} as in StepOutcome
//	DELETE /_theazo/workflow-steps forget them
//	GET    /_theazo/requests       the request log (see WithRequestHistory), oldest first; filters:
//	                               ?method=POST&path=/agents/*/run&status=401&limit=N (the latest N)
//	DELETE /_theazo/requests       forget the request log
//	GET    /_theazo/clock          {"now","manual"}
//	POST   /_theazo/clock          {"advance":"90m"} or {"set":"2026-05-15T09:00:00Z"}, with
//	                               WithManualClock: moves the clock, and answers the firings
//	GET    /_theazo/firings        every schedule and trigger firing so far (see Firing)
//
// Requests to the control API are not recorded, counted against the rate
// limit nor touched by faults.
func WithControlAPI() Option { return func(c *config) { c.control = true } }

// maxControlBody bounds the body of a control request.
const maxControlBody = 1 << 20

// scriptRule is an agent script set over the control API.
type scriptRule struct {
	task   string // a path.Match pattern over the task; "" matches any
	events []Event
}

// stepRule is a workflow step outcome set over the control API.
type stepRule struct {
	step    string // a path.Match pattern over the step's name
	outcome StepOutcome
}

// scripts are the agent scripts and step outcomes set over the control
// API; s.mu guards them.
type scripts struct {
	rules []scriptRule
	steps []stepRule
}

// stepFor returns the outcome of the oldest control-API rule whose pattern
// matches the step's name.
func (s *Server) stepFor(name string) (out StepOutcome, found bool) {
	s.locked(func() {
		for _, r := range s.scripts.steps {
			if ok, _ := path.Match(r.step, name); ok {
				out, found = r.outcome, true
				return
			}
		}
	})
	return out, found
}

// scriptFor returns the events of the oldest control-API script whose
// pattern matches task, or nil.
func (s *Server) scriptFor(task string) (events []Event) {
	s.locked(func() {
		for _, r := range s.scripts.rules {
			if ok, _ := path.Match(r.task, task); ok || r.task == "" {
				events = r.events
				return
			}
		}
	})
	return events
}

// serveControl answers a request under /_theazo/.
func (s *Server) serveControl(w http.ResponseWriter, r *http.Request) {
	c := &call{s: s, w: w, r: r, reqID: "req_" + newID("", time.Now())[1:], drop: -1, read: true}
	w.Header().Set("X-Request-Id", c.reqID)
	if r.Body != nil && (r.Method == http.MethodPost || r.Method == http.MethodPut) {
		body, err := readAllLimit(r, maxControlBody)
		if err != nil {
			c.fail(errInvalid("body", "could not be read, or is larger than 1 MiB"))
			return
		}
		c.body = body
	}
	route := r.Method + " " + strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, strings.TrimSuffix(ControlPrefix, "/")), "/")
	switch route {
	case "POST /faults":
		c.write(s.controlFault(c))
	case "DELETE /faults":
		s.ClearFaults()
		c.write(okReply())
	case "POST /agent-scripts":
		c.write(s.controlScript(c))
	case "DELETE /agent-scripts":
		s.locked(func() { s.scripts.rules = nil })
		c.write(okReply())
	case "POST /workflow-steps":
		c.write(s.controlStep(c))
	case "DELETE /workflow-steps":
		s.locked(func() { s.scripts.steps = nil })
		c.write(okReply())
	case "GET /requests":
		c.write(s.controlRequests(c))
	case "DELETE /requests":
		s.ResetRequests()
		c.write(okReply())
	case "GET /clock":
		c.write(answer(http.StatusOK, map[string]any{"now": timestamp(s.now()), "manual": s.cfg.manual != nil}))
	case "POST /clock":
		c.write(s.controlClock(c))
	case "GET /firings":
		c.write(answer(http.StatusOK, map[string]any{"data": firingsJSON(s.Firings())}))
	default:
		c.fail(&apiError{status: 404, code: "not_found", message: "No control route " + r.Method + " " + r.URL.Path +
			"; see " + ControlPrefix + " in theazo mock --help."})
	}
}

// readAllLimit reads a request body of at most n bytes.
func readAllLimit(r *http.Request, n int64) ([]byte, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(http.MaxBytesReader(nil, r.Body, n))
	return b.Bytes(), err
}

// duration reads an optional Go duration ("250ms") of a control body.
func duration(ck *checker, o obj, key string) time.Duration {
	v := ck.str(o, "", key, false)
	if v == "" {
		return 0
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		ck.add(key, "must be a duration like \"250ms\" or \"2s\"")
	}
	return d
}

// readPattern reads an optional path.Match pattern of a control body.
func readPattern(ck *checker, o obj, key string) string {
	p := ck.str(o, "", key, false)
	if _, err := path.Match(p, ""); err != nil {
		ck.add(key, "is not a valid pattern")
	}
	return p
}

// controlFault injects the fault of a JSON body.
func (s *Server) controlFault(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	var f Fault
	f.Method = strings.ToUpper(ck.str(o, "", "method", false))
	f.Path = ck.str(o, "", "path", false)
	times, _ := ck.integer(o, "", "times", false, -1)
	f.Times = int(times)
	status, _ := ck.integer(o, "", "status", false, 0)
	if status != 0 && (status < 400 || status > 599) {
		ck.add("status", "must be an HTTP error status, 400 to 599")
	}
	f.Status = int(status)
	f.RetryAfter = duration(ck, o, "retryAfter")
	f.Delay = duration(ck, o, "delay")
	f.Disconnect, _ = ck.boolean(o, "", "disconnect")
	f.HangUp, _ = ck.boolean(o, "", "hangUp")
	drop, _ := ck.integer(o, "", "dropAfterEvents", false, 0)
	f.DropAfterEvents = int(drop)
	n := 0
	for _, set := range []bool{f.Status != 0, f.Disconnect, f.HangUp, f.DropAfterEvents > 0} {
		if set {
			n++
		}
	}
	if n > 1 {
		ck.add("status", "give one of status, disconnect, hangUp and dropAfterEvents")
	}
	if n == 0 && f.Delay == 0 {
		ck.add("status", "say what the fault does: status, disconnect, hangUp, dropAfterEvents or delay")
	}
	if e := ck.err(); e != nil {
		return failed(e)
	}
	s.InjectFault(f)
	return answer(http.StatusCreated, map[string]any{"ok": true})
}

// controlScript adds the agent script of a JSON body.
func (s *Server) controlScript(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	rule := scriptRule{task: readPattern(ck, o, "task")}
	if v, ok := ck.get(o, "", "events", false); ok {
		arr, isArr := v.([]any)
		if !isArr {
			ck.add("events", "must be an array of {type, data}")
		}
		for i, item := range arr {
			eo, isObj := item.(map[string]any)
			if !isObj {
				ck.add("events["+strconv.Itoa(i)+"]", "must be an object {type, data}")
				continue
			}
			typ := ck.str(eo, "events["+strconv.Itoa(i)+"]", "type", true)
			rule.events = append(rule.events, Event{Type: typ, Data: eo["data"]})
		}
	}
	output := ck.str(o, "", "output", false)
	cost, costSet := ck.integer(o, "", "cost", false, 0)
	eo, failSet := ck.object(o, "", "error", false)
	var code, msg string
	if failSet {
		code = ck.str(eo, "error", "code", true)
		msg = ck.str(eo, "error", "message", true)
	}
	_, outputSet := o["output"]
	if failSet && (outputSet || costSet) {
		ck.add("error", "a run ends with an output or an error, not both")
	}
	if e := ck.err(); e != nil {
		return failed(e)
	}
	switch {
	case failSet:
		rule.events = append(rule.events, Failure(code, msg))
	case outputSet || costSet:
		rule.events = append(rule.events, Output(output, cost))
	}
	if len(rule.events) == 0 {
		return failed(errInvalid("events", "give events, an output or an error"))
	}
	s.locked(func() { s.scripts.rules = append(s.scripts.rules, rule) })
	return answer(http.StatusCreated, map[string]any{"ok": true})
}

// controlStep adds the workflow step outcome of a JSON body.
func (s *Server) controlStep(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	rule := stepRule{step: readPattern(ck, o, "step")}
	if rule.step == "" {
		rule.step = "*"
	}
	rule.outcome.Output = o["output"]
	rule.outcome.Cost, _ = ck.integer(o, "", "cost", false, 0)
	rule.outcome.Error = ck.str(o, "", "error", false)
	rule.outcome.Skip, _ = ck.boolean(o, "", "skip")
	rule.outcome.Duration = 100 * time.Millisecond
	if e := ck.err(); e != nil {
		return failed(e)
	}
	s.locked(func() { s.scripts.steps = append(s.scripts.steps, rule) })
	return answer(http.StatusCreated, map[string]any{"ok": true})
}

// requestJSON is a recorded request as the control API shows it.
type requestJSON struct {
	Method    string              `json:"method"`
	Path      string              `json:"path"`
	Query     map[string][]string `json:"query,omitempty"`
	Headers   map[string][]string `json:"headers"`
	Body      *string             `json:"body,omitempty"`
	RequestID string              `json:"requestId"`
	Status    int                 `json:"status"`
	Time      time.Time           `json:"time"`
}

// controlRequests answers the request log, filtered.
func (s *Server) controlRequests(c *call) reply {
	q := c.r.URL.Query()
	ck := &checker{}
	var m *routeMatcher
	if q.Get("method") != "" || q.Get("path") != "" {
		rm := newRouteMatcher(q.Get("method"), q.Get("path"))
		m = &rm
	}
	status := 0
	if v := q.Get("status"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			ck.add("status", "must be an HTTP status")
		}
		status = n
	}
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			ck.add("limit", "must be a positive number")
		}
		limit = n
	}
	if len(ck.errs) > 0 {
		return failed(invalidQuery(ck.errs...))
	}
	out := []requestJSON{}
	for _, r := range s.Requests() {
		if m != nil && !m.match(r.Method, strings.TrimPrefix(r.Path, "/v1")) {
			continue
		}
		if status != 0 && r.Status != status {
			continue
		}
		j := requestJSON{Method: r.Method, Path: r.Path, Query: r.Query, Headers: r.Header,
			RequestID: r.RequestID, Status: r.Status, Time: r.Time.UTC()}
		if r.Body != nil {
			b := string(r.Body)
			if !utf8.ValidString(b) {
				b = strings.ToValidUTF8(b, "\uFFFD")
			}
			j.Body = &b
		}
		out = append(out, j)
	}
	if limit > 0 && len(out) > limit {
		out = out[len(out)-limit:]
	}
	return answer(http.StatusOK, map[string]any{"data": out})
}

// controlClock moves a manual clock.
func (s *Server) controlClock(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	adv := duration(ck, o, "advance")
	set := ck.str(o, "", "set", false)
	var at time.Time
	if set != "" {
		t, err := time.Parse(time.RFC3339, set)
		if err != nil {
			ck.add("set", "must be an RFC 3339 time, like 2026-05-15T09:00:00Z")
		}
		at = t
	}
	if (adv == 0) == (set == "") {
		ck.add("advance", "give advance or set, one of them")
	}
	if e := ck.err(); e != nil {
		return failed(e)
	}
	var fired []Firing
	var err error
	if set != "" {
		fired, err = s.SetClock(at)
	} else {
		_, fired, err = s.AdvanceClock(adv)
	}
	switch {
	case err == ErrNoManualClock:
		return failed(errConflict("The clock is not manual: start theazo mock with --clock manual."))
	case err != nil:
		return failed(errInvalid("set", "is before the clock's time: the clock moves forward only"))
	}
	return answer(http.StatusOK, map[string]any{"now": timestamp(s.now()), "fired": firingsJSON(fired)})
}

// firingJSON is a Firing as the control API shows it.
type firingJSON struct {
	ScheduleID string          `json:"scheduleId,omitempty"`
	TriggerID  string          `json:"triggerId,omitempty"`
	TaskID     string          `json:"taskId,omitempty"`
	SessionID  string          `json:"sessionId,omitempty"`
	AgentID    string          `json:"agentId,omitempty"`
	RunID      string          `json:"runId,omitempty"`
	Payload    json.RawMessage `json:"payload,omitempty"`
	Error      string          `json:"error,omitempty"`
	Time       timestamp       `json:"time"`
}

func firingsJSON(fs []Firing) []firingJSON {
	out := make([]firingJSON, len(fs))
	for i, f := range fs {
		out[i] = firingJSON{f.ScheduleID, f.TriggerID, f.TaskID, f.SessionID, f.AgentID, f.RunID, f.Payload, f.Error, timestamp(f.Time)}
	}
	return out
}
