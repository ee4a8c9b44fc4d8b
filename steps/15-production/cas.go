package main

import (
	"context"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"
)

// casScript sets KEYS[1] to ARGV[2] only if it currently holds ARGV[1], and
// says whether it did. Redis runs a script as one command: no other client
// can slip in between the GET and the SET, which is what makes it atomic
// without WATCH/MULTI/EXEC and without a second round trip.
//
// A missing key makes GET return false in Lua, which never equals a string,
// so the swap only happens on an exact match.
var casScript = redis.NewScript(`
local current = redis.call('GET', KEYS[1])
if current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
`)

// compareAndSwap is the Go face of the script. Script.Run sends EVALSHA
// (only the script's SHA1, 40 bytes) and, if the server answers NOSCRIPT
// because it has never seen or has forgotten the script, sends EVAL with the
// whole source, which also caches it for the next call.
func compareAndSwap(ctx context.Context, rdb redis.Scripter, key, old, new string) (bool, error) {
	n, err := casScript.Run(ctx, rdb, []string{key}, old, new).Int()
	if err != nil {
		return false, fmt.Errorf("compare-and-swap on %s: %w", key, err)
	}
	return n == 1, nil
}

// luaCAS shows the swap succeeding and failing, then, on a server of its
// own, what happens when the script cache is emptied.
func luaCAS(ctx context.Context, out io.Writer, rdb, owned *redis.Client) error {
	fmt.Fprintln(out, "--- 3. Lua compare-and-swap ---")
	key := appPrefix + "config:version"
	defer rdb.Unlink(context.WithoutCancel(ctx), key)
	if err := rdb.Set(ctx, key, "v1", 0).Err(); err != nil {
		return err
	}
	for _, swap := range [][2]string{{"v1", "v2"}, {"v1", "v3"}} {
		ok, err := compareAndSwap(ctx, rdb, key, swap[0], swap[1])
		if err != nil {
			return err
		}
		now, err := rdb.Get(ctx, key).Result()
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "CAS %s: %s → %s  swapped=%-5v  now %s\n", key, swap[0], swap[1], ok, now)
	}
	fmt.Fprintf(out, "script SHA1 %s\n", casScript.Hash())

	// SCRIPT FLUSH empties the server's script cache, as a restart or a
	// failover to a replica that never saw the script would. It affects
	// every client of the server, so this part runs on the step's own
	// throwaway server, never on yours.
	if err := owned.ScriptFlush(ctx).Err(); err != nil {
		return fmt.Errorf("SCRIPT FLUSH: %w", err)
	}
	if err := owned.Set(ctx, key, "v1", 0).Err(); err != nil {
		return err
	}
	// EVALSHA alone now fails: the server does not know the SHA1.
	err := casScript.EvalSha(ctx, owned, []string{key}, "v1", "v2").Err()
	fmt.Fprintf(out, "after SCRIPT FLUSH, EVALSHA alone → %s\n", noScript(err))
	// Run sees NOSCRIPT and falls back to EVAL, which caches the script.
	ok, err := compareAndSwap(ctx, owned, key, "v1", "v2")
	if err != nil {
		return err
	}
	cached, err := owned.ScriptExists(ctx, casScript.Hash()).Result()
	if err != nil {
		return fmt.Errorf("SCRIPT EXISTS: %w", err)
	}
	fmt.Fprintf(out, "Script.Run → swapped=%v (EVALSHA, NOSCRIPT, then EVAL); SCRIPT EXISTS → %v\n", ok, cached[0])
	return nil
}

// noScript shows the error a missing script gives.
func noScript(err error) string {
	if err == nil {
		return "no error (the script was still cached)"
	}
	return err.Error()
}
