package sse

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	gosse "github.com/tmaxmax/go-sse"
)

// rawEvent is an Event with any name and data.
type rawEvent struct {
	typ  string
	data []byte
}

func (e rawEvent) EventType() string        { return e.typ }
func (e rawEvent) RawJSON() json.RawMessage { return e.data }

// FuzzMessage checks that message writes what go-sse's Message writes for
// the same event, id line included or not, and refuses what go-sse refuses.
func FuzzMessage(f *testing.F) {
	f.Add("thinking", "1", "", []byte(`{"text":"a"}`))
	f.Add("step:complete", "2", "2", []byte("{\n\"a\": 1\r\n}\n"))
	f.Add("", "", "x", []byte("a\rb\r\n\r\nc\r"))
	f.Add("bad\nname", "1", "", []byte(`{}`))
	f.Add("a", "bad\rid", "", []byte(""))
	f.Fuzz(func(t *testing.T, typ, id, last string, data []byte) {
		var want gosse.Message
		var wantErr bool
		var err error
		if want.Type, err = gosse.NewType(typ); err != nil {
			wantErr = true
		}
		if id != last {
			if want.ID, err = gosse.NewID(id); err != nil {
				wantErr = true
			}
		}
		want.AppendData(string(data))
		if n := len(data); n > 0 && (data[n-1] == '\n' || data[n-1] == '\r') {
			want.AppendData("\n")
		}

		var got bytes.Buffer
		lastID := last
		err = message(&got, rawEvent{typ, data}, id, &lastID)
		if wantErr {
			require.Error(t, err)
			return
		}
		require.NoError(t, err)
		var buf bytes.Buffer
		_, err = want.WriteTo(&buf)
		require.NoError(t, err)
		assert.Equal(t, buf.String(), got.String())
		assert.Equal(t, id, lastID)
	})
}
