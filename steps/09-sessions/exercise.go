package main

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// Touch records that the session whose hash is at key was just used: its
// field last_active becomes now, in Unix milliseconds, and its time to live
// becomes ttl again. It returns true when it did that, and false, writing
// nothing at all, when the session is gone (expired, logged out, or never
// there).
//
// A session may expire at any moment, including between two of Touch's
// commands: Touch must never bring an expired session back (HSET on a
// missing key creates a new hash, with no TTL). Check and write in one
// atomic step.
func Touch(ctx context.Context, rdb *redis.Client, key string, ttl time.Duration, now time.Time) (bool, error) {
	// TODO(exercise): in one atomic step (a Lua script, like the lesson's touchScript), write last_active and PEXPIRE only if the key exists; return whether it did.
	return false, errNotDone
}
