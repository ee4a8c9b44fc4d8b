package main

import (
	"context"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// sessionWithTokens is a fresh session for user:1001, on a server that has
// Redis 8's hash-field commands (the test is skipped, saying why, if not).
func sessionWithTokens(t *testing.T, data map[string]string) (context.Context, *redis.Client, *Manager, string) {
	t.Helper()
	testkit.Require(t, features.HashFieldEx)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	id, err := sm.Create(ctx, "user:1001", data)
	require.NoError(t, err)
	return ctx, rdb, sm, id
}

func TestFormTokenIsAcceptedOnce(t *testing.T) {
	ctx, _, sm, id := sessionWithTokens(t, map[string]string{"role": "admin"})

	token, err := sm.IssueFormToken(ctx, id, time.Minute)
	require.NoError(t, err)
	assert.True(t, ValidID(token))
	require.NoError(t, sm.ConsumeFormToken(ctx, id, token))
	assert.ErrorIs(t, sm.ConsumeFormToken(ctx, id, token), ErrTokenRejected, "replayed")

	// A wrong guess is rejected and burns the real token.
	token, err = sm.IssueFormToken(ctx, id, time.Minute)
	require.NoError(t, err)
	assert.ErrorIs(t, sm.ConsumeFormToken(ctx, id, newID()), ErrTokenRejected)
	assert.ErrorIs(t, sm.ConsumeFormToken(ctx, id, token), ErrTokenRejected)

	// Tokens are not session data.
	s, err := sm.Get(ctx, id)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"role": "admin"}, s.Data)
}

func TestFormTokenExpiresAloneWithItsField(t *testing.T) {
	ctx, rdb, sm, id := sessionWithTokens(t, nil)

	token, err := sm.IssueFormToken(ctx, id, time.Minute)
	require.NoError(t, err)
	has, err := rdb.HExists(ctx, sessionKey(id), fieldFormToken).Result()
	require.NoError(t, err)
	require.True(t, has)
	ttl, err := rdb.HTTL(ctx, sessionKey(id), fieldFormToken).Result()
	require.NoError(t, err)
	require.Len(t, ttl, 1)
	assert.Greater(t, ttl[0], int64(50), "the field has the token's own TTL (seconds left)")
	// The minute passes: the server expires the field (a TTL of one
	// second, the shortest HEXPIRE takes).
	require.NoError(t, rdb.HExpire(ctx, sessionKey(id), time.Second, fieldFormToken).Err())
	require.Eventually(t, func() bool {
		return !rdb.HExists(ctx, sessionKey(id), fieldFormToken).Val()
	}, 10*time.Second, 5*time.Millisecond, "the field outlived its TTL")

	has, err = rdb.HExists(ctx, sessionKey(id), fieldFormToken).Result()
	require.NoError(t, err)
	assert.False(t, has, "the field outlived its TTL")
	assert.ErrorIs(t, sm.ConsumeFormToken(ctx, id, token), ErrTokenRejected)
	s, err := sm.Get(ctx, id)
	require.NoError(t, err, "the session went with the field")
	assert.Equal(t, "user:1001", s.UserID)
}

// The step-up window slides while in use and lapses when idle. As in
// TestGetSlidesTheExpiry, the test shortens the field's TTL as if most of
// the window had passed, rather than sleeping through it.
func TestStepUpSlidesAndLapses(t *testing.T) {
	ctx, rdb, sm, id := sessionWithTokens(t, nil)

	const window = time.Minute
	ok, err := sm.StepUpActive(ctx, id, window)
	require.NoError(t, err)
	assert.False(t, ok, "step-up before it was granted")

	require.NoError(t, sm.GrantStepUp(ctx, id, window))
	for range 3 {
		require.NoError(t, rdb.HExpire(ctx, sessionKey(id), 5*time.Second, fieldStepUp).Err())
		ok, err := sm.StepUpActive(ctx, id, window)
		require.NoError(t, err)
		require.True(t, ok, "step-up lapsed while in use")
		ttl, err := rdb.HTTL(ctx, sessionKey(id), fieldStepUp).Result()
		require.NoError(t, err)
		require.Len(t, ttl, 1)
		assert.Greater(t, ttl[0], int64(50), "HGETEX did not restart the window (seconds left)")
	}

	// Left idle, it lapses: a window of a few milliseconds, then wait for
	// the server to expire the field.
	require.NoError(t, sm.GrantStepUp(ctx, id, 5*time.Millisecond))
	require.Eventually(t, func() bool {
		return !rdb.HExists(ctx, sessionKey(id), fieldStepUp).Val()
	}, 10*time.Second, 5*time.Millisecond, "the step-up field did not expire")
	ok, err = sm.StepUpActive(ctx, id, window)
	require.NoError(t, err)
	assert.False(t, ok, "an idle step-up did not lapse")
}

// Issuing a token for a session that is gone must not create a hash that
// holds only the token: the script's EXISTS check.
func TestTokensDoNotResurrectASession(t *testing.T) {
	ctx, rdb, sm, id := sessionWithTokens(t, nil)
	_, err := sm.Destroy(ctx, id)
	require.NoError(t, err)

	_, err = sm.IssueFormToken(ctx, id, time.Minute)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.ErrorIs(t, sm.GrantStepUp(ctx, id, time.Minute), ErrNotFound)
	ok, err := sm.StepUpActive(ctx, id, time.Minute)
	require.NoError(t, err)
	assert.False(t, ok)
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
}
