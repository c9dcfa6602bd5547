package main

import (
	"fmt"

	"github.com/theazo/theazo-go"
)

func schedulesCmd() *command {
	return group("schedules", "Cron schedules that run an agent definition or a workflow.",
		leaf("list", "", "List schedules.", schedulesList),
		leaf("create", "NAME", "Create a schedule.", schedulesCreate),
		leaf("update", "SCHEDULE", "Change a schedule's name, cron expression or action.", schedulesUpdate),
		leaf("delete", "SCHEDULE", "Delete a schedule and its future runs.", schedulesDelete),
		leaf("pause", "SCHEDULE", "Stop a schedule from firing until resumed.", schedulesPause),
		leaf("resume", "SCHEDULE", "Restart a paused schedule.", schedulesResume),
	)
}

// actionFlags say what a schedule or trigger runs: a definition on a task,
// or a workflow on an input.
type actionFlags struct {
	definition, task, workflow, input string
}

func (x *inv) actionFlags() *actionFlags {
	f := &actionFlags{}
	x.fs.StringVar(&f.definition, "definition", "", "run this agent `definition`…")
	x.fs.StringVar(&f.task, "task", "", "…on this `task`")
	x.fs.StringVar(&f.workflow, "workflow", "", "or run this `workflow`…")
	x.fs.StringVar(&f.input, "input", "", "…with this input, a JSON `object`")
	return f
}

// action returns the action of the flags; nil when none is set and
// required is false.
func (f *actionFlags) action(x *inv, required bool) (*theazo.Action, error) {
	in, err := x.jsonFlag("input", f.input)
	if err != nil {
		return nil, err
	}
	switch {
	case f.definition != "" && f.workflow != "":
		return nil, x.usageErr("give --definition or --workflow, not both")
	case f.definition != "":
		if f.task == "" {
			return nil, x.usageErr("missing --task: --definition runs the definition on a task")
		}
		if f.input != "" {
			return nil, x.usageErr("--input goes with --workflow; an agent run takes --task")
		}
		return &theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: f.definition, Task: f.task}}, nil
	case f.workflow != "":
		if f.task != "" {
			return nil, x.usageErr("--task goes with --definition; a workflow run takes --input")
		}
		return &theazo.Action{Type: theazo.ActionWorkflowRun, Config: theazo.ActionConfig{WorkflowID: f.workflow, Input: in}}, nil
	case f.task != "":
		return nil, x.usageErr("--task goes with --definition")
	case f.input != "":
		return nil, x.usageErr("--input goes with --workflow")
	case required:
		return nil, x.usageErr("missing --definition or --workflow")
	}
	return nil, nil
}

// describeAction says in a few words what an action runs.
func describeAction(a theazo.Action) string {
	switch {
	case a.Config.DefinitionID != "":
		return fmt.Sprintf("%s %s: %s", a.Type, a.Config.DefinitionID, truncate(a.Config.Task, 40))
	case a.Config.WorkflowID != "":
		return fmt.Sprintf("%s %s", a.Type, a.Config.WorkflowID)
	}
	return string(a.Type)
}

func schedulesList(x *inv) error {
	l := x.listFlags()
	status := x.fs.String("status", "", "only schedules with this `status`: active or paused")
	if err := x.parse(0, 0); err != nil {
		return err
	}
	seq := x.client().Schedules.List(x.ctx, &theazo.ScheduleListParams{Limit: l.pageSize(), Status: theazo.ScheduleStatus(*status)})
	return list(x, l, seq, x.table("ID", "NAME", "CRON", "STATUS", "NEXT RUN", "ACTION"), func(s *theazo.Schedule) []string {
		return []string{s.ID, s.Name, s.Cron, string(s.Status), orDash(x.ago(s.NextRunAt)), describeAction(s.Action)}
	})
}

func (x *inv) showSchedule(s *theazo.Schedule) error {
	return x.show(s, func() error {
		return x.fields("ID", s.ID, "Name", s.Name, "Cron", s.Cron, "Status", string(s.Status),
			"Action", describeAction(s.Action), "Next run", x.stamp(s.NextRunAt), "Created", x.stamp(s.CreatedAt))
	})
}

func schedulesCreate(x *inv) error {
	cron := x.fs.String("cron", "", "five-field cron `expression`, in UTC (required)")
	af := x.actionFlags()
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if *cron == "" {
		return x.usageErr("missing --cron")
	}
	act, err := af.action(x, true)
	if err != nil {
		return err
	}
	s, err := x.client().Schedules.Create(x.ctx, &theazo.ScheduleCreateParams{Name: x.args[0], Cron: *cron, Action: *act})
	if err != nil {
		return err
	}
	return x.showSchedule(s)
}

func schedulesUpdate(x *inv) error {
	var p theazo.ScheduleUpdateParams
	x.fs.StringVar(&p.Name, "name", "", "new `name`")
	x.fs.StringVar(&p.Cron, "cron", "", "new cron `expression`")
	af := x.actionFlags()
	if err := x.parse(1, 1); err != nil {
		return err
	}
	act, err := af.action(x, false)
	if err != nil {
		return err
	}
	p.Action = act
	s, err := x.client().Schedules.Update(x.ctx, x.args[0], &p)
	if err != nil {
		return err
	}
	return x.showSchedule(s)
}

func schedulesDelete(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if err := x.client().Schedules.Delete(x.ctx, x.args[0]); err != nil {
		return err
	}
	return x.done("Deleted " + x.args[0])
}

func schedulesPause(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	s, err := x.client().Schedules.Pause(x.ctx, x.args[0])
	if err != nil {
		return err
	}
	return x.showSchedule(s)
}

func schedulesResume(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	s, err := x.client().Schedules.Resume(x.ctx, x.args[0])
	if err != nil {
		return err
	}
	return x.showSchedule(s)
}
