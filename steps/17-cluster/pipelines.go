package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// pipelines is part 5: a pipeline on a cluster is split by node, and
// AutoPipeline batches many goroutines' commands per node; both measured
// beside the standalone server the step started from the same binary.
func pipelines(ctx context.Context, out io.Writer, c *cluster) error {
	fmt.Fprintln(out, "--- 5. Pipelines on a cluster ---")
	rdb := newClusterClient(c)
	defer rdb.Close()
	sent := &pipelineLog{pipelines: map[string]int{}, cmds: map[string]int{}}
	rdb.OnNewNode(func(node *redis.Client) { node.AddHook(sent.hook(node.Options().Addr)) })

	// One Pipelined call with 300 SETs. A pipeline is one connection to one
	// server, so go-redis sorts the commands by the node that owns their
	// slot and sends one pipeline to each primary, concurrently; the
	// replies come back in the order of the calls.
	const n = 300
	send := func() ([]redis.Cmder, error) {
		return rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := range n {
				p.Set(ctx, "pipe:"+strconv.Itoa(i), i, 0)
			}
			return nil
		})
	}
	// The first one teaches the client the map: after the failover some
	// node may still hand out the old one, and commands answered MOVED are
	// resent, in a pipeline of their own, to the node the reply names.
	if _, err := send(); err != nil {
		return fmt.Errorf("pipeline of %d SETs: %w", n, err)
	}
	sent.reset()
	cmds, err := send()
	if err != nil {
		return fmt.Errorf("pipeline of %d SETs: %w", n, err)
	}
	all, err := shards(ctx, rdb)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "one Pipelined call, %d SETs (%d replies, in order) → one pipeline per primary:\n", n, len(cmds))
	for _, s := range all {
		p, _ := primaryOf(s)
		fmt.Fprintf(out, "  %-15s %d pipeline, %d commands\n", nodeAddr(p), sent.pipelines[nodeAddr(p)], sent.cmds[nodeAddr(p)])
	}

	single := redis.NewClient(&redis.Options{Addr: c.single.addr(), PoolSize: 50})
	defer single.Close()
	cl := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.addrs(), PoolSize: 50})
	defer cl.Close()
	fmt.Fprintf(out, "SET throughput, the standalone server %s beside the cluster (3 primaries, same binary, same machine):\n", c.single.addr())
	fmt.Fprintf(out, "  %-34s %14s %14s\n", "", "single server", "cluster")
	rows := []struct {
		name string
		ops  int
		run  func(rdb redis.UniversalClient, ops int) error
	}{
		{"one at a time, 1 goroutine", 500, oneAtATime},
		{"pipelines of 100, 1 goroutine", 10000, pipelined},
		{"50 goroutines, one at a time", 5000, fanOut},
		{"50 goroutines, AutoPipeline()", 10000, autoPipelined},
	}
	// Best of three, taken in turns: other programs on the machine make
	// single runs jump.
	for _, row := range rows {
		var a, b float64
		for range 3 {
			x, err := opsPerSec(single, row.ops, row.run)
			if err != nil {
				return fmt.Errorf("%s on the single server: %w", row.name, err)
			}
			y, err := opsPerSec(cl, row.ops, row.run)
			if err != nil {
				return fmt.Errorf("%s on the cluster: %w", row.name, err)
			}
			a, b = max(a, x), max(b, y)
		}
		fmt.Fprintf(out, "  %-34s %8.0f ops/s %8.0f ops/s\n", row.name, a, b)
	}
	return nil
}

// opsPerSec times run.
func opsPerSec(rdb redis.UniversalClient, ops int, run func(redis.UniversalClient, int) error) (float64, error) {
	began := time.Now()
	if err := run(rdb, ops); err != nil {
		return 0, err
	}
	return float64(ops) / time.Since(began).Seconds(), nil
}

// oneAtATime waits for each reply before sending the next command.
func oneAtATime(rdb redis.UniversalClient, ops int) error {
	ctx := context.Background()
	for i := range ops {
		if err := rdb.Set(ctx, "bench:"+strconv.Itoa(i), "v", 0).Err(); err != nil {
			return err
		}
	}
	return nil
}

// pipelined sends 100 commands per round trip (per node, on a cluster).
func pipelined(rdb redis.UniversalClient, ops int) error {
	ctx := context.Background()
	for start := 0; start < ops; start += 100 {
		_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i := start; i < start+100; i++ {
				p.Set(ctx, "bench:"+strconv.Itoa(i), "v", 0)
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fanOut is 50 goroutines, each waiting for its own replies: the pool
// gives each a connection (per node, on a cluster).
func fanOut(rdb redis.UniversalClient, ops int) error {
	return concurrently(ops, func(ctx context.Context, i int) error {
		return rdb.Set(ctx, "bench:"+strconv.Itoa(i), "v", 0).Err()
	})
}

// autoPipelined is the same 50 goroutines through AutoPipeline(): their
// commands are gathered into pipelines behind their backs — on a cluster,
// one stream of batches per node, since a batch must go to one server.
func autoPipelined(rdb redis.UniversalClient, ops int) error {
	var ap *redis.AutoPipeliner
	var err error
	switch rdb := rdb.(type) {
	case *redis.Client:
		ap, err = rdb.AutoPipeline()
	case *redis.ClusterClient:
		ap, err = rdb.AutoPipeline()
	default:
		return fmt.Errorf("AutoPipeline: not on a %T", rdb)
	}
	if err != nil {
		return err
	}
	defer ap.Close()
	return concurrently(ops, func(ctx context.Context, i int) error {
		return ap.Set(ctx, "bench:"+strconv.Itoa(i), "v", 0).Err()
	})
}

// concurrently runs op ops times over 50 goroutines.
func concurrently(ops int, op func(context.Context, int) error) error {
	const goroutines = 50
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make([]error, goroutines)
	for g := range goroutines {
		wg.Go(func() {
			for i := g; i < ops; i += goroutines {
				if err := op(ctx, i); err != nil {
					errs[g] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// pipelineLog counts, per node, the pipelines go-redis sends and their
// commands.
type pipelineLog struct {
	mu        sync.Mutex
	pipelines map[string]int
	cmds      map[string]int
}

func (l *pipelineLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.pipelines)
	clear(l.cmds)
}

func (l *pipelineLog) hook(addr string) redis.Hook { return pipelineHook{l, addr} }

type pipelineHook struct {
	log  *pipelineLog
	addr string
}

func (h pipelineHook) DialHook(next redis.DialHook) redis.DialHook          { return next }
func (h pipelineHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }
func (h pipelineHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		// Count our SETs only: a new connection's handshake (HELLO, CLIENT
		// SETINFO) goes through the same hook as a pipeline of its own.
		sets := 0
		for _, c := range cmds {
			if c.Name() == "set" {
				sets++
			}
		}
		if sets == 0 {
			return next(ctx, cmds)
		}
		h.log.mu.Lock()
		h.log.pipelines[h.addr]++
		h.log.cmds[h.addr] += sets
		h.log.mu.Unlock()
		return next(ctx, cmds)
	}
}
