package theazotest

import (
	"net/http"

	"github.com/theazo/theazo-go/internal/cron"
)

// schedule is a Schedule on the wire.
type schedule struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Cron      string         `json:"cron"`
	Action    action         `json:"action"`
	Status    string         `json:"status"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	NextRunAt *timestamp     `json:"nextRunAt,omitempty"`
	CreatedAt timestamp      `json:"createdAt"`
}

// action is what a schedule or trigger runs; config is kept as sent.
type action struct {
	Type   string         `json:"type"`
	Config map[string]any `json:"config"`
}

// readAction reads an action; the caller holds s.mu, to check the
// definition or workflow it names.
func (s *Server) readAction(ck *checker, o obj, required bool) (action, bool) {
	ao, ok := ck.object(o, "", "action", required)
	if !ok {
		return action{}, false
	}
	a := action{Type: ck.enum(ao, "action", "type", true, "agent-run", "workflow-run")}
	cfg, ok := ck.object(ao, "action", "config", true)
	if !ok {
		return a, true
	}
	a.Config = cfg
	def := ck.str(cfg, "action.config", "definitionId", false)
	wf := ck.str(cfg, "action.config", "workflowId", false)
	ck.object(cfg, "action.config", "input", false)
	switch a.Type {
	case "agent-run":
		ck.str(cfg, "action.config", "task", true)
		s.usableDefinition(ck, "action.config.definitionId", def)
	case "workflow-run":
		switch _, present := cfg["workflowId"]; {
		case !present:
			ck.add("action.config.workflowId", "is required")
		case wf != "" && s.st.workflows.get(wf) == nil:
			ck.add("action.config.workflowId", "names no workflow")
		}
	}
	return a, true
}

// readCron checks a cron expression.
func readCron(ck *checker, o obj, required bool) (string, *cron.Schedule) {
	expr := ck.str(o, "", "cron", required)
	if expr == "" {
		return "", nil
	}
	spec, err := cron.Parse(expr)
	if err != nil {
		ck.add("cron", err.Error())
		return "", nil
	}
	return expr, spec
}

// reschedule sets the next run of an active schedule; the caller holds s.mu.
func (s *Server) reschedule(sc *schedule) {
	sc.NextRunAt = nil
	if sc.Status != "active" {
		return
	}
	if spec, err := cron.Parse(sc.Cron); err == nil {
		if t, ok := spec.Next(s.now()); ok {
			ts := timestamp(t)
			sc.NextRunAt = &ts
		}
	}
}

func (s *Server) createSchedule(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	sc := &schedule{Name: ck.str(o, "", "name", true), Status: "active"}
	sc.Cron, _ = readCron(ck, o, true)
	sc.Metadata, _ = ck.object(o, "", "metadata", false)
	sc.Action, _ = s.readAction(ck, o, true)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	now := s.now()
	sc.ID, sc.CreatedAt = newID("sched", now), timestamp(now)
	s.reschedule(sc)
	s.st.schedules.put(sc.ID, sc)
	return answer(http.StatusCreated, *sc)
}

func (s *Server) listSchedules(c *call) reply {
	status := c.r.URL.Query().Get("status")
	if status != "" && status != "active" && status != "paused" {
		return failed(invalidQuery(fieldErr{"status", "must be one of 'active', 'paused'"}))
	}
	return tableReply(c, &s.st.schedules, "schedules", 20, func(sc *schedule) (schedule, bool) {
		return *sc, status == "" || sc.Status == status
	})
}

// updateSchedule changes only the fields given.
func (s *Server) updateSchedule(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	sc, e := s.st.schedules.find(c, "id")
	if e != nil {
		return failed(e)
	}
	next := *sc
	ck := &checker{}
	if _, ok := o["name"]; ok {
		next.Name = ck.str(o, "", "name", true)
	}
	if _, ok := o["cron"]; ok {
		next.Cron, _ = readCron(ck, o, true)
	}
	if a, ok := s.readAction(ck, o, false); ok {
		next.Action = a
	}
	if e := ck.err(); e != nil {
		return failed(e)
	}
	s.reschedule(&next)
	*sc = next
	return answer(http.StatusOK, next)
}

func (s *Server) deleteSchedule(c *call) reply {
	sc, e := s.st.schedules.find(c, "id")
	if e != nil {
		return failed(e)
	}
	s.st.schedules.delete(sc.ID)
	return okReply()
}

// setScheduleStatus pauses or resumes a schedule; doing it twice is harmless.
func (s *Server) setScheduleStatus(status string) func(*call) reply {
	return func(c *call) reply {
		sc, e := s.st.schedules.find(c, "id")
		if e != nil {
			return failed(e)
		}
		next := *sc
		next.Status = status
		s.reschedule(&next)
		*sc = next
		return answer(http.StatusOK, next)
	}
}
