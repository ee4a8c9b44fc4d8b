package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// fixedWindow counts a request and starts the window on its first one.
// Redis runs a script alone, so nothing can happen between the INCR and
// the PEXPIRE. Checking the TTL rather than the count (n == 1) also repairs
// a counter that lost its expiry somehow (a PERSIST by hand, say).
var fixedWindow = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// AllowFixed is a fixed-window rate limiter: the counter at key counts the
// requests of the current window, and the window ends when the key expires,
// window after its FIRST request. AllowFixed counts one request (allowed or
// not) and reports whether it is among the first limit of its window.
//
// It makes exactly one round trip, and it is atomic: the counting and the
// expiry travel together (a Lua script, or INCR and PEXPIRE inside
// MULTI/EXEC), so that no crash or lost connection can leave a counter
// without expiry (which would block the client for ever). The expiry is
// set on the window's first request only: later requests must not push the
// window's end back.
//
// A limit below 1 or a window under a millisecond is an error.
func AllowFixed(ctx context.Context, rdb *redis.Client, key string, limit int, window time.Duration) (bool, error) {
	if limit < 1 {
		return false, fmt.Errorf("rate limit %d: allow at least 1 request per window", limit)
	}
	if window < time.Millisecond {
		return false, fmt.Errorf("window %v: Redis expires keys in whole milliseconds; use at least 1ms", window)
	}
	// Run sends EVALSHA, and EVAL only the first time (when the server
	// does not know the script yet).
	n, err := fixedWindow.Run(ctx, rdb, []string{key}, window.Milliseconds()).Int64()
	if err != nil {
		return false, fmt.Errorf("rate limit %s: %w", key, err)
	}
	return n <= int64(limit), nil
}
