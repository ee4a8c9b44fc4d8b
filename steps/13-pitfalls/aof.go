package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// aofWrites is how many writes are timed under each fsync policy.
const aofWrites = 200

// aofPolicies turns the append-only file on and times the same writes under
// appendfsync everysec and always. Redis answers a write after appending it
// to the AOF; the policy decides when the file is forced to disk (fsync):
// everysec once a second in the background, always before each answer.
func aofPolicies(ctx context.Context, out io.Writer, l *lab) (err error) {
	restoreAOF, err := l.set(ctx, "appendonly", "yes")
	if err != nil {
		return err
	}
	defer restoreInto(&err, restoreAOF)
	// Turning AOF on writes a first AOF from the data in the background;
	// wait for it, so the timings below are the writes' alone.
	if err := l.waitAOFRewrite(ctx); err != nil {
		return err
	}
	restorePolicy, err := l.set(ctx, "appendfsync", "everysec")
	if err != nil {
		return err
	}
	defer restoreInto(&err, restorePolicy)
	defer deleteMatching(ctx, l.rdb, "pit:aof:*")

	for _, policy := range []string{"everysec", "always"} {
		if err := l.rdb.ConfigSet(ctx, "appendfsync", policy).Err(); err != nil {
			return err
		}
		start := time.Now()
		for i := range aofWrites {
			if err := l.rdb.Set(ctx, fmt.Sprintf("pit:aof:%d", i), policy, 0).Err(); err != nil {
				return err
			}
		}
		perWrite := round(time.Since(start) / aofWrites)
		switch policy {
		case "everysec":
			fmt.Fprintf(out, "  appendfsync everysec: %s a write; a crash can lose about the last second of acknowledged writes (up to two when the disk is slow)\n", perWrite)
		case "always":
			fmt.Fprintf(out, "  appendfsync always:   %s a write; nothing acknowledged is lost, at the cost of an fsync per write\n", perWrite)
		}
	}
	fmt.Fprintln(out, "  either way, Redis holds one copy of the data on one machine: keep the source of truth in a database")
	return nil
}

// waitAOFRewrite waits until no AOF rewrite is running or scheduled.
func (l *lab) waitAOFRewrite(ctx context.Context) error {
	deadline := time.Now().Add(10 * time.Second)
	for {
		running, err := l.info(ctx, "persistence", "aof_rewrite_in_progress")
		if err != nil {
			return err
		}
		scheduled, err := l.info(ctx, "persistence", "aof_rewrite_scheduled")
		if err != nil {
			return err
		}
		if running == 0 && scheduled == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the AOF rewrite did not finish within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
