package ssestream

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The guard itself: which events of a resumed connection it drops.
func TestReplayGuard(t *testing.T) {
	tests := []struct {
		name      string
		delivered []string // ids delivered before the resumption
		after     string   // the Last-Event-ID of the resumption
		ownID     bool
		next      []string // ids of the resumed connection's events
		dropped   []bool
	}{
		{"honoured", []string{"1", "2"}, "2", true, []string{"3", "4"}, []bool{false, false}},
		{"replay from the start", []string{"1", "2"}, "2", true, []string{"1", "2", "3"}, []bool{true, true, false}},
		{"replay of X", []string{"x", "y"}, "y", true, []string{"y", "z"}, []bool{true, false}},
		{"replay from the first opaque id", []string{"x", "y", "z"}, "z", true, []string{"x", "y", "z", "w"}, []bool{true, true, true, false}},
		{"integer replay with a gap", []string{"1", "5"}, "5", true, []string{"1", "3", "6", "7"}, []bool{true, true, false, false}},
		{"first event has no own id", []string{"1", "2"}, "2", false, []string{"2", "3"}, []bool{false, false}},
		{"new opaque id", []string{"x"}, "x", true, []string{"q", "x"}, []bool{false, false}},
		{"empty id", []string{"1"}, "1", true, []string{"", "2"}, []bool{false, false}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var g replayGuard
			for _, id := range tc.delivered {
				require.False(t, g.drop(id))
			}
			g.resume(tc.after)
			g.ownID = tc.ownID
			var got []bool
			for _, id := range tc.next {
				got = append(got, g.drop(id))
			}
			assert.Equal(t, tc.dropped, got)
		})
	}
}
