package theazotest

import (
	"net/http"
	"time"
)

// session is a Session on the wire, plus the server's bookkeeping.
type session struct {
	ID        string         `json:"id"`
	UserID    string         `json:"userId"`
	Status    string         `json:"status"`
	Limits    *limits        `json:"limits,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
	Cost      money          `json:"cost"`
	CreatedAt timestamp      `json:"createdAt"`

	created        time.Time
	computeMinutes int64
}

type limits struct {
	MaxCost           *costLimit `json:"maxCost,omitempty"`
	MaxAgents         int64      `json:"maxAgents,omitempty"`
	MaxComputeMinutes int64      `json:"maxComputeMinutes,omitempty"`
}

type costLimit struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
	Period   string `json:"period"`
}

// readLimits reads the optional limits and metadata of a session body.
func readLimits(ck *checker, o obj) (*limits, map[string]any) {
	var lim *limits
	if l, ok := ck.object(o, "", "limits", false); ok {
		lim = &limits{}
		if mc, ok := ck.object(l, "limits", "maxCost", false); ok {
			amount, _ := ck.integer(mc, "limits.maxCost", "amount", true, 0)
			currency := ck.str(mc, "limits.maxCost", "currency", true)
			if currency != "" && !isCurrency(currency) {
				ck.add("limits.maxCost.currency", "must be a lowercase ISO 4217 code, e.g. 'usd'")
			}
			period := ck.enum(mc, "limits.maxCost", "period", true, "session", "day", "month")
			lim.MaxCost = &costLimit{Amount: amount, Currency: currency, Period: period}
		}
		lim.MaxAgents, _ = ck.integer(l, "limits", "maxAgents", false, 1)
		lim.MaxComputeMinutes, _ = ck.integer(l, "limits", "maxComputeMinutes", false, 1)
	}
	meta, _ := ck.object(o, "", "metadata", false)
	return lim, meta
}

func isCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'a' || r > 'z' {
			return false
		}
	}
	return true
}

// newSession creates and stores a session; the caller holds s.mu.
func (s *Server) newSession(userID string, lim *limits, meta map[string]any) *session {
	now := s.now()
	sess := &session{
		ID: newID("ses", now), UserID: userID, Status: "active", Limits: lim, Metadata: meta,
		Cost: usd(0), CreatedAt: timestamp(now), created: now,
	}
	s.st.sessions.put(sess.ID, sess)
	if s.st.byUser[userID] == nil {
		s.st.byUser[userID] = sess
	}
	return sess
}

func (s *Server) createSession(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	userID := ck.str(o, "", "userId", true)
	lim, meta := readLimits(ck, o)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	return answer(http.StatusCreated, *s.newSession(userID, lim, meta))
}

func (s *Server) getOrCreateSession(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	lim, meta := readLimits(ck, o)
	userID := c.r.PathValue("userId")
	if userID == "" {
		ck.add("userId", "is required")
	}
	if e := ck.err(); e != nil {
		return failed(e)
	}
	sess := s.st.byUser[userID]
	if sess == nil {
		sess = s.newSession(userID, lim, meta)
	}
	return answer(http.StatusOK, *sess)
}

func (s *Server) listSessions(c *call) reply {
	return tableReply(c, &s.st.sessions, "sessions", 20, copied)
}

// checkSession returns the 402 of a session that may not spend more: paused
// by its compute limit, or at its cost limit. The caller holds s.mu.
func (s *Server) checkSession(sess *session) *apiError {
	if sess.Status == "paused" {
		return errLimit("maxComputeMinutes", "Session "+sess.ID+" is paused: its compute limit is reached.")
	}
	if sess.Limits == nil || sess.Limits.MaxCost == nil {
		return nil
	}
	mc := sess.Limits.MaxCost
	if spent := s.spent(sess, mc.Period); spent >= mc.Amount {
		return errLimit("maxCost", "Session "+sess.ID+" reached its cost limit of "+usd(mc.Amount).String()+" per "+mc.Period+".")
	}
	return nil
}

// spent is what a session spent in the current period. The caller holds s.mu.
func (s *Server) spent(sess *session, period string) int64 {
	now := s.now()
	var since time.Time
	switch period {
	case "day":
		since = time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	case "month":
		since = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	default:
		return sess.Cost.Amount
	}
	var total int64
	for _, u := range s.st.usage {
		if u.sessionID == sess.ID && !u.at.Before(since) {
			total += u.computeCost + u.modelCost
		}
	}
	return total
}

func (m money) String() string {
	return "$" + itoa(m.Amount/100) + "." + string(rune('0'+m.Amount%100/10)) + string(rune('0'+m.Amount%10))
}
