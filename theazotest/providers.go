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

	seq int64
}

// defaultProvider names the provider of agents created without one; the
// caller holds s.mu.
func (s *Server) defaultProvider() string {
	for _, p := range s.st.providers {
		if p.IsDefault {
			return p.Provider
		}
	}
	return "e2b"
}

// listProviders pages like every list: the reference's example shows one
// page, without nextCursor.
func (s *Server) listProviders(c *call) reply {
	items := []provider{}
	for _, p := range s.st.providers {
		items = append(items, *p)
	}
	return listReply(c, "providers", items, func(p provider) int64 { return p.seq }, 20)
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
	status := http.StatusCreated
	var p *provider
	for _, q := range s.st.providers {
		if q.Provider == name {
			p, status = q, http.StatusOK // configured again: new credentials
		}
	}
	if p == nil {
		p = &provider{Provider: name, Status: "active", CreatedAt: timestamp(s.now()), seq: s.st.next()}
		s.st.providers = append(s.st.providers, p)
	}
	if isDefault {
		for _, q := range s.st.providers {
			q.IsDefault = false
		}
	}
	p.IsDefault = p.IsDefault || isDefault
	return answer(status, *p)
}

func (s *Server) deleteProvider(c *call) reply {
	name := c.r.PathValue("provider")
	idx := -1
	for i, p := range s.st.providers {
		if p.Provider == name {
			idx = i
		}
	}
	if idx < 0 {
		return failed(&apiError{status: 404, code: "not_found", message: "Provider " + name + " is not configured."})
	}
	for _, a := range s.st.agents {
		if a.Status != "terminated" && a.Compute != nil && a.Compute.Provider == name {
			return failed(errConflict("Provider " + name + " has active agents; terminate them first."))
		}
	}
	s.st.providers = append(s.st.providers[:idx:idx], s.st.providers[idx+1:]...)
	return okReply()
}
