package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/theazo/theazo-go"
)

func workflowsCmd() *command {
	return group("workflows", "Multi-step workflows of agent definitions, and their runs.",
		leaf("list", "", "List workflows.", workflowsList),
		leaf("get", "WORKFLOW", "Show a workflow and its steps.", workflowsGet),
		leaf("create", "", "Create a workflow from a JSON file: {name, description, steps, metadata}.", workflowsCreate),
		leaf("update", "WORKFLOW", "Replace a workflow with a JSON file: {name, description, steps, metadata}.", workflowsUpdate),
		leaf("delete", "WORKFLOW", "Delete a workflow.", workflowsDelete),
		leaf("estimate", "WORKFLOW", "Estimate the time and cost of a run.", workflowsEstimate),
		leaf("run", "WORKFLOW", "Start a run; with --follow, print its events as they arrive.", workflowsRun),
		leaf("get-run", "RUN", "Show a run with its steps, output and cost.", workflowsGetRun),
		leaf("stream", "RUN", "Print the events of a workflow run as they arrive.", workflowsStream),
	)
}

func workflowsList(x *inv) error {
	l := x.listFlags()
	if err := x.parse(0, 0); err != nil {
		return err
	}
	seq := x.client().Workflows.List(x.ctx, &theazo.WorkflowListParams{Limit: l.pageSize()})
	return list(x, l, seq, x.table("ID", "NAME", "STEPS", "UPDATED"), func(w *theazo.Workflow) []string {
		return []string{w.ID, w.Name, strconv.Itoa(len(w.Steps)), x.ago(w.UpdatedAt)}
	})
}

func workflowsGet(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	w, err := x.client().Workflows.Get(x.ctx, x.args[0])
	if err != nil {
		return err
	}
	return x.showWorkflow(w)
}

func (x *inv) showWorkflow(w *theazo.Workflow) error {
	return x.show(w, func() error {
		if err := x.fields("ID", w.ID, "Name", w.Name, "Description", w.Description,
			"Created", x.stamp(w.CreatedAt), "Updated", x.stamp(w.UpdatedAt)); err != nil {
			return err
		}
		fmt.Fprintln(x.stdout)
		t := x.table("STEP", "DEFINITION", "DEPENDS ON", "CONDITION", "TASK")
		for _, s := range w.Steps {
			t.row(s.Name, s.DefinitionID, orDash(strings.Join(s.DependsOn, ",")), orDash(s.Condition), truncate(s.Task, 60))
		}
		return t.print()
	})
}

// readJSONFile decodes the JSON of a file, or of stdin for "-", into v.
func (x *inv) readJSONFile(name string, v any) error {
	var r io.Reader = x.stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		r = f
	}
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	return nil
}

// jsonFlag parses a JSON object given on the command line.
func (x *inv) jsonFlag(name, value string) (map[string]any, error) {
	if value == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(value), &m); err != nil || m == nil {
		return nil, x.usageErr("--%s must be a JSON object, like '{\"topic\":\"go\"}'", name)
	}
	return m, nil
}

func workflowsCreate(x *inv) error {
	file := x.fs.String("file", "", "the workflow as JSON, `FILE` or - for stdin (required)")
	if err := x.parse(0, 0); err != nil {
		return err
	}
	if *file == "" {
		return x.usageErr("missing --file")
	}
	var p theazo.WorkflowCreateParams
	if err := x.readJSONFile(*file, &p); err != nil {
		return err
	}
	w, err := x.client().Workflows.Create(x.ctx, &p)
	if err != nil {
		return err
	}
	return x.showWorkflow(w)
}

func workflowsUpdate(x *inv) error {
	file := x.fs.String("file", "", "the workflow as JSON, `FILE` or - for stdin (required)")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if *file == "" {
		return x.usageErr("missing --file")
	}
	var p theazo.WorkflowUpdateParams
	if err := x.readJSONFile(*file, &p); err != nil {
		return err
	}
	w, err := x.client().Workflows.Update(x.ctx, x.args[0], &p)
	if err != nil {
		return err
	}
	return x.showWorkflow(w)
}

func workflowsDelete(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if err := x.client().Workflows.Delete(x.ctx, x.args[0]); err != nil {
		return err
	}
	return x.done("Deleted " + x.args[0])
}

func workflowsEstimate(x *inv) error {
	input := x.fs.String("input", "", "the run's input as a JSON `object`")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	in, err := x.jsonFlag("input", *input)
	if err != nil {
		return err
	}
	e, err := x.client().Workflows.Estimate(x.ctx, x.args[0], &theazo.WorkflowEstimateParams{Input: in})
	if err != nil {
		return err
	}
	return x.show(e, func() error {
		return x.fields("Steps", strconv.Itoa(e.Steps), "Minutes", strconv.FormatFloat(e.EstimatedMinutes, 'f', -1, 64),
			"Cost", money(e.EstimatedCost), "Confidence", string(e.Confidence))
	})
}

func workflowsRun(x *inv) error {
	input := x.fs.String("input", "", "the run's input as a JSON `object`")
	followFlag := x.fs.Bool("follow", false, "print the run's events as they arrive")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	in, err := x.jsonFlag("input", *input)
	if err != nil {
		return err
	}
	c := x.client()
	stop := func() {}
	if *followFlag {
		stop = x.spin("waiting for the workflow…")
	}
	run, err := c.Workflows.Run(x.ctx, x.args[0], &theazo.WorkflowRunParams{Input: in})
	if err != nil || !*followFlag {
		stop()
		if err != nil {
			return err
		}
		return x.showRun(run)
	}
	stop, err = x.announce(startLine{Type: "run", RunID: run.ID, WorkflowID: run.WorkflowID},
		"run "+run.ID, stop, "waiting for the workflow…")
	if err != nil {
		stop()
		return err
	}
	x.interrupted = "Interrupted: the run goes on. Follow it again with \"theazo workflows stream " + run.ID + "\"."
	h, err := c.Workflows.Attach(x.ctx, run.ID)
	if err != nil {
		stop()
		return err
	}
	return follow(x, h.Stream(), stop, x.printWorkflowEvent)
}

func workflowsGetRun(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	run, err := x.client().Workflows.GetRun(x.ctx, x.args[0])
	if err != nil {
		return err
	}
	return x.showRun(run)
}

func (x *inv) showRun(r *theazo.WorkflowRunInfo) error {
	return x.show(r, func() error {
		cost := ""
		if r.Cost != (theazo.Money{}) {
			cost = money(r.Cost)
		}
		if err := x.fields("ID", r.ID, "Workflow", r.WorkflowID, "Status", string(r.Status),
			"Output", compact(r.Output), "Cost", cost, "Created", x.stamp(r.CreatedAt)); err != nil {
			return err
		}
		if len(r.Steps) == 0 {
			return nil
		}
		fmt.Fprintln(x.stdout)
		t := x.table("STEP", "STATUS", "DURATION", "OUTPUT")
		for _, s := range r.Steps {
			t.row(s.Name, string(s.Status), duration(s.DurationMs), orDash(compact(s.Output)))
		}
		return t.print()
	})
}

// duration formats milliseconds, "-" for none.
func duration(ms int64) string {
	if ms <= 0 {
		return "-"
	}
	return strconv.FormatFloat(float64(ms)/1000, 'f', 1, 64) + "s"
}

func workflowsStream(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	stop := x.spin("waiting for events…")
	run, err := x.client().Workflows.Attach(x.ctx, x.args[0])
	if err != nil {
		stop()
		return err
	}
	return follow(x, run.Stream(), stop, x.printWorkflowEvent)
}

func (x *inv) printWorkflowEvent(ev theazo.WorkflowEvent) error {
	var line string
	switch e := ev.(type) {
	case *theazo.StepStartEvent:
		line = x.paint(styleCyan, "▸ "+e.Step) + x.paint(styleDim, " started")
	case *theazo.StepCompleteEvent:
		line = x.paint(styleGreen, "✓ "+e.Step) + " " + x.paint(styleDim, duration(e.DurationMs)) + " " + compact(e.Output)
	case *theazo.WorkflowCompleteEvent:
		line = compact(e.Output) + "\n" + x.paint(styleDim, "cost: "+money(e.Cost))
	case *theazo.WorkflowFailedEvent:
		msg := e.Message
		if e.Step != "" {
			msg = "step " + e.Step + ": " + msg
		}
		return x.failed("", msg)
	case *theazo.UnknownEvent:
		line = x.paint(styleDim, e.Type+": "+truncate(e.Data, 120))
	}
	return x.eventLine(line)
}
