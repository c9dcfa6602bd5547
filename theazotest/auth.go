package theazotest

import (
	"net/http"
	"strings"
)

// keyInfo describes one accepted API key.
type keyInfo struct {
	// allow lists the routes a restricted key may call; nil means all.
	allow []routeMatcher
}

// RestrictedKey adds and returns a new th_test_ key that may call only the
// routes in allow; any other authenticated call with it answers 403
// forbidden. Each entry is "METHOD /path" relative to /v1, where a path
// segment "*" matches any one segment and "*" alone any path, e.g.
// "GET /sessions", "GET *" (a read-only key) or "POST /agents/*/run".
func (s *Server) RestrictedKey(allow ...string) string {
	key := "th_test_" + randomString(24)
	info := &keyInfo{allow: []routeMatcher{}}
	for _, a := range allow {
		method, path, ok := strings.Cut(a, " ")
		if !ok {
			method, path = "*", a
		}
		info.allow = append(info.allow, newRouteMatcher(method, path))
	}
	s.locked(func() { s.keys[key] = info })
	return key
}

// RevokeKey makes key invalid: further calls with it answer 401.
func (s *Server) RevokeKey(key string) {
	s.locked(func() { delete(s.keys, key) })
}

// validKey reports whether r carries a valid key, whatever it may call.
func (s *Server) validKey(r *http.Request) bool {
	_, ok := s.keyOf(r.Header.Get("Authorization"))
	return ok
}

// keyOf returns what the key of an Authorization value may call, and
// whether it is a Bearer key the server accepts.
func (s *Server) keyOf(auth string) (info *keyInfo, ok bool) {
	scheme, key, _ := strings.Cut(auth, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return nil, false
	}
	s.locked(func() { info, ok = s.keys[strings.TrimSpace(key)] })
	return info, ok
}

// authorize checks the key, its permissions and the rate limit, answering
// 401, 403 or 429 when one fails.
func (s *Server) authorize(c *call) bool {
	auth := c.r.Header.Get("Authorization")
	_, key, _ := strings.Cut(auth, " ")
	if auth == "" {
		c.fail(&apiError{status: 401, code: "unauthorized", message: "Missing API key. Pass it as a Bearer token in the Authorization header."})
		return false
	}
	info, ok := s.keyOf(auth)
	if !ok {
		c.fail(&apiError{status: 401, code: "unauthorized", message: "Invalid API key."})
		return false
	}
	if info.allow != nil {
		rel := strings.TrimPrefix(c.r.URL.Path, "/v1")
		allowed := false
		for _, m := range info.allow {
			if m.match(c.r.Method, rel) {
				allowed = true
				break
			}
		}
		if !allowed {
			c.fail(&apiError{status: 403, code: "forbidden", message: "This API key lacks permission for " + c.r.Method + " " + rel + "."})
			return false
		}
	}
	if wait, ok := s.allowRate(key); !ok {
		c.fail(rateLimitedError(wait))
		return false
	}
	return true
}
