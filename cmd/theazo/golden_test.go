package main

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/theazotest"
)

// fixture is one of everything, made through the SDK before a command runs.
type fixture map[string]string

// newFixture fills srv and returns the ids by name: session, agent,
// definition, workflow, run, fleet, schedule, trigger, secret, channel, thread.
func newFixture(t *testing.T, srv *theazotest.Server) fixture {
	t.Helper()
	ctx := t.Context()
	c := srv.Client()
	f := fixture{}
	_, err := c.Providers.Create(ctx, &theazo.ProviderCreateParams{Provider: "e2b", Credentials: theazo.Credentials{"apiKey": "e2b_x"}, IsDefault: true})
	require.NoError(t, err)
	_, err = c.Secrets.Set(ctx, &theazo.SecretSetParams{Name: "API_TOKEN", Value: "s3cret-value"})
	require.NoError(t, err)
	def, err := c.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "researcher", Instructions: "Find sources.", Tools: []string{"web_search"}})
	require.NoError(t, err)
	f["definition"] = def.ID
	sess, err := c.Sessions.GetOrCreate(ctx, "user_alice", &theazo.SessionGetOrCreateParams{Limits: &theazo.SessionLimits{
		MaxCost: &theazo.CostLimit{Amount: 500, Currency: "usd", Period: theazo.PeriodDay}, MaxAgents: 3}})
	require.NoError(t, err)
	f["session"] = sess.ID
	_, err = c.Sessions.GetOrCreate(ctx, "user_bob", nil)
	require.NoError(t, err)
	agent, err := c.Agents.Create(ctx, sess.ID, &theazo.AgentCreateParams{Tools: []string{"web_search"}})
	require.NoError(t, err)
	f["agent"] = agent.ID
	stream, err := c.Agents.RunStream(ctx, agent.ID, "warm up")
	require.NoError(t, err)
	for _, err := range stream.Events() {
		require.NoError(t, err)
	}
	require.NoError(t, stream.Close())

	wf, err := c.Workflows.Create(ctx, &theazo.WorkflowCreateParams{Name: "digest", Steps: []theazo.WorkflowStep{
		{Name: "research", DefinitionID: def.ID, Task: "Find papers"},
		{Name: "write", DefinitionID: def.ID, Task: "Summarize", DependsOn: []string{"research"}},
	}})
	require.NoError(t, err)
	f["workflow"] = wf.ID
	run, err := c.Workflows.Run(ctx, wf.ID, nil)
	require.NoError(t, err)
	f["run"] = run.ID
	require.Eventually(t, func() bool {
		r, err := c.Workflows.GetRun(ctx, run.ID)
		return err == nil && r.Status == "completed"
	}, 5*time.Second, 5*time.Millisecond)

	fl, err := c.Fleets.Create(ctx, &theazo.FleetCreateParams{SessionID: sess.ID, DefinitionID: def.ID, Tasks: []string{"a", "b"}, Concurrency: 1})
	require.NoError(t, err)
	f["fleet"] = fl.ID
	require.Eventually(t, func() bool {
		got, err := c.Fleets.Get(ctx, fl.ID)
		return err == nil && got.Status == "completed"
	}, 5*time.Second, 5*time.Millisecond)

	sc, err := c.Schedules.Create(ctx, &theazo.ScheduleCreateParams{Name: "morning", Cron: "0 9 * * *",
		Action: theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: def.ID, Task: "Digest"}}})
	require.NoError(t, err)
	f["schedule"] = sc.ID
	tr, err := c.Triggers.Create(ctx, &theazo.TriggerCreateParams{Name: "on push",
		Action: theazo.Action{Type: theazo.ActionWorkflowRun, Config: theazo.ActionConfig{WorkflowID: wf.ID}}})
	require.NoError(t, err)
	f["trigger"], f["secret"] = tr.ID, string(tr.SigningSecret)
	ch, err := c.Channels.Create(ctx, &theazo.ChannelCreateParams{Name: "support", DefinitionID: def.ID})
	require.NoError(t, err)
	f["channel"] = ch.ID
	msg, err := c.Channels.SendMessage(ctx, ch.ID, &theazo.MessageSendParams{Content: "Hello"})
	require.NoError(t, err)
	f["thread"] = msg.ThreadID
	srv.ResetRequests()
	return f
}

// expand replaces {name} in args with the fixture's ids.
func (f fixture) expand(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		for k, v := range f {
			a = strings.ReplaceAll(a, "{"+k+"}", v)
		}
		out[i] = a
	}
	return out
}

// failingScript makes agent runs end with an error event (after the
// fixture's own warm-up run, which it lets succeed).
var failingScript = theazotest.WithAgentScript(func(task string) []theazotest.Event {
	if task == "warm up" {
		return theazotest.DefaultAgentScript(task)
	}
	return []theazotest.Event{theazotest.Thinking("Starting the sandbox."), theazotest.Failure("provider_error", "The sandbox crashed.")}
})

const workflowJSON = `{"name":"nightly","steps":[{"name":"only","definitionId":"{definition}","task":"Do it"}]}`

// goldenCases run each command against a fresh fake with a fixture; the
// transcript (exit code, stdout, stderr) is compared with testdata/NAME.golden.
var goldenCases = []struct {
	name  string
	args  []string
	stdin string
	env   map[string]string
	opts  []theazotest.Option
}{
	{name: "help", args: []string{"help"}},
	{name: "help_agents", args: []string{"help", "agents"}},
	{name: "agents_run_help", args: []string{"agents", "run", "--help"}},
	{name: "version", args: []string{"version"}},
	{name: "version_json", args: []string{"version", "--json"}},

	{name: "sessions_list", args: []string{"sessions", "list"}},
	{name: "sessions_list_json", args: []string{"sessions", "list", "--json"}},
	{name: "sessions_list_limit", args: []string{"sessions", "list", "--limit", "1"}},
	{name: "sessions_list_all", args: []string{"--json", "sessions", "list", "--all"}},
	{name: "sessions_get_or_create", args: []string{"sessions", "get-or-create", "--max-cost", "5usd/day", "user_carol"}},
	{name: "sessions_get_or_create_json", args: []string{"sessions", "get-or-create", "--json", "user_alice"}},
	{name: "sessions_create", args: []string{"sessions", "create", "--max-agents", "2", "user_dan"}},

	{name: "agents_create", args: []string{"agents", "create", "--tools", "web_search,code_exec", "--instructions", "Be brief.", "{session}"}},
	{name: "agents_create_json", args: []string{"agents", "create", "--json", "{session}"}},
	{name: "agents_get", args: []string{"agents", "get", "{agent}"}},
	{name: "agents_get_json", args: []string{"agents", "get", "--json", "{agent}"}},
	{name: "agents_run", args: []string{"agents", "run", "{agent}", "Summarize this week's papers"}},
	{name: "agents_run_follow", args: []string{"agents", "run", "--follow", "{agent}", "Summarize this week's papers"}},
	{name: "agents_run_follow_json", args: []string{"agents", "run", "--follow", "--json", "{agent}", "Summarize"}},
	{name: "agents_run_follow_failed", args: []string{"agents", "run", "--follow", "{agent}", "Crash"}, opts: []theazotest.Option{failingScript}},
	{name: "agents_run_follow_failed_json", args: []string{"agents", "run", "--follow", "--json", "{agent}", "Crash"}, opts: []theazotest.Option{failingScript}},
	{name: "agents_exec", args: []string{"agents", "exec", "--lang", "python", "{agent}", `print("hello")`}},
	{name: "agents_exec_stdin", args: []string{"agents", "exec", "--lang", "bash", "{agent}", "-"}, stdin: "echo from-stdin\n"},
	{name: "agents_exec_json", args: []string{"agents", "exec", "--lang", "python", "--json", "{agent}", `print("hello")`}},
	{name: "agents_pause", args: []string{"agents", "pause", "{agent}"}},
	{name: "agents_resume_conflict", args: []string{"agents", "resume", "{agent}"}},
	{name: "agents_terminate", args: []string{"agents", "terminate", "{agent}"}},
	{name: "agents_terminate_json", args: []string{"agents", "terminate", "--json", "{agent}"}},
	{name: "agents_wait", args: []string{"agents", "wait", "{agent}"}},

	{name: "usage", args: []string{"billing", "usage", "--breakdown"}},
	{name: "usage_json", args: []string{"billing", "usage", "--breakdown", "--json", "--from", "2026-05-01", "--until", "2026-05-31"}},
	{name: "billing_usage", args: []string{"billing", "usage"}},
	{name: "billing_daily", args: []string{"billing", "daily", "--from", "2026-05-10", "--until", "2026-05-14"}},
	{name: "billing_daily_json", args: []string{"billing", "daily", "--from", "2026-05-12", "--until", "2026-05-14", "--json"}},
	{name: "billing_users", args: []string{"billing", "users"}},
	{name: "billing_users_json", args: []string{"billing", "users", "--json"}},
	{name: "billing_models", args: []string{"billing", "models"}},
	{name: "billing_models_json", args: []string{"billing", "models", "--json"}},

	{name: "definitions_list", args: []string{"definitions", "list"}},
	{name: "definitions_list_json", args: []string{"definitions", "list", "--json"}},
	{name: "definitions_get", args: []string{"definitions", "get", "{definition}"}},
	{name: "definitions_create", args: []string{"definitions", "create", "--tools", "web_search", "--model", "claude-sonnet-4-20250514", "writer"}},
	{name: "definitions_update", args: []string{"definitions", "update", "--instructions", "Find better sources.", "{definition}"}},
	{name: "definitions_archive", args: []string{"definitions", "archive", "{definition}"}},

	{name: "workflows_list", args: []string{"workflows", "list"}},
	{name: "workflows_list_json", args: []string{"workflows", "list", "--json"}},
	{name: "workflows_get", args: []string{"workflows", "get", "{workflow}"}},
	{name: "workflows_create", args: []string{"workflows", "create", "--file", "-"}, stdin: workflowJSON},
	{name: "workflows_update", args: []string{"workflows", "update", "--file", "-", "{workflow}"}, stdin: workflowJSON},
	{name: "workflows_delete", args: []string{"workflows", "delete", "{workflow}"}},
	{name: "workflows_estimate", args: []string{"workflows", "estimate", "{workflow}"}},
	{name: "workflows_run", args: []string{"workflows", "run", "--input", `{"topic":"go"}`, "{workflow}"}},
	{name: "workflows_run_follow", args: []string{"workflows", "run", "--follow", "{workflow}"}},
	{name: "workflows_run_follow_json", args: []string{"workflows", "run", "--follow", "--json", "{workflow}"}},
	{name: "workflows_get_run", args: []string{"workflows", "get-run", "{run}"}},
	{name: "workflows_stream", args: []string{"workflows", "stream", "{run}"}},

	{name: "fleets_list", args: []string{"fleets", "list"}},
	{name: "fleets_list_json", args: []string{"fleets", "list", "--json"}},
	{name: "fleets_get", args: []string{"fleets", "get", "{fleet}"}},
	{name: "fleets_create_follow", args: []string{"fleets", "create", "--session", "{session}", "--definition", "{definition}", "--task", "one", "--task", "two", "--concurrency", "1", "--follow"}},
	{name: "fleets_create_follow_json", args: []string{"fleets", "create", "--session", "{session}", "--definition", "{definition}", "--task", "one", "--concurrency", "1", "--follow", "--json"}},
	{name: "fleets_cancel_completed", args: []string{"fleets", "cancel", "{fleet}"}},
	{name: "fleets_stream", args: []string{"fleets", "stream", "{fleet}"}},

	{name: "schedules_list", args: []string{"schedules", "list"}},
	{name: "schedules_list_json", args: []string{"schedules", "list", "--json"}},
	{name: "schedules_create", args: []string{"schedules", "create", "--cron", "0 8 * * 1", "--workflow", "{workflow}", "weekly"}},
	{name: "schedules_update", args: []string{"schedules", "update", "--cron", "30 7 * * *", "{schedule}"}},
	{name: "schedules_pause", args: []string{"schedules", "pause", "{schedule}"}},
	{name: "schedules_resume", args: []string{"schedules", "resume", "{schedule}"}},
	{name: "schedules_delete", args: []string{"schedules", "delete", "{schedule}"}},

	{name: "triggers_list", args: []string{"triggers", "list"}},
	{name: "triggers_list_json", args: []string{"triggers", "list", "--json"}},
	{name: "triggers_create", args: []string{"triggers", "create", "--definition", "{definition}", "--task", "Triage", "on issue"}},
	{name: "triggers_sign", args: []string{"triggers", "sign", "whsec_fixed"}, stdin: `{"ref":"main"}`},
	{name: "triggers_fire", args: []string{"triggers", "fire", "--secret", "{secret}", "{trigger}"}, stdin: `{"ref":"main"}`},
	{name: "triggers_fire_bad_secret", args: []string{"triggers", "fire", "--secret", "whsec_wrong", "{trigger}"}, stdin: `{}`},
	{name: "triggers_delete", args: []string{"triggers", "delete", "{trigger}"}},

	{name: "channels_list", args: []string{"channels", "list"}},
	{name: "channels_list_json", args: []string{"channels", "list", "--json"}},
	{name: "channels_create", args: []string{"channels", "create", "--instructions", "Be kind.", "sales"}},
	{name: "channels_send", args: []string{"channels", "send", "--thread", "{thread}", "{channel}", "Where is my order?"}},
	{name: "channels_messages", args: []string{"channels", "messages", "{channel}"}},
	{name: "channels_messages_json", args: []string{"channels", "messages", "--json", "{channel}"}},

	{name: "secrets_set", args: []string{"secrets", "set", "DB_PASSWORD"}, stdin: "hunter2\n"},
	{name: "secrets_list", args: []string{"secrets", "list"}},
	{name: "secrets_list_json", args: []string{"secrets", "list", "--json"}},
	{name: "secrets_delete", args: []string{"secrets", "delete", "API_TOKEN"}},

	{name: "providers_list", args: []string{"providers", "list"}},
	{name: "providers_list_json", args: []string{"providers", "list", "--json"}},
	{name: "providers_create", args: []string{"providers", "create", "--credential", "apiToken=fly_secret_token", "fly"}},
	{name: "providers_delete_in_use", args: []string{"providers", "delete", "e2b"}},

	// Failures: an API error (exit 1), usage errors (exit 2), no key (exit 1).
	{name: "error_not_found", args: []string{"agents", "get", "agt_01HXMISSING00000000000000"}},
	{name: "error_not_found_json", args: []string{"agents", "get", "--json", "agt_01HXMISSING00000000000000"}},
	{name: "error_validation", args: []string{"schedules", "create", "--cron", "0 9 * *", "--workflow", "{workflow}", "bad"}},
	{name: "error_validation_server", args: []string{"triggers", "create", "--workflow", "wf_01HXMISSING0000000000000000", "on push"}},
	{name: "usage_missing_argument", args: []string{"agents", "run", "{agent}"}},
	{name: "usage_unknown_flag", args: []string{"sessions", "list", "--colour"}},
	{name: "usage_unknown_command", args: []string{"agents", "launch"}},
	{name: "usage_no_command", args: []string{}},
	{name: "usage_bad_max_cost", args: []string{"sessions", "create", "--max-cost", "5", "u"}},
	{name: "usage_mock_bad_rate_limit", args: []string{"mock", "--rate-limit", "many"}},
	{name: "usage_mock_bad_key", args: []string{"mock", "--key", "th_live_nope"}},
	{name: "usage_mock_bad_grace", args: []string{"mock", "--grace", "-1s"}},
	{name: "missing_key", args: []string{"sessions", "list"}, env: map[string]string{"THEAZO_API_KEY": ""}},
	{name: "wrong_key", args: []string{"sessions", "list", "--api-key", "th_test_notthekey"}},
}

func TestGolden(t *testing.T) {
	t.Parallel()
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, tc.opts...)
			f := newFixture(t, srv)
			args := f.expand(tc.args)
			r := runCLI(t, srv, tc.env, f.expand([]string{tc.stdin})[0], args...)
			golden(t, tc.name, normalize(transcript(tc.args, r), srv))
			require.NotContains(t, r.stdout+r.stderr, testKey, "the API key never appears in output")
		})
	}
}
