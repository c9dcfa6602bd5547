package ssestream

import (
	"bytes"
	"io"
	"strconv"
)

// replayGuard drops the events a server sends again after a resumption,
// so that each event reaches the consumer once. A server that honours
// Last-Event-ID: X answers with the events after X; one that ignores it
// replays the stream from its start, or from X itself. The guard tells the
// two apart by the first event of the resumed connection: if its id is one
// already delivered — X itself, the stream's first id, or, when both are
// integers, an id at or below X — the server is replaying, and events are
// dropped up to and including X (for integer ids, every id up to X).
// Otherwise nothing is dropped, so a server that honours Last-Event-ID
// costs one comparison. The guard keeps two ids, whatever the stream's
// length.
//
// An event without an id field of its own at the start of a resumed
// connection carries X as its id, as the SSE standard says, but is a new
// event: the guard tells it apart from a replay of X by reading the
// connection's first event block (see watch).
type replayGuard struct {
	first string // the stream's first delivered id, empty until one arrives
	after string // the Last-Event-ID of the current connection, if any
	// afterN is after as an integer, when afterInt says it is one.
	afterN   int64
	afterInt bool
	state    guardState
	// ownID says whether the connection set an id of its own before its
	// first event with data; watch's reader sets it.
	ownID bool
}

type guardState uint8

const (
	guardPassing  guardState = iota // delivering every event
	guardWatching                   // a resumed connection's first event decides
	guardDropping                   // a replay: dropping up to and including after
)

// resume arms the guard for a connection opened with Last-Event-ID: id.
func (g *replayGuard) resume(id string) {
	if id == "" {
		g.state = guardPassing
		return
	}
	g.after, g.state, g.ownID = id, guardWatching, false
	g.afterN, g.afterInt = parseID(id)
}

// watch returns the body a resumed connection is parsed from: body itself,
// or, while the guard waits for the connection's first event, body through
// a reader that notes whether an id field comes before that event's end.
func (g *replayGuard) watch(body io.Reader) io.Reader {
	if g.state != guardWatching {
		return body
	}
	return &firstEventReader{r: body, g: g}
}

// drop reports whether the event whose id is id, the next event with data
// of the connection, was delivered before and must be skipped.
func (g *replayGuard) drop(id string) bool {
	if g.state == guardWatching {
		g.state = guardPassing
		if g.ownID && id != "" && (id == g.after || id == g.first || g.atOrBefore(id)) {
			g.state = guardDropping
		}
	}
	if g.state == guardDropping {
		if n, ok := parseID(id); ok && g.afterInt && n > g.afterN {
			g.state = guardPassing // past X: the replay is over
		} else {
			if id == g.after {
				g.state = guardPassing // X itself is the replay's last event
			}
			return true
		}
	}
	if g.first == "" {
		g.first = id
	}
	return false
}

// atOrBefore reports whether id and after are integers and id <= after.
func (g *replayGuard) atOrBefore(id string) bool {
	n, ok := parseID(id)
	return ok && g.afterInt && n <= g.afterN
}

func parseID(id string) (int64, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	return n, err == nil
}

// firstEventReader passes a resumed connection's body through unchanged and
// scans its lines until the end of its first event with data, noting an id
// field on the way in the guard's ownID. It holds the start of one line
// at most; past that event it only passes bytes on.
type firstEventReader struct {
	r    io.Reader
	g    *replayGuard
	done bool
	data bool    // a data field was seen in the current block
	line [8]byte // the start of the current line
	n    int     // the length of the current line so far
	cr   bool    // the last byte was a CR, which a LF may follow
	more bool    // a line was seen before: a byte order mark may start only the first
}

// Read reads from the body and scans what it read.
func (r *firstEventReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	b := p[:n]
	for len(b) > 0 && !r.done {
		if r.cr && b[0] == '\n' {
			r.cr = false
			b = b[1:]
			continue
		}
		r.cr = false
		i := bytes.IndexAny(b, "\r\n")
		if i < 0 {
			r.add(b)
			break
		}
		r.add(b[:i])
		r.endLine()
		r.cr = b[i] == '\r'
		b = b[i+1:]
	}
	return n, err
}

func (r *firstEventReader) add(b []byte) {
	if r.n < len(r.line) {
		copy(r.line[r.n:], b)
	}
	r.n += len(b)
}

// endLine notes an id or data field; a blank line after a data field ends
// the first event.
func (r *firstEventReader) endLine() {
	line := r.line[:min(r.n, len(r.line))]
	if !r.more {
		line = bytes.TrimPrefix(line, []byte(bom))
		r.more = true
	}
	empty := r.n == 0
	r.n = 0
	switch {
	case empty && r.data:
		r.done = true
	case isField(line, "id"):
		r.g.ownID = true
	case isField(line, "data"):
		r.data = true
	}
}

// isField reports whether line (or its start) is a field named name.
func isField(line []byte, name string) bool {
	rest, ok := bytes.CutPrefix(line, []byte(name))
	return ok && (len(rest) == 0 || rest[0] == ':')
}
