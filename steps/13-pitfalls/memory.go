package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// Values for the memory pitfall: 64 values of 128 KB, 8 MB in all, against
// a limit 2 MB above what the server already uses.
const (
	memoryValues   = 64
	memoryValueLen = 128 << 10
	memoryHeadroom = 2 << 20
)

// memoryLimits sets maxmemory just above what the server uses and writes
// past it twice: with allkeys-lru, Redis evicts old keys to make room; with
// noeviction, it refuses the write with an OOM error.
func memoryLimits(ctx context.Context, out io.Writer, l *lab) (err error) {
	used, err := l.info(ctx, "memory", "used_memory")
	if err != nil {
		return err
	}
	restorePolicy, err := l.set(ctx, "maxmemory-policy", "noeviction")
	if err != nil {
		return err
	}
	defer restoreInto(&err, restorePolicy)
	restoreLimit, err := l.set(ctx, "maxmemory", fmt.Sprint(used+memoryHeadroom))
	if err != nil {
		return err
	}
	defer restoreInto(&err, restoreLimit) // runs first: the limit goes before the policy
	defer deleteMatching(ctx, l.rdb, "pit:mem:*")
	fmt.Fprintf(out, "  maxmemory set %s above what the server uses; writing %d values of %s\n", human(memoryHeadroom), memoryValues, human(memoryValueLen))

	// For a cache: allkeys-lru evicts the least recently used keys.
	if err := l.rdb.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err(); err != nil {
		return err
	}
	evictedBefore, err := l.info(ctx, "stats", "evicted_keys")
	if err != nil {
		return err
	}
	written, refusal, err := l.fill(ctx, "pit:mem:lru:")
	if err != nil {
		return err
	}
	evictedAfter, err := l.info(ctx, "stats", "evicted_keys")
	if err != nil {
		return err
	}
	left, err := scanAll(ctx, l.rdb, "pit:mem:lru:*")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  allkeys-lru: %d of %d writes accepted; keys evicted to make room: %t; fewer than %d keys left: %t\n",
		written, memoryValues, evictedAfter > evictedBefore, memoryValues, left < memoryValues)
	if refusal != nil {
		fmt.Fprintf(out, "               refused: %v\n", refusal)
	}
	if _, err := deleteMatching(ctx, l.rdb, "pit:mem:lru:*"); err != nil {
		return err
	}

	// For data you must not lose: noeviction keeps every key and refuses
	// writes instead. Your code sees the error and must handle it.
	if err := l.rdb.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err(); err != nil {
		return err
	}
	written, refusal, err = l.fill(ctx, "pit:mem:keep:")
	if err != nil {
		return err
	}
	left, err = scanAll(ctx, l.rdb, "pit:mem:keep:*")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  noeviction:  refused before the last write: %t; every accepted key kept: %t\n", written < memoryValues, left == written)
	fmt.Fprintf(out, "               the refusal: %v\n", refusal)
	return nil
}

// fill writes the values under prefix until one is refused. It returns how
// many were accepted and the refusal (an OOM error), if any.
func (l *lab) fill(ctx context.Context, prefix string) (int, error, error) {
	value := strings.Repeat("m", memoryValueLen)
	for i := range memoryValues {
		err := l.rdb.Set(ctx, fmt.Sprintf("%s%d", prefix, i), value, 0).Err()
		if err != nil {
			if strings.HasPrefix(err.Error(), "OOM ") {
				return i, err, nil
			}
			return i, nil, err
		}
	}
	return memoryValues, nil, nil
}
