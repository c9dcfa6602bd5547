package theazo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// UsageService reports aggregated usage of the billing period.
type UsageService struct{ t *transport }

// BillingService reports costs: totals, per day, per user, per model.
type BillingService struct{ t *transport }

// UsagePeriod is the time range a usage or billing report covers.
type UsagePeriod struct {
	// From is the start of the range.
	From time.Time `json:"from"`
	// Until is the end of the range.
	Until time.Time `json:"until"`
}

// UsageSummary is the aggregated usage of a period: compute, model tokens,
// storage and their total cost.
type UsageSummary struct {
	// Period is the range the summary covers.
	Period UsagePeriod `json:"period"`
	// Compute is the sandbox compute used.
	Compute ComputeUsage `json:"compute"`
	// Models is the model tokens used.
	Models ModelUsage `json:"models"`
	// Storage is the storage used.
	Storage StorageUsage `json:"storage"`
	// Total is the cost of everything above.
	Total Money `json:"total"`
}

// ComputeUsage is the compute part of a UsageSummary.
type ComputeUsage struct {
	// Minutes of sandbox compute.
	Minutes int64 `json:"minutes"`
	// Cost of that compute.
	Cost Money `json:"cost"`
}

// ModelUsage is the model part of a UsageSummary.
type ModelUsage struct {
	// InputTokens sent to models.
	InputTokens int64 `json:"inputTokens"`
	// OutputTokens received from models.
	OutputTokens int64 `json:"outputTokens"`
	// Cost of those tokens.
	Cost Money `json:"cost"`
}

// StorageUsage is the storage part of a UsageSummary.
type StorageUsage struct {
	// GB of storage, possibly fractional (0.4).
	GB float64 `json:"gb"`
	// Cost of that storage.
	Cost Money `json:"cost"`
}

// UsageSummaryParams choose the range of a usage summary. A zero From means
// the start of the current billing period, a zero Until means now. Times are
// sent as RFC 3339 to the second, in their own offset.
type UsageSummaryParams struct {
	// From is the start of the range.
	From time.Time `url:"from,omitempty"`
	// Until is the end of the range.
	Until time.Time `url:"until,omitempty"`
}

// Summary returns the aggregated usage of the current billing period, or of
// the range in params (GET /usage/summary). params may be nil.
func (s *UsageService) Summary(ctx context.Context, params *UsageSummaryParams, opts ...RequestOption) (*UsageSummary, error) {
	return call[UsageSummary](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/usage/summary", query: params})
}

// BillingUsage is the cost summary of a billing period.
type BillingUsage struct {
	// Period is the range the summary covers.
	Period UsagePeriod `json:"period"`
	// TotalCost is the cost of the period.
	TotalCost Money `json:"totalCost"`
	// ComputeMinutes is the sandbox compute used.
	ComputeMinutes int64 `json:"computeMinutes"`
	// ModelCalls counts the model calls made.
	ModelCalls int64 `json:"modelCalls"`
	// Sessions counts the sessions that incurred cost.
	Sessions int64 `json:"sessions"`
	// Agents counts the agents that incurred cost.
	Agents int64 `json:"agents"`
}

// DailyCost is the cost of one day.
type DailyCost struct {
	// Date is the day, at midnight UTC.
	Date Date `json:"date"`
	// Cost of the day.
	Cost Money `json:"cost"`
}

// UserCost is the cost of one of your users, across all their sessions.
type UserCost struct {
	// UserID is your application's identifier of the user.
	UserID string `json:"userId"`
	// Cost of the user's sessions.
	Cost Money `json:"cost"`
	// Sessions counts the user's sessions.
	Sessions int64 `json:"sessions"`
	// Agents counts the user's agents.
	Agents int64 `json:"agents"`
}

// ModelCost is the cost of one model.
type ModelCost struct {
	// Model is the model's ID, e.g. "claude-sonnet-4-20250514".
	Model string `json:"model"`
	// Calls counts the calls made to the model.
	Calls int64 `json:"calls"`
	// InputTokens sent to the model.
	InputTokens int64 `json:"inputTokens"`
	// OutputTokens received from the model.
	OutputTokens int64 `json:"outputTokens"`
	// Cost of those calls.
	Cost Money `json:"cost"`
}

// BillingUsageParams choose the range of Billing.Usage. A zero From means the
// start of the current billing period, a zero Until means now. Times are sent
// as RFC 3339 to the second, in their own offset.
type BillingUsageParams struct {
	// From is the start of the range.
	From time.Time `url:"from,omitempty"`
	// Until is the end of the range.
	Until time.Time `url:"until,omitempty"`
}

// BillingDailyParams choose the range of Billing.Daily. A zero From means 30
// days ago, a zero Until means now. Times are sent as RFC 3339 to the second,
// in their own offset.
type BillingDailyParams struct {
	// From is the start of the range.
	From time.Time `url:"from,omitempty"`
	// Until is the end of the range.
	Until time.Time `url:"until,omitempty"`
}

// BillingUsersParams choose the range and size of Billing.Users. Zero values
// are not sent and leave the server's defaults (at most 50 users). Times are
// sent as RFC 3339 to the second, in their own offset.
type BillingUsersParams struct {
	// From is the start of the range.
	From time.Time `url:"from,omitempty"`
	// Until is the end of the range.
	Until time.Time `url:"until,omitempty"`
	// Limit is the maximum number of users returned.
	Limit int `url:"limit,omitempty"`
}

// BillingModelsParams choose the range of Billing.Models. Zero values are not
// sent and leave the server's defaults. Times are sent as RFC 3339 to the
// second, in their own offset.
type BillingModelsParams struct {
	// From is the start of the range.
	From time.Time `url:"from,omitempty"`
	// Until is the end of the range.
	Until time.Time `url:"until,omitempty"`
}

// Usage returns the total cost, compute minutes, model calls, sessions and
// agents of the current billing period, or of the range in params
// (GET /billing/usage). params may be nil.
func (s *BillingService) Usage(ctx context.Context, params *BillingUsageParams, opts ...RequestOption) (*BillingUsage, error) {
	return call[BillingUsage](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/billing/usage", query: params})
}

// Daily returns one cost per day of the range in params
// (GET /billing/usage/daily). params may be nil.
func (s *BillingService) Daily(ctx context.Context, params *BillingDailyParams, opts ...RequestOption) ([]DailyCost, error) {
	list, err := call[dataList[DailyCost]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/billing/usage/daily", query: params})
	if err != nil {
		return nil, err
	}
	return list.Data, nil
}

// Users returns the cost per user of the range in params, across all their
// sessions (GET /billing/usage/users). params may be nil.
func (s *BillingService) Users(ctx context.Context, params *BillingUsersParams, opts ...RequestOption) ([]UserCost, error) {
	list, err := call[dataList[UserCost]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/billing/usage/users", query: params})
	if err != nil {
		return nil, err
	}
	return list.Data, nil
}

// Models returns the cost per model of the range in params
// (GET /billing/usage/models). params may be nil.
func (s *BillingService) Models(ctx context.Context, params *BillingModelsParams, opts ...RequestOption) ([]ModelCost, error) {
	list, err := call[dataList[ModelCost]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/billing/usage/models", query: params})
	if err != nil {
		return nil, err
	}
	return list.Data, nil
}

// Date is a calendar day, as the API's date-only fields carry it
// ("2025-05-01"). It holds a time.Time at midnight UTC, so the usual time
// methods apply; it marshals to and from "2006-01-02" in JSON and text.
type Date struct {
	time.Time
}

// NewDate returns the Date of year, month and day, normalized like time.Date.
func NewDate(year int, month time.Month, day int) Date {
	return Date{time.Date(year, month, day, 0, 0, 0, 0, time.UTC)}
}

// DateOf returns the calendar day of t in t's own location.
func DateOf(t time.Time) Date {
	return NewDate(t.Date())
}

// ParseDate parses a "2006-01-02" string.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("theazo: invalid date %q: want YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// String returns the date as "2006-01-02".
func (d Date) String() string { return d.Format(time.DateOnly) }

// AppendText appends the date as "2006-01-02".
func (d Date) AppendText(b []byte) ([]byte, error) { return d.AppendFormat(b, time.DateOnly), nil }

// MarshalText returns the date as "2006-01-02".
func (d Date) MarshalText() ([]byte, error) { return d.AppendText(nil) }

// UnmarshalText parses a "2006-01-02" date.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// MarshalJSON returns the date as a JSON string "2006-01-02".
func (d Date) MarshalJSON() ([]byte, error) {
	b := append(make([]byte, 0, len(time.DateOnly)+2), '"')
	b = d.AppendFormat(b, time.DateOnly)
	return append(b, '"'), nil
}

// UnmarshalJSON parses a JSON string "2006-01-02"; null leaves d unchanged.
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("theazo: invalid date %s: want a JSON string", excerpt(b))
	}
	return d.UnmarshalText([]byte(s))
}
