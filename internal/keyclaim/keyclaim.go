// Package keyclaim keeps the workbook's steps off a learner's own data.
//
// A step may run against a Redis that already holds keys: a learner's own
// server on 127.0.0.1:6379, say. Before it writes a key, a step claims it:
// Claim refuses, naming the keys, if any of them exists and was not written
// by the workbook; otherwise it records them in one set, workbook:keys, so
// that the next run (or the next step) knows they are the workbook's to
// overwrite. Release deletes keys and forgets them.
package keyclaim

import (
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Registry is the set that lists every key a step of the workbook wrote.
const Registry = "workbook:keys"

// Claim checks that none of keys holds data the workbook did not write, and
// records them as the workbook's. step names the caller in the error.
func Claim(ctx context.Context, rdb *redis.Client, step string, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	members := make([]any, len(keys))
	for i, k := range keys {
		members[i] = k
	}
	// One round trip: EXISTS of each key, and which of them the registry
	// already lists.
	exists := make([]*redis.IntCmd, len(keys))
	var ours *redis.BoolSliceCmd
	_, err := rdb.Pipelined(ctx, func(pipe redis.Pipeliner) error {
		for i, k := range keys {
			exists[i] = pipe.Exists(ctx, k)
		}
		ours = pipe.SMIsMember(ctx, Registry, members...)
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s: checking that its keys are free: %w", step, err)
	}
	var foreign []string
	for i, k := range keys {
		if exists[i].Val() == 1 && !ours.Val()[i] {
			foreign = append(foreign, k)
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("%s would overwrite %s, which this Redis already holds and the workbook did not write: "+
			"nothing was changed. Run the step on a database of its own (e.g. REDIS_URL=redis://127.0.0.1:6379/15, "+
			"or WORKBOOK_REDIS=embedded), or delete those keys if they are yours to lose",
			step, strings.Join(foreign, ", "))
	}
	return rdb.SAdd(ctx, Registry, members...).Err()
}

// Release deletes keys and removes them from the registry; the registry
// itself goes with its last key.
func Release(ctx context.Context, rdb *redis.Client, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	members := make([]any, len(keys))
	for i, k := range keys {
		members[i] = k
	}
	_, err := rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Unlink(ctx, keys...)
		pipe.SRem(ctx, Registry, members...)
		return nil
	})
	return err
}
