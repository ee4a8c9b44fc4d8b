package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// The profile both ways: 2,000 fields of 500 bytes, about 1 MB in all.
const (
	profileFields = 2000
	fieldBytes    = 500
)

// largeValue stores one large object as a single JSON string (the pitfall)
// and as a hash (the fix), then changes one field in each.
func largeValue(ctx context.Context, out io.Writer, l *lab) error {
	rdb := l.rdb
	const blobKey, hashKey = "pit:big:profile:json", "pit:big:profile:hash"
	defer rdb.Unlink(context.WithoutCancel(ctx), blobKey, hashKey)

	fields := make(map[string]string, profileFields)
	for i := range profileFields {
		fields[fmt.Sprintf("field%04d", i)] = strings.Repeat("v", fieldBytes)
	}
	blob, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	if err := rdb.Set(ctx, blobKey, blob, 0).Err(); err != nil {
		return err
	}
	if err := rdb.HSet(ctx, hashKey, fields).Err(); err != nil {
		return err
	}
	fmt.Fprintf(out, "  one profile of %d fields, %s as JSON\n", profileFields, human(int64(len(blob))))

	// The pitfall: to change one field, read it all, decode, encode, write
	// it all. Redis is busy for the whole transfer, twice.
	start := time.Now()
	moved, err := updateBlobField(ctx, rdb, blobKey, "field0042", "changed")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  pitfall: change one field of the string: GET + SET moved %d bytes, took %s\n", moved, round(time.Since(start)))

	// The fix: HSET changes just that field, in place.
	start = time.Now()
	if err := rdb.HSet(ctx, hashKey, "field0042", "changed").Err(); err != nil {
		return err
	}
	fmt.Fprintf(out, "  fix:     change one field of the hash: HSET moved %d bytes, took %s\n", len("field0042")+len("changed"), round(time.Since(start)))

	// Memory is about the same either way: the hash wins on access, not size.
	for _, key := range []string{blobKey, hashKey} {
		// MEMORY USAGE samples 5 fields of a hash and extrapolates: exact
		// here, since all fields are the same size.
		n, err := rdb.MemoryUsage(ctx, key).Result()
		if err != nil {
			return fmt.Errorf("MEMORY USAGE %s: %w", key, err)
		}
		fmt.Fprintf(out, "  MEMORY USAGE %s → %s\n", key, human(n))
	}
	return nil
}

// updateBlobField is the read-modify-write of one field of a JSON string.
// It returns how many bytes went over the wire. (It is also a race: two
// clients doing this at once lose one's change. HSET has no such problem.)
func updateBlobField(ctx context.Context, rdb *redis.Client, key, field, value string) (int, error) {
	blob, err := rdb.Get(ctx, key).Bytes()
	if err != nil {
		return 0, err
	}
	var doc map[string]string
	if err := json.Unmarshal(blob, &doc); err != nil {
		return 0, err
	}
	doc[field] = value
	updated, err := json.Marshal(doc)
	if err != nil {
		return 0, err
	}
	if err := rdb.Set(ctx, key, updated, 0).Err(); err != nil {
		return 0, err
	}
	return len(blob) + len(updated), nil
}
