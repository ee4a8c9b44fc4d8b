package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/errgroup"
)

// The step's keys all start with conc:, so cleaning up never touches
// anything else on the learner's server.
const (
	prefix   = "conc:"
	channel  = "conc:events"
	batch    = 100             // writes, then reads, as in the tutorial
	workers  = 10              // goroutines running at once in the fan-out
	deadline = 2 * time.Second // the whole fan-out must finish within this
	keyTTL   = time.Minute     // the tutorial's ex=60: leftovers expire anyway
)

func batchKey(i int) string   { return fmt.Sprintf("conc:batch:%d", i) }
func batchValue(i int) string { return fmt.Sprintf("value_%d", i) }
func pipeKey(i int) string    { return fmt.Sprintf("conc:pipe:%d", i) }
func pipeValue(i int) string  { return fmt.Sprintf("piped_%d", i) }

// concurrency is the lesson: one client shared by many goroutines, the same
// work as a pipeline, and pub/sub with a timeout.
func concurrency(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	// A *redis.Client is safe for concurrent use: it is a pool of
	// connections, not one connection. Create it once, share it everywhere.
	fmt.Fprintln(out, "=== One client, many goroutines ===")
	if err := rdb.Set(ctx, prefix+"greeting", "Hello from a client every goroutine shares!", keyTTL).Err(); err != nil {
		return fmt.Errorf("SET greeting: %w", err)
	}
	greeting, err := rdb.Get(ctx, prefix+"greeting").Result()
	if err != nil {
		return fmt.Errorf("GET greeting: %w", err)
	}
	fmt.Fprintf(out, "GET %sgreeting → %s\n", prefix, greeting)

	if err := fanOutDemo(ctx, out, rdb); err != nil {
		return err
	}
	if err := pipelineDemo(ctx, out, rdb); err != nil {
		return err
	}
	if err := autoPipelineDemo(ctx, out, rdb); err != nil {
		return err
	}
	if err := pubSubDemo(ctx, out, rdb); err != nil {
		return err
	}

	n, err := cleanup(ctx, rdb)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nCleaned up %d keys\n", n)
	return nil
}

// fanOutDemo writes 100 keys and reads them back from many goroutines at
// once, under one deadline, and shows what the pool did meanwhile.
func fanOutDemo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintf(out, "\n--- Fan-out: %d writes, then %d reads, %d goroutines at a time ---\n", batch, batch, workers)

	// One deadline for the whole fan-out: if Redis stalls, we give up
	// instead of waiting forever.
	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()

	before := rdb.PoolStats()
	start := time.Now()
	err := fanOut(ctx, batch, workers, func(ctx context.Context, i int) error {
		return rdb.Set(ctx, batchKey(i), batchValue(i), keyTTL).Err()
	})
	if err != nil {
		return fmt.Errorf("writes: %w", err)
	}

	// Each goroutine writes only its own slot of results, so no lock is
	// needed; errgroup's Wait makes the writes visible to us afterwards.
	results := make([]string, batch)
	err = fanOut(ctx, batch, workers, func(ctx context.Context, i int) error {
		v, err := rdb.Get(ctx, batchKey(i)).Result()
		results[i] = v
		return err
	})
	if err != nil {
		return fmt.Errorf("reads: %w", err)
	}
	elapsed := time.Since(start)
	after := rdb.PoolStats()

	fmt.Fprintf(out, "%d writes + %d reads: %s (deadline %s)\n", batch, batch, millis(elapsed), deadline)
	fmt.Fprintf(out, "Sample results: %q\n", results[:3])
	if err := checkValues(results, batchValue); err != nil {
		return err
	}
	fmt.Fprintf(out, "All %d values read back correctly\n", batch)

	// The pool hands out one connection per command. A hit reuses an open
	// connection; a miss dials a new one. With at most `workers` commands in
	// flight, the pool never needs more than `workers` connections.
	hits := after.Hits - before.Hits
	misses := after.Misses - before.Misses
	fmt.Fprintf(out, "\n--- Pool statistics for those %d commands ---\n", 2*batch)
	fmt.Fprintf(out, "Connections handed out: %d (one per command)\n", handedOut(before, after))
	fmt.Fprintf(out, "  reused, already open (hits): %d\n", hits)
	fmt.Fprintf(out, "  newly dialled (misses):      %d\n", misses)
	fmt.Fprintf(out, "Open connections: %d (idle %d), pool size %d\n",
		after.TotalConns, after.IdleConns, rdb.Options().PoolSize)
	return nil
}

// fanOut runs do(ctx, i) for every i in [0, n), at most limit at a time. It
// stops starting new work at the first error or when ctx is done, waits for
// the work in flight, and returns the first error (context.Canceled or
// context.DeadlineExceeded when ctx ended first).
func fanOut(ctx context.Context, n, limit int, do func(ctx context.Context, i int) error) error {
	// errgroup.WithContext cancels gctx as soon as one call fails, so the
	// others stop early instead of piling up more errors.
	g, gctx := errgroup.WithContext(ctx)
	// SetLimit makes g.Go block while `limit` goroutines are running: a
	// bounded number of goroutines and connections, however large n is.
	g.SetLimit(limit)
	started := 0
	for i := range n {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return do(gctx, i) })
		started++
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if started < n {
		// Every call that started succeeded, but ctx ended before the rest
		// could start: that is still a failure, and the caller must know.
		return fmt.Errorf("stopped after %d of %d: %w", started, n, ctx.Err())
	}
	return nil
}

// pipelineDemo does the same 200 commands in one pipeline: one connection,
// one round trip, no goroutines.
func pipelineDemo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintf(out, "\n--- The same %d commands in one pipeline ---\n", 2*batch)
	before := rdb.PoolStats()
	start := time.Now()
	results, err := pipelined(ctx, rdb, batch)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	after := rdb.PoolStats()

	fmt.Fprintf(out, "%d writes + %d reads in 1 round trip: %s\n", batch, batch, millis(elapsed))
	// go-redis keeps a separate, smaller pool for pipelines (PipelinePoolSize,
	// 10 by default), so a big batch never holds up ordinary commands. When
	// it is busy, a pipeline borrows from the main pool: count both.
	fromPipelinePool := handedOut((*redis.PoolStats)(before.PipelineStats), (*redis.PoolStats)(after.PipelineStats))
	fmt.Fprintf(out, "Connections handed out: %d (from the pipeline pool: %d)\n",
		handedOut(before, after)+fromPipelinePool, fromPipelinePool)
	if err := checkValues(results, pipeValue); err != nil {
		return err
	}
	fmt.Fprintf(out, "All %d values read back correctly\n", batch)
	return nil
}

// pipelined queues n SETs and then n GETs of the same keys and sends them
// all at once. Redis runs a connection's commands in order, so each GET sees
// its SET.
func pipelined(ctx context.Context, rdb *redis.Client, n int) ([]string, error) {
	gets := make([]*redis.StringCmd, n)
	_, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i := range n {
			pipe.Set(ctx, pipeKey(i), pipeValue(i), keyTTL)
		}
		for i := range n {
			gets[i] = pipe.Get(ctx, pipeKey(i))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pipeline: %w", err)
	}
	results := make([]string, n)
	for i, cmd := range gets {
		results[i] = cmd.Val()
	}
	return results, nil
}

// pubSubDemo subscribes, publishes one event and receives it with a timeout.
func pubSubDemo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintln(out, "\n--- Pub/sub ---")

	// A subscribed connection can do nothing but receive, so go-redis gives
	// each PubSub a connection of its own, outside the command pool.
	// Close it, or the connection (and its reader) stays open.
	sub := rdb.Subscribe(ctx, channel)
	defer sub.Close()

	// Subscribe only sends SUBSCRIBE. Wait for the server's confirmation:
	// a message published before the server has processed SUBSCRIBE is
	// delivered to nobody and lost.
	msg, err := sub.ReceiveTimeout(ctx, time.Second)
	if err != nil {
		return fmt.Errorf("subscribe to %s: %w", channel, err)
	}
	confirm, ok := msg.(*redis.Subscription)
	if !ok {
		return fmt.Errorf("subscribe to %s: expected a confirmation, got %T", channel, msg)
	}
	fmt.Fprintf(out, "Subscribed to %s (%d subscription)\n", confirm.Channel, confirm.Count)
	fmt.Fprintf(out, "Pub/sub connections open: %d (outside the command pool)\n", rdb.PoolStats().PubSubStats.Active)

	event, err := json.Marshal(struct {
		Type string `json:"type"`
		ID   int    `json:"id"`
	}{"test", 1})
	if err != nil {
		return err
	}
	// PUBLISH answers how many subscribers received the message.
	receivers, err := rdb.Publish(ctx, channel, event).Result()
	if err != nil {
		return fmt.Errorf("PUBLISH: %w", err)
	}
	fmt.Fprintf(out, "PUBLISH delivered to %d subscriber\n", receivers)

	// Read one message, waiting at most a second.
	msg, err = sub.ReceiveTimeout(ctx, time.Second)
	if err != nil {
		return fmt.Errorf("receive from %s: %w", channel, err)
	}
	m, ok := msg.(*redis.Message)
	if !ok {
		return fmt.Errorf("receive from %s: expected a message, got %T", channel, msg)
	}
	fmt.Fprintf(out, "Received on %s: %s\n", m.Channel, m.Payload)

	// Nothing else was published: a receive with a timeout gives up with a
	// network timeout error instead of blocking forever.
	quiet := 100 * time.Millisecond
	_, err = sub.ReceiveTimeout(ctx, quiet)
	if !isTimeout(err) {
		return fmt.Errorf("expected no second message and a timeout, got %v", err)
	}
	fmt.Fprintf(out, "Nothing more within %s: the receive timed out, as it should\n", quiet)
	return nil
}

// handedOut is how many connections a pool handed out between two
// snapshots of its statistics: every hit and every miss is one.
func handedOut(before, after *redis.PoolStats) uint32 {
	if before == nil || after == nil {
		return 0
	}
	return (after.Hits - before.Hits) + (after.Misses - before.Misses)
}

// isTimeout reports whether err is a network timeout.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// checkValues compares results with the values the writes stored.
func checkValues(results []string, want func(int) string) error {
	for i, got := range results {
		if got != want(i) {
			return fmt.Errorf("value %d: got %q, want %q", i, got, want(i))
		}
	}
	return nil
}

// cleanup unlinks the step's keys, found with SCAN (never KEYS, which
// blocks the server while it walks every key). It counts what UNLINK
// removed: SCAN may return a key twice, UNLINK removes it once.
func cleanup(ctx context.Context, rdb *redis.Client) (int64, error) {
	var removed int64
	unlink := func(keys []string) error {
		n, err := rdb.Unlink(ctx, keys...).Result()
		removed += n
		return err
	}
	var keys []string
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		if keys = append(keys, iter.Val()); len(keys) == 100 {
			if err := unlink(keys); err != nil {
				return removed, fmt.Errorf("UNLINK: %w", err)
			}
			keys = keys[:0]
		}
	}
	if err := iter.Err(); err != nil {
		return removed, fmt.Errorf("SCAN: %w", err)
	}
	if len(keys) > 0 {
		if err := unlink(keys); err != nil {
			return removed, fmt.Errorf("UNLINK: %w", err)
		}
	}
	return removed, nil
}

// millis formats a duration as milliseconds with one decimal, like the
// tutorial's {elapsed*1000:.1f}ms.
func millis(d time.Duration) string {
	return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000)
}
