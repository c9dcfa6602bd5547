package theazo

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Surrounding white space is trimmed from the key before it is sent.
func TestAPIKeyTrimmed(t *testing.T) {
	for name, key := range map[string]string{
		"trailing newline":      testKey + "\n",
		"trailing CRLF":         testKey + "\r\n",
		"leading and trailing":  " \t" + testKey + " \n",
		"no-break space around": "\u00a0" + testKey + "\u00a0",
	} {
		t.Run(name, func(t *testing.T) {
			srv := newRecorder(t, reply{Body: `{"data":[],"hasMore":false}`})
			c := NewClient(key, WithBaseURL(srv.URL+"/v1"))
			t.Cleanup(c.CloseIdleConnections)
			_, err := c.Sessions.ListPage(t.Context(), nil)
			require.NoError(t, err)
			require.Len(t, srv.requests(), 1)
			assert.Equal(t, "Bearer "+testKey, srv.requests()[0].Header.Get("Authorization"))
			assert.True(t, c.IsTestMode())
		})
	}
	t.Run("from the environment", func(t *testing.T) {
		srv := newRecorder(t, reply{Body: `{"data":[],"hasMore":false}`})
		t.Setenv("THEAZO_API_KEY", testKey+"\n")
		c := NewClient("  ", WithBaseURL(srv.URL+"/v1"))
		t.Cleanup(c.CloseIdleConnections)
		_, err := c.Sessions.ListPage(t.Context(), nil)
		require.NoError(t, err)
		assert.Equal(t, "Bearer "+testKey, srv.requests()[0].Header.Get("Authorization"))
	})
}

// A key that is still malformed once trimmed is refused by every
// authenticated call, locally, with an error that does not quote it;
// public calls, which never send the key, still work.
func TestAPIKeyMalformedIsRefused(t *testing.T) {
	t.Parallel()
	secret := "th_test_s3cr3tpart"
	tests := []struct {
		name string
		key  string
		why  string
	}{
		{name: "inner space", key: "th_test_s3cr3t part", why: "white space"},
		{name: "inner tab", key: "th_test_s3cr3t\tpart", why: "white space"},
		{name: "inner newline: a second header line", key: "th_test_s3cr3t\r\nX-Evil: 1", why: "white space"},
		{name: "NUL", key: "th_test_s3cr3t\x00part", why: "control character"},
		{name: "DEL", key: "th_test_s3cr3t\x7fpart", why: "control character"},
		{name: "C1 control", key: "th_test_s3cr3t\u0085part", why: "white space"},
		{name: "no-break space inside", key: "th_test_s3cr3t\u00a0part", why: "white space"},
		{name: "Bearer prefix", key: "Bearer " + secret, why: `starts with "Bearer"`},
		{name: "bearer prefix, any case", key: "bEaReR" + secret, why: `starts with "Bearer"`},
		{name: "Bearer prefix after trimming", key: "\n Bearer " + secret + "\n", why: `starts with "Bearer"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRecorder(t, reply{Body: `{"data":[],"hasMore":false}`})
			c := NewClient(tc.key, WithBaseURL(srv.URL+"/v1"))
			t.Cleanup(c.CloseIdleConnections)
			ctx := t.Context()
			calls := map[string]func() error{
				"list":   func() error { _, err := c.Sessions.ListPage(ctx, nil); return err },
				"run":    func() error { _, err := c.Agents.Run(ctx, "agt_1", "task"); return err },
				"stream": func() error { _, err := c.Agents.Stream(ctx, "agt_1"); return err },
				"delete": func() error { return c.Workflows.Delete(ctx, "wf_1") },
			}
			for name, call := range calls {
				err := call()
				require.ErrorIs(t, err, ErrInvalidAPIKey, name)
				assert.Contains(t, err.Error(), tc.why, name)
				for _, part := range []string{"s3cr3t", "part", "Evil"} {
					assert.NotContains(t, err.Error(), part, "%s: the key is never quoted", name)
				}
			}
			assert.Empty(t, srv.requests(), "nothing is sent")
			assert.NotContains(t, fmt.Sprintf("%v %+v %#v", c, c, c), "s3cr3t")

			_, err := c.Channels.MessagesPage(ctx, "ch_1", nil)
			require.NoError(t, err, "a public call sends no key")
			require.Len(t, srv.requests(), 1)
			assert.Empty(t, srv.requests()[0].Header.Get("Authorization"))
		})
	}
}

// The live-key-over-plain-http rule applies to the trimmed key: white space
// in front of th_live_ does not slip the key past it.
func TestAPIKeyTrimmedBeforeTheInsecureTransportCheck(t *testing.T) {
	t.Parallel()
	for _, key := range []string{" th_live_abc", "th_live_abc\n", "\tth_live_abc\r\n"} {
		fake := &fakeRT{}
		c := NewClient(key, WithBaseURL("http://api.example.com/v1"), WithHTTPClient(&http.Client{Transport: fake}))
		_, err := c.Sessions.ListPage(t.Context(), nil)
		require.ErrorIs(t, err, ErrInsecureTransport, "%q", key)
		assert.Zero(t, fake.count())
	}
}

// A base URL with a query string or fragment is refused: paths would be
// appended to the query ("/v1?tenant=acme/sessions").
func TestBaseURLWithQueryOrFragmentIsRefused(t *testing.T) {
	t.Parallel()
	for _, u := range []string{
		"https://api.theazo.com/v1?tenant=acme",
		"https://api.theazo.com/v1/?tenant=acme",
		"https://api.theazo.com/v1?",
		"https://api.theazo.com/v1#acme",
		"https://api.theazo.com/v1#",
		"http://127.0.0.1:8080/v1?x=1#y",
	} {
		t.Run(u, func(t *testing.T) {
			fake := &fakeRT{}
			c := NewClient(testKey, WithBaseURL(u), WithHTTPClient(&http.Client{Transport: fake}))
			for name, call := range map[string]func() error{
				"authenticated": func() error {
					_, err := c.Sessions.Create(t.Context(), &SessionCreateParams{UserID: "u"})
					return err
				},
				"public": func() error { _, err := c.Channels.MessagesPage(t.Context(), "ch_1", nil); return err },
			} {
				err := call()
				require.Error(t, err, name)
				assert.Contains(t, err.Error(), "invalid base URL", name)
				assert.Contains(t, err.Error(), "query string or fragment", name)
				assert.NotContains(t, err.Error(), "acme", name)
			}
			assert.Zero(t, fake.count(), "nothing is sent")
		})
	}
}
