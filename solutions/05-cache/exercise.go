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

// NameLoader is the slow source a cache sits in front of: a database query
// that returns product id's name.
type NameLoader func(ctx context.Context, id int) (string, error)

// CachedName returns product id's name, read through a cache in Redis:
//
//   - when the key "exercise:product:<id>:name" exists, its value, without
//     calling load (a hit);
//   - otherwise load's answer, stored under that key with the time to live
//     ttl, then returned (a miss). Entry and TTL are written by one
//     command, so that no entry ever lives without its expiry.
//
// An error from load is returned, wrapped, and nothing is cached. A
// Redis error other than "no such key" is returned too: it is not a miss.
// A ttl that is not positive is an error: every cache entry needs an
// expiry. Invalidating an entry is deleting its key (from any process):
// the next call then loads again.
func CachedName(ctx context.Context, rdb *redis.Client, id int, ttl time.Duration, load NameLoader) (string, error) {
	if ttl <= 0 {
		return "", fmt.Errorf("cache TTL %v is not positive: every cache entry needs an expiry, e.g. 10*time.Minute", ttl)
	}
	key := fmt.Sprintf("exercise:product:%d:name", id)
	name, err := rdb.Get(ctx, key).Result()
	if err == nil {
		return name, nil // a hit
	}
	if !errors.Is(err, redis.Nil) {
		// Redis answered something other than "no such key" (WRONGTYPE, a
		// timeout...): calling the database would hide the problem.
		return "", fmt.Errorf("reading %s: %w", key, err)
	}
	name, err = load(ctx, id)
	if err != nil {
		return "", fmt.Errorf("loading product %d: %w", id, err) // never cached
	}
	// SET key value PX ttl: value and expiry in one command.
	if err := rdb.Set(ctx, key, name, ttl).Err(); err != nil {
		return "", fmt.Errorf("caching %s: %w", key, err)
	}
	return name, nil
}
