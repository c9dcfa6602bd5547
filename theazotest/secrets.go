package theazotest

import (
	"net/http"
)

// secret is a secret's metadata on the wire. Values are not kept.
type secret struct {
	Name      string    `json:"name"`
	Scope     string    `json:"scope"`
	CreatedAt timestamp `json:"createdAt"`
}

// secretKey is the key of a secret in its table: its scope and name.
func secretKey(scope, name string) string { return scope + "/" + name }

func (s *Server) setSecret(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	name := ck.str(o, "", "name", true)
	if name != "" && !secretName.MatchString(name) {
		ck.add("name", "may contain only letters, digits, underscores and hyphens")
	}
	ck.str(o, "", "value", true)
	sessionID := ck.str(o, "", "sessionId", false)
	if sessionID != "" && s.st.sessions.get(sessionID) == nil {
		ck.add("sessionId", "names no session")
	}
	if e := ck.err(); e != nil {
		return failed(e)
	}
	scope := "org"
	if sessionID != "" {
		scope = sessionID
	}
	if sec := s.st.secrets.get(secretKey(scope, name)); sec != nil {
		return answer(http.StatusOK, *sec) // overwritten
	}
	sec := &secret{Name: name, Scope: scope, CreatedAt: timestamp(s.now())}
	s.st.secrets.put(secretKey(scope, name), sec)
	return answer(http.StatusCreated, *sec)
}

// listSecrets lists every secret's metadata, org-wide and session-scoped
// as the reference's example shows, or only those scoped to the session
// given as ?sessionId; in pages like every list.
func (s *Server) listSecrets(c *call) reply {
	sessionID := c.r.URL.Query().Get("sessionId")
	return tableReply(c, &s.st.secrets, "secrets", 20, func(sec *secret) (secret, bool) {
		return *sec, sessionID == "" || sec.Scope == sessionID
	})
}

func (s *Server) deleteSecret(c *call) reply {
	name := c.r.PathValue("name")
	scope := c.r.URL.Query().Get("sessionId")
	if scope == "" {
		scope = "org"
	}
	if s.st.secrets.get(secretKey(scope, name)) != nil {
		s.st.secrets.delete(secretKey(scope, name))
		return okReply()
	}
	return failed(&apiError{status: 404, code: "not_found", message: "No secret " + name + " in scope " + scope + "."})
}
