// Package webchat is the server of the web-chat example: one HTML page and
// two endpoints, through which a person gives an agent a task and watches
// its run stream in. The agent's events are relayed to the page's
// EventSource with sse.Relay, byte for byte, with the API's event ids, so a
// page that reconnects resumes where it stopped.
package webchat

import (
	_ "embed"
	"encoding/json"
	"log"
	"net/http"
	"sync"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

//go:embed index.html
var page []byte

// maxTask bounds the length of a task, in bytes.
const maxTask = 4000

// Server serves the chat page and its API. Make one with New.
type Server struct {
	client *theazo.Client
	user   string
	log    *log.Logger
	mux    *http.ServeMux

	mu     sync.Mutex
	agents map[string]bool // the agents this server created: the only ones it streams
}

// New returns the chat server. Its agents run in the session of user;
// failures it cannot show the page are written to logger.
func New(client *theazo.Client, user string, logger *log.Logger) *Server {
	s := &Server{client: client, user: user, log: logger, mux: http.NewServeMux(), agents: map[string]bool{}}
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("POST /api/agents", s.createAgent)
	s.mux.HandleFunc("GET /api/agents/{id}/run", s.run)
	return s
}

// ServeHTTP serves the page and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

func (s *Server) index(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'")
	w.Write(page)
}

// createAgent gives the page an agent of its own, once it is idle.
func (s *Server) createAgent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	sess, err := s.client.Sessions.GetOrCreate(ctx, s.user, nil)
	if err != nil {
		s.fail(w, "could not open the session", err)
		return
	}
	agent, err := s.client.Agents.Create(ctx, sess.ID, &theazo.AgentCreateParams{Tools: []string{"web_search"}})
	if err != nil {
		s.fail(w, "could not create an agent", err)
		return
	}
	if agent, err = s.client.Agents.WaitUntil(ctx, agent.ID, theazo.AgentStatusIdle); err != nil {
		s.fail(w, "the agent did not start", err)
		return
	}
	s.mu.Lock()
	s.agents[agent.ID] = true
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]string{"id": agent.ID})
}

// run starts a task on the page's agent and relays the run's events to
// the page. A page that reconnects (EventSource sends Last-Event-ID) gets
// the rest of the same run, not a new one.
func (s *Server) run(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	agentID := r.PathValue("id")
	s.mu.Lock()
	known := s.agents[agentID]
	s.mu.Unlock()
	if !known {
		http.Error(w, "no such agent", http.StatusNotFound)
		return
	}
	var stream *sse.Stream[theazo.AgentEvent]
	if lastID := r.Header.Get("Last-Event-ID"); lastID != "" {
		resumed, err := s.client.Agents.Stream(ctx, agentID, theazo.WithLastEventID(lastID))
		if err != nil {
			s.fail(w, "could not resume the run", err)
			return
		}
		stream = resumed
	} else {
		task := r.URL.Query().Get("task")
		if task == "" || len(task) > maxTask {
			http.Error(w, "a task of 1 to 4000 bytes is required", http.StatusBadRequest)
			return
		}
		run, err := s.client.Agents.RunStream(ctx, agentID, task)
		if err != nil {
			s.fail(w, "could not start the run", err)
			return
		}
		stream = run.Stream()
	}
	if err := sse.Relay(ctx, w, r, stream); err != nil {
		s.log.Printf("relaying agent %s: %v", agentID, err)
	}
}

// fail answers 502 with a short message for the page and logs err.
func (s *Server) fail(w http.ResponseWriter, msg string, err error) {
	s.log.Printf("%s: %v", msg, err)
	http.Error(w, msg, http.StatusBadGateway)
}

// DemoScript is what the fake's agents do in the example: think, search
// the web, read the result, think again and answer, for 14 cents.
func DemoScript(task string) []theazotest.Event {
	return []theazotest.Event{
		theazotest.Thinking("Looking into: " + task + " — I will search the web first."),
		theazotest.ToolCall("web_search", map[string]any{"query": task}),
		theazotest.ToolResult("web_search", map[string]any{"results": []map[string]string{
			{"title": "A scripted search result", "url": "https://example.com/result"},
		}}),
		theazotest.Thinking("One good source. Writing the answer."),
		theazotest.Output("Here is a scripted answer to: "+task, 14),
	}
}
