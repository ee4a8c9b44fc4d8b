package main

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// What the chapter answers to "how much memory does a key take?": tens of
// bytes for a small string key by MEMORY USAGE (32 on Redis 8.6.3, 64 on
// 8.0.2), a little more per key in used_memory (the main table's buckets),
// and about a hundred for a small hash of ten fields.
func TestMemoryPerKey(t *testing.T) {
	if testkit.Features(t).Embedded() || testkit.Mode(t) == "embedded" {
		t.Skip("skipped: the embedded server's MEMORY USAGE and used_memory are estimates, not Redis's allocator; run on a real Redis (WORKBOOK_REDIS=binary or container)")
	}
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	version := testkit.Features(t).Version

	require.NoError(t, rdb.Set(ctx, "k", "v", 0).Err())
	small, err := rdb.MemoryUsage(ctx, "k").Result()
	require.NoError(t, err)
	t.Logf("Redis %s: MEMORY USAGE of SET k v = %d bytes", version, small)
	assert.GreaterOrEqual(t, small, int64(16))
	assert.LessOrEqual(t, small, int64(128))
	if features.AtLeast(version, 8, 6) {
		assert.LessOrEqual(t, small, int64(48), "Redis 8.6 packs a small key tighter than 8.0 did")
	}

	fields := []any{}
	for i := 1; i <= 10; i++ {
		fields = append(fields, fmt.Sprintf("f%d", i), fmt.Sprintf("v%d", i))
	}
	require.NoError(t, rdb.HSet(ctx, "h", fields...).Err())
	hash, err := rdb.MemoryUsage(ctx, "h").Result()
	require.NoError(t, err)
	t.Logf("Redis %s: MEMORY USAGE of a 10-field hash = %d bytes (%s)", version, hash, rdb.ObjectEncoding(ctx, "h").Val())
	assert.Equal(t, "listpack", rdb.ObjectEncoding(ctx, "h").Val())
	assert.GreaterOrEqual(t, hash, int64(60))
	assert.LessOrEqual(t, hash, int64(400))

	// used_memory counts what MEMORY USAGE leaves out (the main table, the
	// allocator's rounding): per key it is a little more.
	before := usedMemory(t, rdb)
	const n = 2000
	pipe := rdb.Pipeline()
	for i := 0; i < n; i++ {
		pipe.Set(ctx, "key:"+strconv.Itoa(i), "v"+strconv.Itoa(i), 0)
	}
	_, err = pipe.Exec(ctx)
	require.NoError(t, err)
	perKey := (usedMemory(t, rdb) - before) / n
	t.Logf("Redis %s: used_memory grew %d bytes per small key", version, perKey)
	assert.GreaterOrEqual(t, perKey, int64(32))
	assert.LessOrEqual(t, perKey, int64(200))

	// The same 2000 values as fields of 20 small hashes (100 fields each,
	// under the listpack limit) take far less.
	before = usedMemory(t, rdb)
	pipe = rdb.Pipeline()
	for i := 0; i < n; i++ {
		pipe.HSet(ctx, "bucket:"+strconv.Itoa(i/100), strconv.Itoa(i), "v"+strconv.Itoa(i))
	}
	_, err = pipe.Exec(ctx)
	require.NoError(t, err)
	perField := (usedMemory(t, rdb) - before) / n
	t.Logf("Redis %s: used_memory grew %d bytes per field of a small hash", version, perField)
	assert.Less(t, perField*3, perKey, "a field of a small hash costs less than a third of a key")
}

func usedMemory(t *testing.T, rdb *redis.Client) int64 {
	t.Helper()
	info, err := rdb.Info(testkit.Context(t), "memory").Result()
	require.NoError(t, err)
	n, err := strconv.ParseInt(features.InfoField(info, "used_memory"), 10, 64)
	require.NoError(t, err)
	return n
}
