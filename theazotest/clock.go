package theazotest

import (
	"errors"
	"sync/atomic"
	"time"
)

// ErrNoManualClock is returned by AdvanceClock and SetClock on a server
// made without WithManualClock.
var ErrNoManualClock = errors.New("theazotest: the server's clock is not manual (see WithManualClock)")

// manualClock is a clock that moves only when told to. It is read with or
// without s.mu held (the server's now), hence atomic; it moves with s.mu
// held, so that moves and the firings they cause come one at a time.
type manualClock struct {
	t atomic.Pointer[time.Time]
}

func newManualClock(start time.Time) *manualClock {
	m := &manualClock{}
	m.t.Store(&start)
	return m
}

func (m *manualClock) now() time.Time { return *m.t.Load() }

// WithManualClock makes the server's clock stand at start and move only
// when AdvanceClock or SetClock moves it. Schedules then fire as the clock
// passes their cron times, at once and in the order of their creation,
// before AdvanceClock or SetClock returns.
//
// With any other clock (time.Now by default, or WithClock's), the server
// checks every second for schedules whose time has come.
func WithManualClock(start time.Time) Option {
	return func(c *config) {
		c.manual = newManualClock(start.UTC())
		c.now = c.manual.now
	}
}

// AdvanceClock moves a manual clock forward by d, fires the schedules
// whose next run it passed, and returns the new time and those firings.
// d must not be negative.
func (s *Server) AdvanceClock(d time.Duration) (time.Time, []Firing, error) {
	if d < 0 {
		return time.Time{}, nil, errors.New("theazotest: the clock moves forward only")
	}
	return s.moveClock(func(t time.Time) time.Time { return t.Add(d) })
}

// SetClock sets a manual clock to t, which must not be before its time,
// fires the schedules whose next run it passed, and returns the firings.
func (s *Server) SetClock(t time.Time) ([]Firing, error) {
	_, fired, err := s.moveClock(func(now time.Time) time.Time {
		if t.Before(now) {
			return time.Time{}
		}
		return t.UTC()
	})
	return fired, err
}

// moveClock moves the manual clock to next(now), then fires what is due.
func (s *Server) moveClock(next func(time.Time) time.Time) (time.Time, []Firing, error) {
	m := s.cfg.manual
	if m == nil {
		return time.Time{}, nil, ErrNoManualClock
	}
	var t time.Time
	var fired []Firing
	s.locked(func() {
		if t = next(m.now()); !t.IsZero() {
			m.t.Store(&t)
			fired = s.fireDue()
		}
	})
	if t.IsZero() {
		return time.Time{}, nil, errors.New("theazotest: the clock moves forward only")
	}
	return t, fired, nil
}

// watchSchedules fires due schedules every second, for clocks that move
// by themselves; it returns when the server closes.
func (s *Server) watchSchedules() {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-tick.C:
			s.locked(func() { s.fireDue() })
		}
	}
}
