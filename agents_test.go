package theazo

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/internal/memnet"
	"github.com/theazo/theazo-go/sse"
)

// idleAgent is testdata/agents/agent_idle.json, decoded.
func idleAgent(status AgentStatus) *Agent {
	return &Agent{
		ID:             "agt_01HX3K4ABC",
		SessionID:      "ses_01HX3K2ABC",
		Status:         status,
		Compute:        &AgentCompute{Provider: ComputeE2B},
		Model:          &AgentModel{ID: "claude-3-5-sonnet-20241022"},
		Browser:        true,
		Instructions:   "You are a research assistant. Be concise.",
		Tools:          []string{"web_search", "write_file"},
		TimeoutSeconds: 120,
		CreatedAt:      time.Date(2025, 5, 1, 9, 31, 0, 0, time.UTC),
	}
}

func TestAgentsEndpoints(t *testing.T) {
	t.Parallel()
	runEndpointCases(t, []endpointCase{
		{
			name: "Create, the reference's example",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Create(ctx, "ses_01HX3K2ABC", &AgentCreateParams{
					Browser:        true,
					Tools:          []string{"web_search", "write_file"},
					Instructions:   "You are a research assistant. Be concise.",
					TimeoutSeconds: 120,
				})
			},
			reply:      reply{Status: 201, Body: golden(t, "agents/agent.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/ses_01HX3K2ABC/agents",
			wantBody: `{"browser":true,"tools":["web_search","write_file"],"instructions":"You are a research assistant. Be concise.","timeout":120}`,
			check: func(t *testing.T, got any) {
				want := idleAgent(AgentStatusProvisioning)
				want.Model = nil
				assert.Equal(t, want, got)
			},
		},
		{
			name: "Create from a definition",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Create(ctx, "ses_1", &AgentCreateParams{DefinitionID: "adef_01HX3K2DEF", Tools: []string{"web_search"}})
			},
			reply:      reply{Status: 201, Body: golden(t, "agents/agent.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/ses_1/agents",
			wantBody: `{"definitionId":"adef_01HX3K2DEF","tools":["web_search"]}`,
		},
		{
			name: "Create, compute and model",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Create(ctx, "ses_1", &AgentCreateParams{
					Compute: &AgentCompute{Provider: ComputeFly},
					Model:   &AgentModel{ID: "claude-3-5-sonnet-20241022"},
				})
			},
			reply:      reply{Body: golden(t, "agents/agent.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/ses_1/agents",
			wantBody: `{"compute":{"provider":"fly"},"model":{"id":"claude-3-5-sonnet-20241022"}}`,
		},
		{
			name:       "Create, nil params sends {}",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Agents.Create(ctx, "ses_1", nil) },
			reply:      reply{Body: golden(t, "agents/agent.json")},
			wantMethod: "POST", wantPath: "/v1/sessions/ses_1/agents",
			wantBody: `{}`,
		},
		{
			name:       "Get",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Agents.Get(ctx, "agt_01HX3K4ABC") },
			reply:      reply{Body: golden(t, "agents/agent_idle.json")},
			wantMethod: "GET", wantPath: "/v1/agents/agt_01HX3K4ABC",
			check: func(t *testing.T, got any) {
				assert.Equal(t, idleAgent(AgentStatusIdle), got)
			},
		},
		{
			name: "Run, the reference's example",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Run(ctx, "agt_01HX3K4ABC", "Summarize the top 5 AI research papers from this week")
			},
			reply:      reply{Status: 202, Body: golden(t, "agents/run.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/run",
			wantBody: `{"task":"Summarize the top 5 AI research papers from this week"}`,
			check: func(t *testing.T, got any) {
				assert.Equal(t, &TaskRef{TaskID: "task_01HX3K5ABC", AgentID: "agt_01HX3K4ABC"}, got)
			},
		},
		{
			name: "Exec, the reference's example",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Exec(ctx, "agt_01HX3K4ABC", &AgentExecParams{Lang: LangPython, Code: "print(2 + 2)"})
			},
			reply:      reply{Body: golden(t, "agents/exec.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/exec",
			wantBody: `{"lang":"python","code":"print(2 + 2)"}`,
			check: func(t *testing.T, got any) {
				assert.Equal(t, &ExecResult{Stdout: "4\n", Stderr: "", ExitCode: 0, DurationMs: 312}, got)
			},
		},
		{
			name: "Exec, bash",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Agents.Exec(ctx, "agt_1", &AgentExecParams{Lang: LangBash, Code: "echo \"$HOME\" && exit 3"})
			},
			reply:      reply{Body: `{"stdout":"/root\n","stderr":"","exitCode":3,"durationMs":5}`},
			wantMethod: "POST", wantPath: "/v1/agents/agt_1/exec",
			wantBody: `{"lang":"bash","code":"echo \"$HOME\" && exit 3"}`,
			check: func(t *testing.T, got any) {
				assert.Equal(t, 3, got.(*ExecResult).ExitCode)
			},
		},
		{
			name:       "Pause",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Agents.Pause(ctx, "agt_01HX3K4ABC") },
			reply:      reply{Body: golden(t, "agents/agent_paused.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/pause",
			check: func(t *testing.T, got any) {
				assert.Equal(t, idleAgent(AgentStatusPaused), got)
			},
		},
		{
			name:       "Resume",
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Agents.Resume(ctx, "agt_01HX3K4ABC") },
			reply:      reply{Body: golden(t, "agents/agent_running.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/resume",
			check: func(t *testing.T, got any) {
				assert.Equal(t, idleAgent(AgentStatusRunning), got)
			},
		},
		{
			name: "Terminate",
			call: func(ctx context.Context, c *Client) (any, error) {
				return "terminated", c.Agents.Terminate(ctx, "agt_01HX3K4ABC")
			},
			reply:      reply{Body: golden(t, "agents/terminate.json")},
			wantMethod: "POST", wantPath: "/v1/agents/agt_01HX3K4ABC/terminate",
		},
	})
}

func TestAgentsLocalValidation(t *testing.T) {
	t.Parallel()
	exec := &AgentExecParams{Lang: LangPython, Code: "print(1)"}
	runLocalErrorCases(t, []localErrorCase{
		{name: "Create empty session", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Create(ctx, "", nil) }},
		{name: "Get empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Get(ctx, "") }},
		{name: "Run empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Run(ctx, "", "task") }},
		{name: "Run empty task", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Run(ctx, "agt_1", "") }},
		{name: "RunStream empty task", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.RunStream(ctx, "agt_1", "") }},
		{name: "RunStream empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.RunStream(ctx, "", "task") }},
		{name: "Exec empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Exec(ctx, "", exec) }},
		{name: "Exec nil params", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Exec(ctx, "agt_1", nil) }},
		{name: "Exec no lang", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Agents.Exec(ctx, "agt_1", &AgentExecParams{Code: "x"})
		}},
		{name: "Exec no code", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Agents.Exec(ctx, "agt_1", &AgentExecParams{Lang: LangBash})
		}},
		{name: "Stream empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Stream(ctx, "") }},
		{name: "Pause empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Pause(ctx, "") }},
		{name: "Resume empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return c.Agents.Resume(ctx, "") }},
		{name: "Terminate empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) { return nil, c.Agents.Terminate(ctx, "") }},
	})
}

func TestAgentResumeConflict(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Status: 409, Body: envelopeBody("conflict", "Agent is not paused.", `{"status":"idle"}`)})
	_, err := srv.client().Agents.Resume(t.Context(), "agt_1")
	require.ErrorIs(t, err, ErrConflict)
	assert.Len(t, srv.requests(), 1)
}

func TestAgentUnknownStatusKept(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Body: `{"id":"agt_1","status":"hibernating","compute":{"provider":"modal"},"createdAt":"2025-05-01T09:30:00Z"}`})
	a, err := srv.client().Agents.Get(t.Context(), "agt_1")
	require.NoError(t, err)
	assert.Equal(t, AgentStatus("hibernating"), a.Status)
	assert.Equal(t, ComputeProvider("modal"), a.Compute.Provider)
}

func TestAgentStreamReferenceExample(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, streamReply(golden(t, "agents/stream.txt")))
	s, err := srv.client().Agents.Stream(t.Context(), "agt_01HX3K4ABC")
	require.NoError(t, err)
	defer s.Close()
	events, err := drainStream(t, s)
	require.NoError(t, err)
	assert.Equal(t, []AgentEvent{
		&ThinkingEvent{Text: "I'll search for recent AI papers..."},
		&ToolCallEvent{Tool: "web_search", Input: json.RawMessage(`{"query":"AI papers 2025"}`)},
		&OutputEvent{Text: "Here are the top 5...", Cost: Money{Amount: 12, Currency: "usd"}},
	}, withoutRaw(events))

	assertStreamOpened(t, srv, "/v1/agents/agt_01HX3K4ABC/stream", "", false)
}

func TestAgentStreamAllEvents(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, streamReply(golden(t, "agents/stream_all.txt")))
	s, err := srv.client().Agents.Stream(t.Context(), "agt_1")
	require.NoError(t, err)
	events, err := drainStream(t, s)
	require.NoError(t, err)
	assert.Equal(t, []AgentEvent{
		&ThinkingEvent{Text: "I'll search for recent AI papers..."},
		&ToolCallEvent{Tool: "web_search", Input: json.RawMessage(`{"query":"AI papers 2025"}`)},
		&ToolResultEvent{Tool: "web_search", Output: json.RawMessage(`[{"title":"Paper A","url":"https://example.com/a"}]`)},
		&UnknownEvent{Type: "progress", Data: `{"percent":50}`},
		&ThinkingEvent{Text: "data split over two lines"},
		&OutputEvent{Text: "Here are the top 5...", Cost: Money{Amount: 12, Currency: "usd"}},
	}, withoutRaw(events), "empty events skipped, unknown kept, nothing after the terminal event")
	assert.Equal(t, "6", s.LastEventID())
	assert.Len(t, srv.requests(), 1)
}

func TestAgentStreamErrorEvent(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, streamReply(golden(t, "agents/stream_error.txt")))
	s, err := srv.client().Agents.Stream(t.Context(), "agt_1")
	require.NoError(t, err)
	events, err := drainStream(t, s)
	require.NoError(t, err)
	assert.Equal(t, []AgentEvent{
		&ThinkingEvent{Text: "Trying to reach the site..."},
		&ErrorEvent{Code: CodeProviderError, Message: "The sandbox stopped responding."},
	}, withoutRaw(events))
}

func TestAgentStreamFailures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		opts   []Option
		check  func(t *testing.T, err error)
		events int
	}{
		{
			name:   "malformed known event",
			body:   "id: 1\nevent: thinking\ndata: {\"text\":\"ok\"}\n\nid: 2\nevent: tool_call\ndata: {\"tool\":\n\n",
			events: 1,
			check:  func(t *testing.T, err error) { assert.Contains(t, err.Error(), `decoding "tool_call" event`) },
		},
		{
			name:   "null known event",
			body:   "event: thinking\ndata: {\"text\":\"ok\"}\n\nevent: output\ndata: null\n\n",
			events: 1,
			check:  func(t *testing.T, err error) { assert.ErrorIs(t, err, ErrInvalidResponse) },
		},
		{
			name:   "2 MiB event",
			body:   "event: thinking\ndata: {\"text\":\"" + strings.Repeat("x", 2<<20) + "\"}\n\n",
			check:  func(t *testing.T, err error) { assert.ErrorIs(t, err, sse.ErrEventTooLarge) },
			events: 0,
		},
		{
			name:   "WithMaxEventSize",
			body:   "event: thinking\ndata: {\"text\":\"short\"}\n\nevent: thinking\ndata: {\"text\":\"" + strings.Repeat("x", 2048) + "\"}\n\n",
			opts:   []Option{WithMaxEventSize(1024)},
			check:  func(t *testing.T, err error) { assert.ErrorIs(t, err, sse.ErrEventTooLarge) },
			events: 1,
		},
		{
			name:   "cut mid-event without ids",
			body:   "event: thinking\ndata: {\"text\":\"ok\"}\n\nevent: output\ndata: {\"text\":\"Here are",
			check:  func(t *testing.T, err error) { assert.ErrorIs(t, err, sse.ErrInterrupted) },
			events: 1,
		},
		{
			name:   "ends before the terminal event",
			body:   "event: thinking\ndata: {\"text\":\"ok\"}\n\n",
			check:  func(t *testing.T, err error) { assert.ErrorIs(t, err, sse.ErrInterrupted) },
			events: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, streamReply(tc.body))
			s, err := srv.client(tc.opts...).Agents.Stream(t.Context(), "agt_1")
			require.NoError(t, err)
			var events []AgentEvent
			done := make(chan struct{})
			go func() { defer close(done); events, err = drainStream(t, s) }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				s.Close()
				t.Fatal("the stream hangs")
			}
			assert.Len(t, events, tc.events)
			require.Error(t, err)
			tc.check(t, err)
			assert.Len(t, srv.requests(), 1, "no resumption without ids")
		})
	}
}

func TestAgentStreamConnectFailures(t *testing.T) {
	t.Parallel()
	t.Run("API error", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: 404, Body: envelopeBody("not_found", "No such agent.", `{}`)})
		s, err := srv.client().Agents.Stream(t.Context(), "agt_missing")
		assert.Nil(t, s)
		require.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("not an event stream", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: 200, Body: `{"id":"agt_1"}`})
		s, err := srv.client().Agents.Stream(t.Context(), "agt_1")
		assert.Nil(t, s)
		require.ErrorIs(t, err, sse.ErrNotEventStream)
	})
	t.Run("503 before the stream is retried", func(t *testing.T) {
		srv := newRecorder(t, retryReply(503, "unavailable", "0"), streamReply(golden(t, "agents/stream.txt")))
		s, err := srv.client().Agents.Stream(t.Context(), "agt_1")
		require.NoError(t, err)
		events, err := drainStream(t, s)
		assert.NoError(t, err)
		assert.Len(t, events, 3)
		assert.Len(t, srv.requests(), 2)
	})
}

func TestAgentStreamConsumedOnce(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, streamReply(golden(t, "agents/stream.txt")))
	s, err := srv.client().Agents.Stream(t.Context(), "agt_1")
	require.NoError(t, err)
	events, err := drainStream(t, s)
	assert.Len(t, events, 3)
	assert.NoError(t, err)
	events, err = drainStream(t, s)
	assert.Empty(t, events)
	require.Error(t, err)
	assert.ErrorIs(t, err, sse.ErrConsumed)
}

// agentServer is a fake of the agent endpoints: a stream that forwards
// whatever the run handler hands it, and a run handler.
type agentServer struct {
	*httptest.Server
	t  *testing.T
	hc *http.Client // in memory: the only way to reach it
	// run answers POST /agents/:id/run; it may push events to the stream.
	run func(w http.ResponseWriter, r *http.Request, push func(string))

	streams    chan chan string // each connected stream's inbox
	mu         sync.Mutex
	lastIDs    []string
	streamGone chan struct{} // a stream's client went away
}

// newAgentServer starts an agentServer on 127.0.0.1 or, inMemory, on
// in-memory connections (internal/memnet), which only its client reaches,
// for a testing/synctest bubble. In memory, a write of the server waits
// until the client reads it: a server that pushes an event before the
// client reads its stream needs a real socket's buffers.
func newAgentServer(t *testing.T, inMemory bool) *agentServer {
	t.Helper()
	a := &agentServer{t: t, streams: make(chan chan string, 10), streamGone: make(chan struct{}, 10)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/agents/{id}/stream", func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.lastIDs = append(a.lastIDs, r.Header.Get("Last-Event-ID"))
		a.mu.Unlock()
		// The inbox is registered before the client can see the reply, so
		// that a run it sends next always finds the stream.
		inbox := make(chan string)
		a.streams <- inbox
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		w.(http.Flusher).Flush()
		for {
			select {
			case ev, ok := <-inbox:
				if !ok {
					return // the server ends the stream
				}
				io.WriteString(w, ev)
				w.(http.Flusher).Flush()
				inbox <- "" // written and flushed
			case <-r.Context().Done():
				a.streamGone <- struct{}{}
				return
			}
		}
	})
	mux.HandleFunc("POST /v1/agents/{id}/run", func(w http.ResponseWriter, r *http.Request) {
		var inbox chan string
		select {
		case inbox = <-a.streams:
		default:
		}
		push := func(ev string) {
			if inbox == nil {
				panic("run without a connected stream")
			}
			inbox <- ev
			<-inbox
		}
		a.run(w, r, push)
	})
	a.Server = httptest.NewUnstartedServer(mux)
	if inMemory {
		a.Listener.Close()
		l := memnet.Listen()
		a.Listener = l
		tr := &http.Transport{DialContext: l.Dial}
		a.hc = &http.Client{Transport: tr}
	}
	a.Start()
	t.Cleanup(a.Close)
	if a.hc != nil {
		t.Cleanup(a.hc.CloseIdleConnections)
	}
	return a
}

// client returns a test client of the server.
func (a *agentServer) client() *Client {
	if a.hc == nil {
		return newTestClient(a.t, a.URL)
	}
	return newTestClient(a.t, a.URL, WithHTTPClient(a.hc))
}

func TestRunStreamReceivesTheFirstEvent(t *testing.T) {
	t.Parallel()
	a := newAgentServer(t, false)
	var body atomic.Value
	a.run = func(w http.ResponseWriter, r *http.Request, push func(string)) {
		b, _ := io.ReadAll(r.Body)
		body.Store(string(b))
		// The run starts: its first event goes out before the 202 does.
		push("event: thinking\ndata: {\"text\":\"first\"}\n\n")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		io.WriteString(w, `{"taskId":"task_1","agentId":"agt_1"}`)
		go push("event: output\ndata: {\"text\":\"done\",\"cost\":{\"amount\":3,\"currency\":\"usd\"}}\n\n")
	}
	s, err := a.client().Agents.RunStream(t.Context(), "agt_1", "Summarize")
	require.NoError(t, err)
	defer s.Close()
	events, err := drainStream(t, s.Stream())
	assert.NoError(t, err)
	assert.Equal(t, []AgentEvent{
		&ThinkingEvent{Text: "first"},
		&OutputEvent{Text: "done", Cost: Money{Amount: 3, Currency: "usd"}},
	}, withoutRaw(events))
	assert.JSONEq(t, `{"task":"Summarize"}`, body.Load().(string))
}

func TestRunStreamClosesTheStreamWhenRunFails(t *testing.T) {
	t.Parallel()
	a := newAgentServer(t, false)
	a.run = func(w http.ResponseWriter, r *http.Request, push func(string)) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, envelopeBody("conflict", "Agent is busy.", `{}`))
	}
	s, err := a.client().Agents.RunStream(t.Context(), "agt_1", "task")
	assert.Nil(t, s)
	require.ErrorIs(t, err, ErrConflict)
	select {
	case <-a.streamGone:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream's connection is still open")
	}
}

func TestRunStreamDoesNotRunWithoutAStream(t *testing.T) {
	t.Parallel()
	var runs atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/run") {
			runs.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, envelopeBody("not_found", "No such agent.", `{}`))
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL)
	_, err := c.Agents.RunStream(t.Context(), "agt_1", "task")
	require.ErrorIs(t, err, ErrNotFound)
	assert.Zero(t, runs.Load())
}

func TestAgentStreamResumes(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Header.Clone())
		n := len(seen)
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		switch n {
		case 1:
			io.WriteString(w, "id: 1\nevent: thinking\ndata: {\"text\":\"one\"}\n\nid: 2\nevent: tool_call\ndata: {\"tool\":\"web_search\",\"input\":{}}\n\nid: 3\nevent: tool_res")
		default:
			io.WriteString(w, "id: 3\nevent: tool_result\ndata: {\"tool\":\"web_search\",\"output\":\"found\"}\n\nid: 4\nevent: output\ndata: {\"text\":\"done\",\"cost\":{\"amount\":1,\"currency\":\"usd\"}}\n\n")
		}
	}))
	t.Cleanup(srv.Close)
	c := newTestClient(t, srv.URL)

	s, err := c.Agents.Stream(t.Context(), "agt_1")
	require.NoError(t, err)
	events, err := drainStream(t, s)
	assert.NoError(t, err)
	assert.Equal(t, []AgentEvent{
		&ThinkingEvent{Text: "one"},
		&ToolCallEvent{Tool: "web_search", Input: json.RawMessage(`{}`)},
		&ToolResultEvent{Tool: "web_search", Output: json.RawMessage(`"found"`)},
		&OutputEvent{Text: "done", Cost: Money{Amount: 1, Currency: "usd"}},
	}, withoutRaw(events))

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, seen, 2)
	assert.Empty(t, seen[0].Get("Last-Event-ID"))
	assert.Equal(t, "2", seen[1].Get("Last-Event-ID"))
	assert.Equal(t, "Bearer "+testKey, seen[1].Get("Authorization"), "the resumption is authenticated too")
	assert.Equal(t, "text/event-stream", seen[1].Get("Accept"))
}

// A resumption is an ordinary GET through the transport's request path,
// with the retry policy's decision on each attempt (which statuses, what
// Retry-After, up to which wait), but with one budget: the stream's, three
// attempts in a row, none of them retried by the transport as well. It
// runs on synctest's clock, so each wait is exact and takes no real time.
func TestAgentStreamResumptionIsRetried(t *testing.T) {
	t.Parallel()
	first := streamReply("id: 1\nevent: thinking\ndata: {\"text\":\"one\"}\n\nid: 2\nevent: thin")
	rest := streamReply("id: 2\nevent: output\ndata: {\"text\":\"done\",\"cost\":{\"amount\":1,\"currency\":\"usd\"}}\n\n")
	unavailable := reply{Status: http.StatusServiceUnavailable, Body: envelopeBody("internal_error", "Try again.", `{}`)}
	limited := func(after string) reply {
		return reply{Status: http.StatusTooManyRequests, Header: map[string]string{"Retry-After": after}, Body: envelopeBody("rate_limited", "Slow down.", `{}`)}
	}
	tests := []struct {
		name     string
		replies  []reply // the last one answers every later request
		opts     []Option
		requests int // exactly, the first connection's included
		status   int // of the *Error that ends the stream; zero: it ends well
		minWait  time.Duration
	}{
		{name: "a 503, then the stream", replies: []reply{first, unavailable, rest}, requests: 3},
		{name: "503 for ever: three attempts, not three times three", replies: []reply{first, unavailable}, requests: 1 + sse.DefaultMaxReconnects, status: http.StatusServiceUnavailable},
		{name: "a refusal ends it at once", replies: []reply{first, {Status: http.StatusNotFound, Body: envelopeBody("not_found", "No such agent.", `{}`)}}, requests: 2, status: http.StatusNotFound},
		{name: "a 429's Retry-After is waited for", replies: []reply{first, limited("0.05"), rest}, requests: 3, minWait: 50 * time.Millisecond},
		{name: "a Retry-After beyond WithMaxRetryWait is not", replies: []reply{first, limited("60")}, opts: []Option{WithMaxRetryWait(time.Second)}, requests: 2, status: http.StatusTooManyRequests},
		{name: "WithMaxRetries sets the budget", replies: []reply{first, unavailable}, opts: []Option{WithMaxRetries(0)}, requests: 2, status: http.StatusServiceUnavailable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				srv := newMemRecorder(t, tc.replies...)
				s, err := srv.client(tc.opts...).Agents.Stream(t.Context(), "agt_1")
				require.NoError(t, err)
				began := time.Now()
				events, err := drainStream(t, s)
				assert.GreaterOrEqual(t, time.Since(began), tc.minWait)
				reqs := srv.requests()
				require.Len(t, reqs, tc.requests)
				assert.Empty(t, reqs[0].Header.Get("Last-Event-ID"))
				for _, r := range reqs[1:] {
					assert.Equal(t, "1", r.Header.Get("Last-Event-ID"))
					assert.Equal(t, "/v1/agents/agt_1/stream", r.Path)
				}
				if tc.status != 0 {
					assert.Equal(t, []AgentEvent{&ThinkingEvent{Text: "one"}}, withoutRaw(events))
					require.ErrorIs(t, err, sse.ErrInterrupted)
					var apiErr *Error
					require.ErrorAs(t, err, &apiErr)
					assert.Equal(t, tc.status, apiErr.StatusCode)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, []AgentEvent{
					&ThinkingEvent{Text: "one"},
					&OutputEvent{Text: "done", Cost: Money{Amount: 1, Currency: "usd"}},
				}, withoutRaw(events))
			})
		})
	}
	t.Run("WithMaxRetryWait caps the backoff", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			srv := newMemRecorder(t, first, unavailable)
			// Without the test clients' short reconnection wait: the
			// stream's own backoff starts at 100 ms.
			c := NewClient(testKey, WithBaseURL(srv.URL+"/v1"), WithHTTPClient(srv.hc), WithMaxRetryWait(10*time.Millisecond))
			s, err := c.Agents.Stream(t.Context(), "agt_1")
			require.NoError(t, err)
			began := time.Now()
			_, err = drainStream(t, s)
			require.ErrorIs(t, err, sse.ErrInterrupted)
			assert.Len(t, srv.requests(), 1+sse.DefaultMaxReconnects)
			waited := time.Since(began) // each wait is the capped backoff, with half of it jittered
			assert.GreaterOrEqual(t, waited, sse.DefaultMaxReconnects*5*time.Millisecond)
			assert.LessOrEqual(t, waited, sse.DefaultMaxReconnects*10*time.Millisecond, "no wait is over the cap")
		})
	})
	t.Run("the first connection has the same budget", func(t *testing.T) {
		t.Parallel()
		synctest.Test(t, func(t *testing.T) {
			srv := newMemRecorder(t, unavailable, unavailable, rest)
			var resp Response
			s, err := srv.client().Agents.Stream(t.Context(), "agt_1", WithResponseInto(&resp))
			require.NoError(t, err)
			defer s.Close()
			assert.Len(t, srv.requests(), 3)
			assert.Equal(t, http.StatusOK, resp.StatusCode, "the Response describes the connection made")

			srv = newMemRecorder(t, unavailable)
			_, err = srv.client().Agents.Stream(t.Context(), "agt_1")
			var apiErr *Error
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
			assert.Len(t, srv.requests(), sse.DefaultMaxReconnects, "three attempts, not three times three")
		})
	})
}

func TestAgentStreamCloseAndCancel(t *testing.T) {
	t.Run("Close from another goroutine", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			a := newAgentServer(t, true)
			s, err := a.client().Agents.Stream(t.Context(), "agt_1")
			require.NoError(t, err)
			inbox := <-a.streams
			var closedAt atomic.Int64
			var events []AgentEvent
			var errs []error
			done := make(chan struct{})
			go func() {
				defer close(done)
				for e, err := range s.Events() {
					if err != nil {
						errs = append(errs, err)
						continue
					}
					events = append(events, e)
					go func() {
						time.Sleep(30 * time.Millisecond)
						closedAt.Store(time.Now().UnixNano())
						assert.NoError(t, s.Close())
					}()
				}
			}()
			// In memory, the event is flushed once the reader reads it.
			inbox <- "event: thinking\ndata: {\"text\":\"one\"}\n\n"
			<-inbox
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Close did not unblock the reader")
			}
			assert.Zero(t, time.Since(time.Unix(0, closedAt.Load())), "Close unblocks the reader at once")
			assert.Len(t, events, 1)
			assert.Empty(t, errs)
			assert.NoError(t, s.Close(), "Close is idempotent")
			<-a.streamGone
		})
	})
	t.Run("context cancelled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			a := newAgentServer(t, true)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			s, err := a.client().Agents.Stream(ctx, "agt_1")
			require.NoError(t, err)
			<-a.streams
			time.AfterFunc(30*time.Millisecond, cancel)
			began := time.Now()
			events, err := drainStream(t, s)
			assert.Equal(t, 30*time.Millisecond, time.Since(began), "the stream ends as its ctx does")
			assert.Empty(t, events)
			require.Error(t, err)
			assert.ErrorIs(t, err, context.Canceled)
			<-a.streamGone
		})
	})
}
