package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
)

// benchOps is how many SETs each way of sending them gets, as in the tutorial.
const benchOps = 1000

// Key prefixes of the benchmark: the tutorial's two, and one for MULTI/EXEC.
const (
	prefixIndividual = "bench:individual:"
	prefixPipeline   = "bench:pipeline:"
	prefixTx         = "bench:tx:"
)

// setIndividually sends n SETs one by one: n round trips, each waiting for
// its reply before the next command leaves.
func setIndividually(ctx context.Context, rdb *redis.Client, n int) error {
	for i := range n {
		if err := rdb.Set(ctx, fmt.Sprint(prefixIndividual, i), fmt.Sprint("value_", i), 0).Err(); err != nil {
			return err
		}
	}
	return nil
}

// setPipelined queues n SETs and sends them together: one round trip. The
// server still runs them one at a time, and other clients' commands may
// run in between: a pipeline is about speed, not atomicity.
func setPipelined(ctx context.Context, rdb *redis.Client, n int) error {
	_, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := range n {
			pipe.Set(ctx, fmt.Sprint(prefixPipeline, i), fmt.Sprint("value_", i), 0)
		}
		return nil
	})
	return err // the first failed command's error, if any
}

// setTxPipelined is the same wrapped in MULTI/EXEC: still one round trip,
// and now atomic: no other client's command runs between the SETs.
func setTxPipelined(ctx context.Context, rdb *redis.Client, n int) error {
	_, err := rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := range n {
			pipe.Set(ctx, fmt.Sprint(prefixTx, i), fmt.Sprint("value_", i), 0)
		}
		return nil
	})
	return err
}

// deleteMatching removes the keys matching pattern and returns how many.
// SCAN walks the keyspace a page at a time without blocking the server
// (KEYS would stop it for the whole walk), and UNLINK frees the memory in
// the background. Each page is deleted as it comes.
func deleteMatching(ctx context.Context, rdb *redis.Client, pattern string) (int, error) {
	deleted := 0
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, pattern, 500).Result()
		if err != nil {
			return deleted, err
		}
		if len(keys) > 0 {
			n, err := rdb.Unlink(ctx, keys...).Result()
			if err != nil {
				return deleted, err
			}
			deleted += int(n)
		}
		if next == 0 { // the walk is complete when the cursor comes back to 0
			return deleted, nil
		}
		cursor = next
	}
}

// cleanupBenchmark deletes every key the benchmark wrote.
func cleanupBenchmark(ctx context.Context, rdb *redis.Client) (int, error) {
	total := 0
	for _, prefix := range []string{prefixIndividual, prefixPipeline, prefixTx} {
		n, err := deleteMatching(ctx, rdb, prefix+"*")
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// demoBenchmark times the three ways of sending 1,000 SETs.
func demoBenchmark(ctx context.Context, out io.Writer, rdb *redis.Client) (err error) {
	// Clean up even when a step fails half-way.
	defer func() {
		n, cerr := cleanupBenchmark(context.WithoutCancel(ctx), rdb)
		if err == nil && cerr != nil {
			err = fmt.Errorf("cleaning up the benchmark keys: %w", cerr)
		}
		if err == nil {
			fmt.Fprintf(out, "Deleted the %d benchmark keys with SCAN + UNLINK\n", n)
		}
	}()

	individual, err := timed(func() error { return setIndividually(ctx, rdb, benchOps) })
	if err != nil {
		return err
	}
	pipeline, err := timed(func() error { return setPipelined(ctx, rdb, benchOps) })
	if err != nil {
		return err
	}
	tx, err := timed(func() error { return setTxPipelined(ctx, rdb, benchOps) })
	if err != nil {
		return err
	}
	report(out, "Individual", individual)
	report(out, "Pipeline", pipeline)
	fmt.Fprintf(out, "Speedup: %.1fx faster with pipeline\n", individual.Seconds()/pipeline.Seconds())
	report(out, "Transaction pipeline", tx)
	fmt.Fprintf(out, "Speedup: %.1fx faster with a transaction pipeline (MULTI/EXEC)\n", individual.Seconds()/tx.Seconds())
	return nil
}

func timed(fn func() error) (time.Duration, error) {
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

func report(out io.Writer, label string, d time.Duration) {
	fmt.Fprintf(out, "%s: %.3fs for %d ops (%.0f ops/s)\n", label, d.Seconds(), benchOps, benchOps/d.Seconds())
}
