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

// touchSession writes only to a session that exists. Redis runs the script
// alone: the key cannot expire between the EXISTS and the writes.
var touchSession = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  return 0
end
redis.call('HSET', KEYS[1], 'last_active', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`)

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
	if ttl < time.Millisecond {
		return false, fmt.Errorf("touch %s: TTL %v: use at least a millisecond", key, ttl)
	}
	n, err := touchSession.Run(ctx, rdb, []string{key}, ttl.Milliseconds(), now.UnixMilli()).Int()
	if err != nil {
		return false, fmt.Errorf("touch %s: %w", key, err)
	}
	return n == 1, nil
}
