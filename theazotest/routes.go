package theazotest

import (
	"net/http"
	"strings"
)

// routes registers every endpoint of the API: with handle, those that run
// with s.mu held and return their reply; with handleUnlocked, those that
// answer on their own and take the lock for what they read or change
// (streams, and those that call a function of the test's).
func (s *Server) routes() {
	const public = true
	s.handle("POST /sessions", !public, s.createSession)
	// POST /sessions/by-user/{userId} and POST /sessions/{id}/agents overlap
	// ("/sessions/by-user/agents"); by-user wins, as in the API's path order.
	s.handle("POST /sessions/{id}/{sub}", !public, func(c *call) reply {
		switch id, sub := c.r.PathValue("id"), c.r.PathValue("sub"); {
		case id == "by-user":
			c.r.SetPathValue("userId", sub)
			return s.getOrCreateSession(c)
		case sub == "agents":
			return s.createAgent(c)
		default:
			return failed(&apiError{status: 404, code: "not_found", message: "No route POST " + c.r.URL.Path + "."})
		}
	})
	s.handle("GET /sessions", !public, s.listSessions)

	s.handle("GET /agents/{id}", !public, s.getAgent)
	s.handle("POST /agents/{id}/run", !public, s.runAgentTask)
	s.handleUnlocked("POST /agents/{id}/exec", !public, s.execAgent)
	s.handleUnlocked("GET /agents/{id}/stream", !public, s.streamAgent)
	s.handle("POST /agents/{id}/pause", !public, s.pauseAgent)
	s.handle("POST /agents/{id}/resume", !public, s.resumeAgent)
	s.handle("POST /agents/{id}/terminate", !public, s.terminateAgent)

	s.handle("GET /usage/summary", !public, s.report(monthStart, s.usageSummary))
	s.handle("GET /billing/usage", !public, s.report(monthStart, s.billingUsage))
	s.handle("GET /billing/usage/daily", !public, s.report(thirtyDaysAgo, s.billingDaily))
	s.handle("GET /billing/usage/users", !public, s.report(monthStart, s.billingUsers))
	s.handle("GET /billing/usage/models", !public, s.report(monthStart, s.billingModels))

	s.handle("GET /providers", !public, s.listProviders)
	s.handle("POST /providers", !public, s.createProvider)
	s.handle("DELETE /providers/{provider}", !public, s.deleteProvider)

	s.handle("POST /secrets", !public, s.setSecret)
	s.handle("GET /secrets", !public, s.listSecrets)
	s.handle("DELETE /secrets/{name}", !public, s.deleteSecret)

	s.handle("POST /agent-definitions", !public, s.createDefinition)
	s.handle("GET /agent-definitions", !public, s.listDefinitions)
	s.handle("GET /agent-definitions/{id}", !public, s.getDefinition)
	s.handle("PUT /agent-definitions/{id}", !public, s.updateDefinition)
	s.handle("DELETE /agent-definitions/{id}", !public, s.archiveDefinition)

	s.handle("POST /workflows", !public, s.createWorkflow)
	s.handle("GET /workflows", !public, s.listWorkflows)
	s.handle("GET /workflows/{id}", !public, s.getWorkflow)
	s.handle("PUT /workflows/{id}", !public, s.updateWorkflow)
	s.handle("DELETE /workflows/{id}", !public, s.deleteWorkflow)
	s.handle("POST /workflows/{id}/run", !public, s.runWorkflow)
	s.handle("POST /workflows/{id}/estimate", !public, s.estimateWorkflow)
	s.handle("GET /workflow-runs/{runId}", !public, s.getRun)
	s.handleUnlocked("GET /workflow-runs/{runId}/stream", !public, s.streamRun)

	s.handle("POST /fleets", !public, s.createFleet)
	s.handle("GET /fleets", !public, s.listFleets)
	s.handle("GET /fleets/{id}", !public, s.getFleet)
	s.handle("POST /fleets/{id}/cancel", !public, s.cancelFleet)
	s.handleUnlocked("GET /fleets/{id}/stream", !public, s.streamFleet)

	s.handle("POST /schedules", !public, s.createSchedule)
	s.handle("GET /schedules", !public, s.listSchedules)
	s.handle("PATCH /schedules/{id}", !public, s.updateSchedule)
	s.handle("DELETE /schedules/{id}", !public, s.deleteSchedule)
	s.handle("POST /schedules/{id}/pause", !public, s.setScheduleStatus("paused"))
	s.handle("POST /schedules/{id}/resume", !public, s.setScheduleStatus("active"))

	s.handle("POST /triggers", !public, s.createTrigger)
	s.handle("GET /triggers", !public, s.listTriggers)
	s.handle("DELETE /triggers/{id}", !public, s.deleteTrigger)
	s.handle("POST /triggers/{id}/fire", public, s.fireTrigger)

	s.handle("POST /channels", !public, s.createChannel)
	s.handle("GET /channels", !public, s.listChannels)
	s.handleUnlocked("POST /channels/{id}/messages", public, s.sendMessage)
	s.handle("GET /channels/{id}/messages", public, s.listMessages)
	s.handleUnlocked("GET /channels/{id}/stream", public, s.streamChannel)

	// Anything else is an unknown resource, in the API's envelope.
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(callKey{}).(*call)
		c.r = r
		c.fail(&apiError{status: 404, code: "not_found", message: "No route " + r.Method + " " + r.URL.Path + "."})
	})
}

// handle registers h for pattern as handleUnlocked does, but h runs with
// s.mu held and returns its reply, which is written once the lock is
// released, so that no handler writes to the network holding the lock.
func (s *Server) handle(pattern string, public bool, h func(*call) reply) {
	s.handleUnlocked(pattern, public, func(c *call) {
		var r reply
		s.locked(func() { r = h(c) })
		c.write(r)
	})
}

// handleUnlocked registers h for pattern ("METHOD /path" relative to /v1);
// h answers the call itself. Unless public, the call must carry a valid
// key that may call the route, and is counted against the rate limit.
func (s *Server) handleUnlocked(pattern string, public bool, h func(*call)) {
	method, path, _ := strings.Cut(pattern, " ")
	s.mux.HandleFunc(method+" /v1"+path, func(w http.ResponseWriter, r *http.Request) {
		c, _ := r.Context().Value(callKey{}).(*call)
		c.r = r
		if !public && !s.authorize(c) {
			return
		}
		if !c.readBody() {
			return
		}
		h(c)
	})
}

// routeMatcher matches a method and a path relative to /v1.
type routeMatcher struct {
	method string   // "" or "*" matches any
	segs   []string // nil matches any path; "*" matches one segment
}

func newRouteMatcher(method, path string) routeMatcher {
	m := routeMatcher{method: strings.ToUpper(strings.TrimSpace(method))}
	path = strings.TrimSpace(path)
	if path != "" && path != "*" {
		m.segs = strings.Split(strings.Trim(strings.TrimPrefix(path, "/v1"), "/"), "/")
	}
	return m
}

func (m routeMatcher) match(method, path string) bool {
	if m.method != "" && m.method != "*" && m.method != method {
		return false
	}
	if m.segs == nil {
		return true
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) != len(m.segs) {
		return false
	}
	for i, s := range m.segs {
		if s != "*" && s != segs[i] {
			return false
		}
	}
	return true
}
