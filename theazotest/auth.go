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
	s.keysMu.Lock()
	s.keys[key] = info
	s.keysMu.Unlock()
	return key
}

// RevokeKey makes key invalid: further calls with it answer 401.
func (s *Server) RevokeKey(key string) {
	s.keysMu.Lock()
	delete(s.keys, key)
	s.keysMu.Unlock()
}

// validKey reports whether r carries a valid key, whatever it may call.
func (s *Server) validKey(r *http.Request) bool {
	scheme, key, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	s.keysMu.Lock()
	defer s.keysMu.Unlock()
	return strings.EqualFold(scheme, "Bearer") && s.keys[strings.TrimSpace(key)] != nil
}

// authorize checks the key, its permissions and the rate limit, answering
// 401, 403 or 429 when one fails.
func (s *Server) authorize(c *call) bool {
	auth := c.r.Header.Get("Authorization")
	scheme, key, _ := strings.Cut(auth, " ")
	if auth == "" {
		c.fail(&apiError{status: 401, code: "unauthorized", message: "Missing API key. Pass it as a Bearer token in the Authorization header."})
		return false
	}
	s.keysMu.Lock()
	info, ok := s.keys[strings.TrimSpace(key)]
	s.keysMu.Unlock()
	if !strings.EqualFold(scheme, "Bearer") || !ok {
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
