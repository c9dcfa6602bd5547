// Package browsertest drives the web-chat example's page in a real, headless
// Chromium. It is its own module, so that chromedp never enters the SDK's
// go.mod; .ci/run installs Chromium and runs it.
package browsertest

import (
	"context"
	"encoding/json"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/theazo/theazo-go/examples/web-chat/internal/webchat"
	"github.com/theazo/theazo-go/theazotest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// chromium returns the browser to run: $CHROMIUM, or chromium on the PATH.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no Chromium: apt-get install -y chromium, or set CHROMIUM (.ci/run installs it)")
	return ""
}

// tab starts a headless Chromium with a fresh profile and returns a context
// for one tab of it. The browser is closed when the test ends.
func tab(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1000, 800),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancelBrowser()
		cancelAlloc() // waits for the browser to exit, before its profile directory is removed
	})
	require.NoError(t, chromedp.Do(bctx), "starting Chromium")
	return bctx
}

// chat starts theazotest with opts and the web-chat server on it.
func chat(t *testing.T, opts ...theazotest.Option) (*theazotest.Server, string) {
	t.Helper()
	api, page := chatWith(t, func(h http.Handler) http.Handler { return h }, opts...)
	return api, page
}

// chatWith is chat with the web-chat server wrapped by wrap.
func chatWith(t *testing.T, wrap func(http.Handler) http.Handler, opts ...theazotest.Option) (*theazotest.Server, string) {
	t.Helper()
	api := theazotest.NewServer(append([]theazotest.Option{theazotest.WithAgentScript(webchat.DemoScript)}, opts...)...)
	t.Cleanup(api.Close)
	return api, serveChat(t, api, wrap) + "/"
}

// serveChat serves a web-chat server on api, wrapped by wrap, and returns
// its URL.
func serveChat(t *testing.T, api *theazotest.Server, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	chat := webchat.New(api.Client(), "browser-test", log.New(testWriter{t}, "web-chat: ", 0))
	page := httptest.NewServer(wrap(chat))
	t.Cleanup(page.Close)
	return page.URL
}

// cutAfter ends a response's connection abruptly after its n-th flush (the
// first flush sends the headers, each later one an event), when the next
// event is written.
type cutAfter struct {
	http.ResponseWriter
	n, flushes int
}

func (c *cutAfter) Flush() {
	c.ResponseWriter.(http.Flusher).Flush()
	c.flushes++
}

// Write cuts the connection when the next event comes after the n-th flush:
// the events before it went out a whole event delay earlier, so the page has
// them, where a cut right after the flush could lose the last one in flight.
func (c *cutAfter) Write(p []byte) (int, error) {
	if c.flushes >= c.n {
		panic(http.ErrAbortHandler) // net/http closes the connection
	}
	return c.ResponseWriter.Write(p)
}

// testWriter logs the server's lines in the test's log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSuffix(string(p), "\n"))
	return len(p), nil
}

// ask types task into the page and sends it.
func ask(task string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS("#task")),
		chromedp.SendKeys(chromedp.CSS("#task"), task),
		chromedp.Click(chromedp.CSS("#send")),
	)
}

// shown returns the events shown in the page, in order, as "type id".
func shown(t *testing.T, ctx context.Context) []string {
	t.Helper()
	list, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#log .event"))
		.map(e => e.dataset.type + " " + e.dataset.id)`))
	require.NoError(t, err)
	return list
}

// runTask opens the page, runs task and returns the events the page shows
// once the run is done.
func runTask(t *testing.T, ctx context.Context, page, task string) []string {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), ask(task), waitFor(`body[data-state="done"]`)))
	return shown(t, ctx)
}

// waitFor waits until selector matches a visible element.
func waitFor(selector string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(selector))
}

// streamLastEventIDs returns the Last-Event-ID header of every stream
// connection api received, in order: "" for a first connection.
func streamLastEventIDs(api *theazotest.Server) []string {
	var ids []string
	for _, r := range api.Requests() {
		if r.Method == http.MethodGet && strings.HasSuffix(r.Path, "/stream") {
			ids = append(ids, r.Header.Get("Last-Event-ID"))
		}
	}
	return ids
}

// demoEvents is the page's list after one run of webchat.DemoScript.
var demoEvents = []string{"thinking 1", "tool_call 2", "tool_result 3", "thinking 4", "output 5"}

func TestEveryEventAppearsInOrder(t *testing.T) {
	_, page := chat(t, theazotest.WithEventDelay(100*time.Millisecond))
	ctx, cancel := context.WithTimeout(tab(t), 30*time.Second)
	defer cancel()

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(page),
		ask("What is new in Go 1.26?"),
		waitFor(`#log .event[data-type="tool_call"]`),
	))
	during := shown(t, ctx)
	require.NoError(t, chromedp.Do(ctx, waitFor(`body[data-state="done"]`), waitFor(".answer")))
	after := shown(t, ctx)
	answer, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".answer").lastChild.textContent`))
	require.NoError(t, err)
	cost, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".cost")))
	require.NoError(t, err)
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)

	assert.Less(t, len(during), len(demoEvents), "the events stream in: the page shows them before the run ends")
	assert.Equal(t, demoEvents[:len(during)], during)
	assert.Equal(t, demoEvents, after)
	assert.Equal(t, "Here is a scripted answer to: What is new in Go 1.26?", answer)
	assert.Equal(t, "Cost of this run: 0.14 USD", cost)

	shot := filepath.Join(t.TempDir(), "web-chat.png")
	require.NoError(t, os.WriteFile(shot, png, 0o644))
	t.Logf("screenshot of the finished page: %s (%d bytes)", shot, len(png))
	if dir := os.Getenv("WEB_CHAT_SCREENSHOT_DIR"); dir != "" { // kept after the test, e.g. as a CI artifact
		require.NoError(t, os.WriteFile(filepath.Join(dir, "web-chat.png"), png, 0o644))
	}
	assert.Greater(t, len(png), 10_000, "a screenshot of a rendered page")
}

// When the API drops the server's upstream connection mid-run, the SDK
// resumes it with Last-Event-ID and the page still shows each event once.
func TestUpstreamDropMidRun(t *testing.T) {
	api, page := chat(t, theazotest.WithEventDelay(50*time.Millisecond))
	api.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2, Times: 2})
	ctx, cancel := context.WithTimeout(tab(t), 30*time.Second)
	defer cancel()

	assert.Equal(t, demoEvents, runTask(t, ctx, page, "Find it"))
	assert.Equal(t, []string{"", "2", "4"}, streamLastEventIDs(api), "the upstream was dropped twice and resumed")
}

// Closing the page closes the server's upstream stream at once.
func TestClosingThePageClosesTheUpstream(t *testing.T) {
	long := func(task string) []theazotest.Event {
		var evs []theazotest.Event
		for i := range 50 {
			evs = append(evs, theazotest.Thinking("step "+strconv.Itoa(i)))
		}
		return append(evs, theazotest.Output("done", 1))
	}
	api, page := chat(t, theazotest.WithAgentScript(long), theazotest.WithEventDelay(200*time.Millisecond))
	browser := tab(t)
	pageCtx, closePage := chromedp.NewContext(browser) // a second tab, closed on its own
	defer closePage()
	ctx, cancel := context.WithTimeout(pageCtx, 30*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(page),
		ask("A long task"),
		waitFor(`#log .event[data-id="2"]`),
	))
	require.Equal(t, 1, api.OpenStreams())

	closed := time.Now()
	closePage() // closes the tab
	require.Eventually(t, func() bool { return api.OpenStreams() == 0 }, time.Second, 10*time.Millisecond,
		"theazotest still streams %v after the page closed", time.Since(closed))
	t.Logf("the upstream closed %v after the page", time.Since(closed).Round(time.Millisecond))
}

// When the page's own connection drops mid-run, EventSource reconnects with
// Last-Event-ID, the server resumes the agent's stream after that id
// (theazo.WithLastEventID), and the page still shows each event once.
func TestPageReconnectResumesTheRun(t *testing.T) {
	var runs atomic.Int32
	cutFirstRun := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/events") && runs.Add(1) == 1 {
				w = &cutAfter{ResponseWriter: w, n: 1 + 2} // the headers, then 2 events
			}
			h.ServeHTTP(w, r)
		})
	}
	api, page := chatWith(t, cutFirstRun, theazotest.WithEventDelay(100*time.Millisecond))
	ctx, cancel := context.WithTimeout(tab(t), 30*time.Second)
	defer cancel()
	assert.Equal(t, demoEvents, runTask(t, ctx, page, "Find it"))
	assert.Equal(t, int32(2), runs.Load(), "the page reconnected once")
	assert.Equal(t, []string{"", "2"}, streamLastEventIDs(api), "the server resumed the agent's stream after the page's last event")
}

// runsStarted returns how many runs api was asked to start.
func runsStarted(api *theazotest.Server) int {
	n := 0
	for _, r := range api.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/run") {
			n++
		}
	}
	return n
}

// thinkingScript thinks n times, then answers.
func thinkingScript(n int, answer string) theazotest.AgentScript {
	return func(task string) []theazotest.Event {
		var evs []theazotest.Event
		for i := range n {
			evs = append(evs, theazotest.Thinking("step "+strconv.Itoa(i)))
		}
		return append(evs, theazotest.Output(answer, 3))
	}
}

// When the page's connection drops before its first event, EventSource
// reconnects without Last-Event-ID: the URL's "after", the last event of
// the agent's previous run, says where the run starts, so the page shows
// every event of its second run once, and the API sees one run per task.
func TestPageReconnectWithoutLastEventIDStartsNoSecondRun(t *testing.T) {
	var gets atomic.Int32
	var mu sync.Mutex
	var requests []string // "Last-Event-ID after" of each GET of the events, in order
	cutSecondRun := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/events") {
				mu.Lock()
				requests = append(requests, r.Header.Get("Last-Event-ID")+" "+r.URL.Query().Get("after"))
				mu.Unlock()
				if gets.Add(1) == 2 { // the second run's first GET
					w = &cutAfter{ResponseWriter: w, n: 1} // the headers only
				}
			}
			h.ServeHTTP(w, r)
		})
	}
	// Runs long enough to be under way when EventSource reconnects (after
	// its default 3 s).
	api, page := chatWith(t, cutSecondRun, theazotest.WithAgentScript(thinkingScript(30, "All done.")), theazotest.WithEventDelay(100*time.Millisecond))
	ctx, cancel := context.WithTimeout(tab(t), 30*time.Second)
	defer cancel()
	first := runTask(t, ctx, page, "Think")
	require.Len(t, first, 31)
	require.NoError(t, chromedp.Do(ctx, ask("Think again"), waitFor(`body[data-state="running"]`), waitFor(`body[data-state="done"]`)))
	answer, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(".turn .answer").lastChild.textContent`))
	require.NoError(t, err)
	second, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(".turn:first-child .event"))
		.map(e => e.dataset.type + " " + e.dataset.id)`))
	require.NoError(t, err)

	assert.Equal(t, "All done.", answer)
	want := []string{}
	for id := 32; id < 62; id++ {
		want = append(want, "thinking "+strconv.Itoa(id))
	}
	assert.Equal(t, append(want, "output 62"), second, "every event of the second run, once, in order")
	mu.Lock()
	assert.Equal(t, []string{" ", " 31", " 31"}, requests, "the second run's GETs, without Last-Event-ID, after the first run's last event")
	mu.Unlock()
	assert.Equal(t, 2, runsStarted(api), "theazotest saw one run per task")
}

// Two web-chat servers behind a round-robin reverse proxy serve one page:
// the page's connection to one drops mid-run, EventSource reconnects
// through the proxy to the other with Last-Event-ID, and the page shows
// each event once. Neither server needs what the other keeps in memory.
func TestReplicasBehindAProxy(t *testing.T) {
	api := theazotest.NewServer(theazotest.WithAgentScript(webchat.DemoScript), theazotest.WithEventDelay(100*time.Millisecond))
	t.Cleanup(api.Close)
	var streams atomic.Int32
	cutFirstStream := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/events") && streams.Add(1) == 1 {
				w = &cutAfter{ResponseWriter: w, n: 1 + 2} // the headers, then 2 events
			}
			h.ServeHTTP(w, r)
		})
	}
	var replicas []*url.URL
	for range 2 {
		u, err := url.Parse(serveChat(t, api, cutFirstStream))
		require.NoError(t, err)
		replicas = append(replicas, u)
	}
	// Round robin, the page's event streams on their own turn, so that the
	// reconnection goes to the other replica whatever else the browser asks.
	var mu sync.Mutex
	var turn [2]int
	var served []string // "replica method path" of each request
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Transport: tr,
		Rewrite: func(pr *httputil.ProxyRequest) {
			kind := 0
			if strings.HasSuffix(pr.In.URL.Path, "/events") {
				kind = 1
			}
			mu.Lock()
			i := turn[kind] % len(replicas)
			turn[kind]++
			served = append(served, strconv.Itoa(i)+" "+pr.In.Method+" "+pr.In.URL.Path)
			mu.Unlock()
			pr.SetURL(replicas[i])
		},
		ErrorLog: log.New(testWriter{t}, "proxy: ", 0),
	})
	t.Cleanup(proxy.Close)

	ctx, cancel := context.WithTimeout(tab(t), 30*time.Second)
	defer cancel()
	assert.Equal(t, demoEvents, runTask(t, ctx, proxy.URL+"/", "Find it"))
	assert.Equal(t, 1, runsStarted(api), "theazotest saw one run")
	assert.Equal(t, []string{"", "2"}, streamLastEventIDs(api), "the second replica resumed the agent's stream after the page's last event")
	mu.Lock()
	defer mu.Unlock()
	var eventGets []string
	for _, s := range served {
		if strings.HasSuffix(s, "/events") {
			eventGets = append(eventGets, s[:1])
		}
	}
	assert.Equal(t, []string{"0", "1"}, eventGets, "the reconnection went to the other replica")
	t.Logf("requests: %q", served)
}

// Closing the tab mid-run leaves the run going on the API; a GET of its
// result afterwards answers the run's output.
func TestClosingThePageThenFetchingTheResult(t *testing.T) {
	api, page := chat(t, theazotest.WithAgentScript(thinkingScript(10, "The answer is 42.")), theazotest.WithEventDelay(100*time.Millisecond))
	browser := tab(t)
	pageCtx, closePage := chromedp.NewContext(browser)
	defer closePage()
	ctx, cancel := context.WithTimeout(pageCtx, 30*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(page),
		ask("What is the answer?"),
		waitFor(`#log .event[data-id="2"]`),
		waitFor(`body[data-task]`),
	))
	// The id of an event the page got, as a page would ask for the result.
	resultURL, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`"api/agents/" + document.body.dataset.agent + "/runs/" + document.body.dataset.task + "/result?after=" +
			Array.from(document.querySelectorAll("#log .event")).pop().dataset.id`))
	require.NoError(t, err)
	closePage()
	require.Eventually(t, func() bool { return api.OpenStreams() == 0 }, time.Second, 10*time.Millisecond, "the page's stream closed")

	resp, err := http.Get(page + resultURL)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var res struct {
		Output string
		Cost   struct{ Amount int }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&res))
	assert.Equal(t, "The answer is 42.", res.Output)
	assert.Equal(t, 3, res.Cost.Amount)
	assert.Equal(t, 1, runsStarted(api), "theazotest saw exactly one run")
	assert.Eventually(t, func() bool { return api.OpenStreams() == 0 }, time.Second, 10*time.Millisecond, "the result's stream is closed too")
}

// When the API fails mid-run and the stream cannot be resumed, the page
// shows the failure's code and message, from the server's error event,
// instead of reconnecting for ever.
func TestAPIFailureReachesThePage(t *testing.T) {
	api, page := chat(t, theazotest.WithEventDelay(50*time.Millisecond))
	api.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", DropAfterEvents: 2})
	api.InjectFault(theazotest.Fault{Method: "GET", Path: "/agents/*/stream", Status: http.StatusServiceUnavailable, Times: -1})
	ctx, cancel := context.WithTimeout(tab(t), 30*time.Second)
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page), ask("Find it"), waitFor(`body[data-state="failed"]`)))
	failure, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".failure")))
	require.NoError(t, err)

	assert.Equal(t, []string{"thinking 1", "tool_call 2", "error 2"}, shown(t, ctx), "the error event carries no id of its own")
	assert.Contains(t, failure, "service_unavailable: ")
	assert.Equal(t, 1, runsStarted(api))
}
