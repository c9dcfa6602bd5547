package main

import (
	"strings"

	"github.com/theazo/theazo-go"
)

func providersCmd() *command {
	return group("providers", "Compute providers the agents' sandboxes run on.",
		leaf("list", "", "List the configured providers.", providersList),
		leaf("create", "PROVIDER", "Configure a provider: e2b, fly or docker.", providersCreate),
		leaf("delete", "PROVIDER", "Remove a configured provider.", providersDelete),
	)
}

func providersList(x *inv) error {
	l := x.wholeListFlags()
	if err := x.parse(0, 0); err != nil {
		return err
	}
	return list(x, l, x.client().Providers.List(x.ctx, nil), x.table("PROVIDER", "DEFAULT", "STATUS", "CREATED"), func(p *theazo.Provider) []string {
		def := ""
		if p.IsDefault {
			def = "yes"
		}
		return []string{string(p.Provider), orDash(def), string(p.Status), x.ago(p.CreatedAt)}
	})
}

func providersCreate(x *inv) error {
	var creds stringsFlag
	x.fs.Var(&creds, "credential", "a credential as `NAME=VALUE`; repeat for each (or NAME alone to read $NAME)")
	isDefault := x.fs.Bool("default", false, "make it the default provider")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if len(creds) == 0 {
		return x.usageErr("missing --credential")
	}
	c := theazo.Credentials{}
	for _, kv := range creds {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			v = x.getenv(k)
		}
		c[k] = v
	}
	p, err := x.client().Providers.Create(x.ctx, &theazo.ProviderCreateParams{Provider: theazo.ProviderName(x.args[0]), Credentials: c, IsDefault: *isDefault})
	if err != nil {
		return err
	}
	return x.show(p, func() error {
		def := ""
		if p.IsDefault {
			def = "yes"
		}
		return x.fields("Provider", string(p.Provider), "Default", def, "Status", string(p.Status), "Created", x.stamp(p.CreatedAt))
	})
}

func providersDelete(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if err := x.client().Providers.Delete(x.ctx, theazo.ProviderName(x.args[0])); err != nil {
		return err
	}
	return x.done("Deleted " + x.args[0])
}
