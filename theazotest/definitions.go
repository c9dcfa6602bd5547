package theazotest

import (
	"net/http"
	"strconv"
)

// definition is an AgentDefinition on the wire.
type definition struct {
	ID           string         `json:"id"`
	Name         string         `json:"name"`
	Version      int64          `json:"version"`
	Instructions string         `json:"instructions,omitempty"`
	Tools        []string       `json:"tools,omitempty"`
	Model        *defModel      `json:"model,omitempty"`
	Compute      *defCompute    `json:"compute,omitempty"`
	Metadata     map[string]any `json:"metadata,omitempty"`
	Archived     bool           `json:"archived"`
	CreatedAt    timestamp      `json:"createdAt"`
	UpdatedAt    timestamp      `json:"updatedAt"`
}

type defModel struct {
	ID          string   `json:"id,omitempty"`
	MaxTokens   int64    `json:"maxTokens,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
}

type defCompute struct {
	Provider string `json:"provider,omitempty"`
	Timeout  int64  `json:"timeout,omitempty"`
}

// readDefinition reads the fields a create or update may set into d, only
// those present.
func readDefinition(ck *checker, o obj, d *definition) {
	if _, ok := o["instructions"]; ok {
		d.Instructions = ck.str(o, "", "instructions", false)
	}
	if tools, ok := ck.strings(o, "", "tools", false); ok {
		d.Tools = tools
	}
	if m, ok := ck.object(o, "", "model", false); ok {
		dm := &defModel{ID: ck.str(m, "model", "id", false)}
		dm.MaxTokens, _ = ck.integer(m, "model", "maxTokens", false, 1)
		if t, ok := ck.number(m, "model", "temperature", 0, 2); ok {
			dm.Temperature = &t
		}
		d.Model = dm
	}
	if cm, ok := ck.object(o, "", "compute", false); ok {
		dc := &defCompute{Provider: ck.enum(cm, "compute", "provider", false, "e2b", "fly", "docker", "webhook")}
		dc.Timeout, _ = ck.integer(cm, "compute", "timeout", false, 1)
		d.Compute = dc
	}
}

func (s *Server) createDefinition(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	ck := &checker{}
	d := &definition{Name: ck.str(o, "", "name", true), Version: 1}
	readDefinition(ck, o, d)
	d.Metadata, _ = ck.object(o, "", "metadata", false)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	now := s.now()
	d.ID, d.CreatedAt, d.UpdatedAt = newID("adef", now), timestamp(now), timestamp(now)
	s.st.defs.put(d.ID, d)
	return answer(http.StatusCreated, *d)
}

func (s *Server) listDefinitions(c *call) reply {
	all := false
	if v := c.r.URL.Query().Get("includeArchived"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return failed(invalidQuery(fieldErr{"includeArchived", "must be true or false"}))
		}
		all = b
	}
	return tableReply(c, &s.st.defs, "agent-definitions", 20, func(d *definition) (definition, bool) { return *d, all || !d.Archived })
}

func (s *Server) getDefinition(c *call) reply {
	return itemReply(c, &s.st.defs, "id")
}

// updateDefinition stores a new version with the fields given.
func (s *Server) updateDefinition(c *call) reply {
	o, e := decodeObject(c.body)
	if e != nil {
		return failed(e)
	}
	d, e := s.st.defs.find(c, "id")
	if e != nil {
		return failed(e)
	}
	if d.Archived {
		return failed(errConflict("Agent definition " + d.ID + " is archived."))
	}
	next := *d
	ck := &checker{}
	readDefinition(ck, o, &next)
	if e := ck.err(); e != nil {
		return failed(e)
	}
	next.Version++
	next.UpdatedAt = timestamp(s.now())
	*d = next
	return answer(http.StatusOK, next)
}

func (s *Server) archiveDefinition(c *call) reply {
	d, e := s.st.defs.find(c, "id")
	if e != nil {
		return failed(e)
	}
	d.Archived = true
	d.UpdatedAt = timestamp(s.now())
	return okReply()
}

// usableDefinition checks a definition named in a body; the caller holds s.mu.
func (s *Server) usableDefinition(ck *checker, field, id string) *definition {
	if id == "" {
		return nil
	}
	d := s.st.defs.get(id)
	switch {
	case d == nil:
		ck.add(field, "names no agent definition")
	case d.Archived:
		ck.add(field, "names an archived agent definition")
	}
	return d
}

// modelOf is the model of the agents of a definition: its model's id, or
// the default model; the caller holds s.mu.
func (s *Server) modelOf(definitionID string) string {
	if d := s.st.defs.get(definitionID); d != nil && d.Model != nil && d.Model.ID != "" {
		return d.Model.ID
	}
	return defaultModel
}
