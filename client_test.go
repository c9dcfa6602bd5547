package theazo

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeRT is a RoundTripper that answers every request itself, with 200 and
// an empty JSON object, and records what it was asked.
type fakeRT struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (f *fakeRT) RoundTrip(req *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	if req.Body != nil {
		req.Body.Close()
	}
	return &http.Response{
		StatusCode: http.StatusOK,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(`{"data":[],"hasMore":false}`)),
		Request:    req,
	}, nil
}

func (f *fakeRT) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.reqs)
}

// countingRT passes requests to next and counts them.
type countingRT struct {
	n    atomic.Int32
	next http.RoundTripper
}

func (c *countingRT) RoundTrip(req *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(req)
}

func TestAuthorizationHeader(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Body: `{"data":[],"hasMore":false}`})
	c := srv.client()

	_, err := c.Sessions.ListPage(t.Context(), nil)
	require.NoError(t, err)
	// A public call never carries the key, even on a client that has one.
	_, err = call[Page[Session]](t.Context(), c.t, request{method: http.MethodGet, path: "/channels/%s/messages", ids: []string{"ch_1"}, public: true})
	require.NoError(t, err)

	reqs := srv.requests()
	require.Len(t, reqs, 2)
	assert.Equal(t, "Bearer "+testKey, reqs[0].Header.Get("Authorization"))
	assert.Equal(t, "application/json", reqs[0].Header.Get("Accept"))
	assert.Empty(t, reqs[1].Header.Get("Authorization"))
	assert.Equal(t, "/v1/channels/ch_1/messages", reqs[1].Path)
}

func TestMissingAPIKey(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	srv := newRecorder(t)
	c := NewClient("", WithBaseURL(srv.URL+"/v1"))
	t.Cleanup(c.CloseIdleConnections)
	ctx := t.Context()

	calls := map[string]func() error{
		"Sessions.Create": func() error {
			_, err := c.Sessions.Create(ctx, &SessionCreateParams{UserID: "user_1"})
			return err
		},
		"Sessions.GetOrCreate": func() error { _, err := c.Sessions.GetOrCreate(ctx, "user_1", nil); return err },
		"Sessions.ListPage":    func() error { _, err := c.Sessions.ListPage(ctx, nil); return err },
		"Sessions.List": func() error {
			for _, err := range c.Sessions.List(ctx, nil) {
				return err
			}
			return errors.New("List yielded nothing")
		},
		"Agents.Get":       func() error { _, err := c.Agents.Get(ctx, "agt_1"); return err },
		"Agents.Run":       func() error { _, err := c.Agents.Run(ctx, "agt_1", "task"); return err },
		"Agents.Stream":    func() error { _, err := c.Agents.Stream(ctx, "agt_1"); return err },
		"Agents.RunStream": func() error { _, err := c.Agents.RunStream(ctx, "agt_1", "task"); return err },
		"Agents.Terminate": func() error { return c.Agents.Terminate(ctx, "agt_1") },
	}
	for name, fn := range calls {
		t.Run(name, func(t *testing.T) {
			err := fn()
			require.ErrorIs(t, err, ErrMissingAPIKey)
		})
	}
	assert.Empty(t, srv.requests(), "no request may be sent without a key")

	// Public calls still work on a client with no key.
	_, err := call[okReply](ctx, c.t, request{method: http.MethodPost, path: "/triggers/%s/fire", ids: []string{"trg_1"}, raw: []byte(`{}`), public: true})
	require.NoError(t, err)
	_, err = call[okReply](ctx, c.t, request{method: http.MethodGet, path: "/channels/ch_1/stream", public: true})
	require.NoError(t, err)
	require.Len(t, srv.requests(), 2)
	for _, r := range srv.requests() {
		assert.Empty(t, r.Header.Get("Authorization"))
	}
}

func TestInsecureTransport(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Body: `{"data":[],"hasMore":false}`})
	addr := srv.Listener.Addr().String()
	port := addr[strings.LastIndex(addr, ":"):]

	tests := []struct {
		name    string
		key     string
		baseURL string
		wantErr error
		// viaServer sends the allowed request to the recorder; otherwise to a fake transport.
		viaServer bool
	}{
		{name: "live key, plain http, remote host", key: "th_live_abc", baseURL: "http://api.example.com/v1", wantErr: ErrInsecureTransport},
		{name: "live key, plain http, remote IP", key: "th_live_abc", baseURL: "http://10.1.2.3:8080/v1", wantErr: ErrInsecureTransport},
		{name: "live key, plain http, 127.0.0.1", key: "th_live_abc", baseURL: srv.URL + "/v1", viaServer: true},
		{name: "live key, plain http, localhost", key: "th_live_abc", baseURL: "http://localhost" + port + "/v1", viaServer: true},
		{name: "live key, https, remote host", key: "th_live_abc", baseURL: "https://api.example.com/v1"},
		{name: "test key, plain http, remote host", key: "th_test_abc", baseURL: "http://api.example.com/v1"},
		{name: "live key, plain http, localhost as a subdomain", key: "th_live_abc", baseURL: "http://localhost.example.com/v1", wantErr: ErrInsecureTransport},
		{name: "live key, plain http, loopback IP as a subdomain", key: "th_live_abc", baseURL: "http://127.0.0.1.example.com/v1", wantErr: ErrInsecureTransport},
		{name: "live key, plain http, localhost as userinfo", key: "th_live_abc", baseURL: "http://localhost@api.example.com/v1", wantErr: ErrInsecureTransport},
		{name: "live key, plain http, unspecified address", key: "th_live_abc", baseURL: "http://0.0.0.0:8080/v1", wantErr: ErrInsecureTransport},
		{name: "live key, uppercase HTTP scheme, remote host", key: "th_live_abc", baseURL: "HTTP://api.example.com/v1", wantErr: ErrInsecureTransport},
		{name: "live key, plain http, IPv6 loopback", key: "th_live_abc", baseURL: "http://[::1]:8080/v1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(srv.requests())
			fake := &fakeRT{}
			opts := []Option{WithBaseURL(tc.baseURL)}
			if !tc.viaServer {
				opts = append(opts, WithHTTPClient(&http.Client{Transport: fake}))
			}
			c := NewClient(tc.key, opts...)
			t.Cleanup(c.CloseIdleConnections)
			_, err := c.Sessions.ListPage(t.Context(), nil)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				assert.NotContains(t, err.Error(), tc.key)
				assert.Zero(t, fake.count(), "nothing may be sent")
				assert.Len(t, srv.requests(), before)
				return
			}
			require.NoError(t, err)
			if tc.viaServer {
				require.Len(t, srv.requests(), before+1)
				assert.Equal(t, "Bearer "+tc.key, srv.requests()[before].Header.Get("Authorization"))
			} else {
				require.Equal(t, 1, fake.count())
			}
		})
	}
}

func TestNewClientEnvironment(t *testing.T) {
	srv := newRecorder(t, reply{Body: `{"data":[],"hasMore":false}`})
	other := newRecorder(t, reply{Body: `{"data":[],"hasMore":false}`})
	ctx := t.Context()

	t.Run("key and base URL from the environment", func(t *testing.T) {
		t.Setenv("THEAZO_API_KEY", "th_test_fromenv")
		t.Setenv("THEAZO_BASE_URL", srv.URL+"/v1")
		c := NewClient("")
		t.Cleanup(c.CloseIdleConnections)
		assert.Equal(t, srv.URL+"/v1", c.BaseURL())
		assert.True(t, c.IsTestMode())
		_, err := c.Sessions.ListPage(ctx, nil)
		require.NoError(t, err)
		reqs := srv.requests()
		require.NotEmpty(t, reqs)
		assert.Equal(t, "Bearer th_test_fromenv", reqs[len(reqs)-1].Header.Get("Authorization"))
	})
	t.Run("arguments win over the environment", func(t *testing.T) {
		t.Setenv("THEAZO_API_KEY", "th_test_fromenv")
		t.Setenv("THEAZO_BASE_URL", srv.URL+"/v1")
		before := len(srv.requests())
		c := NewClient("th_test_explicit", WithBaseURL(other.URL+"/v1/"))
		t.Cleanup(c.CloseIdleConnections)
		assert.Equal(t, other.URL+"/v1", c.BaseURL(), "trailing slash trimmed")
		_, err := c.Sessions.ListPage(ctx, nil)
		require.NoError(t, err)
		assert.Len(t, srv.requests(), before)
		reqs := other.requests()
		require.Len(t, reqs, 1)
		assert.Equal(t, "/v1/sessions", reqs[0].Path)
		assert.Equal(t, "Bearer th_test_explicit", reqs[0].Header.Get("Authorization"))
	})
	t.Run("default base URL", func(t *testing.T) {
		t.Setenv("THEAZO_BASE_URL", "")
		c := NewClient("th_test_x")
		assert.Equal(t, DefaultBaseURL, c.BaseURL())
		assert.Equal(t, "https://api.theazo.com/v1", c.BaseURL())
	})
}

func TestInvalidBaseURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"::not a url", "ftp://api.theazo.com/v1", "api.theazo.com/v1", "http:///v1"} {
		t.Run(u, func(t *testing.T) {
			fake := &fakeRT{}
			c := NewClient(testKey, WithBaseURL(u), WithHTTPClient(&http.Client{Transport: fake}))
			_, err := c.Agents.Get(t.Context(), "agt_1")
			require.Error(t, err)
			assert.Contains(t, err.Error(), "invalid base URL")
			assert.Zero(t, fake.count())
		})
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Body: `{"id":"agt_1"}`})
	base := fmt.Sprintf("theazo-go/%s go/%s", Version, strings.TrimPrefix(runtime.Version(), "go"))
	tests := []struct {
		name  string
		opts  []Option
		want  string
		index int
	}{
		{name: "default", want: base},
		{name: "appended", opts: []Option{WithUserAgent("myapp/1.2")}, want: base + " myapp/1.2"},
		{name: "blank ignored", opts: []Option{WithUserAgent("  ")}, want: base},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := srv.client(tc.opts...).Agents.Get(t.Context(), "agt_1")
			require.NoError(t, err)
			reqs := srv.requests()
			require.Len(t, reqs, i+1)
			assert.Equal(t, tc.want, reqs[i].Header.Get("User-Agent"))
		})
	}
}

func TestIsTestMode(t *testing.T) {
	t.Setenv("THEAZO_API_KEY", "")
	tests := []struct {
		key  string
		want bool
	}{
		{"th_test_abc", true},
		{"th_live_abc", false},
		{"", false},
		{"sk_test_abc", false},
		{"TH_TEST_abc", false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			assert.Equal(t, tc.want, NewClient(tc.key).IsTestMode())
		})
	}
}

func TestWithHTTPClientNotModified(t *testing.T) {
	srv := newRecorder(t, reply{Body: `{"id":"agt_1"}`})
	inner := &countingRT{next: http.DefaultTransport}
	hc := &http.Client{Transport: inner}
	c := NewClient(testKey, WithBaseURL(srv.URL+"/v1"), WithHTTPClient(hc))
	t.Cleanup(c.CloseIdleConnections)
	t.Cleanup(http.DefaultTransport.(*http.Transport).CloseIdleConnections)

	_, err := c.Agents.Get(t.Context(), "agt_1")
	require.NoError(t, err)
	assert.Equal(t, int32(1), inner.n.Load(), "the caller's transport carries the request")
	assert.Same(t, inner, hc.Transport, "the caller's client is not modified")
	assert.Nil(t, hc.CheckRedirect)
}

func TestClientStringRedactsKey(t *testing.T) {
	key := "th_live_super-secret-0123456789"
	c := NewClient(key, WithBaseURL("https://api.example.com/v1"))
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		t.Run(format, func(t *testing.T) {
			s := fmt.Sprintf(format, c)
			assert.NotContains(t, s, "super-secret")
			assert.Contains(t, s, "th_live_[redacted]")
			assert.Contains(t, s, "https://api.example.com/v1")
		})
	}
	// The value and its services print no key either.
	for _, v := range []any{*c, c.Sessions, c.Agents} {
		for _, format := range []string{"%v", "%+v", "%#v"} {
			assert.NotContains(t, fmt.Sprintf(format, v), "super-secret")
		}
	}
	t.Setenv("THEAZO_API_KEY", "")
	assert.Contains(t, NewClient("").String(), "APIKey: none")
	assert.Contains(t, NewClient("other-secret").String(), "APIKey: [redacted]")
	assert.NotContains(t, NewClient("other-secret").String(), "other-secret")
}

func TestClientStringZero(t *testing.T) {
	t.Parallel()
	var nilClient *Client
	assert.Equal(t, "theazo.Client{}", fmt.Sprint(nilClient))
	assert.Equal(t, "theazo.Client{}", fmt.Sprintf("%#v", &Client{}))
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	logger, sink := newLogger(slog.LevelDebug)
	srv := newRecorder(t, retryReply(503, "unavailable", "0"), reply{Status: 200, Body: agentJSON})
	c := srv.client(WithLogger(logger))
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := c.Agents.Get(t.Context(), "agt_1")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
	assert.Len(t, srv.requests(), 21, "one 503, retried once, and 19 plain successes")
	assert.Len(t, sink.lines(t), 21)
}

// releaseHeading matches a Keep a Changelog release heading,
// "## [1.2.3] - 2006-01-02", and captures the version.
var releaseHeading = regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\](?: - \d{4}-\d{2}-\d{2})?\s*$`)

// latestRelease returns the version of the first release heading of a
// changelog; the [Unreleased] heading is not a release.
func latestRelease(changelog string) (string, error) {
	m := releaseHeading.FindStringSubmatch(changelog)
	if m == nil {
		return "", errors.New("no release heading such as \"## [0.1.0] - 2006-01-02\"")
	}
	return m[1], nil
}

// TestVersionIsLatestRelease fails when Version, sent in the User-Agent, is
// not the latest release in CHANGELOG.md: a release bumps both together.
func TestVersionIsLatestRelease(t *testing.T) {
	t.Parallel()
	changelog, err := os.ReadFile("CHANGELOG.md")
	require.NoError(t, err)
	latest, err := latestRelease(string(changelog))
	require.NoError(t, err)
	assert.Equal(t, latest, Version, "Version in client.go and the latest release in CHANGELOG.md differ")
}

func TestLatestRelease(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, changelog, want string
	}{
		{"after unreleased", "# Changelog\n\n## [Unreleased]\n\n### Added\n\n## [0.2.0] - 2027-01-02\n\n## [0.1.0] - 2026-11-28\n", "0.2.0"},
		{"without a date", "## [1.0.0]\n## [0.9.0] - 2026-01-01\n", "1.0.0"},
		{"pre-release", "## [Unreleased]\n## [1.0.0-rc.1] - 2026-01-01\n", "1.0.0-rc.1"},
		{"not a heading", "see [0.3.0] below\n### [0.2.0]\n## [0.1.0] - 2026-11-28\n", "0.1.0"},
		{"none", "# Changelog\n\n## [Unreleased]\n", ""},
		{"not a version", "## [next] - 2026-01-01\n", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := latestRelease(tc.changelog)
			if tc.want == "" {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}
