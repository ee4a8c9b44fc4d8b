package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
)

// reshardSlots is how many slots each migration of part 3 moves.
const reshardSlots = 20

// fillPerSlot is how many keys each moving slot holds when it starts to
// move: keys take time to MIGRATE, and while a slot is half moved the
// client meets ASK replies.
const fillPerSlot = 200

// reshardLive is part 3: slots move from one primary to another while a
// workload writes and reads through a ClusterClient, first key by key with
// redis-cli, then — where the server has it — with Redis 8's atomic slot
// migration. Nothing may fail and nothing may be lost.
func reshardLive(ctx context.Context, out io.Writer, c *cluster) error {
	fmt.Fprintln(out, "--- 3. Resharding live ---")
	rdb := newClusterClient(c)
	defer rdb.Close()
	var seen redirects
	rdb.OnNewNode(func(node *redis.Client) { node.AddHook(&seen) })

	all, err := shards(ctx, rdb)
	if err != nil {
		return err
	}
	from, _ := primaryOf(all[0])
	to, _ := primaryOf(all[1])

	// redis-cli takes the slots to move from the start of the source's
	// range; the atomic migration below takes the start of the last shard's.
	first := int(all[0].Slots[0].Start)
	hot := tagsFor(first, first+reshardSlots-1)
	last := all[len(all)-1].Slots[0].Start
	hotAtomic := tagsFor(int(last), int(last)+reshardSlots-1)

	const workers = 4
	fmt.Fprintf(out, "%d goroutines write new keys and read each one back through one ClusterClient while slots move;\n", workers)
	fmt.Fprintf(out, "two of them aim at the slots that move (a hash tag for each), which hold %d keys each to begin with.\n", fillPerSlot)
	load := startWorkload(ctx, rdb, "reshard", workers)
	if err := load.fill(ctx, rdb, append(hot, hotAtomic...), fillPerSlot); err != nil {
		return err
	}
	load.hot.Store(&hot)
	// Let the workload warm up, so it is mid-flight when the slots move.
	if err := waitFor(ctx, 10*time.Second, "the workload to start", func() (bool, error) {
		return load.writes.Load() >= 200, nil
	}); err != nil {
		return err
	}

	// The classic way, step by step as `redis-cli --cluster reshard` does
	// it: for each slot, IMPORTING on the target, MIGRATING on the source,
	// MIGRATE its keys a few at a time, then CLUSTER SETSLOT … NODE.
	fmt.Fprintf(out, "CLUSTER SETSLOT … IMPORTING/MIGRATING, MIGRATE, SETSLOT … NODE: slots %d-%d from %s to %s\n",
		first, first+reshardSlots-1, nodeAddr(from), nodeAddr(to))
	began := time.Now()
	for slot := first; slot < first+reshardSlots; slot++ {
		// Only for the demo: in the middle of the first slot, wait until
		// the workload has met an ASK, so that you see one.
		var halfway func() error
		if slot == first {
			halfway = func() error {
				return waitFor(ctx, 30*time.Second, "the workload to meet an ASK", func() (bool, error) {
					return seen.ask.Load() > 0, nil
				})
			}
		}
		if err := migrateSlot(ctx, c, slot, from, to, halfway); err != nil {
			return err
		}
	}
	took := time.Since(began)
	if err := afterMigration(ctx, load, 200); err != nil {
		return err
	}
	fmt.Fprintf(out, "  %d slots moved in %s, key by key\n", reshardSlots, took.Round(10*time.Millisecond))
	fmt.Fprintf(out, "  meanwhile: %s; go-redis followed %d MOVED and %d ASK replies\n", load.summary(), seen.moved.Load(), seen.ask.Load())

	if err := atomicMigration(ctx, out, c, rdb, load, &seen); err != nil {
		return err
	}

	load.Stop()
	checked, lost, err := load.lost(ctx, rdb)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "every acknowledged write read back: %d of %d keys there, %d lost\n", checked-lost, checked, lost)
	all, err = shards(ctx, rdb)
	if err != nil {
		return err
	}
	for _, s := range all {
		p, _ := primaryOf(s)
		fmt.Fprintf(out, "  %-15s slots %s\n", nodeAddr(p), slotRanges(s))
	}
	return nil
}

// migrateSlot moves one slot's keys from one primary to another, the way
// redis-cli --cluster reshard does. While the slot is MIGRATING, the source
// still serves the keys it has; for a key it does not have (moved already,
// or new) it answers ASK: "ask the target, just this once", and go-redis
// resends the command there after an ASKING. Once the slot is assigned to
// the target, the source answers MOVED: "it lives there now, update your
// map". halfway, if set, runs after the first batch of keys has moved.
func migrateSlot(ctx context.Context, c *cluster, slot int, from, to redis.Node, halfway func() error) error {
	src, dst := nodeClient(nodeAddr(from)), nodeClient(nodeAddr(to))
	defer src.Close()
	defer dst.Close()
	if err := dst.Do(ctx, "CLUSTER", "SETSLOT", slot, "IMPORTING", from.ID).Err(); err != nil {
		return fmt.Errorf("CLUSTER SETSLOT %d IMPORTING: %w", slot, err)
	}
	if err := src.Do(ctx, "CLUSTER", "SETSLOT", slot, "MIGRATING", to.ID).Err(); err != nil {
		return fmt.Errorf("CLUSTER SETSLOT %d MIGRATING: %w", slot, err)
	}
	for batch := 0; ; batch++ {
		keys, err := src.ClusterGetKeysInSlot(ctx, slot, 10).Result()
		if err != nil {
			return fmt.Errorf("CLUSTER GETKEYSINSLOT %d: %w", slot, err)
		}
		if len(keys) == 0 {
			break
		}
		// MIGRATE host port "" db timeout KEYS k…: the source sends the
		// keys and deletes its copies, atomically for each batch.
		args := []any{"MIGRATE", to.IP, to.Port, "", 0, 5000, "KEYS"}
		for _, k := range keys {
			args = append(args, k)
		}
		if err := src.Do(ctx, args...).Err(); err != nil {
			return fmt.Errorf("MIGRATE slot %d: %w", slot, err)
		}
		if batch == 0 && halfway != nil {
			if err := halfway(); err != nil {
				return err
			}
		}
	}
	// The target first, then the source: from then on the source answers
	// MOVED. The other nodes would learn it from gossip; telling them
	// saves a round of stale answers.
	for _, rdb := range []*redis.Client{dst, src} {
		if err := rdb.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", to.ID).Err(); err != nil {
			return fmt.Errorf("CLUSTER SETSLOT %d NODE: %w", slot, err)
		}
	}
	for _, n := range c.nodes {
		if n.alive() && n.addr() != nodeAddr(from) && n.addr() != nodeAddr(to) {
			rdb := nodeClient(n.addr())
			_ = rdb.Do(ctx, "CLUSTER", "SETSLOT", slot, "NODE", to.ID).Err() // a replica refuses: it follows its primary
			rdb.Close()
		}
	}
	return nil
}

// afterMigration lets the workload run on for n more writes, so that it
// meets the new layout (and the MOVED replies that teach it) before the
// counts are read.
func afterMigration(ctx context.Context, load *workload, n int64) error {
	target := load.writes.Load() + n
	return waitFor(ctx, 20*time.Second, "the workload to go on after the migration", func() (bool, error) {
		return load.writes.Load() >= target, nil
	})
}

// atomicMigration moves slots with CLUSTER MIGRATION IMPORT, Redis 8.4's
// atomic slot migration, if the server has it: the target copies the
// slots' keys in the background (as a replica copies its primary) while
// the source keeps serving them, then takes the slots over in one step. A
// client sees no ASK and no half-moved slot: the keys are all on the
// source until they are all on the target, then one MOVED.
func atomicMigration(ctx context.Context, out io.Writer, c *cluster, rdb *redis.ClusterClient, load *workload, seen *redirects) error {
	all, err := shards(ctx, rdb)
	if err != nil {
		return err
	}
	target, _ := primaryOf(all[0]) // the node that serves slot 0 now
	source, _ := primaryOf(all[len(all)-1])
	first := all[len(all)-1].Slots[0].Start
	last := first + reshardSlots - 1

	admin := nodeClient(nodeAddr(target))
	defer admin.Close()
	// Detect, don't assume: COMMAND INFO answers nil for a subcommand the
	// server does not know.
	info, err := admin.Do(ctx, "COMMAND", "INFO", "CLUSTER|MIGRATION").Slice()
	if err != nil {
		return fmt.Errorf("COMMAND INFO CLUSTER|MIGRATION: %w", err)
	}
	if len(info) == 0 || info[0] == nil {
		fmt.Fprintln(out, "CLUSTER MIGRATION: not on this server (atomic slot migration came with Redis 8.4)")
		return nil
	}

	hot := tagsFor(int(first), int(last))
	load.hot.Store(&hot)
	seen.reset()
	before := load.writes.Load()
	fmt.Fprintf(out, "CLUSTER MIGRATION IMPORT %d %d, sent to %s (atomic slot migration)\n", first, last, nodeAddr(target))
	began := time.Now()
	id, err := admin.Do(ctx, "CLUSTER", "MIGRATION", "IMPORT", first, last).Text()
	if err != nil {
		return fmt.Errorf("CLUSTER MIGRATION IMPORT: %w", err)
	}
	// The import runs in the background: poll its task until it is done.
	var state, lastErr string
	err = waitFor(ctx, 30*time.Second, "the slot migration to complete", func() (bool, error) {
		task, err := migrationTask(ctx, admin, id)
		if err != nil {
			return false, err
		}
		state, lastErr = task["state"], task["last_error"]
		switch state {
		case "completed":
			return true, nil
		case "failed", "canceled":
			return false, fmt.Errorf("slot migration %s: %s", state, lastErr)
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	took := time.Since(began)
	if err := afterMigration(ctx, load, 200); err != nil {
		return err
	}
	fmt.Fprintf(out, "  slots %d-%d moved from %s to %s in %s, all at once\n", first, last, nodeAddr(source), nodeAddr(target), took.Round(10*time.Millisecond))
	fmt.Fprintf(out, "  meanwhile: %d more writes, %d errors in all; go-redis followed %d MOVED and %d ASK replies\n",
		load.writes.Load()-before, load.writeErrors.Load()+load.readErrors.Load(), seen.moved.Load(), seen.ask.Load())
	return nil
}

// migrationTask reads one task of CLUSTER MIGRATION STATUS as a map of its
// fields (id, slots, source, dest, state, last_error, ...).
func migrationTask(ctx context.Context, rdb *redis.Client, id string) (map[string]string, error) {
	reply, err := rdb.Do(ctx, "CLUSTER", "MIGRATION", "STATUS", "ID", id).Slice()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER MIGRATION STATUS: %w", err)
	}
	task := map[string]string{}
	for _, t := range reply {
		switch t := t.(type) {
		case map[any]any: // RESP3
			for k, v := range t {
				task[fmt.Sprint(k)] = fmt.Sprint(v)
			}
		case []any: // RESP2: field, value, field, value...
			for i := 0; i+1 < len(t); i += 2 {
				task[fmt.Sprint(t[i])] = fmt.Sprint(t[i+1])
			}
		}
	}
	return task, nil
}
