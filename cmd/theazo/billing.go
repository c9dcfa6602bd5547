package main

import (
	"fmt"
	"strconv"

	"github.com/theazo/theazo-go"
)

func billingCmd() *command {
	return group("billing", "Cost breakdowns: totals, per day, per user, per model.",
		leaf("usage", "", "Show the total cost and usage of a period; with --breakdown, its cost by item.", billingUsage),
		leaf("daily", "", "Show the cost of each day.", billingDaily),
		leaf("users", "", "Show the cost of each user.", billingUsers),
		leaf("models", "", "Show the cost of each model.", billingModels),
	)
}

// The params of each Billing method are built from the flags here, in one
// place each.

func billingUsageParams(x *inv, r *rangeFlags) (*theazo.BillingUsageParams, error) {
	from, until, err := r.times(x)
	return &theazo.BillingUsageParams{From: from, Until: until}, err
}

func billingDailyParams(x *inv, r *rangeFlags) (*theazo.BillingDailyParams, error) {
	from, until, err := r.times(x)
	return &theazo.BillingDailyParams{From: from, Until: until}, err
}

func billingUsersParams(x *inv, r *rangeFlags, limit int) (*theazo.BillingUsersParams, error) {
	from, until, err := r.times(x)
	return &theazo.BillingUsersParams{From: from, Until: until, Limit: limit}, err
}

func billingModelsParams(x *inv, r *rangeFlags) (*theazo.BillingModelsParams, error) {
	from, until, err := r.times(x)
	return &theazo.BillingModelsParams{From: from, Until: until}, err
}

func billingUsage(x *inv) error {
	r := x.rangeFlags()
	breakdown := x.fs.Bool("breakdown", false, "show the cost by item: compute, models, storage")
	if err := x.parse(0, 0); err != nil {
		return err
	}
	if *breakdown {
		return usageBreakdown(x, r)
	}
	p, err := billingUsageParams(x, r)
	if err != nil {
		return err
	}
	u, err := x.client().Billing.Usage(x.ctx, p)
	if err != nil {
		return err
	}
	return x.show(u, func() error {
		return x.fields("Period", day(u.Period.From)+" to "+day(u.Period.Until), "Total cost", money(u.TotalCost),
			"Compute minutes", strconv.FormatInt(u.ComputeMinutes, 10), "Model calls", strconv.FormatInt(u.ModelCalls, 10),
			"Sessions", strconv.FormatInt(u.Sessions, 10), "Agents", strconv.FormatInt(u.Agents, 10))
	})
}

func billingDaily(x *inv) error {
	r := x.rangeFlags()
	l := x.wholeListFlags()
	if err := x.parse(0, 0); err != nil {
		return err
	}
	p, err := billingDailyParams(x, r)
	if err != nil {
		return err
	}
	return list(x, l, x.client().Billing.Daily(x.ctx, p), x.table("DATE", "COST"), func(d *theazo.DailyCost) []string {
		return []string{d.Date.String(), money(d.Cost)}
	})
}

func billingUsers(x *inv) error {
	r := x.rangeFlags()
	l := x.wholeListFlags()
	if err := x.parse(0, 0); err != nil {
		return err
	}
	size := 0 // the API's default
	if l.limit > 0 {
		size = l.pageSize()
	}
	p, err := billingUsersParams(x, r, size)
	if err != nil {
		return err
	}
	return list(x, l, x.client().Billing.Users(x.ctx, p), x.table("USER", "SESSIONS", "AGENTS", "COST"), func(u *theazo.UserCost) []string {
		return []string{u.UserID, strconv.FormatInt(u.Sessions, 10), strconv.FormatInt(u.Agents, 10), money(u.Cost)}
	})
}

func billingModels(x *inv) error {
	r := x.rangeFlags()
	l := x.wholeListFlags()
	if err := x.parse(0, 0); err != nil {
		return err
	}
	p, err := billingModelsParams(x, r)
	if err != nil {
		return err
	}
	return list(x, l, x.client().Billing.Models(x.ctx, p), x.table("MODEL", "CALLS", "INPUT TOKENS", "OUTPUT TOKENS", "COST"), func(m *theazo.ModelCost) []string {
		return []string{m.Model, fmt.Sprint(m.Calls), fmt.Sprint(m.InputTokens), fmt.Sprint(m.OutputTokens), money(m.Cost)}
	})
}
