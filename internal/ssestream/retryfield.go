package ssestream

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"time"
)

// bom is the UTF-8 byte order mark an event stream may start with.
const bom = "\xEF\xBB\xBF"

// retryReader passes a connection's body through unchanged but for a
// leading byte order mark, and calls set with the value of every valid
// retry: field it sees ("retry:", an optional space, ASCII digits: a
// reconnection time in milliseconds). It holds the start of one line at
// most, so its memory is constant whatever the stream. go-sse's Read, which
// parses the same bytes, reports no retry: field.
//
// The mark is dropped here because go-sse drops one only at the start of
// its input, which for a resumed connection is the line Stream.source puts
// first.
type retryReader struct {
	r   io.Reader
	set func(time.Duration)

	started bool
	line    [32]byte // the start of the current line
	n       int      // the length of the current line so far
	cr      bool     // the last byte was a CR, which a LF may follow
}

// Read reads from the body and scans what it read.
func (r *retryReader) Read(p []byte) (int, error) {
	if !r.started {
		// Waiting for 3 bytes delays no event: none is shorter.
		r.started = true
		br := bufio.NewReaderSize(r.r, 16)
		if b, _ := br.Peek(len(bom)); string(b) == bom {
			br.Discard(len(bom))
		}
		r.r = br
	}
	n, err := r.r.Read(p)
	r.scan(p[:n])
	return n, err
}

// scan follows the lines of b: CR, LF and CRLF each end a line.
func (r *retryReader) scan(b []byte) {
	for len(b) > 0 {
		if r.cr && b[0] == '\n' {
			r.cr = false
			b = b[1:]
			continue
		}
		r.cr = false
		if r.n == 0 && bytes.IndexByte(b, '\r') < 0 && !bytes.Contains(b, []byte("retry:")) {
			// No line of b is a retry: field, and LF alone ends them:
			// only the last line, if unfinished, matters. (Three
			// vectorised searches per read instead of some per line.)
			r.add(b[bytes.LastIndexByte(b, '\n')+1:])
			return
		}
		i := LineEnd(b)
		if i < 0 {
			r.add(b)
			return
		}
		r.add(b[:i])
		r.endLine()
		r.cr = b[i] == '\r'
		b = b[i+1:]
	}
}

// LineEnd returns the index of the first CR or LF of b, or -1: two
// vectorised byte searches, where bytes.IndexAny looks at each byte in turn.
func LineEnd(b []byte) int {
	lf := bytes.IndexByte(b, '\n')
	head := b
	if lf >= 0 {
		head = b[:lf]
	}
	if cr := bytes.IndexByte(head, '\r'); cr >= 0 {
		return cr
	}
	return lf
}

func (r *retryReader) add(b []byte) {
	if r.n < len(r.line) {
		copy(r.line[r.n:], b)
	}
	r.n += len(b)
}

// endLine reads a complete retry: line. A longer line than the buffer holds
// is not one: its value would be more than 10^20 ms.
func (r *retryReader) endLine() {
	line := r.line[:min(r.n, len(r.line))]
	long := r.n > len(r.line)
	r.n = 0
	value, ok := bytes.CutPrefix(line, []byte("retry:"))
	if !ok || long {
		return
	}
	value = bytes.TrimPrefix(value, []byte(" "))
	if len(value) == 0 || bytes.ContainsFunc(value, func(c rune) bool { return c < '0' || c > '9' }) {
		return
	}
	ms, err := strconv.ParseInt(string(value), 10, 64)
	if err != nil || ms > int64(time.Duration(1<<62)/time.Millisecond) {
		ms = int64(time.Duration(1<<62) / time.Millisecond) // more than any cap
	}
	r.set(time.Duration(ms) * time.Millisecond)
}
