package theazotest

import (
	"crypto/hmac"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/theazo/theazo-go"
)

// trigger is a Trigger on the wire; the signing secret is shown on create only.
type trigger struct {
	ID            string    `json:"id"`
	Name          string    `json:"name"`
	Action        action    `json:"action"`
	URL           string    `json:"url"`
	SigningSecret string    `json:"signingSecret,omitempty"`
	CreatedAt     timestamp `json:"createdAt"`

	secret string
}

func (s *Server) createTrigger(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	t := &trigger{Name: ck.str(o, "", "name", true)}
	t.Action, _ = s.readAction(ck, o, true)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	now := s.now()
	t.ID, t.CreatedAt = newID("trg", now), timestamp(now)
	t.URL = s.URL() + "/triggers/" + t.ID + "/fire"
	t.secret = "whsec_" + randomString(32)
	s.st.triggers.put(t.ID, t)
	out := *t
	out.SigningSecret = t.secret
	return answer(http.StatusCreated, out)
}

func (s *Server) listTriggers(c *call) reply {
	return tableReply(c, &s.st.triggers, "triggers", 20, copied)
}

func (s *Server) deleteTrigger(c *call) reply {
	t, e := s.st.triggers.find(c, "id")
	if e != nil {
		return failed(e)
	}
	s.st.triggers.delete(t.ID)
	return okReply()
}

// fireTrigger is public: the HMAC signature of the raw body authenticates it.
func (s *Server) fireTrigger(c *call) reply {
	t, e := s.st.triggers.find(c, "id")
	if e != nil {
		return failed(e)
	}
	got := c.r.Header.Get("X-Theazo-Signature")
	if got == "" {
		return failed(&apiError{status: 401, code: "unauthorized", message: "Missing X-Theazo-Signature header."})
	}
	// Lowercase hex only, as the API signs: compared with the SDK's signature,
	// not with VerifyTriggerSignature, which accepts either case.
	want := theazo.SignTriggerPayload(theazo.Secret(t.secret), c.body)
	if !hmac.Equal([]byte(got), []byte(want)) {
		return failed(&apiError{status: 401, code: "unauthorized", message: "Invalid X-Theazo-Signature: it must be sha256=<hex HMAC-SHA256 of the raw body>."})
	}
	payload := json.RawMessage("null")
	if len(strings.TrimSpace(string(c.body))) > 0 {
		if !json.Valid(c.body) {
			return failed(errInvalid("body", "is not valid JSON"))
		}
		payload = append(json.RawMessage(nil), c.body...)
	}
	now := s.now()
	f := Firing{TriggerID: t.ID, TaskID: newID("task", now), Payload: payload, Time: now}
	s.runAction(t.Action, payload, &f)
	s.st.firings = append(s.st.firings, f)
	return answer(http.StatusAccepted, map[string]string{"taskId": f.TaskID})
}
