// Webhook relay: an http.Handler that receives a third-party webhook (here
// a GitHub push) and fires a Theazo trigger with it, signed with the
// trigger's secret. Triggers.Fire signs the exact bytes it sends.
//
//	go run ./examples/webhook-relay                 # a demo: relays one sample push, then exits
//	go run ./examples/webhook-relay -listen :8080   # serves POST /webhooks/github until Ctrl-C
//
// It uses THEAZO_TRIGGER_ID and THEAZO_TRIGGER_SECRET when set; otherwise it
// creates a trigger (and deletes it at the end). With no THEAZO_API_KEY it
// runs against theazotest, an in-process fake of the API.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/examples/internal/exampleenv"
)

func main() {
	listen := flag.String("listen", "", "serve the relay on this address until interrupted, e.g. :8080")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, *listen); err != nil {
		exampleenv.Fail(err)
	}
}

// Relay turns an incoming webhook into a fire of a Theazo trigger.
type Relay struct {
	// Client fires the trigger; it needs no API key, as fire is public.
	Client *theazo.Client
	// TriggerID is the trigger to fire.
	TriggerID string
	// SigningSecret signs each fire; it is the trigger's, from Triggers.Create.
	SigningSecret theazo.Secret
}

// maxWebhook bounds the webhook bodies the relay accepts.
const maxWebhook = 1 << 20

// ServeHTTP relays a POSTed JSON webhook and answers 202 with the task id
// Theazo started, 400 for a body that is not JSON, 502 when Theazo refused.
func (rl *Relay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST a webhook here", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxWebhook))
	if err != nil || !json.Valid(body) {
		http.Error(w, "the body must be JSON of at most 1 MiB", http.StatusBadRequest)
		return
	}
	// The trigger's action gets this as its input.
	payload := map[string]any{
		"source":   "github",
		"event":    r.Header.Get("X-GitHub-Event"),
		"delivery": r.Header.Get("X-GitHub-Delivery"),
		"payload":  json.RawMessage(body),
	}
	ref, err := rl.Client.Triggers.Fire(r.Context(), rl.TriggerID, rl.SigningSecret, payload)
	if err != nil {
		http.Error(w, "relaying to Theazo failed: "+err.Error(), http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	json.NewEncoder(w).Encode(map[string]string{"taskId": ref.TaskID})
}

func run(ctx context.Context, w io.Writer, listen string) error {
	env := exampleenv.Start(w)
	defer env.Close()
	client := env.Client

	relay := &Relay{Client: client, TriggerID: os.Getenv("THEAZO_TRIGGER_ID"), SigningSecret: theazo.Secret(os.Getenv("THEAZO_TRIGGER_SECRET"))}
	if relay.TriggerID == "" || relay.SigningSecret == "" {
		def, err := client.Definitions.Create(ctx, &theazo.DefinitionCreateParams{Name: "Code reviewer", Instructions: "Review pushed code changes."})
		if err != nil {
			return fmt.Errorf("creating a definition: %w", err)
		}
		defer client.Definitions.Archive(context.WithoutCancel(ctx), def.ID)
		trg, err := client.Triggers.Create(ctx, &theazo.TriggerCreateParams{
			Name:   "GitHub push",
			Action: theazo.Action{Type: theazo.ActionAgentRun, Config: theazo.ActionConfig{DefinitionID: def.ID, Task: "Review the pushed changes"}},
		})
		if err != nil {
			return fmt.Errorf("creating a trigger: %w", err)
		}
		defer client.Triggers.Delete(context.WithoutCancel(ctx), trg.ID)
		relay.TriggerID, relay.SigningSecret = trg.ID, trg.SigningSecret
		fmt.Fprintf(w, "\nCreated trigger %s (%q).\n", trg.ID, trg.Name)
	}

	mux := http.NewServeMux()
	mux.Handle("/webhooks/github", relay)
	addr := listen
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	defer func() {
		hs.Shutdown(context.WithoutCancel(ctx))
		<-served
	}()
	url := "http://" + ln.Addr().String() + "/webhooks/github"
	fmt.Fprintf(w, "Relay listening on %s\n", url)

	if listen != "" {
		fmt.Fprintln(w, "POST GitHub webhooks there; Ctrl-C to stop.")
		<-ctx.Done()
		return nil
	}
	return demo(ctx, w, env, url)
}

// demo sends the relay a sample GitHub push and shows what came of it.
func demo(ctx context.Context, w io.Writer, env *exampleenv.Env, url string) error {
	push := []byte(`{"ref":"refs/heads/main","commits":[{"id":"3f2a9c1","message":"Fix the login redirect"}]}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(push))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	fmt.Fprintln(w, "Sent a sample GitHub push to the relay.")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var out struct {
		TaskID string `json:"taskId"`
	}
	reply, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted || json.Unmarshal(reply, &out) != nil {
		return errors.New("the relay answered " + resp.Status + ": " + string(bytes.TrimSpace(reply)))
	}
	fmt.Fprintf(w, "The relay answered %s: Theazo started task %s.\n", resp.Status, out.TaskID)

	if env.Fake != nil {
		f := env.Fake.Firings()
		last := f[len(f)-1]
		fmt.Fprintf(w, "The fake verified the signature and received as input:\n  %s\n", last.Payload)
	}
	http.DefaultClient.CloseIdleConnections()
	return nil
}
