package main

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var out bytes.Buffer
	require.NoError(t, demo(ctx, &out, rdb))
	testkit.AssertOutput(t, 10, out.String())

	// What is left: the two accounts, and none of the 3,000 benchmark keys.
	keys, err := rdb.Keys(ctx, "*").Result() // fine in a test's own database
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"account:alice", "account:bob"}, keys)
}

// Each way of sending writes every key with its value.
func TestEveryWayWritesEveryKey(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	const n = 250
	for prefix, send := range map[string]func() error{
		prefixIndividual: func() error { return setIndividually(ctx, rdb, n) },
		prefixPipeline:   func() error { return setPipelined(ctx, rdb, n) },
		prefixTx:         func() error { return setTxPipelined(ctx, rdb, n) },
	} {
		require.NoError(t, send())
		for _, i := range []int{0, 1, n / 2, n - 1} {
			v, err := rdb.Get(ctx, fmt.Sprint(prefix, i)).Result()
			require.NoError(t, err, prefix)
			assert.Equal(t, fmt.Sprint("value_", i), v)
		}
		count, err := rdb.DBSize(ctx).Result()
		require.NoError(t, err)
		require.Zero(t, count%n)
	}
}

// The cleanup deletes the benchmark's keys, all of them, and nothing else.
func TestCleanupDeletesOnlyBenchmarkKeys(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	require.NoError(t, setPipelined(ctx, rdb, 1200)) // more than one SCAN page
	require.NoError(t, setTxPipelined(ctx, rdb, 10))
	for _, k := range []string{"bench:other", "account:alice", "benchmark:1"} {
		require.NoError(t, rdb.Set(ctx, k, "keep", 0).Err())
	}
	n, err := cleanupBenchmark(ctx, rdb)
	require.NoError(t, err)
	assert.Equal(t, 1210, n)
	keys, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"bench:other", "account:alice", "benchmark:1"}, keys)
}

// The speed comparison, measured properly: `go test -bench . ./steps/10-pipelines/`.
// Each iteration sends 1,000 SETs; SETs/s is the figure to compare.
func BenchmarkThousandSets(b *testing.B) {
	ctx, rdb := context.Background(), testkit.Client(b)
	for _, bm := range []struct {
		name string
		send func() error
	}{
		{"individual", func() error { return setIndividually(ctx, rdb, benchOps) }},
		{"pipeline", func() error { return setPipelined(ctx, rdb, benchOps) }},
		{"transaction", func() error { return setTxPipelined(ctx, rdb, benchOps) }},
	} {
		send := bm.send
		b.Run(bm.name, func(b *testing.B) {
			for b.Loop() {
				if err := send(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N*benchOps)/b.Elapsed().Seconds(), "SETs/s")
		})
	}
	if _, err := cleanupBenchmark(ctx, rdb); err != nil {
		b.Fatal(err)
	}
}

// WATCH/MULTI/EXEC against the Lua script, with every CPU's worth of
// goroutines transferring among 10 accounts at once.
func BenchmarkTransfer(b *testing.B) {
	ctx := context.Background()
	bank := NewBank(testkit.Client(b))
	for i := range 10 {
		if err := bank.Open(ctx, fmt.Sprint("acct", i), 1_000_000*Dollar); err != nil {
			b.Fatal(err)
		}
	}
	for _, name := range []string{"watch", "lua"} {
		transfer := transfers(bank)[name]
		b.Run(name, func(b *testing.B) {
			before := bank.Conflicts()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					if err := transfer(ctx, fmt.Sprint("acct", i%10), fmt.Sprint("acct", (i+1)%10), Dollar); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(bank.Conflicts()-before)/float64(b.N), "conflicts/op")
		})
	}
}
