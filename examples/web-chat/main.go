// Web chat: a web page where a person types a task for an agent and watches
// its thinking, tool calls and answer stream in, then the run's cost. The
// page's EventSource opens the agent's event stream, which the Go server
// relays with sse.Relay, byte for byte and with the API's event ids; then
// the page starts the run with a POST. A page that loses its connection
// resumes the same run where it stopped, and never starts a second one.
// The server keeps nothing a request needs in memory, so several replicas
// of it may serve one page behind a load balancer. The page is plain HTML
// and JavaScript: no build step, nothing from a CDN.
//
//	go run ./examples/web-chat                       # prints the URL to open
//	go run ./examples/web-chat -listen 0.0.0.0:8080  # choose the address
//
// With no THEAZO_API_KEY it runs against theazotest, an in-process fake of
// the API, and needs no account. It serves until Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"time"

	"github.com/theazo/theazo-go/examples/internal/exampleenv"
	"github.com/theazo/theazo-go/examples/web-chat/internal/webchat"
	"github.com/theazo/theazo-go/theazotest"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "the address to serve the page on")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		exampleenv.Fail(fmt.Errorf("listening on %s: %w", *listen, err))
	}
	if err := run(ctx, os.Stdout, ln, nil); err != nil {
		exampleenv.Fail(err)
	}
}

// run serves the chat on ln until ctx ends. ready, if not nil, is called
// with the page's URL once it is served. fake configures the fake API, if
// one is started (the tests serve it in memory).
func run(ctx context.Context, w io.Writer, ln net.Listener, ready func(url string), fake ...theazotest.Option) error {
	// The fake's agents take a moment to start, like real sandboxes.
	demo := []theazotest.Option{theazotest.WithAgentScript(webchat.DemoScript), theazotest.WithProvisionDelay(300 * time.Millisecond)}
	env := exampleenv.Start(w, append(demo, fake...)...)
	defer env.Close()

	chat := webchat.New(env.Client, "web-chat-demo", log.New(os.Stderr, "web-chat: ", log.LstdFlags))
	hs := &http.Server{
		Handler:           chat,
		ReadHeaderTimeout: 10 * time.Second,
		// Requests end with ctx: open event streams do not hold up the shutdown.
		BaseContext: func(net.Listener) context.Context { return ctx },
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	url := pageURL(ln.Addr())
	fmt.Fprintf(w, "Open %s in your browser. Ctrl-C stops.\n", url)
	if ready != nil {
		ready(url)
	}

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("stopping the server: %w", err)
	}
	if err := <-served; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(w, "Stopped.")
	return nil
}

// pageURL is the URL a browser on this machine opens for addr.
func pageURL(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "http://" + addr.String() + "/"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port) + "/"
}
