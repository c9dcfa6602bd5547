package redisgovernor

import (
	"log/slog"
	"time"
)

// Option configures a Governor.
type Option func(*config)

type config struct {
	replicas int
	burst    int
	timeout  time.Duration
	probe    time.Duration
	logger   *slog.Logger
}

// WithReplicas says how many replicas are expected to share the key; while
// Redis cannot be reached each paces itself to perMinute divided by this
// (and its burst likewise). Default 1.
func WithReplicas(n int) Option { return func(c *config) { c.replicas = n } }

// WithBurst is how many requests may go at once after a quiet spell (the
// GCRA's burst). Default perMinute/100, at least 1: with perMinute at 90% of
// the plan, a burst on top stays within the plan's one-minute window.
func WithBurst(n int) Option { return func(c *config) { c.burst = n } }

// WithTimeout bounds each Redis call; past it the governor falls back to its
// local limit. Default 50 ms.
func WithTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// WithProbeInterval is how often, while Redis cannot be reached, one call
// asks it again. Default 1 s.
func WithProbeInterval(d time.Duration) Option { return func(c *config) { c.probe = d } }

// WithLogger is where the governor says that Redis failed and that it answers
// again, once each time. Default slog.Default(); pass the logger given to
// theazo.WithLogger to keep the client's log in one place.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.logger = l } }
