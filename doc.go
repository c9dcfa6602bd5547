// Package theazo is the Go client for the Theazo REST API: per-user sessions
// of AI agents running in isolated sandboxes, with cost limits, billing,
// workflows, fleets, schedules, webhook triggers and chat channels.
//
// # The client
//
// Make one [Client] at start-up and share it; it is safe for concurrent use,
// and every service (client.Sessions, client.Agents, client.Workflows, …)
// goes through its one transport:
//
//	client := theazo.NewClient(os.Getenv("THEAZO_API_KEY")) // "" also falls back to THEAZO_API_KEY
//
// Every method takes a [context.Context] first: cancelling it cancels the
// request, a wait between retries, or a stream. There is no client-wide
// timeout; put deadlines on the context.
//
// # Sessions and agents
//
// [SessionsService.GetOrCreate] is idempotent: call it on every request
// instead of storing session IDs.
//
//	sess, err := client.Sessions.GetOrCreate(ctx, "user_123", &theazo.SessionGetOrCreateParams{
//		Limits: &theazo.SessionLimits{MaxCost: &theazo.CostLimit{Amount: 500, Currency: "usd", Period: theazo.PeriodDay}},
//	})
//	agent, err := client.Agents.Create(ctx, sess.ID, &theazo.AgentCreateParams{Tools: []string{"web_search"}})
//
// Money is a [Money] in the currency's smallest unit (cents); optional fields
// where zero means something are pointers, set with [Ptr].
//
// # Runs and streams
//
// Agent runs, workflow runs and fleets are each followed through a run
// handle, [AgentRun], [WorkflowRun] and [FleetRun], with one method set:
// Events, Stream (for sse.Relay), LastEventID, Result and Close. Every
// service gets one the same two ways: start-and-stream
// ([AgentsService.RunStream], [WorkflowsService.RunStream],
// [FleetsService.CreateStream]) and Attach, by id, resuming with
// [WithLastEventID]; RunAndWait and CreateAndWait are start-and-stream, then
// Result. Result is the run's whole result however its events were
// consumed: if the stream stopped before the run's end, it reads the rest
// from the last event id. [AgentsService.RunStream] connects first and
// starts the run once the server has answered, so no early event is lost.
// Every stream is an [github.com/theazo/theazo-go/sse.Stream]
// of typed events; an event type this version does not know arrives as
// [UnknownEvent]. Every event knows its wire name and raw data, so that
// [github.com/theazo/theazo-go/sse.Relay] passes a stream on to a browser
// byte for byte.
//
//	run, err := client.Agents.RunStream(ctx, agent.ID, "Summarize this week's papers")
//	if err != nil {
//		return err
//	}
//	defer run.Close()
//	for ev, err := range run.Events() {
//		if err != nil {
//			return err
//		}
//		switch e := ev.(type) {
//		case *theazo.ThinkingEvent:
//			log.Print(e.Text)
//		case *theazo.OutputEvent:
//			fmt.Println(e.Text, e.Cost)
//		}
//	}
//
// # Lists
//
// List methods return an iterator that fetches pages lazily and holds one
// page at a time; ListPage returns one [Page] for callers who keep cursors.
//
//	for s, err := range client.Sessions.List(ctx, &theazo.SessionListParams{Limit: 100}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(s.ID, s.UserID)
//	}
//
// # Errors
//
// Every non-2xx reply is an [*Error], even when its body is not JSON. Match a
// code with [errors.Is] against the Err* sentinels, or read its fields with
// [errors.As]:
//
//	var apiErr *theazo.Error
//	switch {
//	case errors.Is(err, theazo.ErrSessionLimitExceeded): // 402
//	case errors.As(err, &apiErr) && apiErr.StatusCode == 422:
//		for _, f := range apiErr.Fields {
//			log.Printf("%s: %s", f.Field, f.Message)
//		}
//	}
//
// Local mistakes fail before anything is sent: [ErrMissingAPIKey],
// [ErrEmptyID], [ErrInvalidParams].
//
// # Options and retries
//
// Client options follow the key in [NewClient]: [WithBaseURL],
// [WithHTTPClient], [WithMaxRetries], [WithMaxRetryWait], [WithLogger],
// [WithUserAgent], [WithMaxEventSize]. Every service method also ends with
// opts ...[RequestOption], which apply to that call only.
//
// A 429 is retried on any method after its Retry-After; network errors and
// 500, 502 and 503 only where repeating is safe (GET, PUT, DELETE and
// GetOrCreate). The API key never appears in an error, a log line or the
// printed client.
//
// # Where the API reference is brief
//
// The API reference names some endpoints without spelling them out (the
// workflow and fleet endpoints other than Estimate and the streams, and
// GET /agents/{id}) and some objects without listing their fields. For
// those the SDK follows the rest of the API, and theazotest serves the
// same shapes; CONTRIBUTING.md lists each choice. When the reference
// documents one differently, the SDK follows it, and CHANGELOG.md says so.
//
// # Testing
//
// Package [github.com/theazo/theazo-go/theazotest] is an in-process fake
// Theazo API, like net/http/httptest, so tests need no network and no
// account.
package theazo
