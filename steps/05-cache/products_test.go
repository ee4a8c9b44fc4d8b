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

	left, err := rdb.Keys(ctx, "api:products:*").Result() // fine in a test's tiny database
	require.NoError(t, err)
	products, err := cache.New(rdb, "api:products", time.Minute, (&productDB{}).Get)
	require.NoError(t, err)
	key42, _ := products.Key(42)
	assert.Equal(t, []string{key42}, left)

	require.NoError(t, demo(ctx, &second, rdb))
	step, _ := workbook.Get(5)
	assert.Equal(t, step.NormalizeOutput(first.String()), step.NormalizeOutput(second.String()))
}

// The demo leaves other keys alone, even ones that share the prefix's
// first letters.
func TestDemoLeavesOtherKeys(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, rdb.Set(ctx, "api:products2:x", "keep", 0).Err())
	require.NoError(t, rdb.Set(ctx, "api:products", "keep", 0).Err())
	require.NoError(t, demo(ctx, &bytes.Buffer{}, rdb))
	assert.EqualValues(t, 2, rdb.Exists(ctx, "api:products2:x", "api:products").Val())
}

// Speed belongs in benchmarks, not in timed tests: `go test -bench .
// ./steps/05-cache` shows a hit in well under a millisecond against a
// query of about 100ms.
func BenchmarkHit(b *testing.B) {
	ctx := context.Background()
	rdb := testkit.Client(b)
	products, err := cache.New(rdb, "api:products", time.Minute, (&productDB{}).Get)
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
	products, err := cache.New(rdb, "api:products", time.Minute, (&productDB{}).Get)
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
