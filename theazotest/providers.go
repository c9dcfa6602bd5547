package theazotest

import (
	"net/http"
)

// SetProviderDown simulates an outage of a compute provider ("e2b", "fly",
// "docker", "webhook"): while down, creating an agent on it, and running or
// exec on its agents, answer 502 provider_error.
func (s *Server) SetProviderDown(provider string, down bool) {
	s.locked(func() { s.st.providersDown[provider] = down })
}

// providerError is the 502 of a provider that is down; the caller holds s.mu.
func (s *Server) providerError(provider string) *apiError {
	if !s.st.providersDown[provider] {
		return nil
	}
	return &apiError{status: 502, code: "provider_error", message: "Compute provider " + provider + " returned an error.",
		details: map[string]any{"provider": provider}}
}

// provider is a configured compute provider on the wire. Its credentials
// are not kept: the API never returns them.
type provider struct {
	Provider  string    `json:"provider"`
	IsDefault bool      `json:"isDefault"`
	Status    string    `json:"status"`
	CreatedAt timestamp `json:"createdAt"`
}

// defaultProvider names the provider of agents created without one; the
// caller holds s.mu.
func (s *Server) defaultProvider() string {
	for p := range s.st.providers.all() {
		if p.IsDefault {
			return p.Provider
		}
	}
	return "e2b"
}

// listProviders pages like every list: the reference's example shows one
// page, without nextCursor.
func (s *Server) listProviders(c *call) reply {
	return tableReply(c, &s.st.providers, "providers", 20, copied)
}

func (s *Server) createProvider(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	name := ck.enum(o, "", "provider", true, "e2b", "fly", "webhook")
	// Any object: provider-specific keys, endpoints, nested headers, numbers.
	if creds, ok := ck.object(o, "", "credentials", true); ok && len(creds) == 0 {
		ck.add("credentials", "must not be empty")
	}
	isDefault, _ := ck.boolean(o, "", "isDefault")
	if e := ck.err(); e != nil {
		return failed(e)
	}
	status := http.StatusOK // configured again: new credentials
	p := s.st.providers.get(name)
	if p == nil {
		status, p = http.StatusCreated, &provider{Provider: name, Status: "active", CreatedAt: timestamp(s.now())}
		s.st.providers.put(name, p)
	}
	if isDefault {
		for q := range s.st.providers.all() {
			q.IsDefault = false
		}
	}
	p.IsDefault = p.IsDefault || isDefault
	return answer(status, *p)
}

func (s *Server) deleteProvider(c *call) reply {
	name := c.r.PathValue("provider")
	if s.st.providers.get(name) == nil {
		return failed(&apiError{status: 404, code: "not_found", message: "Provider " + name + " is not configured."})
	}
	for a := range s.st.agents.all() {
		if a.Status != "terminated" && a.Compute != nil && a.Compute.Provider == name {
			return failed(errConflict("Provider " + name + " has active agents; terminate them first."))
		}
	}
	s.st.providers.delete(name)
	return okReply()
}
