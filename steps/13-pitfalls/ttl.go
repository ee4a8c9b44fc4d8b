package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/redis/go-redis/v9"
)

// defaultCacheTTL is what the audit gives cache keys that have none.
const defaultCacheTTL = time.Hour

// ttlAudit writes a few cache keys, some without a TTL (the pitfall), finds
// those with SCAN + TTL, and gives them one (the fix).
func ttlAudit(ctx context.Context, out io.Writer, l *lab) error {
	rdb := l.rdb
	defer deleteMatching(ctx, rdb, "pit:cache:*")
	// The pitfall: two of these four were written without an expiry, so
	// they stay until memory runs out or someone deletes them.
	pipe := rdb.Pipeline()
	pipe.Set(ctx, "pit:cache:product:1", "…", 10*time.Minute)
	pipe.Set(ctx, "pit:cache:product:2", "…", 0)
	pipe.Set(ctx, "pit:cache:user:7", "…", 0)
	pipe.Set(ctx, "pit:cache:page:home", "…", time.Minute)
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}

	forever, err := keysWithoutTTL(ctx, rdb, "pit:cache:*")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  pitfall: cache keys without a TTL: %v\n", forever)

	// The fix, for keys already there: give each one an expiry. (For new
	// keys: always write them with SET ... EX, or rdb.Set(ctx, k, v, ttl).)
	// EXPIRE ... NX only sets an expiry where there is none, so a key that
	// got one in the meantime keeps it.
	pipe = rdb.Pipeline()
	for _, key := range forever {
		pipe.ExpireNX(ctx, key, defaultCacheTTL)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	forever, err = keysWithoutTTL(ctx, rdb, "pit:cache:*")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  fix:     EXPIRE key %d NX on each; cache keys without a TTL now: %d\n", int(defaultCacheTTL.Seconds()), len(forever))
	return nil
}

// keysWithoutTTL walks the keys matching pattern with SCAN and asks each
// one's TTL, a page of keys per round trip. TTL answers -1 for a key with
// no expiry (and -2 for one that vanished since the SCAN).
func keysWithoutTTL(ctx context.Context, rdb *redis.Client, pattern string) ([]string, error) {
	var forever []string
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return nil, err
		}
		pipe := rdb.Pipeline()
		ttls := make([]*redis.DurationCmd, len(keys))
		for i, key := range keys {
			ttls[i] = pipe.TTL(ctx, key)
		}
		if _, err := pipe.Exec(ctx); err != nil && len(keys) > 0 {
			return nil, err
		}
		for i, cmd := range ttls {
			if cmd.Val() == -1 { // go-redis keeps TTL's -1 as a Duration of -1
				forever = append(forever, keys[i])
			}
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	sort.Strings(forever) // SCAN's order is the hash table's, not ours
	return forever, nil
}
