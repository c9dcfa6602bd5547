package theazo

// UsageService reports aggregated usage of the billing period.
type UsageService struct{ t *transport }

// BillingService reports costs: totals, per day, per user, per model.
type BillingService struct{ t *transport }
