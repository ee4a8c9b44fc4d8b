package main

import (
	"context"
	"fmt"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// keyspace is how many distinct keys (or fields, or members) the
// benchmark cycles through, as redis-benchmark does with -r.
const keyspace = 10000

// value is the payload, redis-benchmark's default (-d 3).
const value = "xxx"

// operation is one row of the tutorial's table.
type operation struct {
	Name string // the command, as the table shows it
	// Test is redis-benchmark's name for the same test (-t), or "" when
	// redis-benchmark has none.
	Test string
	// Needs is a server feature the command requires, or "".
	Needs features.Feature
	// send issues the i-th command on c: a client (the command runs now)
	// or a pipeline (it is queued). The names are built once, before any
	// timing, so the loop measures Redis and go-redis, not fmt.Sprintf.
	send func(ctx context.Context, c redis.Cmdable, i int) redis.Cmder
	// build is the same i-th command for rueidis, from its builder.
	build func(b rueidis.Builder, i int) rueidis.Completed
}

// names are the keys, fields and members the operations use, built once.
type names struct {
	keys, fields, docs []string
}

func newNames() *names {
	n := &names{keys: make([]string, keyspace), fields: make([]string, keyspace), docs: make([]string, keyspace)}
	for i := range keyspace {
		n.keys[i] = fmt.Sprintf("bench:key:%06d", i)
		n.fields[i] = fmt.Sprintf("element:%06d", i)
		n.docs[i] = fmt.Sprintf("bench:doc:%06d", i)
	}
	return n
}

// Keys the benchmark writes besides bench:key:* and bench:doc:*.
const (
	hashKey = "bench:hash"
	listKey = "bench:list"
	zsetKey = "bench:zset"
)

// jsonDoc is a small document, as a string: go-redis sends strings as they
// are, where a Go value would be marshalled on every call.
const jsonDoc = `{"name":"xxx","price":42,"tags":["a","b"]}`

// operations are the tutorial's six, with the same shape of data as
// redis-benchmark's tests: short keys, 3-byte values, one hash, one list
// and one sorted set that grow.
func operations(n *names) []operation {
	return []operation{
		{Name: "SET", Test: "SET", send: func(ctx context.Context, c redis.Cmdable, i int) redis.Cmder {
			return c.Set(ctx, n.keys[i%keyspace], value, 0)
		}, build: func(b rueidis.Builder, i int) rueidis.Completed {
			return b.Set().Key(n.keys[i%keyspace]).Value(value).Build()
		}},
		{Name: "GET", Test: "GET", send: func(ctx context.Context, c redis.Cmdable, i int) redis.Cmder {
			return c.Get(ctx, n.keys[i%keyspace])
		}, build: func(b rueidis.Builder, i int) rueidis.Completed {
			return b.Get().Key(n.keys[i%keyspace]).Build()
		}},
		{Name: "HSET", Test: "HSET", send: func(ctx context.Context, c redis.Cmdable, i int) redis.Cmder {
			return c.HSet(ctx, hashKey, n.fields[i%keyspace], value)
		}, build: func(b rueidis.Builder, i int) rueidis.Completed {
			return b.Hset().Key(hashKey).FieldValue().FieldValue(n.fields[i%keyspace], value).Build()
		}},
		{Name: "LPUSH", Test: "LPUSH", send: func(ctx context.Context, c redis.Cmdable, i int) redis.Cmder {
			return c.LPush(ctx, listKey, value)
		}, build: func(b rueidis.Builder, i int) rueidis.Completed {
			return b.Lpush().Key(listKey).Element(value).Build()
		}},
		{Name: "ZADD", Test: "ZADD", send: func(ctx context.Context, c redis.Cmdable, i int) redis.Cmder {
			return c.ZAdd(ctx, zsetKey, redis.Z{Score: float64(i % keyspace), Member: n.fields[i%keyspace]})
		}, build: func(b rueidis.Builder, i int) rueidis.Completed {
			return b.Zadd().Key(zsetKey).ScoreMember().ScoreMember(float64(i%keyspace), n.fields[i%keyspace]).Build()
		}},
		{Name: "JSON.SET", Needs: features.JSON, send: func(ctx context.Context, c redis.Cmdable, i int) redis.Cmder {
			return c.JSONSet(ctx, n.docs[i%keyspace], "$", jsonDoc)
		}, build: func(b rueidis.Builder, i int) rueidis.Completed {
			return b.JsonSet().Key(n.docs[i%keyspace]).Path("$").Value(jsonDoc).Build()
		}},
	}
}
