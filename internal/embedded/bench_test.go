package embedded_test

import (
	"context"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/embedded"
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
	ctx := context.Background()
	var n atomic.Int64
	cmds := []struct {
		name string
		run  func() error
	}{
		{"SET", func() error { return rdb.Set(ctx, "key:__rand_int__", "xxx", 0).Err() }},
		{"GET", func() error { return rdb.Get(ctx, "key:__rand_int__").Err() }},
		{"INCR", func() error { return rdb.Incr(ctx, "counter:__rand_int__").Err() }},
		{"LPUSH", func() error { return rdb.LPush(ctx, "mylist", "xxx").Err() }},
		{"LPOP", func() error { return ignoreNil(rdb.LPop(ctx, "mylist").Err()) }},
		{"SADD", func() error {
			return rdb.SAdd(ctx, "myset", "element:"+strconv.FormatInt(n.Add(1)%1000, 10)).Err()
		}},
		{"HSET", func() error {
			return rdb.HSet(ctx, "myhash", "element:"+strconv.FormatInt(n.Add(1)%1000, 10), "xxx").Err()
		}},
		{"ZADD", func() error {
			return rdb.ZAdd(ctx, "myzset", redis.Z{Score: 0, Member: "element:" + strconv.FormatInt(n.Add(1)%1000, 10)}).Err()
		}},
	}
	for _, c := range cmds {
		b.Run(c.name, func(b *testing.B) {
			// About redis-benchmark's 20 clients on a 2-core machine.
			b.SetParallelism(max(1, 20/runtime.GOMAXPROCS(0)))
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := c.run(); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "ops/s")
		})
	}
}

func ignoreNil(err error) error {
	if err == redis.Nil {
		return nil
	}
	return err
}
