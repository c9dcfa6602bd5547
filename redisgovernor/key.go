package redisgovernor

import (
	"crypto/sha256"
	"encoding/hex"
)

// KeyFor returns a key name for New derived from apiKey: "theazo:" and the
// first 16 bytes of its SHA-256, in hex. Replicas configured with the same
// API key find the same budget without agreeing on a name, and a Redis dump
// shows only the hash.
func KeyFor(apiKey string) string {
	sum := sha256.Sum256([]byte(apiKey))
	return "theazo:" + hex.EncodeToString(sum[:16])
}
