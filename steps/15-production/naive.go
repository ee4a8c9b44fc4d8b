package main

import (
	"context"

	"github.com/redis/go-redis/v9"
)

// naiveCompareAndSwap is compare-and-swap done from the client: GET, compare
// in Go, SET. Between the GET and the SET another client can write, and the
// SET then overwrites that write without knowing it existed: a lost update.
// between runs in that gap, so a test can put another client's write there.
// Kept only to show why the Lua script exists.
func naiveCompareAndSwap(ctx context.Context, rdb *redis.Client, key, old, new string, between func()) (bool, error) {
	current, err := rdb.Get(ctx, key).Result()
	if err == redis.Nil || err == nil && current != old {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	between()
	return true, rdb.Set(ctx, key, new, 0).Err()
}
