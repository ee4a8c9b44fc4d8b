package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/keyclaim"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var out bytes.Buffer
	require.NoError(t, demo(ctx, &out, rdb))
	testkit.AssertOutput(t, 10, out.String())

	// What is left: the two accounts (and the list of the workbook's
	// keys), and none of the 3,000 benchmark keys.
	keys, err := rdb.Keys(ctx, "*").Result() // fine in a test's own database
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"account:alice", "account:bob", keyclaim.Registry}, keys)

	// The round trips the golden file shows are counted, not assumed.
	assert.Contains(t, out.String(), fmt.Sprintf("ops/s), %d round trips\n", benchOps))
	assert.Contains(t, out.String(), "Pipeline: ")
	assert.Equal(t, 2, strings.Count(out.String(), "ops/s), 1 round trip\n"), "the pipeline and the transaction: one round trip each")
}

// The chapter's central claims, observed with a go-redis hook: one by one is
// a round trip per command; a pipeline is one round trip and no
// transaction; a transaction pipeline is one round trip wrapped in
// MULTI/EXEC.
func TestRoundTripsAndTransactions(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	const n = 200
	require.NoError(t, rdb.Ping(ctx).Err())
	rec := testkit.Record(rdb)

	require.NoError(t, setIndividually(ctx, rdb, n))
	assert.Len(t, rec.Trips(), n, "one by one: a round trip per SET")
	assert.Zero(t, rec.Transactions())

	rec.Reset()
	require.NoError(t, setPipelined(ctx, rdb, n))
	trips := rec.Trips()
	require.Len(t, trips, 1, "a pipeline is one round trip")
	assert.Len(t, trips[0], n, "holding every SET")
	assert.Zero(t, rec.Transactions(), "a plain pipeline is not a transaction")

	rec.Reset()
	require.NoError(t, setTxPipelined(ctx, rdb, n))
	trips = rec.Trips()
	require.Len(t, trips, 1, "a transaction pipeline is one round trip")
	assert.Equal(t, 1, rec.Transactions(), "wrapped in MULTI/EXEC: %v ... %v", trips[0][:1], trips[0][len(trips[0])-1:])
	assert.Len(t, trips[0], n+2)
}

// A transfer's writes go in MULTI/EXEC under WATCH: without the MULTI, EXEC
// has nothing to cancel when a watched key changed, and a concurrent
// transfer's update is lost.
func TestTransferWritesInATransaction(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bank := NewBank(rdb)
	require.NoError(t, bank.Open(ctx, "alice", 100*Dollar))
	require.NoError(t, bank.Open(ctx, "bob", 0))
	rec := testkit.Record(rdb)
	require.NoError(t, bank.Transfer(ctx, "alice", "bob", 10*Dollar))
	cmds := rec.Commands()
	assert.Equal(t, "watch", cmds[0], "%v", cmds)
	assert.Equal(t, 1, rec.Transactions(), "the DECRBY and INCRBY in one MULTI/EXEC: %v", rec.Trips())
	assert.Subset(t, rec.Trips()[len(rec.Trips())-1], []string{"multi", "decrby", "incrby", "exec"})
}

// Pointed at a Redis that holds a learner's own accounts (and a bench:
// prefix of their own), the step stops before its transfer writes anything,
// and the benchmark's cleanup deletes only its own keys.
func TestLearnersOwnKeysAreSafe(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	pipe := rdb.Pipeline()
	for i := range 95 {
		pipe.Set(ctx, fmt.Sprintf("app:key:%d", i), i, 0)
	}
	pipe.Set(ctx, "account:alice", 987654, 0)
	pipe.Set(ctx, "bench:individual:1", "theirs", 0)
	pipe.Set(ctx, "bench:tx:1", "theirs", 0)
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	before := testkit.Snapshot(t, rdb)

	err = demo(ctx, &bytes.Buffer{}, rdb)
	assert.ErrorContains(t, err, "step 10 would overwrite account:alice, which")
	assert.Equal(t, before, testkit.Snapshot(t, rdb), "the learner's data is exactly as it was")
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
	for _, k := range []string{"workbook:bench:other", "bench:individual:1", "account:alice", "benchmark:1"} {
		require.NoError(t, rdb.Set(ctx, k, "keep", 0).Err())
	}
	n, err := cleanupBenchmark(ctx, rdb)
	require.NoError(t, err)
	assert.Equal(t, 1210, n)
	keys, err := rdb.Keys(ctx, "*").Result()
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{"workbook:bench:other", "bench:individual:1", "account:alice", "benchmark:1"}, keys)
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
