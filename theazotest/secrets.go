package theazotest

import (
	"net/http"
)

// secret is a secret's metadata on the wire. Values are not kept.
type secret struct {
	Name      string    `json:"name"`
	Scope     string    `json:"scope"`
	CreatedAt timestamp `json:"createdAt"`

	seq int64
}

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
	if sessionID != "" && s.st.sessions[sessionID] == nil {
		ck.add("sessionId", "names no session")
	}
	if e := ck.err(); e != nil {
		return failed(e)
	}
	scope := "org"
	if sessionID != "" {
		scope = sessionID
	}
	for _, sec := range s.st.secrets {
		if sec.Name == name && sec.Scope == scope {
			return answer(http.StatusOK, *sec) // overwritten
		}
	}
	sec := &secret{Name: name, Scope: scope, CreatedAt: timestamp(s.now()), seq: s.st.next()}
	s.st.secrets = append(s.st.secrets, sec)
	return answer(http.StatusCreated, *sec)
}

// listSecrets lists every secret's metadata, org-wide and session-scoped
// as the reference's example shows, or only those scoped to the session
// given as ?sessionId; in pages like every list.
func (s *Server) listSecrets(c *call) reply {
	sessionID := c.r.URL.Query().Get("sessionId")
	items := []secret{}
	for _, sec := range s.st.secrets {
		if sessionID == "" || sec.Scope == sessionID {
			items = append(items, *sec)
		}
	}
	return listReply(c, "secrets", items, func(sec secret) int64 { return sec.seq }, 20)
}

func (s *Server) deleteSecret(c *call) reply {
	name := c.r.PathValue("name")
	scope := c.r.URL.Query().Get("sessionId")
	if scope == "" {
		scope = "org"
	}
	for i, sec := range s.st.secrets {
		if sec.Name == name && sec.Scope == scope {
			s.st.secrets = append(s.st.secrets[:i:i], s.st.secrets[i+1:]...)
			return okReply()
		}
	}
	return failed(&apiError{status: 404, code: "not_found", message: "No secret " + name + " in scope " + scope + "."})
}
