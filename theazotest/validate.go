package theazotest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
)

// obj is a decoded JSON object; numbers are json.Number.
type obj map[string]any

// decodeObject decodes a request body as a JSON object; an empty body is
// an empty object.
func decodeObject(body []byte) (obj, *apiError) {
	if len(bytes.TrimSpace(body)) == 0 {
		return obj{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		return nil, errInvalid("body", "is not valid JSON")
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, errInvalid("body", "must be a JSON object")
	}
	return o, nil
}

// checker collects field errors while reading a request body.
type checker struct{ errs []fieldErr }

func (c *checker) add(field, msg string) { c.errs = append(c.errs, fieldErr{field, msg}) }

// err returns the 422 of the collected errors, or nil.
func (c *checker) err() *apiError {
	if len(c.errs) == 0 {
		return nil
	}
	return errFields(c.errs)
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// get returns a field's value; JSON null counts as absent.
func (c *checker) get(o obj, prefix, name string, required bool) (any, bool) {
	v, ok := o[name]
	if !ok || v == nil {
		if required {
			c.add(join(prefix, name), "is required")
		}
		return nil, false
	}
	return v, true
}

// str reads a string; a required one must not be empty.
func (c *checker) str(o obj, prefix, name string, required bool) string {
	v, ok := c.get(o, prefix, name, required)
	if !ok {
		return ""
	}
	s, isStr := v.(string)
	switch {
	case !isStr:
		c.add(join(prefix, name), "must be a string")
	case required && strings.TrimSpace(s) == "":
		c.add(join(prefix, name), "must not be empty")
	}
	return s
}

// enum reads a string that must be one of allowed.
func (c *checker) enum(o obj, prefix, name string, required bool, allowed ...string) string {
	v, ok := c.get(o, prefix, name, required)
	if !ok {
		return ""
	}
	s, isStr := v.(string)
	if !isStr || !slices.Contains(allowed, s) {
		c.add(join(prefix, name), "must be one of "+strings.Join(quoteAll(allowed), ", "))
		return ""
	}
	return s
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "'" + s + "'"
	}
	return out
}

// integer reads an integer no less than min.
func (c *checker) integer(o obj, prefix, name string, required bool, min int64) (int64, bool) {
	v, ok := c.get(o, prefix, name, required)
	if !ok {
		return 0, false
	}
	n, isNum := v.(json.Number)
	i, err := n.Int64()
	switch {
	case !isNum || err != nil:
		c.add(join(prefix, name), "must be an integer")
		return 0, false
	case i < min:
		c.add(join(prefix, name), "must be at least "+json.Number(itoa(min)).String())
		return 0, false
	}
	return i, true
}

// number reads a number within [lo, hi].
func (c *checker) number(o obj, prefix, name string, lo, hi float64) (float64, bool) {
	v, ok := c.get(o, prefix, name, false)
	if !ok {
		return 0, false
	}
	n, isNum := v.(json.Number)
	f, err := n.Float64()
	if !isNum || err != nil || f < lo || f > hi {
		c.add(join(prefix, name), "must be a number from "+ftoa(lo)+" to "+ftoa(hi))
		return 0, false
	}
	return f, true
}

// boolean reads a boolean.
func (c *checker) boolean(o obj, prefix, name string) (bool, bool) {
	v, ok := c.get(o, prefix, name, false)
	if !ok {
		return false, false
	}
	b, isBool := v.(bool)
	if !isBool {
		c.add(join(prefix, name), "must be a boolean")
		return false, false
	}
	return b, true
}

// object reads a nested object.
func (c *checker) object(o obj, prefix, name string, required bool) (obj, bool) {
	v, ok := c.get(o, prefix, name, required)
	if !ok {
		return nil, false
	}
	m, isObj := v.(map[string]any)
	if !isObj {
		c.add(join(prefix, name), "must be an object")
		return nil, false
	}
	return m, true
}

// strings reads an array of strings.
func (c *checker) strings(o obj, prefix, name string, required bool) ([]string, bool) {
	v, ok := c.get(o, prefix, name, required)
	if !ok {
		return nil, false
	}
	arr, isArr := v.([]any)
	if !isArr {
		c.add(join(prefix, name), "must be an array of strings")
		return nil, false
	}
	out := make([]string, 0, len(arr))
	for _, item := range arr {
		s, isStr := item.(string)
		if !isStr {
			c.add(join(prefix, name), "must be an array of strings")
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

var secretName = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
