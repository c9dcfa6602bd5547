package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/theazo/theazo-go"
)

func sessionsCmd() *command {
	return group("sessions", "Per-user sessions: isolation, cost limits and billing scope.",
		leaf("list", "", "List sessions, oldest first.", sessionsList),
		leaf("create", "USER", "Create a session for a user.", sessionsCreate),
		leaf("get-or-create", "USER", "Return the user's session, creating it if needed.", sessionsGetOrCreate),
	)
}

func sessionsList(x *inv) error {
	l := x.listFlags()
	if err := x.parse(0, 0); err != nil {
		return err
	}
	seq := x.client().Sessions.List(x.ctx, &theazo.SessionListParams{Limit: l.pageSize()})
	return list(x, l, seq, x.table("ID", "USER", "STATUS", "COST", "CREATED"), func(s *theazo.Session) []string {
		return []string{s.ID, s.UserID, orDash(string(s.Status)), money(s.Cost), x.ago(s.CreatedAt)}
	})
}

// limitFlags are the limits of a new session.
type limitFlags struct {
	maxCost    string
	maxAgents  int
	maxMinutes int
}

func (x *inv) limitFlags() *limitFlags {
	l := &limitFlags{}
	x.fs.StringVar(&l.maxCost, "max-cost", "", "cost limit as `AMOUNT/PERIOD`, e.g. 5usd/day (period: session, day, month)")
	x.fs.IntVar(&l.maxAgents, "max-agents", 0, "most agents at once")
	x.fs.IntVar(&l.maxMinutes, "max-compute-minutes", 0, "compute minutes before the session pauses")
	return l
}

// limits returns the session limits of the flags, nil when none is set.
func (l *limitFlags) limits(x *inv) (*theazo.SessionLimits, error) {
	if l.maxCost == "" && l.maxAgents == 0 && l.maxMinutes == 0 {
		return nil, nil
	}
	lim := &theazo.SessionLimits{MaxAgents: l.maxAgents, MaxComputeMinutes: l.maxMinutes}
	if l.maxCost != "" {
		c, err := parseCostLimit(l.maxCost)
		if err != nil {
			return nil, x.usageErr("invalid --max-cost: %v", err)
		}
		lim.MaxCost = c
	}
	return lim, nil
}

// parseCostLimit parses "5usd/day" or "12.50eur/month".
func parseCostLimit(s string) (*theazo.CostLimit, error) {
	amount, period, ok := strings.Cut(strings.ToLower(strings.TrimSpace(s)), "/")
	if !ok {
		return nil, fmt.Errorf("want AMOUNT/PERIOD, e.g. 5usd/day")
	}
	i := strings.IndexFunc(amount, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return nil, fmt.Errorf("want an amount then a currency, e.g. 5usd")
	}
	num, currency := amount[:i], strings.TrimSpace(amount[i:])
	units, frac, _ := strings.Cut(num, ".")
	if len(frac) > 2 {
		return nil, fmt.Errorf("at most two decimals")
	}
	whole, err := strconv.ParseInt(units, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("the amount must be a number, e.g. 5 or 12.50")
	}
	cents := int64(0)
	if frac != "" {
		c, err := strconv.ParseInt((frac + "0")[:2], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("the amount must be a number, e.g. 5 or 12.50")
		}
		cents = c
	}
	switch theazo.Period(period) {
	case theazo.PeriodSession, theazo.PeriodDay, theazo.PeriodMonth:
	default:
		return nil, fmt.Errorf("period must be session, day or month")
	}
	return &theazo.CostLimit{Amount: whole*100 + cents, Currency: currency, Period: theazo.Period(period)}, nil
}

func sessionsCreate(x *inv) error {
	return sessionFor(x, func(c *theazo.Client, user string, lim *theazo.SessionLimits) (*theazo.Session, error) {
		return c.Sessions.Create(x.ctx, &theazo.SessionCreateParams{UserID: user, Limits: lim})
	})
}

func sessionsGetOrCreate(x *inv) error {
	return sessionFor(x, func(c *theazo.Client, user string, lim *theazo.SessionLimits) (*theazo.Session, error) {
		return c.Sessions.GetOrCreate(x.ctx, user, &theazo.SessionGetOrCreateParams{Limits: lim})
	})
}

// sessionFor reads a user and limits from the command line, makes the
// session with them and shows it.
func sessionFor(x *inv, make func(*theazo.Client, string, *theazo.SessionLimits) (*theazo.Session, error)) error {
	lf := x.limitFlags()
	if err := x.parse(1, 1); err != nil {
		return err
	}
	lim, err := lf.limits(x)
	if err != nil {
		return err
	}
	s, err := make(x.client(), x.args[0], lim)
	if err != nil {
		return err
	}
	return x.showSession(s)
}

func (x *inv) showSession(s *theazo.Session) error {
	return x.show(s, func() error {
		var limits []string
		if l := s.Limits; l != nil {
			if l.MaxCost != nil {
				limits = append(limits, fmt.Sprintf("%s per %s", theazo.Money{Amount: l.MaxCost.Amount, Currency: l.MaxCost.Currency}, l.MaxCost.Period))
			}
			if l.MaxAgents > 0 {
				limits = append(limits, fmt.Sprintf("%d agents", l.MaxAgents))
			}
			if l.MaxComputeMinutes > 0 {
				limits = append(limits, fmt.Sprintf("%d compute minutes", l.MaxComputeMinutes))
			}
		}
		return x.fields("ID", s.ID, "User", s.UserID, "Status", string(s.Status),
			"Limits", strings.Join(limits, ", "), "Cost", money(s.Cost), "Created", x.stamp(s.CreatedAt))
	})
}
