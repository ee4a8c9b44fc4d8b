package main

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// naiveGet is the tutorial's get(), ported as it is: three separate
// commands. between runs after the read, where a real session can expire
// (or be destroyed by a logout on another device) at any moment.
func naiveGet(ctx context.Context, rdb *redis.Client, id string, ttl time.Duration, between func()) (map[string]string, error) {
	key := sessionKey(id)
	data, err := rdb.HGetAll(ctx, key).Result()
	if err != nil || len(data) == 0 {
		return nil, err
	}
	between()
	if err := rdb.Expire(ctx, key, ttl).Err(); err != nil { // on a missing key: does nothing
		return nil, err
	}
	// On a missing key: creates a new hash, with no TTL.
	err = rdb.HSet(ctx, key, fieldLastActive, strconv.FormatInt(time.Now().UnixMilli(), 10)).Err()
	return data, err
}

// The session vanishes between the tutorial's HGETALL and its HSET (DEL
// stands in for an expiry at the worst moment, so the timing is certain):
// HSET then writes a hash that no TTL will ever remove.
func TestNaiveGetResurrectsAnExpiredSession(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, 30*time.Minute)
	require.NoError(t, err)
	id, err := sm.Create(ctx, "user:1001", nil)
	require.NoError(t, err)

	_, err = naiveGet(ctx, rdb, id, 30*time.Minute, func() {
		require.NoError(t, rdb.Del(ctx, sessionKey(id)).Err())
	})
	require.NoError(t, err)

	fields, err := rdb.HGetAll(ctx, sessionKey(id)).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{fieldLastActive}, keys(fields), "a zombie hash holding only last_active")
	pttl, err := rdb.PTTL(ctx, sessionKey(id)).Result()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(-1), pttl, "…and it never expires")
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
