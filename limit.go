package theazo

import (
	"net/http"
	"strings"
)

// SessionLimit names the session limit a 402 session_limit_exceeded reply hit.
type SessionLimit string

// The session limits of SessionLimits that a 402 reports.
const (
	LimitCost           SessionLimit = "maxCost"           // SessionLimits.MaxCost
	LimitAgents         SessionLimit = "maxAgents"         // SessionLimits.MaxAgents
	LimitComputeMinutes SessionLimit = "maxComputeMinutes" // SessionLimits.MaxComputeMinutes
)

// Limit returns which session limit a 402 reply hit, read from the error's
// details.limit; "" when the error is not a 402 or does not say, or names a
// limit this SDK does not know. It accepts the limit's field name
// ("maxAgents") and its plain form ("agents", "compute_minutes").
func (e *Error) Limit() SessionLimit {
	if e == nil || e.StatusCode != http.StatusPaymentRequired && e.Code != CodeSessionLimitExceeded {
		return ""
	}
	s, _ := e.Details["limit"].(string)
	s = strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(s))
	switch strings.TrimPrefix(s, "max") {
	case "cost":
		return LimitCost
	case "agents":
		return LimitAgents
	case "computeminutes":
		return LimitComputeMinutes
	}
	return ""
}
