package main

import (
	"context"
	"fmt"
	"io"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

func autoKey(i int) string   { return fmt.Sprintf("conc:auto:%d", i) }
func autoValue(i int) string { return fmt.Sprintf("auto_%d", i) }

// autoPipelineDemo runs the fan-out again, the same goroutines calling the
// same Set and Get, on go-redis's auto-pipeliner instead of the client.
//
// The fan-out above makes one round trip per command: each goroutine sends
// its command and waits. The pipeline makes one round trip for all of them,
// but the code has to be written as a batch. AutoPipeline() gives both:
// every goroutine still calls ap.Set(...) and gets its own reply, while
// go-redis gathers the commands that arrive at the same moment into one
// pipeline. That is the Go answer to the tutorial's asyncio.gather plus
// pipelining, without changing the code that sends.
//
// AutoPipeline is marked EXPERIMENTAL in go-redis v9.23: the API may still
// change. Each goroutine's own commands keep their order; commands from
// different goroutines have no order between them (as with the pool).
// Blocking commands (BLPOP, XREAD BLOCK, SUBSCRIBE) and transactions
// (Watch, TxPipelined) go to ordinary connections, not into a batch.
func autoPipelineDemo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintf(out, "\n--- The same fan-out on AutoPipeline (go-redis v9.22+, experimental) ---\n")

	// A client of its own, so that its round-trip counter sees only this
	// demo, and so that closing it closes the auto-pipeliner's goroutines.
	auto := redis.NewClient(rdb.Options())
	defer auto.Close()
	var trips roundTrips
	auto.AddHook(&trips)
	ap, err := auto.AutoPipeline()
	if err != nil {
		return fmt.Errorf("AutoPipeline: %w", err)
	}
	defer ap.Close()

	ctx, cancel := context.WithTimeout(ctx, deadline)
	defer cancel()
	start := time.Now()
	results, err := fanOutOn(ctx, ap, batch, workers)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	if err := checkValues(results, autoValue); err != nil {
		return err
	}
	n := trips.count.Load()
	fmt.Fprintf(out, "%d writes + %d reads from %d goroutines at a time: %s\n", batch, batch, workers, millis(elapsed))
	fmt.Fprintf(out, "Round trips: %d for %d commands (the plain fan-out made %d)\n", n, 2*batch, 2*batch)
	if n < 2*batch {
		fmt.Fprintln(out, "Fewer round trips than commands: concurrent commands shared pipelines")
	}
	fmt.Fprintf(out, "All %d values read back correctly\n", batch)
	return nil
}

// fanOutOn is the fan-out of fanOutDemo on any go-redis command surface
// (a *redis.Client, or its *redis.AutoPipeliner): n writes, then n reads,
// at most limit goroutines at a time.
func fanOutOn(ctx context.Context, c redis.Cmdable, n, limit int) ([]string, error) {
	err := fanOut(ctx, n, limit, func(ctx context.Context, i int) error {
		return c.Set(ctx, autoKey(i), autoValue(i), keyTTL).Err()
	})
	if err != nil {
		return nil, fmt.Errorf("writes: %w", err)
	}
	results := make([]string, n)
	err = fanOut(ctx, n, limit, func(ctx context.Context, i int) error {
		v, err := c.Get(ctx, autoKey(i)).Result()
		results[i] = v
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("reads: %w", err)
	}
	return results, nil
}

// roundTrips is a go-redis hook that counts round trips: a command sent on
// its own is one, and so is a whole pipeline. A new connection's handshake
// (HELLO, then CLIENT SETINFO) passes through the hooks too; it is not the
// work being measured, so it is not counted.
type roundTrips struct{ count atomic.Int64 }

func (*roundTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (r *roundTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			r.count.Add(1)
		}
		return next(ctx, cmd)
	}
}

func (r *roundTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if len(cmds) > 0 && !handshake(cmds[0]) {
			r.count.Add(1)
		}
		return next(ctx, cmds)
	}
}

func handshake(cmd redis.Cmder) bool {
	switch cmd.Name() {
	case "hello", "auth", "client", "select":
		return true
	}
	return false
}
