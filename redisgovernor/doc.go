// Package redisgovernor paces the replicas of a backend that share one Theazo
// API key: a rate governor for theazo.WithRateLimiter whose budget and 429
// cool-down live in Redis, so that ten replicas at 90% of the plan send 90%
// of the plan together, not 900%.
//
//	rdb := redis.NewClient(&redis.Options{Addr: "redis:6379"})
//	gov, err := redisgovernor.New(rdb, "theazo:prod", 270, redisgovernor.WithReplicas(10))
//	client := theazo.NewClient(key, theazo.WithRateLimiter(gov))
//
// Admission is redis_rate's GCRA (github.com/go-redis/redis_rate/v10): one
// script call, one round trip, per request let go, bursts of up to
// WithBurst, and a waiting request sleeps until the moment Redis names, never
// polling. A 429 with Retry-After that any replica receives pushes the shared
// GCRA state to the end of that wait, so every replica holds its requests
// until then, and resumes at the limit's pace, not all at once.
//
// Redis down or slow never blocks nor fails a call: each Redis call is given
// WithTimeout (50 ms by default); when one fails the governor logs once and
// paces locally at perMinute divided by WithReplicas, asks Redis again every
// WithProbeInterval, and goes back to it (logging once more) when it answers.
//
// The keys are rate:<key> (the GCRA state) and nothing else; key is a name of
// the caller's choosing, or KeyFor(apiKey), a hash: never the API key itself.
package redisgovernor
