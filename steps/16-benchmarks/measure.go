package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// The clients a row of the table names. go-redis is what an application
// that uses go-redis as the other steps do gets; the others are what a
// performance-minded reader asks about next.
const (
	goRedis         = "go-redis"
	goRedisPrebuilt = "go-redis, prebuilt"
	goRedisAuto     = "go-redis AutoPipeline"
	rueidisClient   = "rueidis"
)

// mode is one column of the tutorial's table: how the commands are sent.
type mode struct {
	Name string
	// Flags are redis-benchmark's flags for the same way of sending
	// (connections and pipeline depth), so the two are measured alike.
	Flags func(o Options) []string
	// ways are the Go clients measured in this mode, in the table's order.
	ways []way
}

// way is one Go client sending one mode's commands: run sends n commands
// of op and returns how long it took.
type way struct {
	Client string
	run    func(ctx context.Context, c *clients, op operation, n int, o Options) (time.Duration, error)
}

// clients are what a run uses: one go-redis connection for the sequential
// modes, a pool as big as the concurrency for the concurrent ones, the
// pool's auto-pipeliner, and a rueidis client.
type clients struct {
	single *redis.Client
	pool   *redis.Client
	auto   *redis.AutoPipeliner
	rue    rueidis.Client
}

var modes = []mode{
	{
		// One command, wait for its reply, the next: one round trip per
		// command. The rate is 1 / (network round trip + server time).
		Name:  "individual",
		Flags: func(Options) []string { return []string{"-c", "1", "-P", "1"} },
		ways:  []way{{goRedis, runIndividual}, {rueidisClient, runRueidisIndividual}},
	},
	{
		// 100 commands written at once, then 100 replies read: one round
		// trip per 100 commands. "prebuilt" sends command objects built
		// once, before the timing, again and again, as redis-benchmark
		// does with its request buffer: the gap to the go-redis row is
		// what building commands costs go-redis.
		Name:  "pipeline 100",
		Flags: func(o Options) []string { return []string{"-c", "1", "-P", fmt.Sprint(o.Pipeline)} },
		ways:  []way{{goRedis, runPipeline}, {goRedisPrebuilt, runPrebuilt}, {rueidisClient, runRueidisPipeline}},
	},
	{
		// C goroutines, each sending one command at a time: the Go
		// counterpart of the tutorial's asyncio.gather column. go-redis
		// gives each goroutine a connection from the pool (C round trips in
		// flight); its AutoPipeline, like rueidis by default, gathers what
		// the goroutines send at the same moment into pipelines on one
		// connection, so the same code makes far fewer round trips.
		Name:  "concurrent",
		Flags: func(o Options) []string { return []string{"-c", fmt.Sprint(o.Concurrency), "-P", "1"} },
		ways:  []way{{goRedis, runConcurrent}, {goRedisAuto, runAutoPipelined}, {rueidisClient, runRueidisConcurrent}},
	},
	{
		// C connections each sending pipelines of 100: redis-benchmark's
		// way to the server's ceiling, and what auto-pipelining tends to.
		Name: "concurrent, pipelines of 100",
		Flags: func(o Options) []string {
			return []string{"-c", fmt.Sprint(o.Concurrency), "-P", fmt.Sprint(o.Pipeline)}
		},
		ways: []way{{goRedis, runConcurrentPipelines}},
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
	start := time.Now()
	if err := sendPipelines(ctx, c.single, op, 0, n, 1, o.Pipeline); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// sendPipelines sends commands first, first+step, first+2*step... below n
// on rdb, size at a time, on one Pipeline reused: Exec sends what was
// queued and empties it.
func sendPipelines(ctx context.Context, rdb *redis.Client, op operation, first, n, step, size int) error {
	pipe := rdb.Pipeline()
	for i := first; i < n; {
		for j := 0; j < size && i < n; j++ {
			op.send(ctx, pipe, i)
			i += step
		}
		// Exec returns the first failed command's error; GET of a key
		// not written yet is redis.Nil, which is not a failure here.
		if _, err := pipe.Exec(ctx); err != nil && err != redis.Nil {
			return fmt.Errorf("%s: %w", op.Name, err)
		}
	}
	return nil
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
	return fanOut(o.Concurrency, func(w int) error {
		// Worker w sends commands w, w+C, w+2C...: n in all, no sharing.
		for i := w; i < n; i += o.Concurrency {
			if err := op.send(ctx, c.pool, i).Err(); err != nil && err != redis.Nil {
				return fmt.Errorf("%s: %w", op.Name, err)
			}
		}
		return nil
	})
}

// runAutoPipelined is runConcurrent with one change: the goroutines send
// on the pool's AutoPipeliner instead of the pool. Each call still blocks
// until its reply is there.
func runAutoPipelined(ctx context.Context, c *clients, op operation, n int, o Options) (time.Duration, error) {
	return fanOut(o.Concurrency, func(w int) error {
		for i := w; i < n; i += o.Concurrency {
			if err := op.send(ctx, c.auto, i).Err(); err != nil && err != redis.Nil {
				return fmt.Errorf("%s: %w", op.Name, err)
			}
		}
		return nil
	})
}

func runConcurrentPipelines(ctx context.Context, c *clients, op operation, n int, o Options) (time.Duration, error) {
	return fanOut(o.Concurrency, func(w int) error {
		return sendPipelines(ctx, c.pool, op, w, n, o.Concurrency, o.Pipeline)
	})
}

// fanOut runs work(0) ... work(c-1) in c goroutines and times them all.
func fanOut(c int, work func(w int) error) (time.Duration, error) {
	var wg sync.WaitGroup
	errs := make(chan error, c)
	start := time.Now()
	for w := range c {
		wg.Go(func() {
			if err := work(w); err != nil {
				errs <- err
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
	var err error
	for e := range errs {
		err = errors.Join(err, e)
	}
	if err == nil {
		c.auto, err = c.pool.AutoPipeline()
	}
	if err == nil {
		c.rue, err = newRueidis(rdb.Options())
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("connecting the benchmark clients: %w", err)
	}
	return c, nil
}

func (c *clients) Close() {
	if c.rue != nil {
		c.rue.Close()
	}
	if c.auto != nil {
		_ = c.auto.Close()
	}
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
