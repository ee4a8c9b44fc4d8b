package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// spreadKeys is how many keys part 1 writes to see where they land.
const spreadKeys = 1000

// slotsAndNodes is part 1: the cluster's shards, which slot a key hashes
// to, and where 1,000 keys end up.
func slotsAndNodes(ctx context.Context, out io.Writer, rdb *redis.ClusterClient) error {
	fmt.Fprintln(out, "--- 1. A ClusterClient: keys over slots and nodes ---")
	all, err := shards(ctx, rdb)
	if err != nil {
		return err
	}
	// CLUSTER SHARDS: each shard is a range of slots, its primary and its
	// replicas.
	fmt.Fprintln(out, "CLUSTER SHARDS:")
	for i, s := range all {
		p, _ := primaryOf(s)
		r, _ := replicaOf(s)
		fmt.Fprintf(out, "  shard %d  slots %-11s (%d)  primary %s  replica %s\n",
			i+1, slotRanges(s), slotCount(s), nodeAddr(p), nodeAddr(r))
	}

	// A key's slot is CRC16(key) mod 16384. Only the part between the
	// first { and the next } is hashed when there is one: the hash tag.
	// Every key tagged {user:1001} lands in the slot of "user:1001".
	for _, key := range []string{"user:1001", "user:1004", "{user:1001}:sessions", "{user:1001}:cart"} {
		slot, err := rdb.ClusterKeySlot(ctx, key).Result()
		if err != nil {
			return fmt.Errorf("CLUSTER KEYSLOT %s: %w", key, err)
		}
		fmt.Fprintf(out, "CLUSTER KEYSLOT %-21s → %5d  (shard %d; keySlot in Go: %d)\n", key, slot, shardOfSlot(all, slot), keySlot(key))
	}

	// Write 1,000 keys. Each SET goes to the primary that owns the key's
	// slot, over that node's own connection pool: the client code is the
	// same as for one server.
	for i := range spreadKeys {
		if err := rdb.Set(ctx, fmt.Sprintf("key:%d", i), i, 0).Err(); err != nil {
			return fmt.Errorf("SET key:%d: %w", i, err)
		}
	}
	// ForEachMaster runs a command on every primary (concurrently):
	// DBSIZE counts only the node's own keys.
	var mu sync.Mutex
	counts := map[string]int64{}
	err = rdb.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		n, err := node.DBSize(ctx).Result()
		mu.Lock()
		counts[node.Options().Addr] = n
		mu.Unlock()
		return err
	})
	if err != nil {
		return fmt.Errorf("DBSIZE on every primary: %w", err)
	}
	fmt.Fprintf(out, "%d keys key:0 … key:%d, DBSIZE on each primary:\n", spreadKeys, spreadKeys-1)
	var total int64
	for i, s := range all {
		p, _ := primaryOf(s)
		n := counts[nodeAddr(p)]
		total += n
		fmt.Fprintf(out, "  shard %d  %-15s %5d slots  %4d keys  %s\n", i+1, nodeAddr(p), slotCount(s), n, bar(n, spreadKeys))
	}
	fmt.Fprintf(out, "  total %d keys: every key is on exactly one primary\n", total)
	return nil
}

// shardOfSlot is the number (from 1) of the shard that serves slot.
func shardOfSlot(all []redis.ClusterShard, slot int64) int {
	for i, s := range all {
		for _, r := range s.Slots {
			if slot >= r.Start && slot <= r.End {
				return i + 1
			}
		}
	}
	return 0
}

// bar draws n of total as a row of blocks, 60 for all of it.
func bar(n, total int64) string {
	return strings.Repeat("█", int(n*60/max(total, 1)))
}
