package main

import (
	"bytes"
	"fmt"

	"github.com/theazo/theazo-go"
)

func secretsCmd() *command {
	return group("secrets", "Encrypted secrets agents read at runtime; values are never shown.",
		leaf("set", "NAME", "Store a secret; its value is read from stdin.", secretsSet),
		leaf("list", "", "List secrets (names and scopes only).", secretsList),
		leaf("delete", "NAME", "Delete a secret.", secretsDelete),
	)
}

// secretsListParams builds the params of Secrets.List from the flags.
func secretsListParams(session string) *theazo.SecretListParams {
	return &theazo.SecretListParams{SessionID: session}
}

func secretsSet(x *inv) error {
	session := x.fs.String("session", "", "store it in this `session` only (default: org-wide)")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	value, err := x.readBody()
	if err != nil {
		return err
	}
	// One trailing newline is what echo and a terminal add, not part of the value.
	value = bytes.TrimSuffix(bytes.TrimSuffix(value, []byte("\n")), []byte("\r"))
	if len(value) == 0 {
		return fmt.Errorf("no secret value on stdin")
	}
	m, err := x.client().Secrets.Set(x.ctx, &theazo.SecretSetParams{Name: x.args[0], Value: theazo.Secret(value), SessionID: *session})
	if err != nil {
		return err
	}
	return x.show(m, func() error {
		_, err := fmt.Fprintf(x.stdout, "Stored %s (%s)\n", escape(m.Name), escape(string(m.Scope)))
		return err
	})
}

func secretsList(x *inv) error {
	l := x.wholeListFlags()
	session := x.fs.String("session", "", "list this `session`'s secrets (default: org-wide)")
	if err := x.parse(0, 0); err != nil {
		return err
	}
	return list(x, l, x.client().Secrets.List(x.ctx, secretsListParams(*session)), x.table("NAME", "SCOPE", "CREATED"), func(s *theazo.SecretMetadata) []string {
		return []string{s.Name, s.Scope, x.ago(s.CreatedAt)}
	})
}

func secretsDelete(x *inv) error {
	session := x.fs.String("session", "", "delete it from this `session` (default: org-wide)")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if err := x.client().Secrets.Delete(x.ctx, x.args[0], &theazo.SecretDeleteParams{SessionID: *session}); err != nil {
		return err
	}
	return x.done("Deleted " + x.args[0])
}
