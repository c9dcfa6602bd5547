package theazotest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// store is the server's state, guarded by s.mu. Values handed to handlers
// are copies, and slices or maps inside stored values are replaced, never
// modified in place, so that a copy may be encoded after the lock is
// released.
type store struct {
	sessions table[session]
	byUser   map[string]*session // the first session of each user
	agents   table[agent]
	usage    []usageRecord

	providers table[provider] // by provider name
	secrets   table[secret]   // by secretKey

	defs      table[definition]
	workflows table[workflow]
	runs      table[workflowRun]
	fleets    table[fleet]
	schedules table[schedule]
	triggers  table[trigger]
	firings   []Firing
	channels  table[channel]

	providersDown map[string]bool
}

func newStore() store {
	return store{
		sessions:  newTable[session]("session"),
		byUser:    map[string]*session{},
		agents:    newTable[agent]("agent"),
		providers: newTable[provider]("provider"),
		secrets:   newTable[secret]("secret"),
		defs:      newTable[definition]("agent definition"),
		workflows: newTable[workflow]("workflow"),
		runs:      newTable[workflowRun]("workflow run"),
		fleets:    newTable[fleet]("fleet"),
		schedules: newTable[schedule]("schedule"),
		triggers:  newTable[trigger]("trigger"),
		channels:  newTable[channel]("channel"),

		providersDown: map[string]bool{},
	}
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

// pageReply is the reply of a list: the page of items that the call's
// limit and cursor ask for (seqs[i], increasing, is the sequence number of
// items[i]), in the {data, nextCursor, hasMore} envelope, or the 422 of a
// bad limit or cursor. Cursors are opaque: they name the list and the last
// item returned, so that items created meanwhile neither repeat nor go
// missing. A page has at most most items, defaultLimit without a limit.
func pageReply[T any](c *call, name string, items []T, seqs []int64, defaultLimit, most int) reply {
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
	last := after // the sequence number of the page's last item
	for i, it := range items {
		if seqs[i] <= after {
			continue
		}
		if len(p.Data) == limit {
			p.HasMore = true
			p.NextCursor = encodeCursor(name, last)
			break
		}
		p.Data = append(p.Data, it)
		last = seqs[i]
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

// locked runs fn with s.mu held, and releases it even when fn panics. It is
// the one way the server takes its lock: a function documented "the caller
// holds s.mu" runs inside one, and never calls locked itself.
func (s *Server) locked(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn()
}
