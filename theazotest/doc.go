// Package theazotest provides an in-process fake Theazo API server for tests
// and examples, in the spirit of net/http/httptest.
//
//	srv := theazotest.NewServer()
//	defer srv.Close()
//	client := srv.Client() // a *theazo.Client for srv.URL() with srv.APIKey()
//	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", nil)
//
// A Server listens on 127.0.0.1 and serves every endpoint of the Theazo REST
// API, with the reference's semantics, in the API's wire format. It models
// that format with its own types, independent of the SDK's, so that a test
// against it catches encoding mistakes on either side. It is safe for
// concurrent use, and Close ends its streams and background runs and leaves
// no goroutine behind.
//
// # What it does
//
// Auth: every endpoint but trigger fire and the channel message and stream
// endpoints needs "Authorization: Bearer <key>" with the server's key (401
// unauthorized otherwise). RestrictedKey adds keys limited to some routes
// (403 forbidden elsewhere).
//
// Errors: every error is the API's envelope {"error": {code, message,
// details, requestId}}, and every reply has an X-Request-Id header. Bodies
// are validated: missing required fields, wrong types, unknown enum values,
// bad cron expressions and secret names answer 422 unprocessable_entity with
// details {"fields": [{"field", "message"}]}. Unknown ids in a path answer
// 404; ids named in a body (a session, a definition, a workflow) that do not
// exist, or an archived definition, are 422 on that field, except the
// definitionId of a new agent: an unknown one is 404 not_found and an
// archived one 409 conflict, as the definition's state, not the request's
// shape, refuses it. 409 conflict:
// run or exec on a paused or terminated agent, pausing a terminated agent,
// resuming an agent that is not paused, running an agent already running,
// deleting a provider with active agents, updating an archived definition,
// cancelling a fleet that has finished.
//
// Sessions and limits: get-or-create by user is idempotent (limits and
// metadata apply only on creation). A session over its maxAgents (agents not
// terminated), its maxCost in the current period (session, UTC day or UTC
// month), or its maxComputeMinutes (which also pauses it) answers 402
// session_limit_exceeded, with details {"limit": "maxAgents" | "maxCost" |
// "maxComputeMinutes"}, to agent creation, runs, exec and fleet creation.
//
// Agents: created idle (provisioning for a while first with
// WithProvisionDelay, refusing runs and exec with 409), from a definition
// when definitionId is given (its instructions, tools, model and compute
// fill the fields the request leaves out); POST run answers 202 and runs
// the AgentScript in the
// background: the agent is running, then idle again after the last event.
// Pause suspends a run before its next event until Resume; Terminate ends
// it (an "error" event with code "terminated") and is final. Exec answers
// what the ExecFunc returns, or 504 timeout. SetProviderDown makes agents
// on a provider answer 502 provider_error.
//
// Lists: every list pages, providers, secrets and the billing reports too:
// it takes limit (1 to 100; default 20, 50 for channel messages and the
// per-model report, 31 for the daily report; the per-user report's limit,
// default 50, goes to 1000) and an opaque cursor, and answers {data,
// nextCursor, hasMore}; items created between pages appear once, at the
// end. GET /secrets without sessionId lists every secret, org-wide and
// session-scoped, as the reference's example shows.
//
// Schedules: cron expressions follow the standard five-field grammar the
// SDK's ValidateCron checks (the two share one parser): numbers, JAN-DEC and
// SUN-SAT in any case, 0 and 7 for Sunday, ranges, lists and steps.
//
// Streams: agent, workflow run, fleet and channel streams send each event
// with an "id:" line (1, 2, 3, … per stream) and honour Last-Event-ID by
// replaying what followed that id. A workflow run's or fleet's stream starts
// at its first event; an agent's or channel's stream without Last-Event-ID
// starts with the next event (connect, then run). Agent streams end after an
// output or error event, workflow and fleet streams after their final event;
// channel streams stay open. WithStreamRetry makes every stream start with a
// retry: field, the wait a client should leave before reconnecting.
//
// Costs and billing: the fake records a cost for each agent run (the cost of
// its output event: 2 cents of it as one compute minute, the rest as model
// cost), each exec (2 cents per started compute minute), each workflow step
// and each fleet task. Session costs, usage summaries and the billing
// reports are sums of these records in the requested period, so they add up:
// total = compute + models; daily, per-user and per-model figures sum to it
// (per-model figures count model costs only, per-user ones session costs
// only). Storage is free. A period's from and until are RFC 3339 instants
// (fractional seconds kept) or dates: a date from starts at that day's
// midnight UTC and a date until includes that whole day, so from=2025-05-01
// until=2025-05-07 is seven days; the period is [from, until).
//
// Triggers: fire verifies X-Theazo-Signature, "sha256=" and the hex
// HMAC-SHA256 of the raw body keyed with the trigger's signing secret (401
// on a missing or bad one), and records the firing (Firings).
//
// Channels: a message without a threadId starts a thread; one with an
// unknown threadId is 404. Each message and the assistant's reply (from the
// ReplyFunc) are kept in the thread and sent on the channel's stream.
//
// # Testing with it
//
// Options script what runs produce (WithAgentScript, WithExec,
// WithWorkflowSteps, WithFleetTasks, WithChannelReply), slow them down
// (WithEventDelay), fix the clock (WithClock), or add a per-key
// sliding-window rate limit that answers 429 with Retry-After
// (WithRateLimit, WithRateLimitWindow). InjectFault makes the next matching
// requests fail: a status with or without Retry-After, a dropped
// connection, a body cut short, a stream dropped after some events, or a
// delay. Requests lists what the server received, with the key redacted:
// every header, query parameter and body member, those it does not know
// (sent with theazo.WithHeader, WithQuery or WithJSONSet) included; the
// server ignores unknown ones, and Request.BodyMember reads a body member.
// Requests keeps the latest DefaultRequestHistory requests
// (WithRequestHistory changes that, and whether bodies are kept); a request
// refused before authentication is recorded without its body, which is
// never read. OpenStreams counts the event streams being sent, e.g. to see
// a client close one.
//
// # Time, schedules and triggers
//
// Schedules fire as the server's clock passes their cron times: once per
// move of the clock however many times it passed, active schedules only,
// nextRunAt moving on. With WithManualClock the clock stands still until
// AdvanceClock or SetClock moves it, and the firings happen before those
// return; with any other clock the server checks every second. A fired
// trigger runs its action in the same way, with the request body as input.
// What a firing creates (see Firing, and Firings): for an agent-run action,
// an agent made from the definition in the session of a user named after
// the schedule or trigger, running the task with the agent script; for a
// workflow-run action, a run of the workflow. Both record their costs, so
// usage and billing grow.
//
// # Control API
//
// WithControlAPI serves the same features over HTTP under /_theazo/ (faults,
// agent scripts, the request log, the clock, firings), for tests written in
// any language; theazo mock serves it.
package theazotest
