package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/theazo/theazo-go"
)

func agentsCmd() *command {
	return group("agents", "Agents: isolated compute environments inside a session.",
		leaf("create", "SESSION", "Create an agent in a session.", agentsCreate),
		leaf("get", "AGENT", "Show an agent.", agentsGet),
		leaf("run", "AGENT TASK", "Start a task; with --follow, print its events as they arrive.", agentsRun),
		leaf("stream", "AGENT", "Print the events of an agent's current run as they arrive.", agentsStream),
		leaf("exec", "AGENT [CODE | -]", "Run code in the agent's sandbox (from stdin without CODE or with -).", agentsExec),
		leaf("pause", "AGENT", "Pause an agent after its current tool call.", agentsPause),
		leaf("resume", "AGENT", "Resume a paused agent.", agentsResume),
		leaf("terminate", "AGENT", "End an agent for good and release its compute.", agentsTerminate),
		leaf("wait", "AGENT", "Wait until an agent reaches a status (idle by default).", agentsWait),
	)
}

func agentsCreate(x *inv) error {
	var p theazo.AgentCreateParams
	tools := x.fs.String("tools", "", "comma-separated `tools`, e.g. web_search,code_exec")
	provider := x.fs.String("provider", "", "compute `provider`: e2b, fly or docker")
	model := x.fs.String("model", "", "model `id` (orchestrator mode)")
	x.fs.StringVar(&p.Instructions, "instructions", "", "system instructions")
	x.fs.BoolVar(&p.Browser, "browser", false, "give the agent a browser")
	x.fs.IntVar(&p.TimeoutSeconds, "timeout", 0, "most `seconds` a run may take before the agent is terminated (default 300)")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	p.Tools = splitList(*tools)
	if *provider != "" {
		p.Compute = &theazo.AgentCompute{Provider: theazo.ComputeProvider(*provider)}
	}
	if *model != "" {
		p.Model = &theazo.AgentModel{ID: *model}
	}
	a, err := x.client().Agents.Create(x.ctx, x.args[0], &p)
	if err != nil {
		return err
	}
	return x.showAgent(a)
}

// splitList splits "a,b" into its trimmed, non-empty parts.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func agentsGet(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	a, err := x.client().Agents.Get(x.ctx, x.args[0])
	if err != nil {
		return err
	}
	return x.showAgent(a)
}

func (x *inv) showAgent(a *theazo.Agent) error {
	return x.show(a, func() error {
		var provider, model string
		if a.Compute != nil {
			provider = string(a.Compute.Provider)
		}
		if a.Model != nil {
			model = a.Model.ID
		}
		browser := ""
		if a.Browser {
			browser = "yes"
		}
		timeout := ""
		if a.TimeoutSeconds > 0 {
			timeout = (time.Duration(a.TimeoutSeconds) * time.Second).String()
		}
		return x.fields("ID", a.ID, "Session", a.SessionID, "Status", string(a.Status),
			"Provider", provider, "Model", model, "Browser", browser, "Tools", strings.Join(a.Tools, ", "),
			"Instructions", a.Instructions, "Timeout", timeout, "Created", x.stamp(a.CreatedAt))
	})
}

// status colours a status, escaped: green when ready or done, red when failed.
func (a *app) status(s string) string {
	if st := statusStyle(s); st != "" {
		return a.paint(st, s)
	}
	return escape(s)
}

func agentsRun(x *inv) error {
	followFlag := x.fs.Bool("follow", false, "print the run's events as they arrive")
	if err := x.parse(2, 2); err != nil {
		return err
	}
	c := x.client()
	if !*followFlag {
		ref, err := c.Agents.Run(x.ctx, x.args[0], x.args[1])
		if err != nil {
			return err
		}
		return x.show(ref, func() error {
			return x.fields("Task", ref.TaskID, "Agent", ref.AgentID)
		})
	}
	stop := x.spin("waiting for the agent…")
	run, err := c.Agents.RunStream(x.ctx, x.args[0], x.args[1])
	if err != nil {
		stop()
		return err
	}
	stop, err = x.announce(startLine{Type: "task", TaskID: run.TaskID, AgentID: run.AgentID},
		"task "+run.TaskID+" on "+run.AgentID, stop, "waiting for the agent…")
	if err != nil {
		stop()
		run.Close()
		return err
	}
	x.interrupted = "Interrupted: the task goes on. Follow it again with \"theazo agents stream " + run.AgentID +
		"\", or stop it with \"theazo agents terminate " + run.AgentID + "\"."
	return follow(x, run.Stream(), stop, x.printAgentEvent)
}

func agentsStream(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	stop := x.spin("waiting for events…")
	stream, err := x.client().Agents.Stream(x.ctx, x.args[0])
	if err != nil {
		stop()
		return err
	}
	return follow(x, stream, stop, x.printAgentEvent)
}

func agentsExec(x *inv) error {
	lang := x.fs.String("lang", "", "language of the code: python, typescript or bash (required)")
	if err := x.parse(1, 2); err != nil {
		return err
	}
	switch theazo.ExecLang(*lang) {
	case "":
		return x.usageErr("missing --lang")
	case theazo.LangPython, theazo.LangTypeScript, theazo.LangBash:
	default:
		return x.usageErr("--lang must be python, typescript or bash")
	}
	code := "-"
	if len(x.args) == 2 {
		code = x.args[1]
	}
	if code == "-" {
		b, err := io.ReadAll(x.stdin)
		if err != nil {
			return fmt.Errorf("reading code from stdin: %w", err)
		}
		code = string(b)
	}
	res, err := x.client().Agents.Exec(x.ctx, x.args[0], &theazo.AgentExecParams{Lang: theazo.ExecLang(*lang), Code: code})
	if err != nil {
		return err
	}
	if x.g.json {
		if err := x.jsonObject(res); err != nil {
			return err
		}
	} else {
		io.WriteString(x.stdout, escape(res.Stdout))
		io.WriteString(x.stderr, escape(res.Stderr))
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("the code exited with status %d", res.ExitCode)
	}
	return nil
}

func agentsPause(x *inv) error {
	return agentAction(x, func(c *theazo.Client, id string) (*theazo.Agent, error) { return c.Agents.Pause(x.ctx, id) })
}

func agentsResume(x *inv) error {
	return agentAction(x, func(c *theazo.Client, id string) (*theazo.Agent, error) { return c.Agents.Resume(x.ctx, id) })
}

// agentAction runs an action on one agent and shows the agent after it.
func agentAction(x *inv, act func(*theazo.Client, string) (*theazo.Agent, error)) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	a, err := act(x.client(), x.args[0])
	if err != nil {
		return err
	}
	return x.show(a, func() error {
		_, err := fmt.Fprintf(x.stdout, "%s %s\n", a.ID, x.status(string(a.Status)))
		return err
	})
}

func agentsTerminate(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if err := x.client().Agents.Terminate(x.ctx, x.args[0]); err != nil {
		return err
	}
	return x.done("Terminated " + x.args[0])
}

// done confirms an action that returns nothing: {"ok":true} with --json.
func (x *inv) done(msg string) error {
	if x.g.json {
		return x.jsonLine(map[string]bool{"ok": true})
	}
	_, err := fmt.Fprintln(x.stdout, msg)
	return err
}

// agentStatuses are the statuses an agent may reach, as the API names them.
var agentStatuses = []string{
	string(theazo.AgentStatusProvisioning), string(theazo.AgentStatusIdle), string(theazo.AgentStatusRunning),
	string(theazo.AgentStatusPaused), string(theazo.AgentStatusTerminated),
}

func agentsWait(x *inv) error {
	want := x.fs.String("for", "idle", "the `status` to wait for: "+strings.Join(agentStatuses, ", "))
	timeout := x.fs.Duration("timeout", 5*time.Minute, "give up after this long")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if !slices.Contains(agentStatuses, *want) {
		return x.usageErr("--for must be one of %s", strings.Join(agentStatuses, ", "))
	}
	if *timeout <= 0 {
		return x.usageErr("--timeout must be positive, like 30s or 5m")
	}
	ctx, cancel := context.WithTimeout(x.ctx, *timeout)
	defer cancel()
	stop := x.spin("waiting for " + x.args[0] + " to be " + *want + "…")
	a, err := x.client().Agents.WaitUntil(ctx, x.args[0], theazo.AgentStatus(*want))
	stop()
	if err != nil {
		return err
	}
	return x.show(a, func() error {
		_, err := fmt.Fprintf(x.stdout, "%s %s\n", a.ID, x.status(string(a.Status)))
		return err
	})
}
