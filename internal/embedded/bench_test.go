package embedded_test

import (
	"context"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// BenchmarkEmbedded is redis-benchmark's mix (-t set,get,incr,lpush,lpop,
// sadd,hset,zadd -c 20) on the embedded server, from 20 goroutines sharing
// a go-redis pool of 20 connections, each command on one key as
// redis-benchmark does (so LPUSH grows one long list). It guards the
// embedded server's throughput: compare its ops/s with a real Redis, e.g.
// redis-benchmark -q -n 20000 -c 20 -t set,... on the same machine (the
// README's table).
//
//	go test -run '^$' -bench BenchmarkEmbedded -benchtime 20000x ./internal/embedded/
func BenchmarkEmbedded(b *testing.B) {
	srv, err := embedded.Start("")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	rdb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 20})
	defer rdb.Close()
	for _, c := range benchMix(rdb) {
		b.Run(c.name, func(b *testing.B) { benchParallel(b, c.run) })
	}
}

// BenchmarkEmbeddedVsRedis runs the same mix on the embedded server and on
// the package's provisioned real Redis, one command after the other, and
// reports the embedded server's throughput as a fraction of Redis's
// (x-of-redis; the goal is at least 0.5 for each command). It is skipped
// when the provisioned server is the embedded one.
//
//	PATH=/opt/redis8/bin:$PATH WORKBOOK_REDIS=binary go test -run '^$' \
//	  -bench BenchmarkEmbeddedVsRedis -benchtime 20000x ./internal/embedded/
func BenchmarkEmbeddedVsRedis(b *testing.B) {
	if testkit.Mode(b) == provision.Embedded {
		b.Skip("the provisioned server is the embedded one: run with WORKBOOK_REDIS=binary or container to compare with Redis")
	}
	srv, err := embedded.Start("")
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	emb := redis.NewClient(&redis.Options{Addr: srv.Addr(), PoolSize: 20})
	defer emb.Close()
	real := testkit.ClientWith(b, func(o *redis.Options) { o.PoolSize = 20 })
	embMix, realMix := benchMix(emb), benchMix(real)
	for i := range embMix {
		b.Run(embMix[i].name, func(b *testing.B) {
			embOps := benchParallel(b, embMix[i].run)
			b.StopTimer()
			realOps := opsPerSecond(b.N, realMix[i].run)
			b.ReportMetric(realOps, "redis-ops/s")
			b.ReportMetric(embOps/realOps, "x-of-redis")
		})
	}
}

type benchCmd struct {
	name string
	run  func() error
}

// benchMix is redis-benchmark's commands, on its keys.
func benchMix(rdb *redis.Client) []benchCmd {
	ctx := context.Background()
	var n atomic.Int64
	member := func() string { return "element:" + strconv.FormatInt(n.Add(1)%1000, 10) }
	return []benchCmd{
		{"SET", func() error { return rdb.Set(ctx, "key:__rand_int__", "xxx", 0).Err() }},
		{"GET", func() error { return rdb.Get(ctx, "key:__rand_int__").Err() }},
		{"INCR", func() error { return rdb.Incr(ctx, "counter:__rand_int__").Err() }},
		{"LPUSH", func() error { return rdb.LPush(ctx, "mylist", "xxx").Err() }},
		{"LPOP", func() error { return ignoreNil(rdb.LPop(ctx, "mylist").Err()) }},
		{"SADD", func() error { return rdb.SAdd(ctx, "myset", member()).Err() }},
		{"HSET", func() error { return rdb.HSet(ctx, "myhash", member(), "xxx").Err() }},
		{"ZADD", func() error { return rdb.ZAdd(ctx, "myzset", redis.Z{Score: 0, Member: member()}).Err() }},
	}
}

// clients is redis-benchmark's -c 20.
const clients = 20

// benchParallel runs fn b.N times from about 20 goroutines and reports
// (and returns) the operations per second.
func benchParallel(b *testing.B, fn func() error) float64 {
	b.SetParallelism(max(1, clients/runtime.GOMAXPROCS(0)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := fn(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	ops := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(ops, "ops/s")
	return ops
}

// opsPerSecond runs fn n times from 20 goroutines, outside the benchmark's
// timer.
func opsPerSecond(n int, fn func() error) float64 {
	var left atomic.Int64
	left.Store(int64(n))
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for left.Add(-1) >= 0 {
				_ = fn()
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

func ignoreNil(err error) error {
	if err == redis.Nil {
		return nil
	}
	return err
}
