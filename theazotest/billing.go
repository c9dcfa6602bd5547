package theazotest

import (
	"cmp"
	"net/http"
	"slices"
	"time"
)

// usageRecord is one cost the server recorded: an agent run, an exec, a
// workflow step or a fleet task. Every billing figure is a sum of these.
type usageRecord struct {
	at             time.Time
	sessionID      string // empty for workflow runs, which belong to no session
	agentID        string
	model          string // empty when no model was called
	calls          int64
	inputTokens    int64
	outputTokens   int64
	computeMinutes int64
	computeCost    int64
	modelCost      int64
}

func (u usageRecord) cost() int64 { return u.computeCost + u.modelCost }

// recordUsage stores u and charges it to its session, which is paused when
// it reaches its compute limit. The caller holds s.mu.
func (s *Server) recordUsage(u usageRecord) {
	s.st.usage = append(s.st.usage, u)
	sess := s.st.sessions.get(u.sessionID)
	if sess == nil {
		return
	}
	sess.Cost = usd(sess.Cost.Amount + u.cost())
	sess.computeMinutes += u.computeMinutes
	if sess.Limits != nil && sess.Limits.MaxComputeMinutes > 0 && sess.computeMinutes >= sess.Limits.MaxComputeMinutes {
		sess.Status = "paused"
	}
}

// period is a [from, until) window of a billing query.
type period struct{ from, until time.Time }

func (p period) has(t time.Time) bool { return !t.Before(p.from) && t.Before(p.until) }

func (p period) wire() map[string]timestamp {
	return map[string]timestamp{"from": timestamp(p.from), "until": timestamp(p.until)}
}

// readPeriod reads from and until (RFC 3339, or a date). defaultFrom is
// used without from; until defaults to now. A date-only until covers that day.
func (s *Server) readPeriod(c *call, defaultFrom func(now time.Time) time.Time) (period, *apiError) {
	now := s.now()
	q := c.r.URL.Query()
	p := period{from: defaultFrom(now), until: now.Add(time.Second)}
	ck := &checker{}
	for _, f := range []struct {
		name string
		dst  *time.Time
		end  bool
	}{{"from", &p.from, false}, {"until", &p.until, true}} {
		v := q.Get(f.name)
		if v == "" {
			continue
		}
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			*f.dst = t.UTC()
		} else if d, err := time.Parse(time.DateOnly, v); err == nil {
			if f.end {
				d = d.AddDate(0, 0, 1)
			}
			*f.dst = d
		} else {
			ck.add(f.name, "must be an ISO 8601 date or timestamp")
		}
	}
	if len(ck.errs) == 0 && p.until.Before(p.from) {
		ck.add("until", "must not be before from")
	}
	if len(ck.errs) > 0 {
		return period{}, invalidQuery(ck.errs...)
	}
	return p, nil
}

// report is the handler of a billing report over the call's period (see
// readPeriod), or of the period's 422.
func (s *Server) report(defaultFrom func(now time.Time) time.Time, fn func(*call, period) reply) func(*call) reply {
	return func(c *call) reply {
		p, e := s.readPeriod(c, defaultFrom)
		if e != nil {
			return failed(e)
		}
		return fn(c, p)
	}
}

func monthStart(now time.Time) time.Time {
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func thirtyDaysAgo(now time.Time) time.Time {
	d := now.AddDate(0, 0, -30)
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, time.UTC)
}

// totals are the sums of the usage records in a period.
type totals struct {
	computeMinutes, computeCost int64
	calls, inTokens, outTokens  int64
	modelCost                   int64
	sessions, agents            map[string]bool // those that incurred cost in the period
}

// sum adds up the period's records; keep filters them (nil: all). The
// caller holds s.mu.
func (s *Server) sum(p period, keep func(u usageRecord) bool) totals {
	t := totals{sessions: map[string]bool{}, agents: map[string]bool{}}
	for _, u := range s.st.usage {
		if !p.has(u.at) || (keep != nil && !keep(u)) {
			continue
		}
		t.computeMinutes += u.computeMinutes
		t.computeCost += u.computeCost
		t.calls += u.calls
		t.inTokens += u.inputTokens
		t.outTokens += u.outputTokens
		t.modelCost += u.modelCost
		if u.sessionID != "" {
			t.sessions[u.sessionID] = true
		}
		if u.agentID != "" {
			t.agents[u.agentID] = true
		}
	}
	return t
}

func (s *Server) usageSummary(c *call, p period) reply {
	t := s.sum(p, nil)
	snapshots := 0
	for a := range s.st.agents.all() {
		if a.Status == "paused" {
			snapshots++
		}
	}
	return answer(http.StatusOK, map[string]any{
		"period":  p.wire(),
		"compute": map[string]any{"minutes": t.computeMinutes, "cost": usd(t.computeCost)},
		"models":  map[string]any{"inputTokens": t.inTokens, "outputTokens": t.outTokens, "cost": usd(t.modelCost)},
		// Paused agents keep a snapshot; storage is free in the fake.
		"storage": map[string]any{"gb": float64(snapshots) * 0.25, "cost": usd(0)},
		"total":   usd(t.computeCost + t.modelCost),
	})
}

func (s *Server) billingUsage(c *call, p period) reply {
	t := s.sum(p, nil)
	return answer(http.StatusOK, map[string]any{
		"period": p.wire(), "totalCost": usd(t.computeCost + t.modelCost),
		"computeMinutes": t.computeMinutes, "modelCalls": t.calls,
		"sessions": len(t.sessions), "agents": len(t.agents),
	})
}

type dailyCost struct {
	Date string `json:"date"`
	Cost money  `json:"cost"`
}

func (s *Server) billingDaily(c *call, p period) reply {
	byDay := map[string]int64{}
	for _, u := range s.st.usage {
		if p.has(u.at) {
			byDay[u.at.Format(time.DateOnly)] += u.cost()
		}
	}
	rows := []dailyCost{}
	day := time.Date(p.from.Year(), p.from.Month(), p.from.Day(), 0, 0, 0, 0, time.UTC)
	for ; day.Before(p.until) && len(rows) < 3660; day = day.AddDate(0, 0, 1) {
		d := day.Format(time.DateOnly)
		rows = append(rows, dailyCost{Date: d, Cost: usd(byDay[d])})
	}
	// Pages of a month by default, so that long ranges page.
	return rowsReply(c, "billing-daily", rows, 31, maxLimit)
}

type userCost struct {
	UserID   string `json:"userId"`
	Cost     money  `json:"cost"`
	Sessions int    `json:"sessions"`
	Agents   int    `json:"agents"`
}

func (s *Server) billingUsers(c *call, p period) reply {
	users := map[string]bool{}
	for sess := range s.st.sessions.all() {
		users[sess.UserID] = true
	}
	rows := []userCost{}
	for user := range users {
		t := s.sum(p, func(u usageRecord) bool {
			sess := s.st.sessions.get(u.sessionID)
			return sess != nil && sess.UserID == user
		})
		if len(t.sessions) == 0 {
			continue // no cost in the period
		}
		rows = append(rows, userCost{UserID: user, Cost: usd(t.computeCost + t.modelCost), Sessions: len(t.sessions), Agents: len(t.agents)})
	}
	// limit is the page size: 50 users by default, at most 1000.
	return rankedReply(c, "billing-users", rows, func(u userCost) (int64, string) { return u.Cost.Amount, u.UserID }, 50, 1000)
}

type modelCost struct {
	Model        string `json:"model"`
	Calls        int64  `json:"calls"`
	InputTokens  int64  `json:"inputTokens"`
	OutputTokens int64  `json:"outputTokens"`
	Cost         money  `json:"cost"`
}

func (s *Server) billingModels(c *call, p period) reply {
	byModel := map[string]*modelCost{}
	for _, u := range s.st.usage {
		if !p.has(u.at) || u.model == "" {
			continue
		}
		m := byModel[u.model]
		if m == nil {
			m = &modelCost{Model: u.model, Cost: usd(0)}
			byModel[u.model] = m
		}
		m.Calls += u.calls
		m.InputTokens += u.inputTokens
		m.OutputTokens += u.outputTokens
		m.Cost.Amount += u.modelCost
	}
	rows := []modelCost{}
	for _, m := range byModel {
		rows = append(rows, *m)
	}
	return rankedReply(c, "billing-models", rows, func(m modelCost) (int64, string) { return m.Cost.Amount, m.Model }, 50, maxLimit)
}

// rankedReply is the reply of a breakdown of costs: rows sorted by cost,
// the largest first, ties by name, as key tells them, and paged in that
// order.
func rankedReply[T any](c *call, list string, rows []T, key func(T) (cost int64, name string), defaultLimit, most int) reply {
	slices.SortFunc(rows, func(a, b T) int {
		ca, na := key(a)
		cb, nb := key(b)
		return cmp.Or(cmp.Compare(cb, ca), cmp.Compare(na, nb))
	})
	return rowsReply(c, list, rows, defaultLimit, most)
}

// rowsReply is the reply of a report computed anew for each call: rows are
// numbered by their position for the list's cursors.
func rowsReply[T any](c *call, list string, rows []T, defaultLimit, most int) reply {
	seqs := make([]int64, len(rows))
	for i := range seqs {
		seqs[i] = int64(i + 1)
	}
	return pageReply(c, list, rows, seqs, defaultLimit, most)
}
