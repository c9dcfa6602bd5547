package theazo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	may1  = time.Date(2025, time.May, 1, 0, 0, 0, 0, time.UTC)
	may6  = time.Date(2025, time.May, 6, 14, 0, 0, 0, time.UTC)
	may7  = time.Date(2025, time.May, 7, 0, 0, 0, 0, time.UTC)
	plus2 = time.FixedZone("CEST", 2*60*60)
)

// usd returns an amount of US cents.
func usd(cents int64) Money { return Money{Amount: cents, Currency: "usd"} }

func TestUsageSummary(t *testing.T) {
	t.Parallel()
	want := &UsageSummary{
		Period:  UsagePeriod{From: may1, Until: may6},
		Compute: ComputeUsage{Minutes: 142, Cost: usd(710)},
		Models:  ModelUsage{InputTokens: 1240000, OutputTokens: 380000, Cost: usd(830)},
		Storage: StorageUsage{GB: 0.4, Cost: usd(4)},
		Total:   usd(1544),
	}
	var cases []endpointCase
	for _, tc := range []struct {
		name   string
		params *UsageSummaryParams
		query  string
	}{
		{"nil params: no query", nil, ""},
		{"zero params: no query", &UsageSummaryParams{}, ""},
		{"zero bounds: no query", &UsageSummaryParams{From: Date{}, Until: Instant{}}, ""},
		{"nil pointer bounds: no query", &UsageSummaryParams{From: (*Date)(nil), Until: (*Instant)(nil)}, ""},
		{"from a date, as the reference's example", &UsageSummaryParams{From: NewDate(2025, time.May, 1)}, "from=2025-05-01"},
		{"from an instant", &UsageSummaryParams{From: Instant(may1)}, "from=2025-05-01T00%3A00%3A00Z"},
		{
			"instants in UTC, sub-seconds kept so until is never earlier",
			&UsageSummaryParams{From: Instant(time.Date(2025, time.May, 1, 2, 0, 0, 0, plus2)), Until: Instant(may6.Add(999*time.Millisecond + 1))},
			"from=2025-05-01T00%3A00%3A00Z&until=2025-05-06T14%3A00%3A00.999000001Z",
		},
		{"a date and an instant", &UsageSummaryParams{From: NewDate(2025, time.May, 1), Until: Instant(may6)}, "from=2025-05-01&until=2025-05-06T14%3A00%3A00Z"},
		{"pointers", &UsageSummaryParams{From: Ptr(NewDate(2025, time.May, 1)), Until: Ptr(Instant(may6))}, "from=2025-05-01&until=2025-05-06T14%3A00%3A00Z"},
	} {
		cases = append(cases, endpointCase{
			name:       tc.name,
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Usage.Summary(ctx, tc.params) },
			reply:      reply{Body: golden(t, "usage/summary.json")},
			wantMethod: "GET", wantPath: "/v1/usage/summary", wantQuery: tc.query,
			check: func(t *testing.T, got any) { assert.Equal(t, want, got) },
		})
	}
	runEndpointCases(t, cases)
}

func TestBillingUsage(t *testing.T) {
	t.Parallel()
	want := &BillingUsage{
		Period:         UsagePeriod{From: may1, Until: may6},
		TotalCost:      usd(4200),
		ComputeMinutes: 310,
		ModelCalls:     1842,
		Sessions:       47,
		Agents:         126,
	}
	var cases []endpointCase
	for _, tc := range []struct {
		name   string
		params *BillingUsageParams
		query  string
	}{
		{"nil params", nil, ""},
		{"from a date", &BillingUsageParams{From: NewDate(2025, time.May, 1)}, "from=2025-05-01"},
		{"until only", &BillingUsageParams{Until: Instant(may6)}, "until=2025-05-06T14%3A00%3A00Z"},
		{"until a date", &BillingUsageParams{Until: NewDate(2025, time.May, 7)}, "until=2025-05-07"},
	} {
		cases = append(cases, endpointCase{
			name:       tc.name,
			call:       func(ctx context.Context, c *Client) (any, error) { return c.Billing.Usage(ctx, tc.params) },
			reply:      reply{Body: golden(t, "billing/usage.json")},
			wantMethod: "GET", wantPath: "/v1/billing/usage", wantQuery: tc.query,
			check: func(t *testing.T, got any) { assert.Equal(t, want, got) },
		})
	}
	runEndpointCases(t, cases)
}

func TestBillingLists(t *testing.T) {
	t.Parallel()
	runEndpointCases(t, []endpointCase{{
		name: "daily",
		call: func(ctx context.Context, c *Client) (any, error) {
			return gather(c.Billing.Daily(ctx, &BillingDailyParams{From: NewDate(2025, time.May, 1), Until: NewDate(2025, time.May, 7)}))
		},
		reply:      reply{Body: golden(t, "billing/daily.json")},
		wantMethod: "GET", wantPath: "/v1/billing/usage/daily",
		wantQuery: "from=2025-05-01&until=2025-05-07",
		check: func(t *testing.T, got any) {
			assert.Equal(t, []DailyCost{
				{Date: NewDate(2025, time.May, 1), Cost: usd(580)},
				{Date: NewDate(2025, time.May, 2), Cost: usd(720)},
			}, got.([]DailyCost))
		},
	}, {
		name:       "daily nil params",
		call:       func(ctx context.Context, c *Client) (any, error) { return gather(c.Billing.Daily(ctx, nil)) },
		reply:      reply{Body: golden(t, "billing/daily.json")},
		wantMethod: "GET", wantPath: "/v1/billing/usage/daily",
		check: func(t *testing.T, got any) { assert.Len(t, got.([]DailyCost), 2) },
	}, {
		name: "users with limit",
		call: func(ctx context.Context, c *Client) (any, error) {
			return gather(c.Billing.Users(ctx, &BillingUsersParams{From: NewDate(2025, time.May, 1), Limit: 10}))
		},
		reply:      reply{Body: golden(t, "billing/users.json")},
		wantMethod: "GET", wantPath: "/v1/billing/usage/users",
		wantQuery: "from=2025-05-01&limit=10",
		check: func(t *testing.T, got any) {
			assert.Equal(t, []UserCost{
				{UserID: "user_123", Cost: usd(1200), Sessions: 5, Agents: 12},
				{UserID: "user_456", Cost: usd(890), Sessions: 3, Agents: 8},
			}, got.([]UserCost))
		},
	}, {
		name: "users zero limit is not sent",
		call: func(ctx context.Context, c *Client) (any, error) {
			return gather(c.Billing.Users(ctx, &BillingUsersParams{Until: Instant(may7)}))
		},
		reply:      reply{Body: golden(t, "billing/users.json")},
		wantMethod: "GET", wantPath: "/v1/billing/usage/users", wantQuery: "until=2025-05-07T00%3A00%3A00Z",
		check: func(t *testing.T, got any) { assert.Len(t, got.([]UserCost), 2) },
	}, {
		name: "models",
		call: func(ctx context.Context, c *Client) (any, error) {
			return gather(c.Billing.Models(ctx, &BillingModelsParams{From: NewDate(2025, time.May, 1)}))
		},
		reply:      reply{Body: golden(t, "billing/models.json")},
		wantMethod: "GET", wantPath: "/v1/billing/usage/models", wantQuery: "from=2025-05-01",
		check: func(t *testing.T, got any) {
			assert.Equal(t, []ModelCost{
				{Model: "claude-sonnet-4-20250514", Calls: 1200, InputTokens: 980000, OutputTokens: 310000, Cost: usd(2100)},
				{Model: "gpt-4o", Calls: 642, InputTokens: 520000, OutputTokens: 180000, Cost: usd(1400)},
			}, got.([]ModelCost))
		},
	}, {
		name:       "models empty list",
		call:       func(ctx context.Context, c *Client) (any, error) { return gather(c.Billing.Models(ctx, nil)) },
		reply:      reply{Body: `{"data":[]}`},
		wantMethod: "GET", wantPath: "/v1/billing/usage/models",
		check: func(t *testing.T, got any) {
			assert.NotNil(t, got.([]ModelCost))
			assert.Empty(t, got.([]ModelCost))
		},
	}})
}

func TestBillingListErrors(t *testing.T) {
	t.Parallel()
	calls := map[string]func(context.Context, *Client) (any, error){
		"daily":  func(ctx context.Context, c *Client) (any, error) { return c.Billing.DailyPage(ctx, nil) },
		"users":  func(ctx context.Context, c *Client) (any, error) { return c.Billing.UsersPage(ctx, nil) },
		"models": func(ctx context.Context, c *Client) (any, error) { return c.Billing.ModelsPage(ctx, nil) },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			srv := newRecorder(t, reply{Status: http.StatusForbidden, Body: `{"error":{"code":"forbidden","message":"no billing access","requestId":"req_1"}}`})
			got, err := call(t.Context(), srv.client())
			require.ErrorIs(t, err, ErrForbidden)
			var apiErr *Error
			require.True(t, errors.As(err, &apiErr))
			assert.Equal(t, "req_1", apiErr.RequestID)
			assert.Nil(t, got)
			assert.Len(t, srv.requests(), 1)
		})
	}
}

func TestBillingDailyBadDate(t *testing.T) {
	t.Parallel()
	srv := newRecorder(t, reply{Status: http.StatusOK, Body: `{"data":[{"date":"05/01/2025","cost":{"amount":1,"currency":"usd"}}]}`})
	got, err := srv.client().Billing.DailyPage(t.Context(), nil)
	require.ErrorIs(t, err, ErrInvalidResponse)
	assert.Contains(t, err.Error(), "want YYYY-MM-DD")
	assert.Nil(t, got)
}

func TestDateJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    Date
		wantErr bool
	}{
		{name: "date", in: `"2025-05-01"`, want: NewDate(2025, time.May, 1)},
		{name: "leap day", in: `"2024-02-29"`, want: NewDate(2024, time.February, 29)},
		{name: "escaped", in: `"2025\u002d05-01"`, want: NewDate(2025, time.May, 1)},
		{name: "null keeps zero", in: `null`, want: Date{}},
		{name: "timestamp", in: `"2025-05-01T00:00:00Z"`, wantErr: true},
		{name: "no such day", in: `"2025-02-30"`, wantErr: true},
		{name: "empty", in: `""`, wantErr: true},
		{name: "number", in: `20250501`, wantErr: true},
		{name: "other order", in: `"01-05-2025"`, wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d Date
			err := json.Unmarshal([]byte(tc.in), &d)
			if tc.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, d)
			assert.True(t, d.Equal(tc.want.Time))
		})
	}
}

func TestDateIsUTCMidnight(t *testing.T) {
	t.Parallel()
	var d Date
	require.NoError(t, json.Unmarshal([]byte(`"2025-05-01"`), &d))
	assert.Equal(t, time.UTC, d.Location())
	h, m, s := d.Clock()
	assert.Equal(t, [3]int{0, 0, 0}, [3]int{h, m, s})
	assert.Zero(t, d.Nanosecond())
	assert.Equal(t, may1, d.Time)
}

func TestDateMarshal(t *testing.T) {
	t.Parallel()
	d := NewDate(2025, time.May, 1)
	b, err := json.Marshal(d)
	require.NoError(t, err)
	assert.Equal(t, `"2025-05-01"`, string(b))

	b, err = json.Marshal(DailyCost{Date: d, Cost: usd(580)})
	require.NoError(t, err)
	assert.JSONEq(t, `{"date":"2025-05-01","cost":{"amount":580,"currency":"usd"}}`, string(b))

	// As a map key, through encoding.TextMarshaler.
	b, err = json.Marshal(map[Date]int{d: 1})
	require.NoError(t, err)
	assert.Equal(t, `{"2025-05-01":1}`, string(b))
	var m map[Date]int
	require.NoError(t, json.Unmarshal(b, &m))
	assert.Equal(t, map[Date]int{d: 1}, m)

	txt, err := d.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "2025-05-01", string(txt))
	assert.Equal(t, "2025-05-01", d.String())
}

func TestDateRoundTrip(t *testing.T) {
	t.Parallel()
	in := []DailyCost{{Date: NewDate(1999, time.December, 31), Cost: usd(1)}, {Date: NewDate(2025, time.January, 1), Cost: usd(2)}}
	b, err := json.Marshal(in)
	require.NoError(t, err)
	var out []DailyCost
	require.NoError(t, json.Unmarshal(b, &out))
	assert.Equal(t, in, out)
}

func TestNewDateAndDateOf(t *testing.T) {
	t.Parallel()
	assert.Equal(t, "2025-03-01", NewDate(2025, time.February, 29).String(), "normalized like time.Date")
	late := time.Date(2025, time.May, 1, 23, 30, 0, 0, time.FixedZone("PDT", -7*60*60))
	assert.Equal(t, NewDate(2025, time.May, 1), DateOf(late), "the day in t's own location")
	assert.Equal(t, NewDate(2025, time.May, 2), DateOf(late.UTC()))

	d, err := ParseDate("2025-05-02")
	require.NoError(t, err)
	assert.Equal(t, NewDate(2025, time.May, 2), d)
	_, err = ParseDate("2025-5-2")
	assert.ErrorContains(t, err, `"2025-5-2"`)
}
