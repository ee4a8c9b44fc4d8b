package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// listpackLimits are the two settings that decide when a hash stops being
// a compact listpack (one contiguous block, scanned linearly) and becomes a
// real hash table (faster lookups in big hashes, much more memory).
type listpackLimits struct {
	Entries int // hash-max-listpack-entries: most fields a listpack hash holds
	Value   int // hash-max-listpack-value: longest field or value, in bytes
}

// readListpackLimits asks the server for its thresholds. They are server
// settings, so read them rather than trust a number from a tutorial:
// Redis 8.0 allows 512 entries where older releases allowed 128.
func readListpackLimits(ctx context.Context, rdb *redis.Client) (listpackLimits, error) {
	var l listpackLimits
	for name, dst := range map[string]*int{"hash-max-listpack-entries": &l.Entries, "hash-max-listpack-value": &l.Value} {
		vals, err := rdb.ConfigGet(ctx, name).Result()
		if err != nil {
			return l, fmt.Errorf("CONFIG GET %s: %w", name, err)
		}
		n, err := strconv.Atoi(vals[name])
		if err != nil {
			return l, fmt.Errorf("CONFIG GET %s answered %q, not a number", name, vals[name])
		}
		*dst = n
	}
	return l, nil
}

// hashEncoding fills a hash up to the listpack limit, then one field past
// it, and measures the memory each way; then it shows that one long value
// is enough to convert a small hash too.
func hashEncoding(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintln(out, "--- 2. Small hashes: listpack encoding ---")
	limits, err := readListpackLimits(ctx, rdb)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "CONFIG GET hash-max-listpack-entries → %d, hash-max-listpack-value → %d bytes\n", limits.Entries, limits.Value)

	key := appPrefix + "encoding:counts"
	long := appPrefix + "encoding:long"
	defer rdb.Unlink(context.WithoutCancel(ctx), key, long)
	if err := rdb.Unlink(ctx, key, long).Err(); err != nil {
		return err
	}

	// Exactly at the limit: still a listpack.
	fields := make([]any, 0, 2*limits.Entries)
	for i := range limits.Entries {
		fields = append(fields, fmt.Sprintf("f%04d", i), i)
	}
	if err := rdb.HSet(ctx, key, fields...).Err(); err != nil {
		return fmt.Errorf("HSET %s: %w", key, err)
	}
	small, err := describeHash(ctx, out, rdb, key)
	if err != nil {
		return err
	}

	// One field more and Redis converts the hash, for good: it does not
	// convert back if the hash shrinks again.
	if err := rdb.HSet(ctx, key, "one-too-many", 1).Err(); err != nil {
		return fmt.Errorf("HSET %s: %w", key, err)
	}
	big, err := describeHash(ctx, out, rdb, key)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "one field more costs %.1fx the memory\n", float64(big)/float64(small))

	// One value longer than the limit converts even a two-field hash.
	if err := rdb.HSet(ctx, long, "name", "Ada", "bio", strings.Repeat("x", limits.Value+1)).Err(); err != nil {
		return fmt.Errorf("HSET %s: %w", long, err)
	}
	_, err = describeHash(ctx, out, rdb, long)
	return err
}

// describeHash prints a hash's size, encoding and memory, and returns the
// memory in bytes.
func describeHash(ctx context.Context, out io.Writer, rdb *redis.Client, key string) (int64, error) {
	n, err := rdb.HLen(ctx, key).Result()
	if err != nil {
		return 0, fmt.Errorf("HLEN %s: %w", key, err)
	}
	enc, err := rdb.ObjectEncoding(ctx, key).Result()
	if err != nil {
		return 0, fmt.Errorf("OBJECT ENCODING %s: %w", key, err)
	}
	// For a big hash, MEMORY USAGE measures five fields and extrapolates;
	// these fields are all alike, so that is accurate. Add SAMPLES 0 (in
	// go-redis, a third argument 0) to measure every field of a real one.
	mem, err := rdb.MemoryUsage(ctx, key).Result()
	if err != nil {
		return 0, fmt.Errorf("MEMORY USAGE %s: %w", key, err)
	}
	fmt.Fprintf(out, "%-24s %4d fields  OBJECT ENCODING → %-9s  MEMORY USAGE → %d bytes\n", key, n, enc, mem)
	return mem, nil
}
