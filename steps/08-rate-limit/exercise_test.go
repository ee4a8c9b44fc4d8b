package main

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func allowForTest(t *testing.T, ctx context.Context, rdb *redis.Client, key string, limit int, window time.Duration) bool {
	t.Helper()
	ok, err := AllowFixed(ctx, rdb, key, limit, window)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("AllowFixed returned %q: the exercise is not done yet. Hint: INCR counts; the key's expiry is the window", err)
	}
	if err != nil {
		t.Fatalf("AllowFixed(%q, %d, %v) returned the error %q", key, limit, window, err)
	}
	return ok
}

// checkOneAtomicTrip fails unless the call made one round trip that was a
// script or a MULTI/EXEC transaction. A script's first EVALSHA, refused
// with NOSCRIPT before go-redis sends EVAL, does not count.
func checkOneAtomicTrip(t *testing.T, trips []testkit.Trip, call string) {
	t.Helper()
	var counted []testkit.Trip
	for _, tr := range trips {
		if len(tr.Cmds) == 1 && tr.Cmds[0].Err() != nil && strings.HasPrefix(tr.Cmds[0].Err().Error(), "NOSCRIPT") {
			continue
		}
		counted = append(counted, tr)
	}
	if len(counted) != 1 {
		var seen []string
		for _, tr := range counted {
			seen = append(seen, "["+tr.String()+"]")
		}
		t.Fatalf("%s made %d round trips: %s. Want one: between two round trips the program can stop (or the connection drop), and a counter left without expiry blocks its client for ever. Send INCR and PEXPIRE together, in a Lua script (redis.NewScript) or inside rdb.TxPipelined", call, len(counted), strings.Join(seen, " "))
	}
	tr := counted[0]
	if len(tr.Names()) > 1 && tr.Names()[0] != "MULTI" {
		t.Fatalf("%s sent [%s] as a plain pipeline: one round trip, but not atomic (Redis may run other clients' commands in between, and a dropped connection can cut it after INCR). Use rdb.TxPipelined (MULTI/EXEC) or a Lua script", call, tr)
	}
}

// The first limit requests of a window are allowed, the rest are not, and
// each call is one atomic round trip.
func TestExerciseAllowFixed(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	const key, limit, window = "exercise:rl:192.0.2.7", 3, time.Minute
	rec := testkit.Record(rdb)
	for i := 1; i <= 5; i++ {
		got := allowForTest(t, ctx, rdb, key, limit, window)
		checkOneAtomicTrip(t, rec.Sent(), "AllowFixed")
		if want := i <= limit; got != want {
			t.Fatalf("request %d of a window with limit %d: AllowFixed = %t, want %t (allowed while the count is at most the limit)", i, limit, got, want)
		}
	}
	count, err := rdb.Get(ctx, key).Int64()
	if err != nil || count != 5 {
		t.Errorf("after 5 requests the counter at %s is %d (%v), want 5: every request counts, allowed or not", key, count, err)
	}
}

// The window is the key's expiry, set on the first request and left alone
// by the others.
func TestExerciseAllowFixedSetsTheWindowOnce(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	const key, window = "exercise:rl:198.51.100.1", time.Minute
	allowForTest(t, ctx, rdb, key, 10, window)
	pttl := rdb.PTTL(ctx, key).Val()
	if pttl <= 0 {
		t.Fatalf("after the first request, %s has no expiry (%s): the counter never resets, and the client is blocked for ever once it reaches the limit. PEXPIRE it by the window", key, pttlText(pttl))
	}
	if pttl > window || pttl < window/2 {
		t.Fatalf("after the first request, %s expires in %v, want about the window, %v", key, pttl, window)
	}

	// Pretend most of the window went by: 5 s are left.
	const left = 5 * time.Second
	if err := rdb.PExpire(ctx, key, left).Err(); err != nil {
		t.Fatal(err)
	}
	allowForTest(t, ctx, rdb, key, 10, window)
	if pttl := rdb.PTTL(ctx, key).Val(); pttl > left {
		t.Fatalf("a later request moved the window's end: %s expired in %v, and now in %v. A client that keeps calling then never sees its window end. Set the expiry on the first request only (INCR returned 1, or PEXPIRE ... NX)", key, left, pttl)
	}
}

// Forty requests at once against a limit of ten: exactly ten pass.
func TestExerciseAllowFixedConcurrently(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	const key, limit = "exercise:rl:burst", 10
	var allowed atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for range 40 {
		wg.Go(func() {
			ok, err := AllowFixed(ctx, rdb, key, limit, time.Minute)
			if err != nil {
				errs <- err
			}
			if ok {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("AllowFixed from one of 40 goroutines failed: %v", err)
	}
	if n := allowed.Load(); n != limit {
		t.Fatalf("40 concurrent requests against a limit of %d: %d were allowed, want exactly %d. Decide from the count INCR returns, not from a GET before it (two clients GET the same count)", limit, n, limit)
	}
}

// A limit or a window that cannot work is refused.
func TestExerciseAllowFixedRefusesBadSettings(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	for _, tc := range []struct {
		limit  int
		window time.Duration
	}{{0, time.Minute}, {-1, time.Minute}, {5, 0}, {5, time.Microsecond}} {
		ok, err := AllowFixed(ctx, rdb, "exercise:rl:bad", tc.limit, tc.window)
		if err != nil && strings.Contains(err.Error(), "not done yet") {
			t.Fatalf("AllowFixed returned %q: the exercise is not done yet", err)
		}
		if err == nil {
			t.Fatalf("AllowFixed with limit %d and window %v = %t, nil; want an error: a limit below 1 blocks everybody, and PEXPIRE 0 (a window under 1 ms) deletes the counter at once", tc.limit, tc.window, ok)
		}
	}
}

// pttlText says what PTTL answered, in words (go-redis returns -1 and -2,
// "no expiry" and "no key", as durations of -1ns and -2ns).
func pttlText(pttl time.Duration) string {
	switch pttl {
	case -1:
		return "PTTL -1: no expiry"
	case -2:
		return "PTTL -2: no such key"
	}
	return "PTTL " + pttl.String()
}
