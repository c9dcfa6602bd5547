// Package webchat is the server of the web-chat example: one HTML page and
// a small API, through which a person gives an agent a task and watches
// its run stream in.
//
// The server keeps nothing in memory that a request needs, so any number
// of replicas may serve one page behind a round-robin load balancer:
// every request may land on any of them. The page's EventSource opens the
// agent's event stream first (GET …/events), which the server relays with
// sse.Relay, byte for byte and with the API's event ids; once it is open,
// the page POSTs the task, and the server starts the run (Agents.Run).
// Because the stream was connected before the run started, no event is
// lost, and because starting is a POST and watching a GET, a reconnection
// never starts a run twice. When EventSource reconnects, to whichever
// replica, with the Last-Event-ID of the last event it got, the server
// resumes the agent's stream after that event. A GET of a run's result,
// after an event id the page got, reads the rest of the run (Agents.Attach
// and Result) and answers its output and cost, also after the page left.
//
// The ids a page needs travel with its requests: the Last-Event-ID, and
// "after", the id of the last event of the agent's previous run, where the
// stream of its next run starts when the page has no Last-Event-ID yet.
// Only the first run of a new agent has none: a page whose connection
// drops after the stream opened and before the run's first event resumes
// with the agent's next event, as any stream without an id does. All of
// this relies on an API that replays events after an id, as theazotest
// does; the API reference documents neither event ids nor replay.
package webchat

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"sync"
	"time"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

//go:embed index.html
var page []byte

// maxTask bounds the length of a task, in bytes.
const maxTask = 4000

// maxID bounds the length of an event id a page sends, in bytes.
const maxID = 256

// maxResultWait bounds how long a request for a result waits for the run's end.
const maxResultWait = 2 * time.Minute

// Server serves the chat page and its API. Make one with New. It holds no
// state of its own but the id of its user's session, which any replica
// finds the same way: replicas of it may serve one page.
type Server struct {
	client *theazo.Client
	user   string
	log    *log.Logger
	mux    *http.ServeMux

	mu      sync.Mutex
	session string // the id of user's session, once known
}

// New returns the chat server. Its agents run in the session of user,
// and it serves only the agents of that session; failures it cannot show
// the page are written to logger.
func New(client *theazo.Client, user string, logger *log.Logger) *Server {
	s := &Server{client: client, user: user, log: logger, mux: http.NewServeMux()}
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("POST /api/agents", s.createAgent)
	s.mux.HandleFunc("GET /api/agents/{agent}/events", s.events)
	s.mux.HandleFunc("POST /api/agents/{agent}/runs", s.start)
	s.mux.HandleFunc("GET /api/agents/{agent}/runs/{task}/result", s.result)
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
	sessionID, err := s.sessionID(ctx)
	if err != nil {
		s.fail(w, "could not open the session", err)
		return
	}
	agent, err := s.client.Agents.Create(ctx, sessionID, &theazo.AgentCreateParams{Tools: []string{"web_search"}})
	if err != nil {
		s.fail(w, "could not create an agent", err)
		return
	}
	if agent, err = s.client.Agents.WaitUntil(ctx, agent.ID, theazo.AgentStatusIdle); err != nil {
		s.fail(w, "the agent did not start", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"id": agent.ID})
}

// events relays the agent's event stream to the page's EventSource, from
// after its Last-Event-ID, else after the "after" id of the URL, else from
// the agent's next event; it ends after the run's output or error event.
// The page opens it before it starts a run, so that the stream holds the
// run from its first event. No request here starts a run.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lastID := r.Header.Get("Last-Event-ID")
	if lastID == "" {
		lastID = r.URL.Query().Get("after")
	}
	if len(lastID) > maxID {
		http.Error(w, "the event id is too long", http.StatusBadRequest)
		return
	}
	agentID, err := s.agent(ctx, r)
	var stream *sse.Stream[theazo.AgentEvent]
	if err == nil {
		stream, err = s.client.Agents.Stream(ctx, agentID, theazo.WithLastEventID(lastID))
	}
	switch {
	case errors.Is(err, theazo.ErrNotFound):
		http.Error(w, "no such agent", http.StatusNotFound) // EventSource gives up
	case err != nil:
		s.log.Printf("streaming agent %s: %v", r.PathValue("agent"), err)
		sse.RelayError(w, r, err) // the page shows the error event
	default:
		if err := sse.Relay(ctx, w, r, stream); err != nil {
			s.log.Printf("relaying agent %s: %v", agentID, err)
		}
	}
}

// start starts a task on the page's agent and answers its task id. It is
// the only request that starts a run; the page sends it once its stream
// of the agent's events is open.
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	text := r.FormValue("task")
	if text == "" || len(text) > maxTask {
		http.Error(w, "a task of 1 to 4000 bytes is required", http.StatusBadRequest)
		return
	}
	agentID, err := s.agent(ctx, r)
	if err != nil {
		s.failAgent(w, err)
		return
	}
	ref, err := s.client.Agents.Run(ctx, agentID, text)
	if errors.Is(err, theazo.ErrConflict) {
		http.Error(w, "the agent is still running a task", http.StatusConflict)
		return
	}
	if err != nil {
		s.fail(w, "could not start the run", err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"taskId": ref.TaskID})
}

// result answers the run's output and cost once it has ended, reading the
// run's events after the "after" id, one the page got from the run's
// stream before its end (or the last of the agent's previous run).
func (s *Server) result(w http.ResponseWriter, r *http.Request) {
	after := r.URL.Query().Get("after")
	if after == "" || len(after) > maxID {
		http.Error(w, "after, the id of an event the page got, is required", http.StatusBadRequest)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), maxResultWait)
	defer cancel()
	agentID, err := s.agent(ctx, r)
	if err != nil {
		s.failAgent(w, err)
		return
	}
	taskID := r.PathValue("task")
	run, err := s.client.Agents.Attach(ctx, agentID, taskID, theazo.WithLastEventID(after))
	if err != nil {
		s.failJSON(w, err)
		return
	}
	defer run.Close()
	res, err := run.Result(ctx)
	if err != nil {
		s.failJSON(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"taskId": taskID, "output": res.Output, "cost": res.Cost})
}

// agent returns the request's agent, if it runs in the user's session: a
// page may use only the agents of this chat. An agent the API does not
// know, or one of another session, is ErrNotFound.
func (s *Server) agent(ctx context.Context, r *http.Request) (string, error) {
	sessionID, err := s.sessionID(ctx)
	if err != nil {
		return "", err
	}
	agent, err := s.client.Agents.Get(ctx, r.PathValue("agent"))
	if err != nil {
		return "", err
	}
	if agent.SessionID != sessionID {
		return "", theazo.ErrNotFound
	}
	return agent.ID, nil
}

// sessionID returns the id of the user's session, opening it the first
// time (Sessions.GetOrCreate answers every replica the same session).
func (s *Server) sessionID(ctx context.Context) (string, error) {
	s.mu.Lock()
	id := s.session
	s.mu.Unlock()
	if id != "" {
		return id, nil
	}
	sess, err := s.client.Sessions.GetOrCreate(ctx, s.user, nil)
	if err != nil {
		return "", err
	}
	s.mu.Lock()
	s.session = sess.ID
	s.mu.Unlock()
	return sess.ID, nil
}

// failAgent answers 404 for an agent the page may not use, else 502.
func (s *Server) failAgent(w http.ResponseWriter, err error) {
	if errors.Is(err, theazo.ErrNotFound) {
		http.Error(w, "no such agent", http.StatusNotFound)
		return
	}
	s.fail(w, "could not find the agent", err)
}

// fail answers 502 with a short message for the page and logs err.
func (s *Server) fail(w http.ResponseWriter, msg string, err error) {
	s.log.Printf("%s: %v", msg, err)
	http.Error(w, msg, http.StatusBadGateway)
}

// failJSON answers 502 with what the page may be told about err: the code,
// message and request id of an API error or a failed run.
func (s *Server) failJSON(w http.ResponseWriter, err error) {
	s.log.Printf("reading a run's result: %v", err)
	data := sse.ErrorData{Code: "unavailable", Message: "the run's result is unavailable"}
	var d sse.DescribedError
	if errors.As(err, &d) {
		data = d.ErrorData()
	}
	writeJSON(w, http.StatusBadGateway, data)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
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
