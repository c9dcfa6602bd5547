package main

import (
	"flag"
	"strconv"
	"strings"

	"github.com/theazo/theazo-go"
)

func definitionsCmd() *command {
	return group("definitions", "Agent definitions: reusable, versioned agent configurations.",
		leaf("list", "", "List agent definitions.", definitionsList),
		leaf("get", "DEFINITION", "Show a definition at its latest version.", definitionsGet),
		leaf("create", "NAME", "Create a definition at version 1.", definitionsCreate),
		leaf("update", "DEFINITION", "Create a definition's next version.", definitionsUpdate),
		leaf("archive", "DEFINITION", "Archive a definition; its runs and versions stay.", definitionsArchive),
	)
}

func definitionsList(x *inv) error {
	l := x.listFlags()
	archived := x.fs.Bool("include-archived", false, "list archived definitions too")
	if err := x.parse(0, 0); err != nil {
		return err
	}
	seq := x.client().Definitions.List(x.ctx, &theazo.DefinitionListParams{Limit: l.pageSize(), IncludeArchived: *archived})
	return list(x, l, seq, x.table("ID", "NAME", "VERSION", "TOOLS", "UPDATED"), func(d *theazo.AgentDefinition) []string {
		name := d.Name
		if d.Archived {
			name += " (archived)"
		}
		return []string{d.ID, name, "v" + strconv.Itoa(d.Version), orDash(strings.Join(d.Tools, ",")), x.ago(d.UpdatedAt)}
	})
}

func definitionsGet(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	d, err := x.client().Definitions.Get(x.ctx, x.args[0])
	if err != nil {
		return err
	}
	return x.showDefinition(d)
}

// definitionFlags are the configuration flags of create and update.
type definitionFlags struct {
	instructions, tools, model, provider string
}

func (x *inv) definitionFlags() *definitionFlags {
	f := &definitionFlags{}
	x.fs.StringVar(&f.instructions, "instructions", "", "system instructions")
	x.fs.StringVar(&f.tools, "tools", "", "comma-separated `tools`")
	x.fs.StringVar(&f.model, "model", "", "model `id`")
	x.fs.StringVar(&f.provider, "provider", "", "compute `provider`: e2b, fly or docker")
	return f
}

func (f *definitionFlags) modelAndCompute() (*theazo.DefinitionModel, *theazo.DefinitionCompute) {
	var m *theazo.DefinitionModel
	var c *theazo.DefinitionCompute
	if f.model != "" {
		m = &theazo.DefinitionModel{ID: f.model}
	}
	if f.provider != "" {
		c = &theazo.DefinitionCompute{Provider: theazo.ComputeProvider(f.provider)}
	}
	return m, c
}

func definitionsCreate(x *inv) error {
	f := x.definitionFlags()
	if err := x.parse(1, 1); err != nil {
		return err
	}
	m, c := f.modelAndCompute()
	d, err := x.client().Definitions.Create(x.ctx, &theazo.DefinitionCreateParams{
		Name: x.args[0], Instructions: f.instructions, Tools: splitList(f.tools), Model: m, Compute: c,
	})
	if err != nil {
		return err
	}
	return x.showDefinition(d)
}

func definitionsUpdate(x *inv) error {
	f := x.definitionFlags()
	if err := x.parse(1, 1); err != nil {
		return err
	}
	m, c := f.modelAndCompute()
	var instructions *string // only a given --instructions is sent; "" clears them
	x.fs.Visit(func(fl *flag.Flag) {
		if fl.Name == "instructions" {
			instructions = &f.instructions
		}
	})
	d, err := x.client().Definitions.Update(x.ctx, x.args[0], &theazo.DefinitionUpdateParams{
		Instructions: instructions, Tools: splitList(f.tools), Model: m, Compute: c,
	})
	if err != nil {
		return err
	}
	return x.showDefinition(d)
}

func definitionsArchive(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if err := x.client().Definitions.Archive(x.ctx, x.args[0]); err != nil {
		return err
	}
	return x.done("Archived " + x.args[0])
}

func (x *inv) showDefinition(d *theazo.AgentDefinition) error {
	return x.show(d, func() error {
		var model, provider string
		if d.Model != nil {
			model = d.Model.ID
		}
		if d.Compute != nil {
			provider = string(d.Compute.Provider)
		}
		archived := ""
		if d.Archived {
			archived = "yes"
		}
		return x.fields("ID", d.ID, "Name", d.Name, "Version", strconv.Itoa(d.Version), "Archived", archived,
			"Instructions", d.Instructions, "Tools", strings.Join(d.Tools, ", "), "Model", model, "Provider", provider,
			"Created", x.stamp(d.CreatedAt), "Updated", x.stamp(d.UpdatedAt))
	})
}
