package main

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

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
	// TODO(exercise): in one atomic round trip, INCR key and, on the window's first request only, PEXPIRE it; allowed is count <= limit.
	return false, errNotDone
}
