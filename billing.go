package theazo

import (
	"context"
	"iter"
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

// UsageSummaryParams choose the range of a usage summary; see RangeBound
// for what a Date and an Instant mean at either end.
type UsageSummaryParams struct {
	// From is the start of the range; nil means the start of the current
	// billing period.
	From RangeBound
	// Until is the end of the range; nil means now.
	Until RangeBound
}

// Summary returns the aggregated usage of the current billing period, or of
// the range in params (GET /usage/summary). params may be nil.
func (s *UsageService) Summary(ctx context.Context, params *UsageSummaryParams, opts ...RequestOption) (*UsageSummary, error) {
	p := valueOf(params)
	return call[UsageSummary](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/usage/summary", query: newRangeQuery(p.From, p.Until, 0, "")})
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

// BillingUsageParams choose the range of Billing.Usage; see RangeBound for
// what a Date and an Instant mean at either end.
type BillingUsageParams struct {
	// From is the start of the range; nil means the start of the current
	// billing period.
	From RangeBound
	// Until is the end of the range; nil means now.
	Until RangeBound
}

// BillingDailyParams choose the range of Billing.Daily; see RangeBound for
// what a Date and an Instant mean at either end.
type BillingDailyParams struct {
	// From is the start of the range; nil means 30 days ago.
	From RangeBound
	// Until is the end of the range; nil means now.
	Until RangeBound
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string
}

// BillingUsersParams choose the range and page size of Billing.Users; see
// RangeBound for what a Date and an Instant mean at either end.
type BillingUsersParams struct {
	// From is the start of the range; nil leaves the server's default.
	From RangeBound
	// Until is the end of the range; nil means now.
	Until RangeBound
	// Limit is the maximum number of users in a reply; zero leaves the
	// server's default (50). Users ranges over every user, page by page;
	// for the N most expensive only, call UsersPage with Limit N.
	Limit int
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string
}

// BillingModelsParams choose the range of Billing.Models; see RangeBound for
// what a Date and an Instant mean at either end.
type BillingModelsParams struct {
	// From is the start of the range; nil leaves the server's default.
	From RangeBound
	// Until is the end of the range; nil means now.
	Until RangeBound
	// Cursor is the NextCursor of the previous page; empty for the first page.
	Cursor string
}

// Usage returns the total cost, compute minutes, model calls, sessions and
// agents of the current billing period, or of the range in params
// (GET /billing/usage). params may be nil.
func (s *BillingService) Usage(ctx context.Context, params *BillingUsageParams, opts ...RequestOption) (*BillingUsage, error) {
	p := valueOf(params)
	return call[BillingUsage](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/billing/usage", query: newRangeQuery(p.From, p.Until, 0, "")})
}

// DailyPage returns one page of the daily costs of the range in params
// (GET /billing/usage/daily). params may be nil.
func (s *BillingService) DailyPage(ctx context.Context, params *BillingDailyParams, opts ...RequestOption) (*Page[DailyCost], error) {
	p := valueOf(params)
	return call[Page[DailyCost]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/billing/usage/daily", query: newRangeQuery(p.From, p.Until, 0, p.Cursor)})
}

// Daily ranges over the cost of every day of the range in params, one
// entry per day, fetching pages lazily from params.Cursor on.
func (s *BillingService) Daily(ctx context.Context, params *BillingDailyParams, opts ...RequestOption) iter.Seq2[*DailyCost, error] {
	return paginate(ctx, params, func(p *BillingDailyParams) *string { return &p.Cursor }, func(ctx context.Context, p *BillingDailyParams) (*Page[DailyCost], error) {
		return s.DailyPage(ctx, p, opts...)
	})
}

// UsersPage returns one page of the cost per user of the range in params,
// across all their sessions (GET /billing/usage/users). params may be nil.
func (s *BillingService) UsersPage(ctx context.Context, params *BillingUsersParams, opts ...RequestOption) (*Page[UserCost], error) {
	p := valueOf(params)
	return call[Page[UserCost]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/billing/usage/users", query: newRangeQuery(p.From, p.Until, p.Limit, p.Cursor)})
}

// Users ranges over the cost of every user of the range in params,
// fetching pages lazily from params.Cursor on.
func (s *BillingService) Users(ctx context.Context, params *BillingUsersParams, opts ...RequestOption) iter.Seq2[*UserCost, error] {
	return paginate(ctx, params, func(p *BillingUsersParams) *string { return &p.Cursor }, func(ctx context.Context, p *BillingUsersParams) (*Page[UserCost], error) {
		return s.UsersPage(ctx, p, opts...)
	})
}

// ModelsPage returns one page of the cost per model of the range in params
// (GET /billing/usage/models). params may be nil.
func (s *BillingService) ModelsPage(ctx context.Context, params *BillingModelsParams, opts ...RequestOption) (*Page[ModelCost], error) {
	p := valueOf(params)
	return call[Page[ModelCost]](ctx, s.t, request{opts: opts, method: http.MethodGet, path: "/billing/usage/models", query: newRangeQuery(p.From, p.Until, 0, p.Cursor)})
}

// Models ranges over the cost of every model of the range in params,
// fetching pages lazily from params.Cursor on.
func (s *BillingService) Models(ctx context.Context, params *BillingModelsParams, opts ...RequestOption) iter.Seq2[*ModelCost, error] {
	return paginate(ctx, params, func(p *BillingModelsParams) *string { return &p.Cursor }, func(ctx context.Context, p *BillingModelsParams) (*Page[ModelCost], error) {
		return s.ModelsPage(ctx, p, opts...)
	})
}
