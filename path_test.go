package theazo

import (
	"context"
	"errors"
	"io"
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
		{name: "Agents.Exec", method: "POST", path: "/v1/agents/%s/exec", call: func(c *Client, id string) error {
			_, err := c.Agents.Exec(context.Background(), id, &AgentExecParams{Lang: LangPython, Code: "print(1)"})
			return err
		}},
		{name: "Agents.Pause", method: "POST", path: "/v1/agents/%s/pause", call: func(c *Client, id string) error {
			_, err := c.Agents.Pause(context.Background(), id)
			return err
		}},
		{name: "Agents.Resume", method: "POST", path: "/v1/agents/%s/resume", call: func(c *Client, id string) error {
			_, err := c.Agents.Resume(context.Background(), id)
			return err
		}},
		{name: "Definitions.Get", method: "GET", path: "/v1/agent-definitions/%s", call: func(c *Client, id string) error {
			_, err := c.Definitions.Get(context.Background(), id)
			return err
		}},
		{name: "Definitions.Update", method: "PUT", path: "/v1/agent-definitions/%s", call: func(c *Client, id string) error {
			_, err := c.Definitions.Update(context.Background(), id, &DefinitionUpdateParams{Instructions: Ptr("x")})
			return err
		}},
		{name: "Definitions.Archive", method: "DELETE", path: "/v1/agent-definitions/%s", call: func(c *Client, id string) error {
			return c.Definitions.Archive(context.Background(), id)
		}},
		{name: "Workflows.Get", method: "GET", path: "/v1/workflows/%s", call: func(c *Client, id string) error {
			_, err := c.Workflows.Get(context.Background(), id)
			return err
		}},
		{name: "Workflows.Update", method: "PUT", path: "/v1/workflows/%s", call: func(c *Client, id string) error {
			_, err := c.Workflows.Update(context.Background(), id, &WorkflowUpdateParams{Name: "w", Steps: []WorkflowStep{{Name: "s", DefinitionID: "adef_1", Task: "t"}}})
			return err
		}},
		{name: "Workflows.Delete", method: "DELETE", path: "/v1/workflows/%s", call: func(c *Client, id string) error {
			return c.Workflows.Delete(context.Background(), id)
		}},
		{name: "Workflows.Run", method: "POST", path: "/v1/workflows/%s/run", call: func(c *Client, id string) error {
			_, err := c.Workflows.Run(context.Background(), id, nil)
			return err
		}},
		{name: "Workflows.GetRun", method: "GET", path: "/v1/workflow-runs/%s", call: func(c *Client, id string) error {
			_, err := c.Workflows.GetRun(context.Background(), id)
			return err
		}},
		{name: "Workflows.Estimate", method: "POST", path: "/v1/workflows/%s/estimate", call: func(c *Client, id string) error {
			_, err := c.Workflows.Estimate(context.Background(), id, nil)
			return err
		}},
		{name: "Fleets.Get", method: "GET", path: "/v1/fleets/%s", call: func(c *Client, id string) error {
			_, err := c.Fleets.Get(context.Background(), id)
			return err
		}},
		{name: "Fleets.Cancel", method: "POST", path: "/v1/fleets/%s/cancel", call: func(c *Client, id string) error {
			_, err := c.Fleets.Cancel(context.Background(), id)
			return err
		}},
		{name: "Schedules.Update", method: "PATCH", path: "/v1/schedules/%s", call: func(c *Client, id string) error {
			_, err := c.Schedules.Update(context.Background(), id, &ScheduleUpdateParams{Name: "n"})
			return err
		}},
		{name: "Schedules.Delete", method: "DELETE", path: "/v1/schedules/%s", call: func(c *Client, id string) error {
			return c.Schedules.Delete(context.Background(), id)
		}},
		{name: "Schedules.Pause", method: "POST", path: "/v1/schedules/%s/pause", call: func(c *Client, id string) error {
			_, err := c.Schedules.Pause(context.Background(), id)
			return err
		}},
		{name: "Schedules.Resume", method: "POST", path: "/v1/schedules/%s/resume", call: func(c *Client, id string) error {
			_, err := c.Schedules.Resume(context.Background(), id)
			return err
		}},
		{name: "Triggers.Delete", method: "DELETE", path: "/v1/triggers/%s", call: func(c *Client, id string) error {
			return c.Triggers.Delete(context.Background(), id)
		}},
		{name: "Triggers.Fire", method: "POST", path: "/v1/triggers/%s/fire", call: func(c *Client, id string) error {
			_, err := c.Triggers.Fire(context.Background(), id, "whsec_1", map[string]int{"a": 1})
			return err
		}},
		{name: "Channels.SendMessage", method: "POST", path: "/v1/channels/%s/messages", call: func(c *Client, id string) error {
			_, err := c.Channels.SendMessage(context.Background(), id, &MessageSendParams{Content: "hi"})
			return err
		}},
		{name: "Channels.MessagesPage", method: "GET", path: "/v1/channels/%s/messages", call: func(c *Client, id string) error {
			_, err := c.Channels.MessagesPage(context.Background(), id, nil)
			return err
		}},
		{name: "Channels.Messages", method: "GET", path: "/v1/channels/%s/messages", call: func(c *Client, id string) error {
			for _, err := range c.Channels.Messages(context.Background(), id, nil) {
				return err
			}
			return nil
		}},
		{name: "Providers.Delete", method: "DELETE", path: "/v1/providers/%s", call: func(c *Client, id string) error {
			return c.Providers.Delete(context.Background(), ProviderName(id))
		}},
		{name: "Secrets.Delete", method: "DELETE", path: "/v1/secrets/%s", call: func(c *Client, id string) error {
			return c.Secrets.Delete(context.Background(), id, nil)
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

// TestPathInjectionEveryStream sends a hostile id to every stream: it stays
// one escaped path segment, or is refused locally when it is a dot segment.
func TestPathInjectionEveryStream(t *testing.T) {
	streams := []struct {
		name string
		path string
		open func(c *Client, id string) (io.Closer, error)
	}{
		{name: "Agents.Stream", path: "/v1/agents/%s/stream", open: func(c *Client, id string) (io.Closer, error) {
			return c.Agents.Stream(context.Background(), id)
		}},
		{name: "Workflows.StreamRun", path: "/v1/workflow-runs/%s/stream", open: func(c *Client, id string) (io.Closer, error) {
			return c.Workflows.StreamRun(context.Background(), id)
		}},
		{name: "Fleets.Stream", path: "/v1/fleets/%s/stream", open: func(c *Client, id string) (io.Closer, error) {
			return c.Fleets.Stream(context.Background(), id)
		}},
		{name: "Channels.Stream", path: "/v1/channels/%s/stream", open: func(c *Client, id string) (io.Closer, error) {
			return c.Channels.Stream(context.Background(), id, nil)
		}},
	}
	for _, st := range streams {
		t.Run(st.name, func(t *testing.T) {
			srv := newRecorder(t, streamReply("event: x\ndata: {}\n\n"))
			s, err := st.open(srv.client(), "../../sessions?x=1#f")
			require.NoError(t, err)
			s.Close()
			reqs := srv.requests()
			require.Len(t, reqs, 1)
			assert.Equal(t, strings.Replace(st.path, "%s", "..%2F..%2Fsessions%3Fx=1%23f", 1), reqs[0].Path)
			assert.Empty(t, reqs[0].RawQuery)

			for _, id := range []string{"..", ".", ""} {
				_, err := st.open(srv.client(), id)
				require.Error(t, err, "%q", id)
				assert.True(t, errors.Is(err, ErrInvalidParams) || errors.Is(err, ErrEmptyID), "%q: %v", id, err)
			}
			assert.Len(t, srv.requests(), 1, "refused locally")
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
