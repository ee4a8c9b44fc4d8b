package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
)

// reshardSlots is how many slots each migration of part 3 moves.
const reshardSlots = 200

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

	const workers = 4
	fmt.Fprintf(out, "%d goroutines write new keys and read each one back through one ClusterClient while slots move.\n", workers)
	load := startWorkload(ctx, rdb, "reshard", workers)
	defer func() {
		select {
		case <-load.stop:
		default:
			load.Stop()
		}
	}()
	// Let the workload warm up, so it is mid-flight when the slots move.
	if err := waitFor(ctx, 10*time.Second, "the workload to start", func() (bool, error) {
		return load.writes.Load() >= 200, nil
	}); err != nil {
		return err
	}

	// The classic way: redis-cli marks each slot MIGRATING on the source
	// and IMPORTING on the target, moves its keys a few at a time with
	// MIGRATE, then assigns the slot to the target (CLUSTER SETSLOT NODE).
	// Meanwhile a key not (or no longer) on the source gets an ASK reply:
	// "ask the target, just this once". When the slot is done, MOVED: "it
	// lives there now, update your map".
	fmt.Fprintf(out, "redis-cli --cluster reshard %s --cluster-from %s --cluster-to %s --cluster-slots %d --cluster-yes\n",
		nodeAddr(from), from.ID, to.ID, reshardSlots)
	began := time.Now()
	if out, err := c.redisCLI(ctx, "--cluster", "reshard", nodeAddr(from),
		"--cluster-from", from.ID, "--cluster-to", to.ID,
		"--cluster-slots", fmt.Sprint(reshardSlots), "--cluster-yes"); err != nil {
		return fmt.Errorf("redis-cli --cluster reshard: %w\n%s", err, out)
	}
	took := time.Since(began)
	if err := afterMigration(ctx, load, 200); err != nil {
		return err
	}
	fmt.Fprintf(out, "  %d slots moved from %s to %s in %s, key by key (MIGRATE)\n", reshardSlots, nodeAddr(from), nodeAddr(to), took.Round(10*time.Millisecond))
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
	fmt.Fprintf(out, "  %d slots moved from %s to %s in %s, all at once\n", reshardSlots, nodeAddr(source), nodeAddr(target), took.Round(10*time.Millisecond))
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
