package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/theazo/theazo-go"
)

func fleetsCmd() *command {
	return group("fleets", "Fleets: one agent definition run over many tasks in parallel.",
		leaf("list", "", "List fleets.", fleetsList),
		leaf("get", "FLEET", "Show a fleet's progress and cost.", fleetsGet),
		leaf("create", "", "Start a fleet; with --follow, print its events as they arrive.", fleetsCreate),
		leaf("cancel", "FLEET", "Cancel a fleet's remaining tasks.", fleetsCancel),
		leaf("stream", "FLEET", "Print a fleet's events as they arrive.", fleetsStream),
	)
}

// stringsFlag is a flag that may be repeated.
type stringsFlag []string

func (s *stringsFlag) String() string     { return strings.Join(*s, ",") }
func (s *stringsFlag) Set(v string) error { *s = append(*s, v); return nil }

func fleetsList(x *inv) error {
	l := x.listFlags()
	if err := x.parse(0, 0); err != nil {
		return err
	}
	seq := x.client().Fleets.List(x.ctx, &theazo.FleetListParams{Limit: l.pageSize()})
	return list(x, l, seq, x.table("ID", "STATUS", "TASKS", "DONE", "FAILED", "COST", "CREATED"), func(f *theazo.Fleet) []string {
		return []string{f.ID, string(f.Status), strconv.Itoa(len(f.Tasks)), strconv.Itoa(f.Completed),
			strconv.Itoa(f.Failed), money(f.TotalCost), x.ago(f.CreatedAt)}
	})
}

func fleetsGet(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	f, err := x.client().Fleets.Get(x.ctx, x.args[0])
	if err != nil {
		return err
	}
	return x.showFleet(f)
}

func (x *inv) showFleet(f *theazo.Fleet) error {
	return x.show(f, func() error {
		return x.fields("ID", f.ID, "Status", string(f.Status), "Session", f.SessionID,
			"Definition", f.DefinitionID, "Instructions", f.Instructions, "Tasks", strconv.Itoa(len(f.Tasks)),
			"Concurrency", strconv.Itoa(f.Concurrency), "Completed", strconv.Itoa(f.Completed),
			"Failed", strconv.Itoa(f.Failed), "Cost", money(f.TotalCost), "Created", x.stamp(f.CreatedAt))
	})
}

func fleetsCreate(x *inv) error {
	var p theazo.FleetCreateParams
	var tasks stringsFlag
	x.fs.StringVar(&p.SessionID, "session", "", "the `session` the agents run in (required)")
	x.fs.StringVar(&p.DefinitionID, "definition", "", "the agent `definition` to run (required)")
	x.fs.StringVar(&p.Instructions, "instructions", "", "instructions added to every task")
	x.fs.Var(&tasks, "task", "a `task`; repeat for each (required)")
	x.fs.IntVar(&p.Concurrency, "concurrency", 0, "most agents at once")
	followFlag := x.fs.Bool("follow", false, "print the fleet's events as they arrive")
	if err := x.parse(0, 0); err != nil {
		return err
	}
	switch {
	case p.SessionID == "":
		return x.usageErr("missing --session")
	case p.DefinitionID == "":
		return x.usageErr("missing --definition")
	case len(tasks) == 0:
		return x.usageErr("missing --task")
	}
	p.Tasks = tasks
	c := x.client()
	stop := func() {}
	if *followFlag {
		stop = x.spin("waiting for the fleet…")
	}
	f, err := c.Fleets.Create(x.ctx, &p)
	if err != nil || !*followFlag {
		stop()
		if err != nil {
			return err
		}
		return x.showFleet(f)
	}
	stop, err = x.announce(startLine{Type: "fleet", FleetID: f.ID, SessionID: f.SessionID},
		"fleet "+f.ID, stop, "waiting for the fleet…")
	if err != nil {
		stop()
		return err
	}
	x.interrupted = "Interrupted: the fleet goes on. Follow it again with \"theazo fleets stream " + f.ID +
		"\", or stop it with \"theazo fleets cancel " + f.ID + "\"."
	run, err := c.Fleets.Attach(x.ctx, f.ID)
	if err != nil {
		stop()
		return err
	}
	return follow(x, run.Stream(), stop, x.printFleetEvent)
}

func fleetsCancel(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	f, err := x.client().Fleets.Cancel(x.ctx, x.args[0])
	if err != nil {
		return err
	}
	return x.showFleet(f)
}

func fleetsStream(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	stop := x.spin("waiting for events…")
	run, err := x.client().Fleets.Attach(x.ctx, x.args[0])
	if err != nil {
		stop()
		return err
	}
	return follow(x, run.Stream(), stop, x.printFleetEvent)
}

func (x *inv) printFleetEvent(ev theazo.FleetEvent) error {
	var line string
	switch e := ev.(type) {
	case *theazo.AgentStartEvent:
		line = x.paint(styleCyan, fmt.Sprintf("▸ #%d", e.Index)) + " " + escape(e.AgentID) + " " + truncate(e.Task, 80)
	case *theazo.AgentCompleteEvent:
		line = x.paint(styleGreen, fmt.Sprintf("✓ #%d", e.Index)) + " " + truncate(e.Output, 80) + " " + x.paint(styleDim, money(e.Cost))
	case *theazo.AgentFailedEvent:
		line = x.paint(styleRed, fmt.Sprintf("✗ #%d", e.Index)) + " " + escape(e.Message)
	case *theazo.FleetCompleteEvent:
		line = fmt.Sprintf("%d completed, %d failed\n", e.Completed, e.Failed) + x.paint(styleDim, "cost: "+money(e.TotalCost))
	case *theazo.FleetFailedEvent:
		return x.failed("", fmt.Sprintf("%s (%d completed, %d failed, cost %s)", e.Message, e.Completed, e.Failed, money(e.TotalCost)))
	case *theazo.UnknownEvent:
		line = x.paint(styleDim, e.Type+": "+truncate(e.Data, 120))
	}
	return x.eventLine(line)
}
