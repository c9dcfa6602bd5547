package theazo

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/theazo/theazo-go/sse"
)

func checkGoldenFleet(t *testing.T, got any) {
	t.Helper()
	assert.Equal(t, &Fleet{
		ID:           "flt_01HX3K2FLT",
		SessionID:    "ses_01HX3K2ABC",
		DefinitionID: "adef_01HX3K2SCR",
		Instructions: "Return the page title and a one-line summary.",
		Tasks:        []string{"Scrape page 1", "Scrape page 2", "Scrape page 3"},
		Concurrency:  2,
		Status:       FleetStatusRunning,
		Completed:    1,
		TotalCost:    Money{Amount: 8, Currency: "usd"},
		CreatedAt:    time.Date(2025, 5, 1, 9, 30, 0, 0, time.UTC),
	}, got)
}

func TestFleetsEndpoints(t *testing.T) {
	t.Parallel()
	runEndpointCases(t, []endpointCase{{
		name: "create with every field",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Create(ctx, &FleetCreateParams{
				SessionID: "ses_01HX3K2ABC", DefinitionID: "adef_01HX3K2SCR",
				Instructions: "Return the page title and a one-line summary.",
				Tasks:        []string{"Scrape page 1", "Scrape page 2", "Scrape page 3"},
				Concurrency:  2,
			})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "fleets/fleet.json")},
		wantMethod: "POST", wantPath: "/v1/fleets",
		wantBody: `{"sessionId":"ses_01HX3K2ABC","definitionId":"adef_01HX3K2SCR",
			"instructions":"Return the page title and a one-line summary.",
			"tasks":["Scrape page 1","Scrape page 2","Scrape page 3"],"concurrency":2}`,
		check: checkGoldenFleet,
	}, {
		name: "create omits optional fields",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Create(ctx, &FleetCreateParams{SessionID: "ses_1", DefinitionID: "adef_1", Tasks: []string{"Scrape page 1"}})
		},
		reply:      reply{Status: http.StatusCreated, Body: golden(t, "fleets/fleet.json")},
		wantMethod: "POST", wantPath: "/v1/fleets",
		wantBody: `{"sessionId":"ses_1","definitionId":"adef_1","tasks":["Scrape page 1"]}`,
	}, {
		name: "list page with limit and cursor",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.ListPage(ctx, &FleetListParams{Limit: 1, Cursor: "cur_flt_1"})
		},
		reply:      reply{Body: golden(t, "fleets/fleets_page1.json")},
		wantMethod: "GET", wantPath: "/v1/fleets", wantQuery: "cursor=cur_flt_1&limit=1",
		check: func(t *testing.T, got any) {
			p := got.(*Page[Fleet])
			require.Len(t, p.Data, 1)
			assert.Equal(t, "flt_01HX3K2FL1", p.Data[0].ID)
			assert.Equal(t, FleetStatusCompleted, p.Data[0].Status)
			assert.Equal(t, "cur_flt_2", p.NextCursor)
			assert.True(t, p.HasMore)
		},
	}, {
		name: "list page without params",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.ListPage(ctx, nil)
		},
		reply:      reply{Body: golden(t, "fleets/fleets_page2.json")},
		wantMethod: "GET", wantPath: "/v1/fleets",
		check: func(t *testing.T, got any) {
			p := got.(*Page[Fleet])
			require.Len(t, p.Data, 1)
			assert.Equal(t, FleetStatusFailed, p.Data[0].Status)
			assert.Equal(t, 1, p.Data[0].Failed)
			assert.False(t, p.HasMore)
		},
	}, {
		name: "get",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Get(ctx, "flt_01HX3K2FLT")
		},
		reply:      reply{Body: golden(t, "fleets/fleet.json")},
		wantMethod: "GET", wantPath: "/v1/fleets/flt_01HX3K2FLT",
		check: checkGoldenFleet,
	}, {
		name: "get escapes the id and keeps an unknown status",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Get(ctx, "a/b?x")
		},
		reply:      reply{Body: `{"id":"flt_1","status":"draining","tasks":["t"],"totalCost":{"amount":0,"currency":"usd"},"createdAt":"2025-05-01T09:30:00Z"}`},
		wantMethod: "GET", wantPath: "/v1/fleets/a%2Fb%3Fx",
		check: func(t *testing.T, got any) {
			assert.Equal(t, FleetStatus("draining"), got.(*Fleet).Status)
		},
	}, {
		name: "cancel sends no body",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Cancel(ctx, "a/b?x")
		},
		reply:      reply{Body: golden(t, "fleets/fleet_cancelled.json")},
		wantMethod: "POST", wantPath: "/v1/fleets/a%2Fb%3Fx/cancel",
		check: func(t *testing.T, got any) {
			f := got.(*Fleet)
			assert.Equal(t, FleetStatusCancelled, f.Status)
			assert.Equal(t, 2, f.Completed)
			assert.Empty(t, f.Instructions)
			assert.Equal(t, Money{Amount: 16, Currency: "usd"}, f.TotalCost)
		},
	}})
}

func TestFleetsListFollowsCursors(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t,
		reply{Status: http.StatusOK, Body: golden(t, "fleets/fleets_page1.json")},
		reply{Status: http.StatusOK, Body: golden(t, "fleets/fleets_page2.json")},
	)
	var ids []string
	for f, err := range srv.client().Fleets.List(t.Context(), nil) {
		require.NoError(t, err)
		ids = append(ids, f.ID)
	}
	assert.Equal(t, []string{"flt_01HX3K2FL1", "flt_01HX3K2FL2"}, ids)
	assertListed(t, srv, "/v1/fleets", "", "cursor=cur_flt_2")
}

func TestFleetsLocalErrors(t *testing.T) {
	t.Parallel()
	valid := FleetCreateParams{SessionID: "ses_1", DefinitionID: "adef_1", Tasks: []string{"t"}}
	without := func(edit func(p *FleetCreateParams)) *FleetCreateParams {
		p := valid
		edit(&p)
		return &p
	}
	runLocalErrorCases(t, []localErrorCase{
		{name: "create nil params", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Create(ctx, nil)
		}},
		{name: "create without session", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Create(ctx, without(func(p *FleetCreateParams) { p.SessionID = "" }))
		}},
		{name: "create without definition", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Create(ctx, without(func(p *FleetCreateParams) { p.DefinitionID = "" }))
		}},
		{name: "create without tasks", wantErr: ErrInvalidParams, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Create(ctx, without(func(p *FleetCreateParams) { p.Tasks = []string{} }))
		}},
		{name: "get empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Get(ctx, "")
		}},
		{name: "cancel empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			return c.Fleets.Cancel(ctx, "")
		}},
		{name: "stream empty id", wantErr: ErrEmptyID, call: func(ctx context.Context, c *Client) (any, error) {
			r, err := c.Fleets.Attach(ctx, "")
			if err != nil {
				return nil, err
			}
			return r.Stream(), nil
		}},
	})
}

func TestFleetsAttachReferenceExample(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, streamReply(golden(t, "fleets/stream.sse")))
	stream, err := srv.client().Fleets.Attach(t.Context(), "a/b?x")
	require.NoError(t, err)
	events, err := drainStream(t, stream.Stream())
	require.NoError(t, err)

	assert.Equal(t, []FleetEvent{
		&AgentStartEvent{AgentID: "agt_01HX3K2AG1", Index: 0, Task: "Scrape page 1"},
		&AgentCompleteEvent{AgentID: "agt_01HX3K2AG1", Index: 0, Output: "Page 1: Example Domain", Cost: Money{Amount: 8, Currency: "usd"}},
		&FleetCompleteEvent{Completed: 10, Failed: 0, TotalCost: Money{Amount: 82, Currency: "usd"}},
	}, withoutRaw(events))

	assertStreamOpened(t, srv, "/v1/fleets/a%2Fb%3Fx/stream", "", false)
}

func TestFleetsAttachEvents(t *testing.T) {
	t.Parallel()
	open := func(ctx context.Context, c *Client) (*sse.Stream[FleetEvent], error) {
		r, err := c.Fleets.Attach(ctx, "flt_01HX3K2FLT")
		if err != nil {
			return nil, err
		}
		return r.Stream(), nil
	}
	runStreamCases(t, open, "/v1/fleets/flt_01HX3K2FLT/stream", false, []streamCase[FleetEvent]{{
		name: "a failed agent does not end the stream",
		body: "event: agent:start\ndata: {\"agentId\":\"agt_1\",\"index\":0,\"task\":\"Scrape page 1\"}\n\n" +
			"event: agent:start\ndata: {\"agentId\":\"agt_2\",\"index\":1,\"task\":\"Scrape page 2\"}\n\n" +
			"event: agent:failed\ndata: {\"agentId\":\"agt_2\",\"index\":1,\"message\":\"sandbox crashed\"}\n\n" +
			"event: agent:complete\ndata: {\"agentId\":\"agt_1\",\"index\":0,\"output\":\"done\",\"cost\":{\"amount\":8,\"currency\":\"usd\"}}\n\n" +
			"event: fleet:complete\ndata: {\"completed\":1,\"failed\":1,\"totalCost\":{\"amount\":11,\"currency\":\"usd\"}}\n\n",
		want: []FleetEvent{
			&AgentStartEvent{AgentID: "agt_1", Task: "Scrape page 1"},
			&AgentStartEvent{AgentID: "agt_2", Index: 1, Task: "Scrape page 2"},
			&AgentFailedEvent{AgentID: "agt_2", Index: 1, Message: "sandbox crashed"},
			&AgentCompleteEvent{AgentID: "agt_1", Output: "done", Cost: Money{Amount: 8, Currency: "usd"}},
			&FleetCompleteEvent{Completed: 1, Failed: 1, TotalCost: Money{Amount: 11, Currency: "usd"}},
		},
	}, {
		name: "fleet failure is typed and terminal",
		body: "event: agent:start\ndata: {\"agentId\":\"agt_1\",\"index\":0,\"task\":\"t\"}\n\n" +
			"event: fleet:failed\ndata: {\"message\":\"cancelled\",\"completed\":0,\"failed\":0,\"totalCost\":{\"amount\":2,\"currency\":\"usd\"}}\n\n" +
			"event: agent:complete\ndata: {\"agentId\":\"agt_1\",\"index\":0,\"output\":\"late\",\"cost\":{\"amount\":1,\"currency\":\"usd\"}}\n\n",
		want: []FleetEvent{
			&AgentStartEvent{AgentID: "agt_1", Task: "t"},
			&FleetFailedEvent{Message: "cancelled", TotalCost: Money{Amount: 2, Currency: "usd"}},
		},
	}, {
		name: "events after the completion are not read",
		body: "event: fleet:complete\ndata: {\"completed\":3,\"failed\":0,\"totalCost\":{\"amount\":24,\"currency\":\"usd\"}}\n\n" +
			"event: agent:start\ndata: {\"agentId\":\"agt_9\",\"index\":9,\"task\":\"late\"}\n\n",
		want: []FleetEvent{&FleetCompleteEvent{Completed: 3, TotalCost: Money{Amount: 24, Currency: "usd"}}},
	}, {
		name: "unknown events pass through",
		body: "event: agent:retry\ndata: {\"agentId\":\"agt_1\",\"index\":0}\n\n" +
			"event: fleet:complete\ndata: {\"completed\":1,\"failed\":0,\"totalCost\":{\"amount\":8,\"currency\":\"usd\"}}\n\n",
		want: []FleetEvent{
			&UnknownEvent{Type: "agent:retry", Data: `{"agentId":"agt_1","index":0}`},
			&FleetCompleteEvent{Completed: 1, TotalCost: Money{Amount: 8, Currency: "usd"}},
		},
	}, {
		name: "a stream cut before its end is interrupted",
		body: "event: agent:start\ndata: {\"agentId\":\"agt_1\",\"index\":0,\"task\":\"t\"}\n\n" +
			"event: agent:complete\ndata: {\"agentId\":\"agt_1\",\"index\":0,\"output\":\"done\",\"cost\":{\"amount\":8,\"currency\":\"usd\"}}\n\n",
		want: []FleetEvent{
			&AgentStartEvent{AgentID: "agt_1", Task: "t"},
			&AgentCompleteEvent{AgentID: "agt_1", Output: "done", Cost: Money{Amount: 8, Currency: "usd"}},
		},
		wantErr: sse.ErrInterrupted,
	}, {
		name: "a terminal event cut mid-way is interrupted",
		body: "event: agent:start\ndata: {\"agentId\":\"agt_1\",\"index\":0,\"task\":\"t\"}\n\n" +
			"event: fleet:complete\ndata: {\"completed\":1,",
		want:    []FleetEvent{&AgentStartEvent{AgentID: "agt_1", Task: "t"}},
		wantErr: sse.ErrInterrupted,
	}})
}

func TestFleetsAttachErrors(t *testing.T) {
	t.Parallel()
	t.Run("API error on connect", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: http.StatusNotFound, Body: `{"error":{"code":"not_found","message":"No such fleet"}}`})
		_, err := srv.client().Fleets.Attach(t.Context(), "flt_missing")
		require.ErrorIs(t, err, ErrNotFound)
	})
	t.Run("reply that is not an event stream", func(t *testing.T) {
		srv := newRecorder(t, reply{Status: http.StatusOK, Body: `{"id":"flt_1"}`})
		_, err := srv.client().Fleets.Attach(t.Context(), "flt_1")
		require.ErrorIs(t, err, sse.ErrNotEventStream)
	})
}
