package ssestream

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRetryReader(t *testing.T) {
	tests := []struct {
		body string
		want []time.Duration
	}{
		{body: "retry: 10\n", want: []time.Duration{10 * time.Millisecond}},
		{body: "retry:10\r\n", want: []time.Duration{10 * time.Millisecond}},
		{body: "retry: 10\rretry: 20\r\n", want: []time.Duration{10 * time.Millisecond, 20 * time.Millisecond}},
		{body: "retry:  10\n"},       // two spaces: not digits
		{body: "retry: 10 \n"},       // trailing space
		{body: "retry: \n"},          // empty
		{body: "retry\n"},            // no colon: an empty value
		{body: "Retry: 10\n"},        // field names are case-sensitive
		{body: ": retry: 10\n"},      // a comment
		{body: "data: retry: 10\n"},  // a value
		{body: "data: x\nretry: 10"}, // an unfinished line is no field yet
		{body: "\xEF\xBB\xBFretry: 5\n", want: []time.Duration{5 * time.Millisecond}},
		{body: "retry: 0\n", want: []time.Duration{0}},
		{body: "data: " + strings.Repeat("x", 100) + "retry: 1\nretry: 2\n", want: []time.Duration{2 * time.Millisecond}},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 2, 3, 7, 1 << 10} {
			t.Run(fmt.Sprintf("%q/%d", tc.body, chunk), func(t *testing.T) {
				var got []time.Duration
				r := &retryReader{r: &chunked{s: tc.body, n: chunk}, set: func(d time.Duration) { got = append(got, d) }}
				var out strings.Builder
				buf := make([]byte, 64)
				for {
					n, err := r.Read(buf)
					out.Write(buf[:n])
					if err != nil {
						break
					}
				}
				assert.Equal(t, tc.want, got)
				assert.Equal(t, strings.TrimPrefix(tc.body, bom), out.String(), "the body passes through")
			})
		}
	}
}

// chunked reads s at most n bytes at a time.
type chunked struct {
	s string
	n int
}

func (c *chunked) Read(p []byte) (int, error) {
	if c.s == "" {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), c.n)], c.s)
	c.s = c.s[n:]
	return n, nil
}

// FuzzRetryReader reads arbitrary bytes through a retryReader in chunks of
// an arbitrary size. Properties: the bytes pass through unchanged but for a
// leading byte order mark; the retry: values reported are those of the
// complete lines "retry:" + an optional space + ASCII digits (of at most 32
// bytes), in order, whatever the chunking.
func FuzzRetryReader(f *testing.F) {
	f.Add("retry: 10\n", uint8(1))
	f.Add("\xEF\xBB\xBFretry:5\r\ndata: x\rretry: 7\r", uint8(2))
	f.Add("retry: 99999999999999999999\nretry: 1\n", uint8(3))
	f.Add("data: retry: 1\n: retry: 2\nretry: 3 \nretry:  4\n", uint8(5))
	lineEnd := regexp.MustCompile("\r\n|\r|\n")
	f.Fuzz(func(t *testing.T, body string, chunk uint8) {
		var got []time.Duration
		r := &retryReader{r: &chunked{s: body, n: int(chunk%64) + 1}, set: func(d time.Duration) { got = append(got, d) }}
		out, err := io.ReadAll(r)
		require.NoError(t, err)
		stripped := strings.TrimPrefix(body, bom)
		assert.Equal(t, stripped, string(out))

		var want []time.Duration
		lines := lineEnd.Split(stripped, -1)
		for _, line := range lines[:len(lines)-1] { // the last one is unfinished
			v, ok := strings.CutPrefix(line, "retry:")
			v = strings.TrimPrefix(v, " ")
			if !ok || len(line) > 32 || v == "" || strings.Trim(v, "0123456789") != "" {
				continue
			}
			ms, err := strconv.ParseInt(v, 10, 64)
			if err != nil || ms > int64(time.Duration(1<<62)/time.Millisecond) {
				ms = int64(time.Duration(1<<62) / time.Millisecond)
			}
			want = append(want, time.Duration(ms)*time.Millisecond)
		}
		assert.Equal(t, want, got)
	})
}
