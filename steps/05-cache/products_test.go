package main

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
	"github.com/redis-go-workbook/workbook/internal/workbook"
	"github.com/redis-go-workbook/workbook/steps/05-cache/cache"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, demo(testkit.Context(t), &out, testkit.Client(t)))
	testkit.AssertOutput(t, 5, out.String())
}

// The counts the demo prints are true: after it, exactly one entry (product
// 42, fetched again after clearing) is in the cache, and a second run,
// which starts by clearing that, prints the same.
func TestDemoCountsAreTrue(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var first, second bytes.Buffer
	require.NoError(t, demo(ctx, &first, rdb))
	assert.Contains(t, first.String(), "Cleared 2 cached products\n")
	assert.Contains(t, first.String(), "5 calls, 4 database queries\n")

	left, err := rdb.Keys(ctx, "*").Result() // fine in a test's tiny database
	require.NoError(t, err)
	products, err := cache.New(rdb, prefix, time.Minute, (&productDB{}).Get)
	require.NoError(t, err)
	key42, _ := products.Key(42)
	assert.Equal(t, []string{key42}, left, "the one entry the demo says it leaves, and nothing else")
	assert.Contains(t, first.String(), "Left "+key42+" for you to look at")

	require.NoError(t, demo(ctx, &second, rdb))
	step, _ := workbook.Get(5)
	assert.Equal(t, step.NormalizeOutput(first.String()), step.NormalizeOutput(second.String()))
}

// The demo leaves a learner's keys alone: a cache of their own under the
// usual api:products prefix (with the very key the demo's product 42 would
// have there), and keys that share the demo's prefix's first letters.
func TestDemoLeavesOtherKeys(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	theirs, err := cache.New(rdb, "api:products", time.Minute, (&productDB{}).Get)
	require.NoError(t, err)
	their42, _ := theirs.Key(42)
	learner := map[string]string{
		their42:                  "their entry",
		"api:products:1":         "their entry",
		"workbook:products2:x":   "keep",
		"workbook:products":      "keep",
		"workbook:productsfoo:1": "keep",
	}
	for k, v := range learner {
		require.NoError(t, rdb.Set(ctx, k, v, 0).Err())
	}
	require.NoError(t, demo(ctx, &bytes.Buffer{}, rdb))
	for k, v := range learner {
		assert.Equal(t, v, rdb.Get(ctx, k).Val(), "the learner's %s", k)
	}
	assert.EqualValues(t, len(learner)+1, rdb.DBSize(ctx).Val(), "the learner's keys and the one entry the demo says it leaves")
}

// Speed belongs in benchmarks, not in timed tests: `go test -bench .
// ./steps/05-cache` shows a hit in well under a millisecond against a
// query of about 100ms.
func BenchmarkHit(b *testing.B) {
	ctx := context.Background()
	rdb := testkit.Client(b)
	products, err := cache.New(rdb, prefix, time.Minute, (&productDB{}).Get)
	require.NoError(b, err)
	_, err = products.Get(ctx, 42)
	require.NoError(b, err)
	for b.Loop() {
		if _, err := products.Get(ctx, 42); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMiss(b *testing.B) {
	ctx := context.Background()
	rdb := testkit.Client(b)
	products, err := cache.New(rdb, prefix, time.Minute, (&productDB{}).Get)
	require.NoError(b, err)
	for b.Loop() {
		if err := products.Invalidate(ctx, 42); err != nil {
			b.Fatal(err)
		}
		if _, err := products.Get(ctx, 42); err != nil {
			b.Fatal(err)
		}
	}
}
