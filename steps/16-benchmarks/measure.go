package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// mode is one column of the tutorial's table: how the commands are sent.
type mode struct {
	Name string
	// Flags are redis-benchmark's flags for the same way of sending
	// (connections and pipeline depth), so the two are measured alike.
	Flags func(o Options) []string
	// SameAs names the mode whose redis-benchmark figures this one shares,
	// when redis-benchmark has no separate way of sending (Flags is nil).
	SameAs string
	// run sends n commands of op and returns how long it took.
	run func(ctx context.Context, c *clients, op operation, n int, o Options) (time.Duration, error)
}

// clients are the two go-redis clients a run uses: one connection for the
// sequential modes, a pool as big as the concurrency for the concurrent one.
type clients struct {
	single *redis.Client
	pool   *redis.Client
}

var modes = []mode{
	{
		// One command, wait for its reply, the next: one round trip per
		// command. The rate is 1 / (network round trip + server time).
		Name:  "individual",
		Flags: func(Options) []string { return []string{"-c", "1", "-P", "1"} },
		run:   runIndividual,
	},
	{
		// 100 commands written at once, then 100 replies read: one round
		// trip per 100 commands.
		Name:  "pipeline 100",
		Flags: func(o Options) []string { return []string{"-c", "1", "-P", fmt.Sprint(o.Pipeline)} },
		run:   runPipeline,
	},
	{
		// The same pipelines, with every command built once, before the
		// timing, and sent again and again: what redis-benchmark does with
		// its request buffer. The difference from "pipeline 100" is what
		// building commands costs go-redis; an application builds them as
		// it goes, so that row is the one to expect.
		Name:   "prebuilt 100",
		SameAs: "pipeline 100",
		run:    runPrebuilt,
	},
	{
		// C goroutines, each sending one command at a time on its own
		// connection from the pool: C round trips in flight at once. This
		// is the Go counterpart of the tutorial's asyncio.gather column.
		Name:  "concurrent",
		Flags: func(o Options) []string { return []string{"-c", fmt.Sprint(o.Concurrency), "-P", "1"} },
		run:   runConcurrent,
	},
}

func runIndividual(ctx context.Context, c *clients, op operation, n int, _ Options) (time.Duration, error) {
	start := time.Now()
	for i := range n {
		if err := op.send(ctx, c.single, i).Err(); err != nil && err != redis.Nil {
			return 0, fmt.Errorf("%s: %w", op.Name, err)
		}
	}
	return time.Since(start), nil
}

func runPipeline(ctx context.Context, c *clients, op operation, n int, o Options) (time.Duration, error) {
	// One Pipeline, reused: Exec sends what was queued and empties it.
	pipe := c.single.Pipeline()
	start := time.Now()
	for i := 0; i < n; {
		batch := min(o.Pipeline, n-i)
		for range batch {
			op.send(ctx, pipe, i)
			i++
		}
		// Exec returns the first failed command's error; GET of a key
		// not written yet is redis.Nil, which is not a failure here.
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return 0, fmt.Errorf("%s: %w", op.Name, err)
		}
	}
	return time.Since(start), nil
}

func runPrebuilt(ctx context.Context, c *clients, op operation, n int, o Options) (time.Duration, error) {
	// Queue the commands on a pipeline that is never executed: that only
	// builds them. Their replies are overwritten each time they are sent.
	scratch := c.single.Pipeline()
	cmds := make([]redis.Cmder, min(n, keyspace))
	for i := range cmds {
		cmds[i] = op.send(ctx, scratch, i)
	}
	scratch.Discard()

	pipe := c.single.Pipeline()
	start := time.Now()
	for i := 0; i < n; {
		batch := min(o.Pipeline, n-i)
		for range batch {
			_ = pipe.Process(ctx, cmds[i%len(cmds)])
			i++
		}
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return 0, fmt.Errorf("%s: %w", op.Name, err)
		}
	}
	return time.Since(start), nil
}

func runConcurrent(ctx context.Context, c *clients, op operation, n int, o Options) (time.Duration, error) {
	var wg sync.WaitGroup
	errs := make(chan error, o.Concurrency)
	start := time.Now()
	for w := range o.Concurrency {
		// Worker w sends commands w, w+C, w+2C...: n in all, no sharing.
		wg.Go(func() {
			for i := w; i < n; i += o.Concurrency {
				if err := op.send(ctx, c.pool, i).Err(); err != nil && err != redis.Nil {
					errs <- fmt.Errorf("%s: %w", op.Name, err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	close(errs)
	if err := <-errs; err != nil {
		return 0, err
	}
	return elapsed, nil
}

// newClients makes the clients from the lesson's client options. The
// pool is filled before timing starts, so no measurement pays for dialing.
func newClients(ctx context.Context, rdb *redis.Client, o Options) (*clients, error) {
	single := *rdb.Options()
	single.PoolSize, single.MinIdleConns = 1, 1
	pool := *rdb.Options()
	pool.PoolSize, pool.MinIdleConns = o.Concurrency, o.Concurrency
	c := &clients{single: redis.NewClient(&single), pool: redis.NewClient(&pool)}
	var wg sync.WaitGroup
	errs := make(chan error, o.Concurrency+1)
	for range o.Concurrency {
		wg.Go(func() { errs <- c.pool.Ping(ctx).Err() })
	}
	errs <- c.single.Ping(ctx).Err()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			c.Close()
			return nil, fmt.Errorf("connecting the benchmark clients: %w", err)
		}
	}
	return c, nil
}

func (c *clients) Close() {
	_ = c.single.Close()
	_ = c.pool.Close()
}

// rate is operations per second.
func rate(n int, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

// median of a few measurements: one slow run (a garbage collection, another
// process on the machine) does not move it, as it would move the mean.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
