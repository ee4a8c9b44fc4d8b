package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// benchOps is how many SETs each way of sending them gets, as in the tutorial.
const benchOps = 1000

// Key prefixes of the benchmark: the tutorial's two, and one for MULTI/EXEC.
// The cleanup deletes everything under them, so they start with "workbook:"
// to stay clear of another program's keys in the same Redis.
const (
	prefixIndividual = "workbook:bench:individual:"
	prefixPipeline   = "workbook:bench:pipeline:"
	prefixTx         = "workbook:bench:tx:"
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

	// Times vary from run to run; round trips do not. A client of its own
	// with a hook that counts them shows where the time goes.
	trips := &tripCounter{}
	counted := redis.NewClient(rdb.Options())
	defer counted.Close()
	counted.AddHook(trips)
	// Connect before counting: a new connection starts with a few
	// commands of its own (HELLO...), and go-redis keeps pipelines'
	// connections apart from single commands', so warm up both.
	if err := counted.Ping(ctx).Err(); err != nil {
		return err
	}
	if _, err := counted.Pipelined(ctx, func(pipe redis.Pipeliner) error { return pipe.Ping(ctx).Err() }); err != nil {
		return err
	}
	var individual, pipeline, tx time.Duration
	var tripsIndividual, tripsPipeline, tripsTx int64
	for _, run := range []struct {
		send  func(context.Context, *redis.Client, int) error
		took  *time.Duration
		trips *int64
	}{
		{setIndividually, &individual, &tripsIndividual},
		{setPipelined, &pipeline, &tripsPipeline},
		{setTxPipelined, &tx, &tripsTx},
	} {
		before := trips.n.Load()
		if *run.took, err = timed(func() error { return run.send(ctx, counted, benchOps) }); err != nil {
			return err
		}
		*run.trips = trips.n.Load() - before
	}
	report(out, "Individual", individual, tripsIndividual)
	report(out, "Pipeline", pipeline, tripsPipeline)
	fmt.Fprintf(out, "Speedup: %.1fx faster with pipeline\n", individual.Seconds()/pipeline.Seconds())
	report(out, "Transaction pipeline", tx, tripsTx)
	fmt.Fprintf(out, "Speedup: %.1fx faster with a transaction pipeline (MULTI/EXEC)\n", individual.Seconds()/tx.Seconds())
	return nil
}

// tripCounter is a go-redis hook that counts round trips: a command sent on
// its own is one, a whole pipeline (or MULTI/EXEC transaction) is one.
type tripCounter struct{ n atomic.Int64 }

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

func timed(fn func() error) (time.Duration, error) {
	start := time.Now()
	err := fn()
	return time.Since(start), err
}

func report(out io.Writer, label string, d time.Duration, trips int64) {
	plural := "s"
	if trips == 1 {
		plural = ""
	}
	fmt.Fprintf(out, "%s: %.3fs for %d ops (%.0f ops/s), %d round trip%s\n", label, d.Seconds(), benchOps, benchOps/d.Seconds(), trips, plural)
}
