package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

func mockCmd() *command {
	c := leaf("mock", "", "Serve a fake Theazo API (theazotest) on a port, for tests in any language.", mock)
	c.more = mockControlHelp // on --help only, not below a usage error
	return c
}

// mockControlHelp describes the control API in theazo mock --help.
const mockControlHelp = `Control API (same address, no key; off with --no-control):
  POST   /_theazo/faults         make the next matching calls fail, e.g.
                                 {"method":"POST","path":"/agents/*/run","status":503,"times":1}
                                 (also: retryAfter, delay as "250ms", disconnect, hangUp, dropAfterEvents)
  DELETE /_theazo/faults         clear every fault
  POST   /_theazo/agent-scripts  what a run emits for a task matching a pattern (* matches anything), e.g.
                                 {"task":"Summarize*","output":"Three papers.","cost":40}
                                 or {"events":[{"type":"thinking","data":{"text":"…"}}],
                                 "error":{"code":"provider_error","message":"The sandbox crashed."}}
  DELETE /_theazo/agent-scripts  back to the default script
  POST   /_theazo/workflow-steps how steps named like a pattern end, e.g.
                                 {"step":"write","error":"The model refused."} or {"step":"*","output":{"n":1},"cost":9}
  DELETE /_theazo/workflow-steps back to the default outcome
  GET    /_theazo/requests       the latest requests (see --history), filtered by
                                 ?method=POST&path=/agents/*/run&status=401&limit=10
  DELETE /_theazo/requests       forget them
  GET    /_theazo/clock          the mock's time
  POST   /_theazo/clock          with --clock manual: {"advance":"1h"} or {"set":"2026-05-15T09:00:00Z"};
                                 schedules whose cron time it passes fire, and the answer lists them
  GET    /_theazo/firings        every schedule and trigger firing: the agent or workflow run it started

A firing runs its action as the API does: agent-run creates an agent from the definition (in a
session named after the schedule or trigger) and runs the task; workflow-run starts a run. Both
show in usage and billing. A fired trigger passes its request body as the input.
`

// mockConfig is what the flags of theazo mock ask of the fake.
type mockConfig struct {
	addr           string
	key            string
	rateLimit      string
	latency        time.Duration
	provisionDelay time.Duration
	eventDelay     time.Duration
	seed           bool
	history        int
	logBodies      bool
	clock          string
	noControl      bool
	grace          time.Duration
}

// defaultGrace is how long theazo mock waits, by default, for requests in
// flight after a signal before it closes their connections: it exits
// within 2 seconds.
const defaultGrace = 1500 * time.Millisecond

func mock(x *inv) error {
	var cfg mockConfig
	x.fs.StringVar(&cfg.addr, "addr", "127.0.0.1:4010", "`address` to listen on; port 0 picks a free one")
	x.fs.StringVar(&cfg.key, "key", "", "the test `key` to accept (default: a random th_test_ key)")
	x.fs.StringVar(&cfg.rateLimit, "rate-limit", "", "answer 429 above `N/min` requests per key (or N/s, N/h)")
	x.fs.DurationVar(&cfg.latency, "latency", 0, "wait this long before answering each request")
	x.fs.DurationVar(&cfg.provisionDelay, "provision-delay", 0, "new agents are provisioning this long before idle")
	x.fs.DurationVar(&cfg.eventDelay, "event-delay", 0, "wait this long before each event of a run, so streams unfold")
	x.fs.BoolVar(&cfg.seed, "seed", false, "create sessions, agents, definitions, a workflow, … so every list shows something")
	x.fs.IntVar(&cfg.history, "history", 1000, "keep the latest `N` requests for GET /_theazo/requests")
	x.fs.BoolVar(&cfg.logBodies, "log-bodies", false, "keep the request bodies too, each up to 8 MiB (read only once the key is checked)")
	x.fs.StringVar(&cfg.clock, "clock", "wall", "`wall` time, or manual: the clock stands still until POST /_theazo/clock moves it")
	x.fs.BoolVar(&cfg.noControl, "no-control", false, "serve no control API under /_theazo/")
	x.fs.DurationVar(&cfg.grace, "grace", defaultGrace, "on a signal, wait this long for requests in flight, then close their connections")
	if err := x.parse(0, 0); err != nil {
		return err
	}
	if cfg.grace < 0 {
		return x.usageErr("--grace must not be negative")
	}
	if cfg.history < 1 {
		return x.usageErr("--history must be at least 1")
	}
	if cfg.key != "" && !strings.HasPrefix(cfg.key, "th_test_") {
		return x.usageErr("--key must start with th_test_")
	}
	opts, after, err := mockOptions(cfg)
	if err != nil {
		return x.usageErr("%v", err)
	}
	l, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	var logMu sync.Mutex
	opts = append(opts, theazotest.WithListener(l), theazotest.WithRequestLog(func(r theazotest.Request) {
		logMu.Lock()
		defer logMu.Unlock()
		path := r.Path
		if q := r.Query.Encode(); q != "" {
			path += "?" + q
		}
		fmt.Fprintf(x.stderr, "%s %s %s %d %s\n", time.Now().UTC().Format("15:04:05.000"), r.Method, path, r.Status, r.RequestID)
	}))
	srv := theazotest.NewServer(opts...)
	defer func() {
		// After the deadline, the connections still open are closed,
		// whatever their clients do.
		ctx, cancel := context.WithTimeout(context.Background(), cfg.grace)
		defer cancel()
		srv.Shutdown(ctx)
	}()
	after(srv)

	fmt.Fprintf(x.stdout, "Theazo mock API listening on %s\n\n", srv.URL())
	fmt.Fprintf(x.stdout, "  export THEAZO_BASE_URL=%s\n  export THEAZO_API_KEY=%s\n\n", srv.URL(), srv.APIKey())
	if cfg.seed {
		if err := seed(x.ctx, srv.Client(), cfg.provisionDelay); err != nil {
			if x.ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("seeding: %w", x.describeErr(err))
		}
		fmt.Fprintln(x.stdout, "Seeded sessions, agents, definitions, a workflow and its run, a fleet, a schedule,")
		fmt.Fprintln(x.stdout, "a trigger, a channel with a message, a provider and a secret.")
		fmt.Fprintln(x.stdout)
	}
	if !cfg.noControl {
		fmt.Fprintf(x.stdout, "Control API: %s/_theazo/ (faults, agent scripts, requests, clock; see theazo mock --help)\n",
			strings.TrimSuffix(srv.URL(), "/v1"))
		if ip := l.Addr().(*net.TCPAddr).IP; !ip.IsLoopback() {
			fmt.Fprintln(x.stdout, "Warning: the control API takes no key and this address is not loopback: anyone who reaches it")
			fmt.Fprintln(x.stdout, "can steer the mock and read its request log. --no-control turns it off.")
		}
		fmt.Fprintln(x.stdout)
	}
	fmt.Fprintln(x.stdout, "Logging one line per request to stderr. Press Ctrl-C to stop.")
	<-x.ctx.Done()
	fmt.Fprintf(x.stderr, "Stopping: waiting up to %s for open requests; press Ctrl-C again to exit at once.\n", cfg.grace)
	return nil // a signal is how a server stops: exit 0
}

// describeErr wraps err in the one-line form errors are reported in.
func (a *app) describeErr(err error) error { return fmt.Errorf("%s", a.describe(err)) }

// mockOptions maps the flags to theazotest options, and to what must be
// done on the server once it runs. The fake's knobs live here alone.
func mockOptions(cfg mockConfig) ([]theazotest.Option, func(*theazotest.Server), error) {
	opts := []theazotest.Option{theazotest.WithRequestHistory(cfg.history, cfg.logBodies)}
	if !cfg.noControl {
		opts = append(opts, theazotest.WithControlAPI())
	}
	switch cfg.clock {
	case "wall":
	case "manual":
		opts = append(opts, theazotest.WithManualClock(time.Now().UTC().Truncate(time.Second)))
	default:
		return nil, nil, fmt.Errorf("--clock must be wall or manual")
	}
	if cfg.key != "" {
		opts = append(opts, theazotest.WithAPIKey(cfg.key))
	}
	if cfg.rateLimit != "" {
		n, window, err := parseRate(cfg.rateLimit)
		if err != nil {
			return nil, nil, fmt.Errorf("invalid --rate-limit: %v", err)
		}
		opts = append(opts, theazotest.WithRateLimitWindow(n, window))
	}
	if cfg.provisionDelay > 0 {
		opts = append(opts, theazotest.WithProvisionDelay(cfg.provisionDelay))
	}
	if cfg.eventDelay > 0 {
		opts = append(opts, theazotest.WithEventDelay(cfg.eventDelay))
	}
	after := func(srv *theazotest.Server) {
		if cfg.latency > 0 {
			srv.InjectFault(theazotest.Fault{Delay: cfg.latency, Times: -1})
		}
	}
	return opts, after, nil
}

// parseRate parses "300/min", "5/s" or "1000/h"; a bare number is per minute.
func parseRate(s string) (int, time.Duration, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(s), "/")
	n, err := strconv.Atoi(num)
	if err != nil || n <= 0 {
		return 0, 0, fmt.Errorf("want a positive number of requests, e.g. 60/min")
	}
	switch unit {
	case "", "min", "m":
		return n, time.Minute, nil
	case "s", "sec":
		return n, time.Second, nil
	case "h", "hour":
		return n, time.Hour, nil
	}
	return 0, 0, fmt.Errorf("unit must be s, min or h")
}

// seed fills the fake through the SDK so that every list has something.
func seed(ctx context.Context, c *theazo.Client, provisioning time.Duration) error {
	if _, err := c.Providers.Create(ctx, &theazo.ProviderCreateParams{Provider: "e2b", Credentials: theazo.Credentials{"apiKey": "e2b_seed"}, IsDefault: true}); err != nil {
		return err
	}
	if _, err := c.Secrets.Set(ctx, &theazo.SecretSetParams{Name: "SEARCH_API_KEY", Value: "seed-value"}); err != nil {
		return err
	}
	researcher, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "researcher",
		Instructions: "Find and read sources.", Tools: []string{"web_search"}})
	if err != nil {
		return err
	}
	writer, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "writer", Instructions: "Write a short summary."})
	if err != nil {
		return err
	}
	var agent *theazo.Agent
	for _, user := range []string{"user_alice", "user_bob"} {
		s, err := c.Sessions.GetOrCreate(ctx, user, &theazo.SessionGetOrCreateParams{Limits: &theazo.SessionLimits{
			MaxCost: &theazo.CostLimit{Amount: 500, Currency: "usd", Period: theazo.PeriodDay}}})
		if err != nil {
			return err
		}
		if agent, err = c.Agents.Create(ctx, s.ID, &theazo.AgentCreateParams{Tools: []string{"web_search"}}); err != nil {
			return err
		}
	}
	wctx, cancel := context.WithTimeout(ctx, provisioning+10*time.Second)
	agent, err = c.Agents.WaitUntil(wctx, agent.ID, theazo.AgentStatusIdle)
	cancel()
	if err != nil {
		return err
	}
	if _, err := c.Agents.Run(ctx, agent.ID, "Summarize this week's papers"); err != nil {
		return err
	}
	wf, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "research digest", Steps: []theazo.WorkflowStep{
		{Name: "research", DefinitionID: researcher.ID, Task: "Find this week's papers"},
		{Name: "write", DefinitionID: writer.ID, Task: "Summarize them", DependsOn: []string{"research"}},
	}})
	if err != nil {
		return err
	}
	if _, err := c.Workflows.Run(ctx, wf.ID, nil); err != nil {
		return err
	}
	if _, err := c.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: agent.SessionID, DefinitionID: researcher.ID,
		Tasks: []string{"Read paper A", "Read paper B", "Read paper C"}, Concurrency: 2}); err != nil {
		return err
	}
	if _, err := c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "morning digest", Cron: "0 9 * * 1-5",
		Action: theazo.Action{Type: theazo.ActionWorkflowRun, Config: theazo.ActionConfig{WorkflowID: wf.ID}}}); err != nil {
		return err
	}
	if _, err := c.Triggers.Create(ctx, &theazo.TriggerCreateParams{Name: "new issue",
		Action: theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: researcher.ID, Task: "Triage the issue"}}}); err != nil {
		return err
	}
	ch, err := c.Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "support", DefinitionID: writer.ID})
	if err != nil {
		return err
	}
	_, err = c.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: "Hello, can you help?"})
	return err
}
