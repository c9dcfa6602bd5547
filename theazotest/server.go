package theazotest

import (
	"context"
	"crypto/rand"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/theazo/theazo-go"
	"github.com/theazo/theazo-go/internal/memnet"
)

// Server is a fake Theazo API on loopback. Make one with NewServer and Close
// it when done.
type Server struct {
	ts     *httptest.Server
	ctx    context.Context // cancelled by Close: ends streams, runs and delays
	cancel context.CancelFunc
	wg     sync.WaitGroup // background work: agent runs, workflow runs, fleets
	hc     *http.Client   // the client side of Client and HTTPClient
	mux    *http.ServeMux

	cfg config

	apiKey      string       // the key Client uses
	openStreams atomic.Int64 // event streams being sent
	closeOnce   sync.Once

	// mu is the server's one lock: it guards every field below and all
	// that st reaches. The fake's state is small, and no critical section
	// writes to the network, waits, or calls the test's functions (but
	// WithClock's, and the encoding of a scripted event's data), so one
	// lock serves it all and no lock order needs keeping. Take it with
	// locked. (Each eventLog has a lock of its own, for the reason given
	// there.)
	mu       sync.Mutex
	st       store
	keys     map[string]*keyInfo // valid API keys
	reqs     requestLog
	scripts  scripts // agent scripts and step outcomes set over the control API
	faults   []*faultState
	rate     rateLimit
	rateSeen map[string][]time.Time
	closing  bool // Close has begun: no new background work
}

// Option configures a Server.
type Option func(*config)

type config struct {
	apiKey      string
	now         func() time.Time
	script      AgentScript
	exec        ExecFunc
	step        StepFunc
	task        TaskFunc
	reply       ReplyFunc
	eventDelay  time.Duration
	rate        rateLimit
	computeRate int64

	listener     net.Listener  // WithListener
	onRequest    func(Request) // WithRequestLog
	provisioning time.Duration // WithProvisionDelay
	streamRetry  time.Duration // WithStreamRetry
	manual       *manualClock  // WithManualClock
	control      bool          // WithControlAPI
	history      int           // WithRequestHistory: requests kept; 0 is the default
	noBodies     bool          // WithRequestHistory: keep no bodies
}

// WithAPIKey sets the server's API key instead of a random th_test_ key.
func WithAPIKey(key string) Option { return func(c *config) { c.apiKey = key } }

// WithClock makes the server read the time from now instead of time.Now: it
// stamps createdAt fields, recorded costs and billing periods. Useful for
// billing tests that span several days.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithAgentScript sets what an agent run streams. The default script streams
// thinking, tool_call, tool_result and an output costing 12 cents.
func WithAgentScript(script AgentScript) Option { return func(c *config) { c.script = script } }

// WithExec sets what exec returns. The default runs nothing: it echoes what
// simple print and echo statements would print, and times out (504) on a
// sleep longer than 120 seconds, without waiting.
func WithExec(fn ExecFunc) Option { return func(c *config) { c.exec = fn } }

// WithWorkflowSteps sets the outcome of each workflow step. By default every
// step whose condition holds completes with a small output and a 5-cent cost.
func WithWorkflowSteps(fn StepFunc) Option { return func(c *config) { c.step = fn } }

// WithFleetTasks sets the outcome of each fleet task. By default every task
// completes with the output "done: <task>" and an 8-cent cost.
func WithFleetTasks(fn TaskFunc) Option { return func(c *config) { c.task = fn } }

// WithChannelReply sets the assistant's reply to a channel message. By
// default it acknowledges the message and counts the thread's turns.
func WithChannelReply(fn ReplyFunc) Option { return func(c *config) { c.reply = fn } }

// WithEventDelay waits d before each event of background work (agent runs,
// workflow steps, fleet tasks), so that streams unfold over time. Default 0.
func WithEventDelay(d time.Duration) Option { return func(c *config) { c.eventDelay = d } }

// WithRateLimit turns on a sliding-window rate limit of perMinute requests
// per API key, like the API's plans (Free: 60, Cloud: 300, Team: 1000).
// Over the limit the server answers 429 rate_limited with Retry-After.
func WithRateLimit(perMinute int) Option {
	return func(c *config) { c.rate = rateLimit{limit: perMinute, window: time.Minute} }
}

// WithRateLimitWindow is WithRateLimit with a window other than a minute,
// so that tests can exercise the limit without waiting a minute. With a
// window under a second, Retry-After is sent in fractional seconds.
func WithRateLimitWindow(limit int, window time.Duration) Option {
	return func(c *config) { c.rate = rateLimit{limit: limit, window: window} }
}

// NewServer starts a fake Theazo API on 127.0.0.1 with a fresh random
// th_test_ key. Close it when done.
func NewServer(opts ...Option) *Server {
	cfg := config{now: time.Now, computeRate: 2}
	for _, opt := range opts {
		opt(&cfg)
	}
	if cfg.apiKey == "" {
		cfg.apiKey = "th_test_" + randomString(24)
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	s := &Server{
		cfg:      cfg,
		keys:     map[string]*keyInfo{cfg.apiKey: {}},
		apiKey:   cfg.apiKey,
		rate:     cfg.rate,
		rateSeen: map[string][]time.Time{},
		st:       newStore(),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = http.NewServeMux()
	s.routes()
	s.ts = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	if cfg.listener != nil {
		s.ts.Listener.Close()
		s.ts.Listener = cfg.listener
	}
	s.ts.Start()
	if cfg.manual == nil {
		s.locked(func() { s.goBackground(s.watchSchedules) })
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 128
	if ml, ok := cfg.listener.(*memnet.Listener); ok {
		tr.DialContext = ml.Dial
	}
	s.hc = &http.Client{Transport: tr}
	return s
}

// URL returns the base URL of the API, including /v1, e.g.
// "http://127.0.0.1:40123/v1". Pass it to theazo.WithBaseURL.
func (s *Server) URL() string { return s.ts.URL + "/v1" }

// APIKey returns the server's th_test_ API key.
func (s *Server) APIKey() string { return s.apiKey }

// Client returns a theazo.Client for the server, authenticated with APIKey.
// opts are applied after the server's own (base URL and HTTP client), so
// they may override them. Its connections are closed by Close.
func (s *Server) Client(opts ...theazo.Option) *theazo.Client {
	base := []theazo.Option{theazo.WithBaseURL(s.URL()), theazo.WithHTTPClient(s.hc)}
	return theazo.NewClient(s.apiKey, append(base, opts...)...)
}

// HTTPClient returns a plain *http.Client for raw requests to the server.
// Its idle connections are closed by Close.
func (s *Server) HTTPClient() *http.Client { return s.hc }

// Close ends every stream and background run, shuts the server down,
// waits for its goroutines and closes the idle connections of Client and
// HTTPClient. It is safe to call more than once.
func (s *Server) Close() { s.shutdown(context.Background(), false) }

// Shutdown is Close with a deadline for the requests in flight: it ends
// every stream and background run, stops accepting connections and waits
// until ctx is done for the requests in flight to finish; then it closes
// their connections, whatever their clients do (a body sent a byte at a
// time, a stream nobody reads). It reports ctx's error if it had to. It is
// safe to call more than once, and with Close.
func (s *Server) Shutdown(ctx context.Context) error { return s.shutdown(ctx, true) }

// shutdown is Shutdown with deadline, else Close: that waits for the
// requests in flight as httptest.Server.Close does.
func (s *Server) shutdown(ctx context.Context, deadline bool) error {
	var err error
	s.closeOnce.Do(func() {
		s.locked(func() { s.closing = true })
		s.cancel()
		if deadline {
			if err = s.ts.Config.Shutdown(ctx); err != nil {
				s.ts.CloseClientConnections()
			}
		}
		s.ts.Close()
		s.wg.Wait()
		s.hc.CloseIdleConnections()
	})
	return err
}

// now returns the server's current time, in UTC.
func (s *Server) now() time.Time { return s.cfg.now().UTC() }

// goBackground runs fn in a goroutine that Close waits for. It reports
// false, running nothing, once the server is closing. The caller holds
// s.mu, so that Close's wait never misses a goroutine started meanwhile.
func (s *Server) goBackground(fn func()) bool {
	if s.closing {
		return false
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		fn()
	}()
	return true
}

// sleep waits d or until the server closes; it reports whether d passed.
func (s *Server) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// randomString returns n random characters of Crockford's base32.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = crockford[int(b[i])%len(crockford)]
	}
	return string(b)
}

// newID returns an id like "ses_01J0Z…": the prefix and a ULID-like string.
func newID(prefix string, t time.Time) string {
	ms := uint64(t.UnixMilli())
	var ts [10]byte
	for i := 9; i >= 0; i-- {
		ts[i] = crockford[ms%32]
		ms /= 32
	}
	return prefix + "_" + string(ts[:]) + randomString(16)
}
