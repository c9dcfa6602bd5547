package main

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/theazo/theazo-go"
)

func triggersCmd() *command {
	return group("triggers", "Signed webhook triggers that run an agent definition or a workflow.",
		leaf("list", "", "List triggers.", triggersList),
		leaf("create", "NAME", "Create a trigger; its signing secret is shown once.", triggersCreate),
		leaf("delete", "TRIGGER", "Delete a trigger.", triggersDelete),
		leaf("sign", "SECRET", "Print the X-Theazo-Signature of the body on stdin.", triggersSign),
		leaf("fire", "TRIGGER", "Fire a trigger with the JSON body on stdin, signed with its secret.", triggersFire),
	)
}

func triggersList(x *inv) error {
	l := x.listFlags()
	if err := x.parse(0, 0); err != nil {
		return err
	}
	seq := x.client().Triggers.List(x.ctx, &theazo.TriggerListParams{Limit: l.pageSize()})
	return list(x, l, seq, x.table("ID", "NAME", "ACTION", "URL", "CREATED"), func(t *theazo.Trigger) []string {
		return []string{t.ID, t.Name, describeAction(t.Action), t.URL, x.ago(t.CreatedAt)}
	})
}

func triggersCreate(x *inv) error {
	af := x.actionFlags()
	if err := x.parse(1, 1); err != nil {
		return err
	}
	act, err := af.action(x, true)
	if err != nil {
		return err
	}
	t, err := x.client().Triggers.Create(x.ctx, &theazo.TriggerCreateParams{Name: x.args[0], Action: *act})
	if err != nil {
		return err
	}
	return x.show(t, func() error {
		return x.fields("ID", t.ID, "Name", t.Name, "Action", describeAction(t.Action), "URL", t.URL,
			"Signing secret", string(t.SigningSecret), "Created", x.stamp(t.CreatedAt))
	})
}

func triggersDelete(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if err := x.client().Triggers.Delete(x.ctx, x.args[0]); err != nil {
		return err
	}
	return x.done("Deleted " + x.args[0])
}

// maxBody bounds the request bodies read from stdin.
const maxBody = 8 << 20

// readBody reads stdin whole, up to maxBody.
func (x *inv) readBody() ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(x.stdin, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading stdin: %w", err)
	}
	if len(b) > maxBody {
		return nil, fmt.Errorf("the body on stdin is larger than 8 MiB")
	}
	return b, nil
}

func triggersSign(x *inv) error {
	if err := x.parse(1, 1); err != nil {
		return err
	}
	body, err := x.readBody()
	if err != nil {
		return err
	}
	sig := theazo.SignTriggerPayload(theazo.Secret(x.args[0]), body)
	if x.g.json {
		return x.jsonLine(map[string]string{"header": theazo.SignatureHeader, "signature": sig})
	}
	_, err = fmt.Fprintln(x.stdout, sig)
	return err
}

func triggersFire(x *inv) error {
	secret := x.fs.String("secret", "", "the trigger's signing `secret` (default $THEAZO_SIGNING_SECRET)")
	if err := x.parse(1, 1); err != nil {
		return err
	}
	if *secret == "" {
		*secret = x.getenv("THEAZO_SIGNING_SECRET")
	}
	if *secret == "" {
		return x.usageErr("missing --secret")
	}
	body, err := x.readBody()
	if err != nil {
		return err
	}
	if len(body) > 0 && !json.Valid(body) {
		return fmt.Errorf("the body on stdin is not valid JSON")
	}
	ref, err := x.client().Triggers.Fire(x.ctx, x.args[0], theazo.Secret(*secret), json.RawMessage(body))
	if err != nil {
		return err
	}
	return x.show(ref, func() error { return x.fields("Task", ref.TaskID, "Agent", ref.AgentID) })
}
