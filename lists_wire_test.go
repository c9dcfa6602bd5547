package theazo

import (
	"context"
	"fmt"
	"iter"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gather ranges over a list to its end and returns its items, or the
// first error.
func gather[T any](seq iter.Seq2[*T, error]) ([]T, error) {
	out := []T{}
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, *v)
	}
	return out, nil
}

// TestListsThatWereUnpaged follows nextCursor on the lists the reference
// shows only as {data} (providers, secrets, the billing reports): a page
// with a cursor is followed, a page without one (the reference's shape)
// ends the list after one request, and the first request carries the
// params' own cursor and query.
func TestListsThatWereUnpaged(t *testing.T) {
	t.Parallel()
	created := `"createdAt":"2025-05-01T09:30:00Z"`
	cases := []struct {
		name      string
		path      string
		item1     string
		item2     string
		query     string // the query of the first request, from the params
		list      func(ctx context.Context, c *Client) ([]string, error)
		firstPage func(ctx context.Context, c *Client) (int, error) // ListPage of the first page
	}{{
		name: "providers", path: "/v1/providers",
		item1: `{"provider":"e2b","isDefault":true,"status":"active",` + created + `}`,
		item2: `{"provider":"fly","isDefault":false,"status":"active",` + created + `}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			return names(c.Providers.List(ctx, nil), func(p *Provider) string { return string(p.Provider) })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			p, err := c.Providers.ListPage(ctx, nil)
			return pageLen(p, err)
		},
	}, {
		name: "secrets", path: "/v1/secrets", query: "sessionId=ses_1",
		item1: `{"name":"A","scope":"ses_1",` + created + `}`,
		item2: `{"name":"B","scope":"ses_1",` + created + `}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			return names(c.Secrets.List(ctx, &SecretListParams{SessionID: "ses_1"}), func(s *SecretMetadata) string { return s.Name })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			p, err := c.Secrets.ListPage(ctx, &SecretListParams{SessionID: "ses_1"})
			return pageLen(p, err)
		},
	}, {
		name: "billing daily", path: "/v1/billing/usage/daily", query: "from=2025-05-01&until=2025-05-07",
		item1: `{"date":"2025-05-01","cost":{"amount":1,"currency":"usd"}}`,
		item2: `{"date":"2025-05-02","cost":{"amount":2,"currency":"usd"}}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			return names(c.Billing.Daily(ctx, &BillingDailyParams{From: NewDate(2025, time.May, 1), Until: NewDate(2025, time.May, 7)}),
				func(d *DailyCost) string { return d.Date.String() })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			p, err := c.Billing.DailyPage(ctx, &BillingDailyParams{From: NewDate(2025, time.May, 1), Until: NewDate(2025, time.May, 7)})
			return pageLen(p, err)
		},
	}, {
		name: "billing users", path: "/v1/billing/usage/users", query: "limit=1",
		item1: `{"userId":"u1","cost":{"amount":2,"currency":"usd"},"sessions":1,"agents":1}`,
		item2: `{"userId":"u2","cost":{"amount":1,"currency":"usd"},"sessions":1,"agents":1}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			return names(c.Billing.Users(ctx, &BillingUsersParams{Limit: 1}), func(u *UserCost) string { return u.UserID })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			p, err := c.Billing.UsersPage(ctx, &BillingUsersParams{Limit: 1})
			return pageLen(p, err)
		},
	}, {
		name: "billing models", path: "/v1/billing/usage/models", query: "until=2025-05-07T10%3A00%3A00.5Z",
		item1: `{"model":"m1","calls":1,"inputTokens":1,"outputTokens":1,"cost":{"amount":2,"currency":"usd"}}`,
		item2: `{"model":"m2","calls":1,"inputTokens":1,"outputTokens":1,"cost":{"amount":1,"currency":"usd"}}`,
		list: func(ctx context.Context, c *Client) ([]string, error) {
			until := Instant(time.Date(2025, time.May, 7, 10, 0, 0, 5e8, time.UTC))
			return names(c.Billing.Models(ctx, &BillingModelsParams{Until: until}), func(m *ModelCost) string { return m.Model })
		},
		firstPage: func(ctx context.Context, c *Client) (int, error) {
			until := Instant(time.Date(2025, time.May, 7, 10, 0, 0, 5e8, time.UTC))
			p, err := c.Billing.ModelsPage(ctx, &BillingModelsParams{Until: until})
			return pageLen(p, err)
		},
	}}
	withCursor := func(query string) string {
		if query == "" {
			return "cursor=cur_2"
		}
		return "cursor=cur_2&" + query
	}
	for _, tc := range cases {
		t.Run(tc.name+": follows nextCursor", func(t *testing.T) {
			srv := newRecorder(t,
				reply{Body: `{"data":[` + tc.item1 + `],"nextCursor":"cur_2","hasMore":true}`},
				reply{Body: `{"data":[` + tc.item2 + `]}`})
			got, err := tc.list(t.Context(), srv.client())
			require.NoError(t, err)
			assert.Len(t, got, 2)
			assertListed(t, srv, tc.path, tc.query, withCursor(tc.query))
		})
		t.Run(tc.name+": one page without nextCursor", func(t *testing.T) {
			srv := newRecorder(t, reply{Body: `{"data":[` + tc.item1 + `,` + tc.item2 + `]}`})
			got, err := tc.list(t.Context(), srv.client())
			require.NoError(t, err)
			assert.Len(t, got, 2)
			assertListed(t, srv, tc.path, tc.query)
		})
		t.Run(tc.name+": ListPage is one request", func(t *testing.T) {
			srv := newRecorder(t, reply{Body: `{"data":[` + tc.item1 + `],"nextCursor":"cur_2","hasMore":true}`})
			n, err := tc.firstPage(t.Context(), srv.client())
			require.NoError(t, err)
			assert.Equal(t, 1, n)
			assertListed(t, srv, tc.path, tc.query)
		})
	}
}

// names ranges over a list and returns one name per item.
func names[T any](seq iter.Seq2[*T, error], name func(*T) string) ([]string, error) {
	var out []string
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, name(v))
	}
	return out, nil
}

func pageLen[T any](p *Page[T], err error) (int, error) {
	if err != nil {
		return 0, err
	}
	return len(p.Data), nil
}

func TestInstantString(t *testing.T) {
	t.Parallel()
	at := time.Date(2025, time.May, 6, 16, 0, 0, 250_000_000, time.FixedZone("CEST", 2*60*60))
	assert.Equal(t, "2025-05-06T14:00:00.25Z", Instant(at).String())
	assert.Equal(t, "2025-05-06T14:00:00.25Z", fmt.Sprint(Instant(at)))
	assert.Equal(t, "2025-05-06T14:00:00Z", Instant(at.Truncate(time.Second)).String())
}
