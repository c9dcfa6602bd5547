package theazotest

import "encoding/json"

// BodyMember returns the raw JSON of the top-level member name of the
// request's JSON body, and whether it was there: a member the server does
// not know included, such as one a test sent with theazo.WithJSONSet. The
// server ignores members it does not know, as the API's clients may send
// fields it has not gained yet.
func (r Request) BodyMember(name string) (json.RawMessage, bool) {
	var members map[string]json.RawMessage
	if json.Unmarshal(r.Body, &members) != nil {
		return nil, false
	}
	v, ok := members[name]
	return v, ok
}
