// Package webchat is the server of the web-chat example: one HTML page and
// a small API, through which a person gives an agent a task and watches
// its run stream in.
//
// Starting a run and watching it are two requests, so that a browser that
// reconnects can never start a run twice: a POST starts the run and
// answers its task id; the page's EventSource then GETs the run's events,
// which the server relays with sse.Relay, byte for byte and with the API's
// event ids. When EventSource reconnects, with the Last-Event-ID of the
// last event it got, the server attaches to the same run after that event
// (Agents.Attach). A GET of the run's result answers the run's output,
// reading the rest of the run if the page left before its end; a run no
// page watches any longer is read to its end by the server after a few
// seconds, so its result is at hand even from an API that does not replay.
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

// maxResultWait bounds how long a request for a result waits for the run's end.
const maxResultWait = 2 * time.Minute

// collectAfter is how long after its page left (or, for a page that never
// asks for its events, after the start) the server reads the rest of a run
// itself, so that the result does not depend on a server that replays
// events. It leaves EventSource (3 s in Chromium) time to reconnect first.
const collectAfter = 5 * time.Second

// maxCollect bounds how long the server reads a run no page watches.
const maxCollect = 30 * time.Minute

// Server serves the chat page and its API. Make one with New; Close it
// when done.
type Server struct {
	client *theazo.Client
	user   string
	log    *log.Logger
	mux    *http.ServeMux
	ctx    context.Context // the runs' own handles and the collections live until Close
	cancel context.CancelFunc
	linger time.Duration // collectAfter, shorter in tests
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	agents map[string]*task // the agents this server created: the only ones it runs tasks on, with their latest run
}

// task is one run of an agent, as the server knows it.
type task struct {
	agentID, id string

	mu     sync.Mutex
	own    *theazo.AgentRun // RunStream's handle, until a request takes it
	seen   string           // the id of the last event relayed to a page
	result *theazo.AgentResult
	failed *theazo.RunError // the run's failure, once known
	active int              // relays under way
	timer  *time.Timer      // the collection to come, if any
}

// New returns the chat server. Its agents run in the session of user;
// failures it cannot show the page are written to logger.
func New(client *theazo.Client, user string, logger *log.Logger) *Server {
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{client: client, user: user, log: logger, mux: http.NewServeMux(), ctx: ctx, cancel: cancel, linger: collectAfter, agents: map[string]*task{}}
	s.mux.HandleFunc("GET /{$}", s.index)
	s.mux.HandleFunc("POST /api/agents", s.createAgent)
	s.mux.HandleFunc("POST /api/agents/{agent}/runs", s.start)
	s.mux.HandleFunc("GET /api/agents/{agent}/runs/{task}/events", s.events)
	s.mux.HandleFunc("GET /api/agents/{agent}/runs/{task}/result", s.result)
	return s
}

// ServeHTTP serves the page and the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close releases the streams of runs no page has asked for and stops
// reading the runs no page watches; the runs themselves go on on the API.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	for _, t := range s.agents {
		if t != nil {
			t.stopTimer()
			t.drop()
		}
	}
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

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
	s.agents[agent.ID] = nil
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"id": agent.ID})
}

// start starts a task on the page's agent and answers its task id. It is
// the only request that starts a run.
//
// RunStream connects to the agent's stream before it starts the run, so
// its handle holds the run from its first event; the page's first GET of
// the events relays it. (Agents.Run and a later Attach would miss the
// events sent in between: the API replays events only after an id.)
func (s *Server) start(w http.ResponseWriter, r *http.Request) {
	agentID := r.PathValue("agent")
	if !s.known(agentID) {
		http.Error(w, "no such agent", http.StatusNotFound)
		return
	}
	text := r.FormValue("task")
	if text == "" || len(text) > maxTask {
		http.Error(w, "a task of 1 to 4000 bytes is required", http.StatusBadRequest)
		return
	}
	run, err := s.client.Agents.RunStream(s.ctx, agentID, text)
	if errors.Is(err, theazo.ErrConflict) {
		http.Error(w, "the agent is still running a task", http.StatusConflict)
		return
	}
	if err != nil {
		s.fail(w, "could not start the run", err)
		return
	}
	t := &task{agentID: agentID, id: run.TaskID, own: run}
	s.mu.Lock()
	if old := s.agents[agentID]; old != nil {
		old.stopTimer()
		old.drop()
	}
	s.agents[agentID] = t
	s.mu.Unlock()
	s.relayEnded(t, 0) // collected if no page asks for it
	writeJSON(w, http.StatusOK, map[string]string{"taskId": run.TaskID})
}

// events relays a run's events to the page's EventSource. The first
// request relays the run's own handle, from the run's first event; any
// later one, a reconnection, attaches to the run after the page's
// Last-Event-ID, or after the last event relayed when the page has none.
// No request here starts a run.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	t := s.task(r)
	if t == nil {
		http.Error(w, "no such run", http.StatusNotFound)
		return
	}
	ctx := r.Context()
	lastID := r.Header.Get("Last-Event-ID")
	var run *theazo.AgentRun
	if lastID == "" {
		run = t.take()
	}
	if run == nil {
		if lastID == "" {
			lastID = t.lastSeen()
		}
		attached, err := s.client.Agents.Attach(ctx, t.agentID, t.id, theazo.WithLastEventID(lastID))
		if err != nil {
			s.log.Printf("attaching to run %s: %v", t.id, err)
			sse.RelayError(w, r, err) // the page shows the error event
			return
		}
		run = attached
	}
	defer run.Close()
	t.relayStarted()
	defer s.relayEnded(t, 1)
	// Before each event goes to the page, note its id and, at the run's
	// end, the result (which the handle has then: Result answers at once),
	// so that a request for the result never waits for an event relayed
	// already.
	note := sse.WithEventHook(func(ev sse.Event) (sse.Event, bool) {
		switch ev.(type) {
		case *theazo.OutputEvent, *theazo.ErrorEvent:
			t.finished(run.Result(context.WithoutCancel(ctx)))
		}
		t.relayed(run.LastEventID())
		return ev, true
	})
	if err := sse.Relay(ctx, w, r, run.Stream(), note); err != nil {
		s.log.Printf("relaying run %s: %v", t.id, err)
	}
}

// result answers the run's output and cost, once the run has ended,
// reading the rest of the run from the last event relayed if the page
// left before its end.
func (s *Server) result(w http.ResponseWriter, r *http.Request) {
	t := s.task(r)
	if t == nil {
		http.Error(w, "no such run", http.StatusNotFound)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), maxResultWait)
	defer cancel()
	res, err := s.readResult(ctx, t)
	if err != nil {
		s.failJSON(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"taskId": t.id, "output": res.Output, "cost": res.Cost})
}

// readResult returns the run's result: the one known, else what Result
// reads of the run: on its own handle if no page took it, from its first
// event; else attached after the last event relayed.
func (s *Server) readResult(ctx context.Context, t *task) (*theazo.AgentResult, error) {
	res, failed, seen := t.known()
	switch {
	case failed != nil:
		return nil, failed
	case res != nil:
		return res, nil
	}
	run := t.take()
	if run == nil {
		attached, err := s.client.Agents.Attach(ctx, t.agentID, t.id, theazo.WithLastEventID(seen))
		if err != nil {
			return nil, err
		}
		run = attached
	}
	defer run.Close()
	res, err := run.Result(ctx)
	t.finished(res, err)
	return res, err
}

// relayEnded notes the end of one of the n relays of t under way, and
// when none is left and the run's end is not known, plans its collection:
// a page that left may yet reconnect, but a page closed for good must not
// cost the run's result.
func (s *Server) relayEnded(t *task, n int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active -= n
	if t.active > 0 || t.result != nil || t.failed != nil || t.timer != nil {
		return
	}
	t.timer = time.AfterFunc(s.linger, func() { s.collect(t) })
}

// collect reads the run to its end if no page is watching it.
func (s *Server) collect(t *task) {
	t.mu.Lock()
	t.timer = nil
	idle := t.active == 0
	t.mu.Unlock()
	s.mu.Lock()
	if s.closed || !idle {
		s.mu.Unlock()
		return
	}
	s.wg.Add(1)
	s.mu.Unlock()
	defer s.wg.Done()
	ctx, cancel := context.WithTimeout(s.ctx, maxCollect)
	defer cancel()
	if _, err := s.readResult(ctx, t); err != nil && s.ctx.Err() == nil {
		s.log.Printf("reading run %s: %v", t.id, err)
	}
}

// known reports whether this server created agentID.
func (s *Server) known(agentID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.agents[agentID]
	return ok
}

// task returns the run the request names: the latest of its agent.
func (s *Server) task(r *http.Request) *task {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.agents[r.PathValue("agent")]
	if t == nil || t.id != r.PathValue("task") {
		return nil
	}
	return t
}

// relayStarted notes a relay of the run and calls off its collection.
func (t *task) relayStarted() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.active++
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}

// stopTimer calls off the run's collection.
func (t *task) stopTimer() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer != nil {
		t.timer.Stop()
		t.timer = nil
	}
}

// take returns the run's own handle the first time, then nil.
func (t *task) take() *theazo.AgentRun {
	t.mu.Lock()
	defer t.mu.Unlock()
	run := t.own
	t.own = nil
	return run
}

// drop closes the run's own handle if no request took it.
func (t *task) drop() {
	if run := t.take(); run != nil {
		run.Close()
	}
}

// relayed notes the id of the last event relayed to a page.
func (t *task) relayed(id string) {
	if id == "" {
		return
	}
	t.mu.Lock()
	t.seen = id
	t.mu.Unlock()
}

func (t *task) lastSeen() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen
}

// finished notes the run's result, or its failure; other errors say
// nothing about the run.
func (t *task) finished(res *theazo.AgentResult, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if res != nil && err == nil {
		t.result = res
	}
	errors.As(err, &t.failed)
}

// known returns the run's result or failure, if known, and else the id of
// the last event relayed, which is never the run's last event: a relay
// notes the run's end before its id.
func (t *task) known() (*theazo.AgentResult, *theazo.RunError, string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.result, t.failed, t.seen
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
