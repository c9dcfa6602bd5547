package theazo

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPathInjection(t *testing.T) {
	ids := []struct {
		id      string
		escaped string // "" means refused locally
	}{
		{id: "../providers", escaped: "..%2Fproviders"},
		{id: "a/b?x", escaped: "a%2Fb%3Fx"},
		{id: "%2e%2e", escaped: "%252e%252e"},
		{id: "..%2f", escaped: "..%252f"},
		{id: "/", escaped: "%2F"},
		{id: "a#b", escaped: "a%23b"},
		{id: "a b", escaped: "a%20b"},
		{id: "a;b", escaped: "a%3Bb"},
		{id: `a\b`, escaped: "a%5Cb"},
		{id: "a\nb", escaped: "a%0Ab"},
		{id: "ünï", escaped: "%C3%BCn%C3%AF"},
		{id: "...", escaped: "..."},
		{id: "."},
		{id: ".."},
	}
	methods := []struct {
		name   string
		path   string // with %s for the escaped id
		method string
		call   func(c *Client, id string) error
	}{
		{name: "Agents.Get", method: "GET", path: "/v1/agents/%s", call: func(c *Client, id string) error {
			_, err := c.Agents.Get(context.Background(), id)
			return err
		}},
		{name: "Agents.Run", method: "POST", path: "/v1/agents/%s/run", call: func(c *Client, id string) error {
			_, err := c.Agents.Run(context.Background(), id, "task")
			return err
		}},
		{name: "Agents.Create", method: "POST", path: "/v1/sessions/%s/agents", call: func(c *Client, id string) error {
			_, err := c.Agents.Create(context.Background(), id, nil)
			return err
		}},
		{name: "Agents.Terminate", method: "POST", path: "/v1/agents/%s/terminate", call: func(c *Client, id string) error {
			return c.Agents.Terminate(context.Background(), id)
		}},
		{name: "Sessions.GetOrCreate", method: "POST", path: "/v1/sessions/by-user/%s", call: func(c *Client, id string) error {
			_, err := c.Sessions.GetOrCreate(context.Background(), id, nil)
			return err
		}},
	}
	for _, m := range methods {
		t.Run(m.name, func(t *testing.T) {
			for _, tc := range ids {
				t.Run(tc.id, func(t *testing.T) {
					srv := newRecorder(t, reply{Body: `{"ok":true}`})
					err := m.call(srv.client(), tc.id)
					if tc.escaped == "" {
						require.ErrorIs(t, err, ErrInvalidParams)
						assert.Empty(t, srv.requests(), "refused locally")
						return
					}
					require.NoError(t, err)
					reqs := srv.requests()
					require.Len(t, reqs, 1)
					assert.Equal(t, m.method, reqs[0].Method)
					assert.Equal(t, strings.Replace(m.path, "%s", tc.escaped, 1), reqs[0].Path)
					assert.Empty(t, reqs[0].RawQuery, "nothing in an id starts a query")
				})
			}
		})
	}
}

func TestPathInjectionStream(t *testing.T) {
	srv := newRecorder(t, streamReply(golden(t, "agents/stream.txt")))
	s, err := srv.client().Agents.Stream(context.Background(), "../../sessions?x=1")
	require.NoError(t, err)
	s.Close()
	reqs := srv.requests()
	require.Len(t, reqs, 1)
	assert.Equal(t, "/v1/agents/..%2F..%2Fsessions%3Fx=1/stream", reqs[0].Path)
	assert.Empty(t, reqs[0].RawQuery)

	_, err = srv.client().Agents.Stream(context.Background(), "..")
	require.ErrorIs(t, err, ErrInvalidParams)
	assert.Len(t, srv.requests(), 1)
}

func TestEscapePath(t *testing.T) {
	got, err := escapePath("/x/%s/y/%s", []string{"a/b", "c d"})
	require.NoError(t, err)
	assert.Equal(t, "/x/a%2Fb/y/c%20d", got)
	_, err = escapePath("/x/%s/y/%s", []string{"a", ""})
	assert.ErrorIs(t, err, ErrEmptyID)
	got, err = escapePath("/sessions", nil)
	require.NoError(t, err)
	assert.Equal(t, "/sessions", got)
	assert.Equal(t, "/agents/{id}/run", request{method: http.MethodPost, path: "/agents/%s/run"}.route())
}
