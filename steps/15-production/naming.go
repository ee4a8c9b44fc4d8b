package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/redis/go-redis/v9"
)

// appPrefix is the first segment of every key this step writes. One
// namespace per application lets several applications share a server, and
// lets this step find and remove exactly its own keys.
const appPrefix = "shop:"

// exampleKeys follow the convention app:entity:id[:part], colons between
// segments, the entity type before the id. Redis itself sees only strings;
// the colons are for people, monitoring tools and SCAN MATCH patterns.
var exampleKeys = map[string]string{
	appPrefix + "user:1001:profile":          `{"name":"Ada"}`,
	appPrefix + "user:1001:settings":         `{"theme":"dark"}`,
	appPrefix + "user:1002:profile":          `{"name":"Grace"}`,
	appPrefix + "cache:api:products:42":      `{"id":42}`,
	appPrefix + "cache:api:products:43":      `{"id":43}`,
	appPrefix + "session:abc123":             "user:1001",
	appPrefix + "session:def456":             "user:1002",
	appPrefix + "ratelimit:user:1001:minute": "7",
}

// keyNaming writes keys named by the convention, then uses their prefixes
// to find one user's keys and to drop a whole cache namespace.
func keyNaming(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintln(out, "--- 1. Key naming and SCAN by prefix ---")
	if _, err := deleteByPattern(ctx, rdb, appPrefix+"*"); err != nil {
		return err
	}
	// One round trip for all the writes (step 10's pipelines).
	if _, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for k, v := range exampleKeys {
			p.Set(ctx, k, v, 0)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("writing the example keys: %w", err)
	}
	fmt.Fprintf(out, "wrote %d keys named app:entity:id[:part]\n", len(exampleKeys))

	// Everything about user 1001, whatever kind of key holds it: the
	// entity type comes first in the name, so one pattern finds it all.
	for _, pattern := range []string{appPrefix + "user:1001:*", appPrefix + "cache:api:products:*", appPrefix + "session:*"} {
		keys, err := scanKeys(ctx, rdb, pattern)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "SCAN MATCH %-26s → %v\n", pattern, keys)
	}

	// Invalidating a whole cache namespace is SCAN + UNLINK by prefix,
	// never KEYS (which blocks the server while it walks every key).
	n, err := deleteByPattern(ctx, rdb, appPrefix+"cache:*")
	if err != nil {
		return err
	}
	left, err := scanKeys(ctx, rdb, appPrefix+"*")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "dropped the cache namespace: %d keys unlinked, %d keys of the app left\n", n, len(left))
	_, err = deleteByPattern(ctx, rdb, appPrefix+"*")
	return err
}

// scanKeys returns the keys matching pattern, sorted: SCAN walks the
// keyspace in pages of about COUNT keys and returns them in no set order.
func scanKeys(ctx context.Context, rdb *redis.Client, pattern string) ([]string, error) {
	var keys []string
	iter := rdb.Scan(ctx, 0, pattern, 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return nil, fmt.Errorf("SCAN MATCH %s: %w", pattern, err)
	}
	slices.Sort(keys)
	// SCAN may return a key twice if the keyspace is resized meanwhile.
	return slices.Compact(keys), nil
}

// deleteByPattern unlinks every key matching pattern, a page at a time, so
// that no single command holds the server for long.
func deleteByPattern(ctx context.Context, rdb *redis.Client, pattern string) (int64, error) {
	var total int64
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, pattern, 500).Result()
		if err != nil {
			return total, fmt.Errorf("SCAN MATCH %s: %w", pattern, err)
		}
		if len(keys) > 0 {
			n, err := rdb.Unlink(ctx, keys...).Result()
			if err != nil {
				return total, fmt.Errorf("UNLINK: %w", err)
			}
			total += n
		}
		if cursor = next; cursor == 0 {
			return total, nil
		}
	}
}
