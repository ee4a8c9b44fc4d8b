package ratelimit_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
	"github.com/redis-go-workbook/workbook/steps/08-rate-limit/ratelimit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestAllowCountsDown(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	l := ratelimit.New(rdb, "test:rl", 3, 10*time.Second)
	for want := 2; want >= 0; want-- {
		res, err := l.Allow(ctx, "alice")
		require.NoError(t, err)
		assert.True(t, res.Allowed)
		assert.Equal(t, want, res.Remaining)
		assert.Equal(t, 3, res.Limit)
		assert.Zero(t, res.RetryAfter)
	}
	res, err := l.Allow(ctx, "alice")
	require.NoError(t, err)
	assert.False(t, res.Allowed)
	assert.Zero(t, res.Remaining)
	assert.InDelta(t, 10*time.Second, res.RetryAfter, float64(time.Second))
	t.Log(res)
}
