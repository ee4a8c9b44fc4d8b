package main

import (
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// The chapter's claim, observed: the same fan-out makes one round trip per
// command on the client, and fewer on the auto-pipeliner, with every reply
// still going to the goroutine that asked. A count, not a timing, so a busy
// machine cannot make it fail.
func TestAutoPipelineSharesRoundTrips(t *testing.T) {
	ctx := testkit.Context(t)

	plain := testkit.Client(t)
	var plainTrips roundTrips
	plain.AddHook(&plainTrips)
	results, err := fanOutOn(ctx, plain, batch, workers)
	require.NoError(t, err)
	require.NoError(t, checkValues(results, autoValue))
	assert.EqualValues(t, 2*batch, plainTrips.count.Load(), "the plain fan-out makes one round trip per command")

	auto := testkit.NewClient(t)
	var autoTrips roundTrips
	auto.AddHook(&autoTrips)
	ap, err := auto.AutoPipeline()
	require.NoError(t, err)
	t.Cleanup(func() { _ = ap.Close() })
	results, err = fanOutOn(ctx, ap, batch, workers)
	require.NoError(t, err)
	require.NoError(t, checkValues(results, autoValue), "each goroutine gets its own reply")
	n := autoTrips.count.Load()
	assert.Positive(t, n)
	assert.Less(t, n, int64(2*batch), "AutoPipeline should gather concurrent commands into shared pipelines")
}

// The hook counts what the chapter says it counts: a command on its own is
// one round trip, and so is a pipeline of any length.
func TestRoundTripsCountsPipelinesOnce(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var trips roundTrips
	rdb.AddHook(&trips)
	require.NoError(t, rdb.Set(ctx, autoKey(0), autoValue(0), keyTTL).Err())
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range 10 {
			p.Get(ctx, autoKey(i))
		}
		return nil
	})
	require.ErrorIs(t, err, redis.Nil, "keys 1 to 9 were never written")
	assert.EqualValues(t, 2, trips.count.Load())
}
