package theazotest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// store is the server's state, guarded by s.mu. Lists keep creation
// order; values handed to handlers are copies, and slices or maps inside
// stored values are replaced, never modified in place, so that a copy may
// be encoded after the lock is released.
type store struct {
	seq int64

	sessions     map[string]*session
	sessionOrder []*session
	byUser       map[string]*session
	agents       map[string]*agent
	usage        []usageRecord

	providers []*provider
	secrets   []*secret

	defs     map[string]*definition
	defOrder []*definition

	workflows map[string]*workflow
	wfOrder   []*workflow
	runs      map[string]*workflowRun

	fleets     map[string]*fleet
	fleetOrder []*fleet

	schedules     map[string]*schedule
	scheduleOrder []*schedule

	triggers     map[string]*trigger
	triggerOrder []*trigger
	firings      []Firing

	channels     map[string]*channel
	channelOrder []*channel

	providersDown map[string]bool
}

func newStore() store {
	return store{
		sessions:  map[string]*session{},
		byUser:    map[string]*session{},
		agents:    map[string]*agent{},
		defs:      map[string]*definition{},
		workflows: map[string]*workflow{},
		runs:      map[string]*workflowRun{},
		fleets:    map[string]*fleet{},
		schedules: map[string]*schedule{},
		triggers:  map[string]*trigger{},
		channels:  map[string]*channel{},

		providersDown: map[string]bool{},
	}
}

// next returns the next creation sequence number.
func (st *store) next() int64 {
	st.seq++
	return st.seq
}

// timestamp is a time that encodes as RFC 3339 in UTC, to the second.
type timestamp time.Time

func (t timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(time.RFC3339) + `"`), nil
}

// money is an amount in cents.
type money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

func usd(cents int64) money { return money{Amount: cents, Currency: "usd"} }

// page is a paged list reply.
type page[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"nextCursor,omitempty"`
	HasMore    bool   `json:"hasMore"`
}

// maxLimit is the largest page size accepted.
const maxLimit = 100

// invalidQuery is the 422 of query parameters that fail their checks.
func invalidQuery(fields ...fieldErr) *apiError {
	return &apiError{status: 422, code: "unprocessable_entity", message: "Invalid query parameter.",
		details: map[string]any{"fields": fields}}
}

// readLimit returns the call's limit query parameter, def when it is absent,
// or a 422 when it is not an integer from 1 to most.
func readLimit(c *call, def, most int) (int, *apiError) {
	v := c.r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > most {
		return 0, invalidQuery(fieldErr{"limit", "must be an integer from 1 to " + itoa(int64(most))})
	}
	return n, nil
}

// listReply is the reply of a list: the page of items (in order, each with
// its sequence number) that the call's limit and cursor ask for, in the
// {data, nextCursor, hasMore} envelope, or the 422 of a bad limit or
// cursor. Cursors are opaque: they name the list and the last item
// returned, so that items created meanwhile neither repeat nor go missing.
func listReply[T any](c *call, name string, items []T, seq func(T) int64, defaultLimit int) reply {
	return listReplyUpTo(c, name, items, seq, defaultLimit, maxLimit)
}

// listReplyUpTo is listReply with a page size of at most most.
func listReplyUpTo[T any](c *call, name string, items []T, seq func(T) int64, defaultLimit, most int) reply {
	limit, e := readLimit(c, defaultLimit, most)
	if e != nil {
		return failed(e)
	}
	after := int64(0)
	if v := c.r.URL.Query().Get("cursor"); v != "" {
		n, ok := decodeCursor(name, v)
		if !ok {
			return failed(invalidQuery(fieldErr{"cursor", "is not a cursor of this list"}))
		}
		after = n
	}
	p := &page[T]{Data: []T{}}
	for _, it := range items {
		if seq(it) <= after {
			continue
		}
		if len(p.Data) == limit {
			p.HasMore = true
			p.NextCursor = encodeCursor(name, seq(p.Data[len(p.Data)-1]))
			break
		}
		p.Data = append(p.Data, it)
	}
	return answer(http.StatusOK, p)
}

func encodeCursor(name string, seq int64) string {
	return "cur_" + base64.RawURLEncoding.EncodeToString([]byte(name+":"+strconv.FormatInt(seq, 10)))
}

func decodeCursor(name, cursor string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(cursor, "cur_"))
	if err != nil || !strings.HasPrefix(cursor, "cur_") {
		return 0, false
	}
	i := strings.LastIndexByte(string(b), ':')
	if i < 0 || string(b[:i]) != name {
		return 0, false
	}
	seq, err := strconv.ParseInt(string(b[i+1:]), 10, 64)
	return seq, err == nil && seq >= 0
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// mustJSON encodes v, which is always encodable here.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// protect returns fn's result, or fallback's when fn panics: a panicking
// scripted callback fails its run instead of the server.
func protect[T any](fallback func(v any) T, fn func() T) (out T) {
	defer func() {
		if v := recover(); v != nil {
			out = fallback(v)
		}
	}()
	return fn()
}

// without returns list without x, in a new array when x is in it, so that a
// copy of list a handler took under the lock is never changed.
func without[T comparable](list []T, x T) []T {
	i := slices.Index(list, x)
	if i < 0 {
		return list
	}
	return append(list[:i:i], list[i+1:]...)
}

// lookup returns the item of m named by the call's path parameter param,
// or the 404 naming kind; the caller holds s.mu.
func lookup[T any](c *call, m map[string]*T, kind, param string) (*T, *apiError) {
	v := m[c.r.PathValue(param)]
	if v == nil {
		return nil, errNotFound(kind, c.r.PathValue(param))
	}
	return v, nil
}

// itemReply is the reply of a get: a copy of the item of m named by the
// call's path parameter param, or the 404 naming kind; the caller holds s.mu.
func itemReply[T any](c *call, m map[string]*T, kind, param string) reply {
	v, e := lookup(c, m, kind, param)
	if e != nil {
		return failed(e)
	}
	return answer(http.StatusOK, *v)
}

// locked runs fn with s.mu held, and releases it even when fn panics. It is
// the one way the server takes its lock: a function documented "the caller
// holds s.mu" runs inside one, and never calls locked itself.
func (s *Server) locked(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}
