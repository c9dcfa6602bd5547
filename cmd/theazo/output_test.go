package main

import (
	"bytes"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	for _, tc := range []struct {
		name   string
		tty    bool
		env    map[string]string
		colour bool
	}{
		{"terminal", true, nil, true},
		{"pipe", false, nil, false},
		{"NO_COLOR", true, map[string]string{"NO_COLOR": "1"}, false},
		{"TERM=dumb", true, map[string]string{"TERM": "dumb"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			a := &app{stdout: &out, outTTY: tc.tty, getenv: func(k string) string { return tc.env[k] }}
			tb := a.table("ID", "NAME")
			tb.row("a_1", "one")
			assert.NoError(t, tb.print())
			assert.Equal(t, tc.colour, bytes.Contains(out.Bytes(), []byte("\x1b[")), out.String())
			assert.Contains(t, out.String(), "a_1  one\n", "rows stay aligned")
		})
	}
}

func TestSpinnerOnlyOnATerminal(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tty     bool
		noColor string
		want    bool
	}{{"terminal", true, "", true}, {"pipe", false, "", false}, {"NO_COLOR", true, "1", false}} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				var errb bytes.Buffer
				a := &app{stderr: &errb, errTTY: tc.tty, getenv: func(k string) string {
					if k == "NO_COLOR" {
						return tc.noColor
					}
					return ""
				}}
				stop := a.spin("waiting")
				time.Sleep(3 * spinInterval / 2)
				stop()
				stop() // idempotent
				assert.Equal(t, tc.want, bytes.Contains(errb.Bytes(), []byte("waiting")), "%q", errb.String())
				if tc.want {
					assert.True(t, bytes.HasSuffix(errb.Bytes(), []byte("\r\x1b[K")), "the spinner's line is cleared")
				}
			})
		})
	}
}

func TestAgoAndCostLimits(t *testing.T) {
	now := time.Date(2026, 5, 14, 12, 0, 0, 0, time.UTC)
	a := &app{now: func() time.Time { return now }}
	for in, want := range map[time.Duration]string{
		-10 * time.Second: "just now", -5 * time.Minute: "5m ago", -3 * time.Hour: "3h ago",
		-49 * time.Hour: "2d ago", 90 * time.Minute: "in 1h", -40 * 24 * time.Hour: "2026-04-04",
	} {
		assert.Equal(t, want, a.ago(now.Add(in)), "%s", in)
	}
	assert.Equal(t, "", a.ago(time.Time{}))

	c, err := parseCostLimit("12.5EUR/month")
	assert.NoError(t, err)
	assert.Equal(t, int64(1250), c.Amount)
	assert.Equal(t, "eur", c.Currency)
	for _, bad := range []string{"5", "5usd", "usd/day", "5.123usd/day", "5usd/week"} {
		_, err := parseCostLimit(bad)
		assert.Error(t, err, bad)
	}
}
