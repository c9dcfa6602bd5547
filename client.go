package theazo

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/theazo/theazo-go/internal/retry"
)

// Version is the SDK version sent in the User-Agent header.
const Version = "0.1.0"

// DefaultBaseURL is the API root used unless WithBaseURL or THEAZO_BASE_URL says otherwise.
const DefaultBaseURL = "https://api.theazo.com/v1"

// Defaults of the retry policy and of stream reading.
const (
	DefaultMaxRetries   = 2
	DefaultMaxRetryWait = 60 * time.Second
	DefaultMaxEventSize = 1 << 20
)

// Client talks to the Theazo API. Its services share one transport: auth,
// retries, error decoding and logging happen there, once.
type Client struct {
	Sessions    *SessionsService    // per-user sessions
	Agents      *AgentsService      // agents inside sessions: run, exec, stream
	Usage       *UsageService       // aggregated usage of the billing period
	Providers   *ProvidersService   // compute providers
	Secrets     *SecretsService     // encrypted secrets for agents
	Definitions *DefinitionsService // reusable, versioned agent definitions
	Billing     *BillingService     // cost breakdowns
	Workflows   *WorkflowsService   // multi-step workflows and their runs
	Fleets      *FleetsService      // many agents on many tasks
	Schedules   *SchedulesService   // cron schedules
	Triggers    *TriggersService    // signed webhook triggers
	Channels    *ChannelsService    // embeddable chat channels

	t *transport
}

// Option configures a Client. The options of this package are the only
// ones; those that also apply to one call are SharedOptions.
type Option interface{ applyClient(*config) }

// clientOption adapts a function to Option.
type clientOption func(*config)

func (f clientOption) applyClient(c *config) { f(c) }

type config struct {
	baseURL      string
	httpClient   *http.Client
	maxRetries   int
	maxRetryWait time.Duration
	logger       *slog.Logger
	userAgent    string
	maxEventSize int
	middleware   []Middleware
	limiter      RateLimiter
	// reconnectWait, when set, is every wait before a stream reconnects
	// (tests); zero keeps the sse package's backoff.
	reconnectWait time.Duration
}

// WithBaseURL sets the API root, e.g. "http://127.0.0.1:8080/v1" for a test server.
func WithBaseURL(u string) Option { return clientOption(func(c *config) { c.baseURL = u }) }

// WithHTTPClient sets the *http.Client whose transport, timeout and cookie jar
// the SDK uses. A Timeout shorter than 120 s cuts exec calls and streams short;
// prefer deadlines on the context. The client is copied, not modified.
func WithHTTPClient(hc *http.Client) Option {
	return clientOption(func(c *config) { c.httpClient = hc })
}

// WithLogger logs one debug line per HTTP attempt: method, path, status,
// attempt, duration and request id. Nothing secret is logged.
func WithLogger(l *slog.Logger) Option { return clientOption(func(c *config) { c.logger = l }) }

// WithUserAgent appends s to the SDK's User-Agent, e.g. "myapp/1.2".
func WithUserAgent(s string) Option { return clientOption(func(c *config) { c.userAgent = s }) }

// WithMaxEventSize bounds the size of one stream event (default 1 MiB).
// A larger event ends the stream with an error.
func WithMaxEventSize(n int) Option { return clientOption(func(c *config) { c.maxEventSize = n }) }

// NewClient returns a client that authenticates with apiKey, trimmed of
// surrounding white space (a key file's trailing newline). An empty apiKey
// falls back to the THEAZO_API_KEY environment variable; the base URL to
// THEAZO_BASE_URL, then DefaultBaseURL. A client with no key can still call
// the public endpoints (trigger fire, channel messages and stream). A key
// that is still malformed (ErrInvalidAPIKey) or a base URL with a query
// string or fragment fails every call it would affect, locally.
func NewClient(apiKey string, opts ...Option) *Client {
	apiKey = strings.TrimSpace(apiKey)
	if apiKey == "" {
		apiKey = strings.TrimSpace(os.Getenv("THEAZO_API_KEY"))
	}
	cfg := config{
		baseURL:      os.Getenv("THEAZO_BASE_URL"),
		maxRetries:   DefaultMaxRetries,
		maxRetryWait: DefaultMaxRetryWait,
		maxEventSize: DefaultMaxEventSize,
	}
	for _, opt := range opts {
		if opt != nil {
			opt.applyClient(&cfg)
		}
	}
	if cfg.baseURL == "" {
		cfg.baseURL = DefaultBaseURL
	}
	if cfg.maxEventSize <= 0 {
		cfg.maxEventSize = DefaultMaxEventSize
	}
	c := &Client{t: newTransport(apiKey, cfg)}
	c.Sessions = &SessionsService{t: c.t}
	c.Agents = &AgentsService{t: c.t}
	c.Usage = &UsageService{t: c.t}
	c.Providers = &ProvidersService{t: c.t}
	c.Secrets = &SecretsService{t: c.t}
	c.Definitions = &DefinitionsService{t: c.t}
	c.Billing = &BillingService{t: c.t}
	c.Workflows = &WorkflowsService{t: c.t}
	c.Fleets = &FleetsService{t: c.t}
	c.Schedules = &SchedulesService{t: c.t}
	c.Triggers = &TriggersService{t: c.t}
	c.Channels = &ChannelsService{t: c.t}
	return c
}

// IsTestMode reports whether the client uses a test key (th_test_…), which
// the API answers with mocked responses and no real compute.
func (c *Client) IsTestMode() bool { return strings.HasPrefix(c.t.key, "th_test_") }

// BaseURL returns the API root the client sends requests to.
func (c *Client) BaseURL() string { return c.t.base }

// CloseIdleConnections closes the idle keep-alive connections of the
// client's transport. Calls in flight are not affected.
func (c *Client) CloseIdleConnections() { c.t.closeIdle() }

// String describes the client without its key, so that %v and %+v are safe to log.
func (c *Client) String() string {
	if c == nil || c.t == nil {
		return "theazo.Client{}"
	}
	key := "none"
	switch {
	case strings.HasPrefix(c.t.key, "th_test_"):
		key = "th_test_[redacted]"
	case strings.HasPrefix(c.t.key, "th_live_"):
		key = "th_live_[redacted]"
	case c.t.key != "":
		key = "[redacted]"
	}
	return fmt.Sprintf("theazo.Client{BaseURL: %q, APIKey: %s}", c.t.base, key)
}

// GoString is String, so that %#v is safe to log too.
func (c *Client) GoString() string { return c.String() }

// newTransport builds the shared transport from the configuration.
func newTransport(key string, cfg config) *transport {
	policy := retry.Policy{
		BaseWait:     500 * time.Millisecond,
		MaxBackoff:   8 * time.Second,
		MaxWait:      cfg.maxRetryWait,
		MaxBodyBytes: maxErrorBody,
	}
	hc := cfg.httpClient
	if hc == nil {
		hc = &http.Client{Transport: defaultRoundTripper()}
	}
	wrapped := *hc // a copy: the caller's client is not modified
	base := wrapped.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	hide := newKeyRedactor(key)
	gov := &governor{limiter: cfg.limiter, maxCoolDown: cfg.maxRetryWait}
	wrapped.Transport = &roundTripper{base: base, logger: cfg.logger, hide: hide, middleware: cfg.middleware, gov: gov}
	wrapped.CheckRedirect = checkRedirect(hc.CheckRedirect)

	t := &transport{
		key:          key,
		auth:         "Bearer " + key,
		hide:         hide,
		base:         strings.TrimRight(cfg.baseURL, "/"),
		userAgent:    userAgent(cfg.userAgent),
		maxEventSize: cfg.maxEventSize,
		reconnect:    cfg.reconnectWait,
		roundTripper: base,
		policy:       policy,
		gov:          gov,
		http:         retryClient(&wrapped, cfg.maxRetries, policy),
	}
	t.baseURL, t.baseErr = parseBaseURL(t.base)
	t.keyErr = checkAPIKey(key)
	return t
}

// defaultRoundTripper is http.DefaultTransport tuned for a busy backend:
// enough idle connections per host for many goroutines sharing one client.
// It has no overall timeout: exec blocks up to 120 s and streams are long.
func defaultRoundTripper() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 128
	t.IdleConnTimeout = 90 * time.Second
	return t
}

func userAgent(extra string) string {
	ua := "theazo-go/" + Version + " go/" + strings.TrimPrefix(runtime.Version(), "go")
	if extra = strings.TrimSpace(extra); extra != "" {
		ua += " " + extra
	}
	return ua
}

func parseBaseURL(s string) (*url.URL, error) {
	// Paths are appended to the base as text: a query or fragment in it
	// would swallow them ("/v1?tenant=acme/sessions").
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return nil, fmt.Errorf("theazo: invalid base URL %q: it has a query string or fragment; give the API root alone, like %q", s[:i], DefaultBaseURL)
	}
	u, err := url.Parse(s)
	if err == nil && (u.Scheme != "http" && u.Scheme != "https" || u.Host == "") {
		err = fmt.Errorf("want an http(s) URL with a host")
	}
	if err != nil {
		return nil, fmt.Errorf("theazo: invalid base URL %q: %w", s, err)
	}
	return u, nil
}
