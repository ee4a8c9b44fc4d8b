package testkit

import (
	"fmt"
	"sort"
	"testing"

	"github.com/redis/go-redis/v9"
)

// Snapshot reads every key of the database with its type and contents (and
// whether it has a TTL), for tests that check a step left a learner's data
// exactly as it found it.
func Snapshot(t testing.TB, rdb *redis.Client) map[string]string {
	t.Helper()
	ctx := Context(t)
	snap := map[string]string{}
	iter := rdb.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		typ, err := rdb.Type(ctx, k).Result()
		if err != nil {
			t.Fatalf("snapshot: TYPE %s: %v", k, err)
		}
		var v any
		switch typ {
		case "string":
			v, err = rdb.Get(ctx, k).Result()
		case "hash":
			var m map[string]string
			m, err = rdb.HGetAll(ctx, k).Result()
			v = sortedMap(m)
		case "list":
			v, err = rdb.LRange(ctx, k, 0, -1).Result()
		case "set":
			var m []string
			m, err = rdb.SMembers(ctx, k).Result()
			sort.Strings(m)
			v = m
		case "zset":
			v, err = rdb.ZRangeWithScores(ctx, k, 0, -1).Result()
		case "ReJSON-RL":
			v, err = rdb.Do(ctx, "JSON.GET", k).Result()
		default:
			v = "(not read)"
		}
		if err != nil {
			t.Fatalf("snapshot: reading %s %s: %v", typ, k, err)
		}
		persist := rdb.TTL(ctx, k).Val() < 0
		snap[k] = fmt.Sprintf("%s %v persistent=%t", typ, v, persist)
	}
	if err := iter.Err(); err != nil {
		t.Fatalf("snapshot: SCAN: %v", err)
	}
	return snap
}

func sortedMap(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}
