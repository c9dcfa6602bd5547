package theazo_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/sse"
	"github.com/theazo/theazo-go/theazotest"
)

// handle is what these tests need of a run handle, whatever its kind.
type handle struct {
	id, parent string // the task and agent, the run and workflow, the fleet and session
	relay      func(ctx context.Context, w http.ResponseWriter, r *http.Request) error
	events     iter.Seq2[string, error] // the events' wire names
	result     func(ctx context.Context) (string, error)
	lastID     func() string
	close      func() error
}

// starter starts a run of one kind and returns its handle.
type starter func(ctx context.Context, opts ...theazo.RequestOption) (handle, error)

// runKind drives one kind of run handle through the same tests.
type runKind struct {
	name       string
	streamPath string // the stream's path, for faults
	server     []theazotest.Option
	// setup makes what a run needs on c's server and returns how to start one.
	setup func(t *testing.T, c *theazo.Client) starter
	// attach attaches to the run of h.
	attach func(ctx context.Context, c *theazo.Client, h handle, opts ...theazo.RequestOption) (handle, error)
	// resumesFromStart: a handle closed before its first event still
	// finds the whole run (an agent's stream starts at the next event).
	resumesFromStart bool
}

func names[E sse.Event](seq iter.Seq2[E, error]) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for ev, err := range seq {
			name := ""
			if err == nil {
				name = ev.EventType()
			}
			if !yield(name, err) {
				return
			}
		}
	}
}

func agentHandle(r *theazo.AgentRun) handle {
	return handle{id: r.TaskID, parent: r.AgentID, events: names(r.Events()), lastID: r.LastEventID, close: r.Close,
		relay: func(ctx context.Context, w http.ResponseWriter, req *http.Request) error {
			return sse.Relay(ctx, w, req, r.Stream())
		},
		result: func(ctx context.Context) (string, error) {
			res, err := r.Result(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s %s %s cost %s, %d tool calls, thinking %q", res.TaskID, res.AgentID, res.Output, res.Cost, len(res.ToolCalls), res.Thinking), nil
		}}
}

func workflowHandle(r *theazo.WorkflowRun) handle {
	return handle{id: r.RunID, parent: r.WorkflowID, events: names(r.Events()), lastID: r.LastEventID, close: r.Close,
		relay: func(ctx context.Context, w http.ResponseWriter, req *http.Request) error {
			return sse.Relay(ctx, w, req, r.Stream())
		},
		result: func(ctx context.Context) (string, error) {
			res, err := r.Result(ctx)
			if err != nil {
				return "", err
			}
			return fmt.Sprintf("%s %s cost %s, steps %+v", res.RunID, res.Output, res.Cost, res.Steps), nil
		}}
}

func fleetHandle(r *theazo.FleetRun) handle {
	return handle{id: r.FleetID, parent: r.SessionID, events: names(r.Events()), lastID: r.LastEventID, close: r.Close,
		relay: func(ctx context.Context, w http.ResponseWriter, req *http.Request) error {
			return sse.Relay(ctx, w, req, r.Stream())
		},
		result: func(ctx context.Context) (string, error) {
			res, err := r.Result(ctx)
			if err != nil {
				return "", err
			}
			var tasks []string
			for _, t := range res.Tasks {
				tasks = append(tasks, fmt.Sprintf("#%d %q %s %q", t.Index, t.Output, t.Cost, t.Error))
			}
			return fmt.Sprintf("%s %d done %d failed cost %s, tasks %q", res.FleetID, res.Completed, res.Failed, res.TotalCost, tasks), nil
		}}
}

var runKinds = []runKind{
	{
		name:       "agent",
		streamPath: "/agents/*/stream",
		server: []theazotest.Option{theazotest.WithAgentScript(func(task string) []theazotest.Event {
			return []theazotest.Event{
				theazotest.Thinking("one"), theazotest.ToolCall("web_search", map[string]string{"q": task}),
				theazotest.ToolResult("web_search", []string{"a"}), theazotest.Thinking("two"),
				theazotest.Thinking("three"), theazotest.Output("answer to "+task, 12),
			}
		})},
		setup: func(t *testing.T, c *theazo.Client) starter {
			_, a := agentFixture(t, c, nil)
			return func(ctx context.Context, opts ...theazo.RequestOption) (handle, error) {
				r, err := c.Agents.RunStream(ctx, a.ID, "Find it", opts...)
				if err != nil {
					return handle{}, err
				}
				return agentHandle(r), nil
			}
		},
		attach: func(ctx context.Context, c *theazo.Client, h handle, opts ...theazo.RequestOption) (handle, error) {
			r, err := c.Agents.Attach(ctx, h.parent, h.id, opts...)
			if err != nil {
				return handle{}, err
			}
			return agentHandle(r), nil
		},
	},
	{
		name:             "workflow",
		streamPath:       "/workflow-runs/*/stream",
		resumesFromStart: true,
		server: []theazotest.Option{theazotest.WithWorkflowSteps(func(step theazotest.WorkflowStep, _ json.RawMessage) theazotest.StepOutcome {
			return theazotest.StepOutcome{Output: map[string]string{"from": step.Name}, Cost: 4, Duration: time.Millisecond}
		})},
		setup: func(t *testing.T, c *theazo.Client) starter {
			def := definition(t, c)
			wf, err := c.Workflows.Create(t.Context(), &theazo.WorkflowCreateParams{Name: "w", Steps: []theazo.WorkflowStep{
				{Name: "a", DefinitionID: def, Task: "a"},
				{Name: "b", DefinitionID: def, Task: "b", DependsOn: []string{"a"}},
				{Name: "c", DefinitionID: def, Task: "c", DependsOn: []string{"b"}},
			}})
			require.NoError(t, err)
			return func(ctx context.Context, opts ...theazo.RequestOption) (handle, error) {
				r, err := c.Workflows.RunStream(ctx, wf.ID, nil, opts...)
				if err != nil {
					return handle{}, err
				}
				return workflowHandle(r), nil
			}
		},
		attach: func(ctx context.Context, c *theazo.Client, h handle, opts ...theazo.RequestOption) (handle, error) {
			r, err := c.Workflows.Attach(ctx, h.id, opts...)
			if err != nil {
				return handle{}, err
			}
			return workflowHandle(r), nil
		},
	},
	{
		name:             "fleet",
		streamPath:       "/fleets/*/stream",
		resumesFromStart: true,
		setup: func(t *testing.T, c *theazo.Client) starter {
			s, _ := agentFixture(t, c, nil)
			def := definition(t, c)
			return func(ctx context.Context, opts ...theazo.RequestOption) (handle, error) {
				r, err := c.Fleets.CreateStream(ctx, &theazo.FleetCreateParams{SessionID: s.ID, DefinitionID: def, Tasks: []string{"p1", "p2", "p3"}, Concurrency: 1}, opts...)
				if err != nil {
					return handle{}, err
				}
				return fleetHandle(r), nil
			}
		},
		attach: func(ctx context.Context, c *theazo.Client, h handle, opts ...theazo.RequestOption) (handle, error) {
			r, err := c.Fleets.Attach(ctx, h.id, opts...)
			if err != nil {
				return handle{}, err
			}
			return fleetHandle(r), nil
		},
	},
}

// eachRunKind runs f for each kind of run, each in a parallel subtest of
// its own on synctest's clock.
func eachRunKind(t *testing.T, f func(t *testing.T, k runKind)) {
	t.Parallel()
	for _, k := range runKinds {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) { f(t, k) })
		})
	}
}

// runServer is a theazotest server for kind whose events come every delay,
// on in-memory connections (run it in a testing/synctest bubble, where the
// delays take no real time), and a client that reconnects within 1 ms and,
// with retries, sends each request up to retries+1 times.
func runServer(t *testing.T, k runKind, delay time.Duration, retries int) (*theazotest.Server, *theazo.Client) {
	t.Helper()
	srv := theazotest.NewServer(append(k.server[:len(k.server):len(k.server)], theazotest.WithInMemory(), theazotest.WithEventDelay(delay))...)
	t.Cleanup(srv.Close)
	c := srv.Client(theazo.WithHTTPClient(checkWire(t, srv)), theazo.WithMaxRetries(retries), theazo.WithMaxRetryWait(time.Second),
		theazo.WithTestReconnectWait(time.Millisecond))
	return srv, c
}

// fullResult is the result of a run of kind read from start to end.
func fullResult(t *testing.T, start starter) string {
	t.Helper()
	h, err := start(t.Context())
	require.NoError(t, err)
	defer h.close()
	want, err := h.result(t.Context())
	require.NoError(t, err)
	return want[strings.Index(want, " "):] // without the run's id
}

func withoutID(t *testing.T, h handle, res string) string {
	t.Helper()
	require.True(t, strings.HasPrefix(res, h.id+" "), "%q is the result of %s", res, h.id)
	return res[len(h.id):]
}

// readEvents reads n events of a Server-Sent Events body, then closes it.
func readEvents(t *testing.T, body interface {
	Read([]byte) (int, error)
	Close() error
}, n int) {
	t.Helper()
	defer body.Close()
	sc := bufio.NewScanner(body)
	for n > 0 && sc.Scan() {
		if strings.HasPrefix(sc.Text(), "data:") {
			n--
		}
	}
	require.Zero(t, n, "the relay ended before %d events", n)
}

// A browser that leaves a relay after 2 events: the run's result is whole.
func TestRunResultAfterTheBrowserLeft(t *testing.T) {
	eachRunKind(t, func(t *testing.T, k runKind) {
		srv, c := runServer(t, k, 20*time.Millisecond, 2)
		start := k.setup(t, c)
		want := fullResult(t, start)

		handles := make(chan handle, 1)
		relayed := make(chan error, 1)
		backend, browser := memServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h, err := start(r.Context())
			if err != nil {
				relayed <- err
				return
			}
			handles <- h
			relayed <- h.relay(r.Context(), w, r)
		}))
		resp := get(t, t.Context(), browser, backend.URL, "")
		readEvents(t, resp.Body, 2)
		require.NoError(t, <-relayed, "a browser that leaves is not an error")
		h := <-handles

		got, err := h.result(t.Context())
		require.NoError(t, err)
		assert.Equal(t, want, withoutID(t, h, got))
		ids := streamLastEventIDs(srv, "/v1"+k.streamPath)
		assert.NotEmpty(t, ids[len(ids)-1], "Result resumed the stream: %q", ids)
		synctest.Wait()
		assert.Zero(t, srv.OpenStreams(), "every stream is closed")
	})
}

// A stream cut, then refused beyond the reconnection budget: Result reads
// the run to its end, whether the events were ranged over or not.
func TestRunResultAfterTheReconnectionBudget(t *testing.T) {
	t.Parallel()
	for _, k := range runKinds {
		for _, ranged := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/ranged=%v", k.name, ranged), func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					srv, c := runServer(t, k, 5*time.Millisecond, 0)
					start := k.setup(t, c)
					want := fullResult(t, start)
					srv.InjectFault(theazotest.Fault{Method: "GET", Path: k.streamPath, DropAfterEvents: 2})
					srv.InjectFault(theazotest.Fault{Method: "GET", Path: k.streamPath, Status: http.StatusServiceUnavailable, Times: sse.DefaultMaxReconnects})

					h, err := start(t.Context())
					require.NoError(t, err)
					defer h.close()
					if ranged {
						var n int
						var last error
						for _, err := range h.events {
							if err != nil {
								last = err
								break
							}
							n++
						}
						assert.Equal(t, 2, n)
						require.ErrorIs(t, last, sse.ErrInterrupted)
						var apiErr *theazo.Error
						require.ErrorAs(t, last, &apiErr)
						assert.Equal(t, http.StatusServiceUnavailable, apiErr.StatusCode)
					}
					got, err := h.result(t.Context())
					require.NoError(t, err)
					assert.Equal(t, want, withoutID(t, h, got))
					ids := streamLastEventIDs(srv, "/v1"+k.streamPath)
					last := ids[len(ids)-4:]
					assert.NotEmpty(t, last[0])
					assert.Equal(t, []string{last[0], last[0], last[0], last[0]}, last, "three refused reconnections, then Result's, after event 2")
				})
			})
		}
	}
}

// Result returns promptly once its ctx ends, whether it reads the handle's
// stream or a connection of its own.
func TestRunResultContextEnds(t *testing.T) {
	t.Parallel()
	for _, k := range runKinds {
		for _, closed := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/closed=%v", k.name, closed), func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					srv, c := runServer(t, k, time.Hour, 0) // no event comes
					start := k.setup(t, c)
					h, err := start(t.Context(), theazo.WithLastEventID("0"))
					require.NoError(t, err)
					if closed {
						require.NoError(t, h.close())
					}
					ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
					defer cancel()
					began := time.Now()
					_, err = h.result(ctx)
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.Equal(t, 20*time.Millisecond, time.Since(began), "Result returns as its ctx ends")
					require.NoError(t, h.close())
					synctest.Wait()
					assert.Zero(t, srv.OpenStreams(), "the server saw every stream closed")

					// A cancelled Result leaves the handle usable.
					ctx, cancel = context.WithTimeout(t.Context(), 10*time.Millisecond)
					defer cancel()
					began = time.Now()
					_, err = h.result(ctx)
					assert.ErrorIs(t, err, context.DeadlineExceeded)
					assert.Equal(t, 10*time.Millisecond, time.Since(began))
				})
			})
		}
	}
}

// Attach with WithLastEventID delivers the events after that id.
func TestRunAttachResumes(t *testing.T) {
	eachRunKind(t, func(t *testing.T, k runKind) {
		_, c := runServer(t, k, 0, 2)
		start := k.setup(t, c)
		h, err := start(t.Context())
		require.NoError(t, err)
		var all []string
		for name, err := range h.events {
			require.NoError(t, err)
			all = append(all, name)
		}
		require.Greater(t, len(all), 3)
		want, err := h.result(t.Context())
		require.NoError(t, err)

		a, err := k.attach(t.Context(), c, h, theazo.WithLastEventID("2"))
		require.NoError(t, err)
		defer a.close()
		assert.Equal(t, "2", a.lastID())
		var rest []string
		for name, err := range a.events {
			require.NoError(t, err)
			rest = append(rest, name)
		}
		assert.Equal(t, all[2:], rest)
		got, err := a.result(t.Context())
		require.NoError(t, err)
		if k.resumesFromStart {
			// What was delivered from event 3 on: not the first step or task.
			assert.NotEqual(t, want, got)
		}
		assert.Equal(t, h.lastID(), a.lastID())

		// Attached without an id, a workflow's or fleet's stream starts
		// at the first event: its result is whole.
		if k.resumesFromStart {
			b, err := k.attach(t.Context(), c, h)
			require.NoError(t, err)
			defer b.close()
			got, err := b.result(t.Context())
			require.NoError(t, err)
			assert.Equal(t, want, got)
		}
	})
}

// Close from any goroutine, any number of times, while the events are
// ranged over and Result waits; Result then returns the whole result, as
// many times as it is asked.
func TestRunCloseThenResult(t *testing.T) {
	eachRunKind(t, func(t *testing.T, k runKind) {
		_, c := runServer(t, k, 5*time.Millisecond, 2)
		start := k.setup(t, c)
		want := fullResult(t, start)

		h, err := start(t.Context())
		require.NoError(t, err)
		var wg sync.WaitGroup
		n := 0
		for _, err := range h.events {
			require.NoError(t, err)
			if n++; n == 1 {
				for range 4 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						assert.NoError(t, h.close())
						assert.NoError(t, h.close())
					}()
				}
			}
		}
		wg.Wait()
		results := make(chan string, 3)
		for range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := h.result(t.Context())
				assert.NoError(t, err)
				results <- got
			}()
		}
		go h.close()
		wg.Wait()
		close(results)
		for got := range results {
			assert.Equal(t, want, withoutID(t, h, got))
		}
	})
}

// Closed before its first event, a workflow's or fleet's handle reads the
// run again from its start; an agent's, whose stream starts at the agent's
// next event, has nothing to resume from and says so.
func TestRunClosedBeforeItsFirstEvent(t *testing.T) {
	eachRunKind(t, func(t *testing.T, k runKind) {
		_, c := runServer(t, k, 5*time.Millisecond, 2)
		start := k.setup(t, c)
		want := fullResult(t, start)
		h, err := start(t.Context())
		require.NoError(t, err)
		require.NoError(t, h.close())
		got, err := h.result(t.Context())
		if !k.resumesFromStart {
			require.ErrorIs(t, err, sse.ErrInterrupted)
			assert.Contains(t, err.Error(), "no event id to resume from")
			return
		}
		require.NoError(t, err)
		assert.Equal(t, want, withoutID(t, h, got))
	})
}

// WithResponseInto on start-and-stream and on Attach describes the
// stream's reply, not the request that started the run.
func TestRunWithResponseInto(t *testing.T) {
	eachRunKind(t, func(t *testing.T, k runKind) {
		srv, c := runServer(t, k, 0, 2)
		start := k.setup(t, c)
		var started, attached theazo.Response
		h, err := start(t.Context(), theazo.WithResponseInto(&started))
		require.NoError(t, err)
		_, err = h.result(t.Context())
		require.NoError(t, err)
		require.NoError(t, h.close())
		a, err := k.attach(t.Context(), c, h, theazo.WithResponseInto(&attached), theazo.WithLastEventID("1"))
		require.NoError(t, err)
		_, err = a.result(t.Context())
		require.NoError(t, err)
		require.NoError(t, a.close())

		var streams []theazotest.Request
		require.Eventually(t, func() bool {
			streams = nil
			for _, r := range srv.Requests() {
				if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/stream") {
					streams = append(streams, r)
				}
			}
			return len(streams) == 2 // start's, attach's
		}, time.Second, time.Millisecond)
		for i, resp := range []theazo.Response{started, attached} {
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
			assert.Nil(t, resp.Body)
			assert.Equal(t, streams[len(streams)-2+i].RequestID, resp.RequestID)
		}
	})
}

// upstream is a hand-made agent API whose stream sends five events with ids
// 1 to 5, cutting the first connection after event 2. replay says how it
// answers Last-Event-ID: by replaying from event 1, or honouring it. It
// returns a client of it, on in-memory connections, and what Last-Event-ID
// each stream connection asked for.
func upstream(t *testing.T, replay bool) (*theazo.Client, func() []string) {
	events := []string{
		"event: thinking\ndata: {\"text\":\"t1\"}\n\n",
		"event: thinking\ndata: {\"text\":\"t2\"}\n\n",
		"event: tool_call\ndata: {\"tool\":\"web_search\",\"input\":{}}\n\n",
		"event: tool_result\ndata: {\"tool\":\"web_search\",\"output\":[]}\n\n",
		"event: output\ndata: {\"text\":\"done\",\"cost\":{\"amount\":7,\"currency\":\"usd\"}}\n\n",
	}
	var mu sync.Mutex
	var asked []string
	srv, hc := memServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusAccepted)
			fmt.Fprint(w, `{"taskId":"task_1","agentId":"agt_1"}`)
			return
		}
		mu.Lock()
		asked = append(asked, r.Header.Get("Last-Event-ID"))
		first := len(asked) == 1
		mu.Unlock()
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		from := 0
		if last := r.Header.Get("Last-Event-ID"); last != "" && !replay {
			fmt.Sscan(last, &from)
		}
		for i := from; i < len(events); i++ {
			if first && i == 2 {
				return
			}
			fmt.Fprintf(w, "id: %d\n%s", i+1, events[i])
			w.(http.Flusher).Flush()
		}
	}))
	c := theazo.NewClient("th_test_upstream0123456789", theazo.WithBaseURL(srv.URL+"/v1"), theazo.WithHTTPClient(hc), theazo.WithTestReconnectWait(time.Millisecond))
	return c, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

// Each event once, to Events, Relay and Result, whether the server replays
// from the first event after a resumption or honours Last-Event-ID.
func TestRunEventsOnceAfterAResumption(t *testing.T) {
	t.Parallel()
	wantEvents := []string{"thinking", "thinking", "tool_call", "tool_result", "output"}
	tests := []struct {
		name, consumer string
		replay         bool
	}{
		{"replaying server, Events", "events", true},
		{"replaying server, Relay", "relay", true},
		{"replaying server, Result alone", "result", true},
		{"honouring server, Events", "events", false},
		{"honouring server, Relay", "relay", false},
		{"honouring server, Result alone", "result", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, asked := upstream(t, tc.replay)
				run, err := c.Agents.RunStream(t.Context(), "agt_1", "task")
				require.NoError(t, err)
				defer run.Close()
				switch tc.consumer {
				case "events":
					var got []string
					for ev, err := range run.Events() {
						require.NoError(t, err)
						got = append(got, ev.EventType())
					}
					assert.Equal(t, wantEvents, got)
				case "relay":
					backend, browser := memServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						assert.NoError(t, sse.Relay(r.Context(), w, r, run.Stream(), sse.WithHeartbeat(0)))
					}))
					resp := get(t, t.Context(), browser, backend.URL, "")
					var ids, types []string
					sc := bufio.NewScanner(resp.Body)
					for sc.Scan() {
						if v, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
							ids = append(ids, v)
						}
						if v, ok := strings.CutPrefix(sc.Text(), "event: "); ok {
							types = append(types, v)
						}
					}
					assert.Equal(t, []string{"1", "2", "3", "4", "5"}, ids)
					assert.Equal(t, wantEvents, types)
				}
				res, err := run.Result(t.Context())
				require.NoError(t, err)
				assert.Equal(t, []string{"t1", "t2"}, res.Thinking)
				assert.Equal(t, []theazo.ToolCall{{Tool: "web_search", Input: []byte("{}"), Output: []byte("[]")}}, res.ToolCalls)
				assert.Equal(t, "done", res.Output)
				assert.Equal(t, theazo.Money{Amount: 7, Currency: "usd"}, res.Cost)
				assert.Equal(t, []string{"", "2"}, asked())
				assert.Equal(t, "5", run.LastEventID())
			})
		})
	}
}

// A run that failed is its *RunError, from Result as from RunAndWait, and
// errors.Is matches its code.
func TestRunResultRunError(t *testing.T) {
	t.Parallel()
	_, c := newE2E(t, theazotest.WithAgentScript(func(string) []theazotest.Event {
		return []theazotest.Event{theazotest.Thinking("hmm"), theazotest.Failure("provider_error", "the model is down")}
	}))
	_, a := agentFixture(t, c, nil)
	run, err := c.Agents.RunStream(t.Context(), a.ID, "task")
	require.NoError(t, err)
	defer run.Close()
	for range 2 {
		res, err := run.Result(t.Context())
		assert.Nil(t, res)
		var re *theazo.RunError
		require.True(t, errors.As(err, &re), "%v", err)
		assert.Equal(t, run.TaskID, re.ID)
		assert.ErrorIs(t, err, theazo.ErrProviderError)
	}
}

// A refusal of the API while Result reconnects ends it with that error, at
// once.
func TestRunResultRefused(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		streams := 0
		srv, hc := memServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusAccepted)
				fmt.Fprint(w, `{"taskId":"task_1","agentId":"agt_1"}`)
				return
			}
			mu.Lock()
			streams++
			n := streams
			mu.Unlock()
			if n > 1 {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprint(w, `{"error":{"code":"not_found","message":"No such agent.","requestId":"req_1"}}`)
				return
			}
			w.Header().Set("Content-Type", "text/event-stream")
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, "id: 1\nevent: thinking\ndata: {\"text\":\"t1\"}\n\n")
		}))
		c := theazo.NewClient("th_test_upstream0123456789", theazo.WithBaseURL(srv.URL+"/v1"), theazo.WithHTTPClient(hc), theazo.WithTestReconnectWait(time.Millisecond))
		run, err := c.Agents.RunStream(t.Context(), "agt_1", "task")
		require.NoError(t, err)
		defer run.Close()
		began := time.Now()
		res, err := run.Result(t.Context())
		assert.Nil(t, res)
		require.ErrorIs(t, err, theazo.ErrNotFound)
		assert.LessOrEqual(t, time.Since(began), time.Millisecond, "one wait before the resumption, none after the refusal")
		assert.Contains(t, err.Error(), "agent run task_1 on agent agt_1")
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, 2, streams, "the stream and its one resumption, refused at once; none of Result's after a refusal")
	})
}

// Result while another goroutine ranges over the events: both see the
// whole run, and no event is counted twice.
func TestRunResultWhileRanging(t *testing.T) {
	eachRunKind(t, func(t *testing.T, k runKind) {
		_, c := runServer(t, k, 5*time.Millisecond, 2)
		start := k.setup(t, c)
		want := fullResult(t, start)
		var all []string
		h, err := start(t.Context())
		require.NoError(t, err)
		defer h.close()
		for name, err := range h.events {
			require.NoError(t, err)
			all = append(all, name)
		}

		h, err = start(t.Context())
		require.NoError(t, err)
		defer h.close()
		ranged := make(chan []string)
		first := make(chan struct{})
		go func() {
			var got []string
			for name, err := range h.events {
				assert.NoError(t, err)
				if got = append(got, name); len(got) == 1 {
					close(first)
				}
			}
			ranged <- got
		}()
		<-first // the handle's stream is taken: Result reads on its own
		got, err := h.result(t.Context())
		require.NoError(t, err)
		assert.Equal(t, want, withoutID(t, h, got))
		assert.Equal(t, all, <-ranged)
	})
}

// Attach with WithLastEventID drops what the server sends again up to that
// id, from the first connection on.
func TestRunAttachDropsTheReplay(t *testing.T) {
	t.Parallel()
	for _, replay := range []bool{true, false} {
		t.Run(fmt.Sprintf("replay=%v", replay), func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				c, asked := upstream(t, replay)
				run, err := c.Agents.Attach(t.Context(), "agt_1", "task_1", theazo.WithLastEventID("2"))
				require.NoError(t, err)
				defer run.Close()
				var got []string
				for ev, err := range run.Events() {
					require.NoError(t, err)
					got = append(got, run.LastEventID()+" "+ev.EventType())
				}
				assert.Equal(t, []string{"3 tool_call", "4 tool_result", "5 output"}, got)
				res, err := run.Result(t.Context())
				require.NoError(t, err)
				assert.Empty(t, res.Thinking, "the thinking came before event 2")
				assert.Equal(t, "done", res.Output)
				assert.Equal(t, []string{"2", "2"}, asked(), "the first connection is cut after replaying events 1 and 2, or at once")
			})
		})
	}
}

// TestRunErrorTextIsBounded runs an agent whose error event carries a huge
// message full of terminal escapes: the *RunError keeps 200 characters of
// it, one line, with no control character, as an API error does.
func TestRunErrorTextIsBounded(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("boom\x1b]52;c;AAAA\x07\r\n", 10000)
	srv := theazotest.NewServer(theazotest.WithAgentScript(func(string) []theazotest.Event {
		return []theazotest.Event{theazotest.Failure("provider_error", huge)}
	}))
	defer srv.Close()
	c := srv.Client()
	defer c.CloseIdleConnections()
	ctx := t.Context()
	sess, err := c.Sessions.Create(ctx, &theazo.SessionCreateParams{UserID: "u"})
	require.NoError(t, err)
	a, err := c.Agents.Create(ctx, sess.ID, nil)
	require.NoError(t, err)
	_, err = c.Agents.RunAndWait(ctx, a.ID, "fail")
	var runErr *theazo.RunError
	require.ErrorAs(t, err, &runErr)
	assert.ErrorIs(t, err, theazo.ErrProviderError)
	assert.LessOrEqual(t, len([]rune(runErr.Message)), 201)
	assert.NotContains(t, err.Error(), "\x1b")
	assert.NotContains(t, err.Error(), "\n")
	assert.True(t, strings.HasPrefix(runErr.Message, "boom ]52;c;AAAA boom"), runErr.Message[:40])
}

func TestAgentsRunAndWait(t *testing.T) {
	t.Parallel()
	twoSearches := func(task string) []theazotest.Event {
		return []theazotest.Event{
			theazotest.Thinking("Plan: two searches."),
			theazotest.ToolCall("web_search", map[string]string{"q": "one"}),
			theazotest.ToolCall("http_request", map[string]string{"url": "https://example.com"}),
			theazotest.ToolCall("web_search", map[string]string{"q": "two"}),
			theazotest.ToolResult("web_search", "first"),
			theazotest.ToolResult("http_request", 200),
			theazotest.Thinking("Both found."),
			theazotest.ToolResult("web_search", "second"),
			theazotest.ToolResult("write_file", "no call seen"),
			theazotest.Output("Answer to "+task, 31),
		}
	}
	tests := []struct {
		name   string
		script theazotest.AgentScript
		want   theazo.AgentResult // without ids
	}{
		{
			name: "default script",
			want: theazo.AgentResult{
				Output: "Here is a scripted answer to: Find it", Cost: theazo.Money{Amount: 12, Currency: "usd"},
				ToolCalls: []theazo.ToolCall{{Tool: "web_search", Input: json.RawMessage(`{"query":"Find it"}`),
					Output: json.RawMessage(`{"results":[{"title":"A scripted search result","url":"https://example.com/result"}]}`)}},
				Thinking: []string{"Breaking the task into steps: search, read, summarize."},
			},
		},
		{
			name:   "results pair with their calls in order",
			script: twoSearches,
			want: theazo.AgentResult{
				Output: "Answer to Find it", Cost: theazo.Money{Amount: 31, Currency: "usd"},
				ToolCalls: []theazo.ToolCall{
					{Tool: "web_search", Input: json.RawMessage(`{"q":"one"}`), Output: json.RawMessage(`"first"`)},
					{Tool: "http_request", Input: json.RawMessage(`{"url":"https://example.com"}`), Output: json.RawMessage(`200`)},
					{Tool: "web_search", Input: json.RawMessage(`{"q":"two"}`), Output: json.RawMessage(`"second"`)},
					{Tool: "write_file", Output: json.RawMessage(`"no call seen"`)},
				},
				Thinking: []string{"Plan: two searches.", "Both found."},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var opts []theazotest.Option
			if tc.script != nil {
				opts = append(opts, theazotest.WithAgentScript(tc.script))
			}
			_, c := newE2E(t, opts...)
			_, a := agentFixture(t, c, nil)
			res, err := c.Agents.RunAndWait(t.Context(), a.ID, "Find it")
			require.NoError(t, err)
			assert.NotEmpty(t, res.TaskID)
			assert.Equal(t, a.ID, res.AgentID)
			tc.want.TaskID, tc.want.AgentID = res.TaskID, a.ID
			assert.Equal(t, &tc.want, res)
		})
	}
}

func TestAgentsRunAndWaitFailures(t *testing.T) {
	t.Parallel()
	failing := func(code string) theazotest.AgentScript {
		return func(string) []theazotest.Event {
			return []theazotest.Event{theazotest.Thinking("trying"), theazotest.Failure(code, "The sandbox stopped responding.")}
		}
	}
	tests := []struct {
		name  string
		opts  []theazotest.Option
		fault *theazotest.Fault
		ctx   func(context.Context) (context.Context, context.CancelFunc)
		took  time.Duration // how long RunAndWait takes, on synctest's clock; 0 for no check
		check func(t *testing.T, err error)
	}{
		{
			name: "error event with a sentinel",
			opts: []theazotest.Option{theazotest.WithAgentScript(failing("provider_error"))},
			check: func(t *testing.T, err error) {
				var re *theazo.RunError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, theazo.CodeProviderError, re.Code)
				assert.Equal(t, "The sandbox stopped responding.", re.Message)
				assert.NotEmpty(t, re.ID)
				assert.ErrorIs(t, err, theazo.ErrProviderError)
				assert.NotErrorIs(t, err, theazo.ErrTimeout)
				assert.Equal(t, "theazo: run "+re.ID+" failed: provider_error: The sandbox stopped responding.", err.Error())
			},
		},
		{
			name: "error event without a sentinel",
			opts: []theazotest.Option{theazotest.WithAgentScript(failing("model_refused"))},
			check: func(t *testing.T, err error) {
				var re *theazo.RunError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, theazo.ErrorCode("model_refused"), re.Code)
				for _, s := range []error{theazo.ErrProviderError, theazo.ErrInternal, theazo.ErrTimeout} {
					assert.NotErrorIs(t, err, s)
				}
			},
		},
		{
			name:  "stream cut before the output",
			opts:  []theazotest.Option{theazotest.WithEventDelay(20 * time.Millisecond)},
			fault: &theazotest.Fault{Method: "GET", Path: "/agents/*/stream", HangUp: true, Times: -1},
			check: func(t *testing.T, err error) { assert.ErrorIs(t, err, sse.ErrInterrupted) },
		},
		{
			name: "context deadline",
			opts: []theazotest.Option{theazotest.WithEventDelay(time.Hour)},
			ctx: func(ctx context.Context) (context.Context, context.CancelFunc) {
				return context.WithTimeout(ctx, 100*time.Millisecond)
			},
			took: 100 * time.Millisecond,
			check: func(t *testing.T, err error) {
				assert.ErrorIs(t, err, context.DeadlineExceeded)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, c := newE2E(t, tc.opts...)
				_, a := agentFixture(t, c, nil)
				if tc.fault != nil {
					srv.InjectFault(*tc.fault)
				}
				ctx, cancel := t.Context(), context.CancelFunc(func() {})
				if tc.ctx != nil {
					ctx, cancel = tc.ctx(ctx)
				}
				defer cancel()
				start := time.Now()
				res, err := c.Agents.RunAndWait(ctx, a.ID, "task")
				assert.Nil(t, res, "never a result with an error")
				require.Error(t, err)
				tc.check(t, err)
				assert.Less(t, time.Since(start), 5*time.Second)
				if tc.took != 0 {
					assert.Equal(t, tc.took, time.Since(start))
				}
			})
		})
	}
}

// Result after ranging over the events to the end is the collected result.
func TestAgentRunResult(t *testing.T) {
	t.Parallel()
	_, c := newE2E(t)
	_, a := agentFixture(t, c, nil)
	run, err := c.Agents.RunStream(t.Context(), a.ID, "Find it")
	require.NoError(t, err)
	defer run.Close()
	assert.NotEmpty(t, run.TaskID)
	assert.Equal(t, a.ID, run.AgentID)

	var types []string
	for ev, err := range run.Events() {
		require.NoError(t, err)
		types = append(types, ev.EventType())
	}
	assert.Equal(t, []string{"thinking", "tool_call", "tool_result", "output"}, types)
	assert.Equal(t, "4", run.LastEventID())
	res, err := run.Result(t.Context())
	require.NoError(t, err)
	assert.Equal(t, "Here is a scripted answer to: Find it", res.Output)
	assert.Equal(t, run.TaskID, res.TaskID)
	assert.Equal(t, a.ID, res.AgentID)
}

func TestWorkflowsRunAndWait(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	outcome := func(step theazotest.WorkflowStep, _ json.RawMessage) theazotest.StepOutcome {
		if step.Name == "bad" {
			return theazotest.StepOutcome{Error: "upstream 500", Cost: 3}
		}
		return theazotest.StepOutcome{Output: map[string]string{"from": step.Name}, Cost: 4, Duration: 7 * time.Millisecond}
	}
	_, c := newE2E(t, theazotest.WithWorkflowSteps(outcome))
	def := definition(t, c)
	create := func(names ...string) string {
		var steps []theazo.WorkflowStep
		for i, n := range names {
			s := theazo.WorkflowStep{Name: n, DefinitionID: def, Task: n}
			if i > 0 {
				s.DependsOn = []string{names[i-1]}
			}
			steps = append(steps, s)
		}
		w, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "w", Steps: steps})
		require.NoError(t, err)
		return w.ID
	}

	res, err := c.Workflows.RunAndWait(ctx, create("a", "b"), nil)
	require.NoError(t, err)
	assert.NotEmpty(t, res.RunID)
	assert.Equal(t, theazo.Money{Amount: 8, Currency: "usd"}, res.Cost)
	assert.Equal(t, []theazo.WorkflowStepResult{
		{Step: "a", Index: 0, Output: json.RawMessage(`{"from":"a"}`), DurationMs: 7},
		{Step: "b", Index: 1, Output: json.RawMessage(`{"from":"b"}`), DurationMs: 7},
	}, res.Steps)
	got, err := c.Workflows.GetRun(ctx, res.RunID)
	require.NoError(t, err)
	assert.JSONEq(t, string(got.Output), string(res.Output))

	res, err = c.Workflows.RunAndWait(ctx, create("a", "bad", "c"), nil)
	assert.Nil(t, res)
	var re *theazo.RunError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, "bad", re.Step)
	assert.Equal(t, "upstream 500", re.Message)
	assert.Equal(t, theazo.Money{Amount: 7, Currency: "usd"}, re.Cost)
	assert.Contains(t, err.Error(), "failed at step bad: upstream 500")

	_, err = c.Workflows.RunAndWait(ctx, "wf_missing", nil)
	assert.ErrorIs(t, err, theazo.ErrNotFound)
}

// fleetResult follows a fleet to its end: Attach, then Result.
func fleetResult(ctx context.Context, c *theazo.Client, fleetID string) (*theazo.FleetResult, error) {
	run, err := c.Fleets.Attach(ctx, fleetID)
	if err != nil {
		return nil, err
	}
	defer run.Close()
	return run.Result(ctx)
}

func TestFleetsAttachResult(t *testing.T) {
	t.Parallel()
	// On synctest's clock: the fake's event delays take no real time.
	synctest.Test(t, func(t *testing.T) {
		ctx := t.Context()
		_, c := newE2E(t,
			theazotest.WithFleetTasks(func(i int, task string) theazotest.TaskOutcome {
				if task == "bad" {
					return theazotest.TaskOutcome{Error: "404 page"}
				}
				return theazotest.TaskOutcome{Output: "done " + task, Cost: 5}
			}))
		s, _ := agentFixture(t, c, nil)
		def := definition(t, c)
		f, err := c.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: s.ID, DefinitionID: def, Tasks: []string{"p1", "bad", "p3"}, Concurrency: 1})
		require.NoError(t, err)
		res, err := fleetResult(ctx, c, f.ID)
		require.NoError(t, err)
		assert.Equal(t, f.ID, res.FleetID)
		assert.Equal(t, 2, res.Completed)
		assert.Equal(t, 1, res.Failed)
		assert.Equal(t, theazo.Money{Amount: 10, Currency: "usd"}, res.TotalCost)
		require.Len(t, res.Tasks, 3)
		assert.Equal(t, "done p1", res.Tasks[0].Output)
		assert.Equal(t, 1, res.Tasks[1].Index)
		assert.Equal(t, "404 page", res.Tasks[1].Error)
		assert.Equal(t, theazo.Money{Amount: 5, Currency: "usd"}, res.Tasks[2].Cost)

		// A cancelled fleet is a *RunError.
		_, c2 := newE2E(t, theazotest.WithEventDelay(50*time.Millisecond))
		s2, _ := agentFixture(t, c2, nil)
		f2, err := c2.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: s2.ID, DefinitionID: definition(t, c2), Tasks: []string{"a", "b", "c", "d"}, Concurrency: 1})
		require.NoError(t, err)
		_, err = c2.Fleets.Cancel(ctx, f2.ID)
		require.NoError(t, err)
		res, err = fleetResult(ctx, c2, f2.ID)
		assert.Nil(t, res)
		var re *theazo.RunError
		require.True(t, errors.As(err, &re), "%v", err)
		assert.Equal(t, f2.ID, re.ID)
	})
}
