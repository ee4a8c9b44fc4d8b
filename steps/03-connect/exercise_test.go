package main

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// newLimitedForTest calls the exercise and fails with a teaching message
// while it is not done.
func newLimitedForTest(t *testing.T, base *redis.Options, maxConns int, wait time.Duration) *redis.Client {
	t.Helper()
	rdb, err := NewLimitedClient(base, maxConns, wait)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("NewLimitedClient returned %q: the exercise is not done yet. Hint: opts := *base makes a copy; set opts.PoolSize and opts.PoolTimeout, then redis.NewClient(&opts)", err)
	}
	if err != nil {
		t.Fatalf("NewLimitedClient(base, %d, %v) returned the error %q, want a client", maxConns, wait, err)
	}
	if rdb == nil {
		t.Fatalf("NewLimitedClient(base, %d, %v) returned a nil client and no error", maxConns, wait)
	}
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// The client talks to the same server and database as base, and leaves
// base as it was.
func TestExerciseLimitedClientKeepsTheServer(t *testing.T) {
	ctx := testkit.Context(t)
	// Database 5, so that a client that keeps only the address (and so
	// talks to database 0) shows.
	base := testkit.Server(t).Options()
	base.DB = 5
	check := testkit.ClientWith(t, func(o *redis.Options) { o.DB = 5 })
	if err := check.FlushDB(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	before := *base
	rdb := newLimitedForTest(t, base, 3, 200*time.Millisecond)

	if base.PoolSize != before.PoolSize || base.PoolTimeout != before.PoolTimeout {
		t.Errorf("NewLimitedClient changed the caller's options (PoolSize %d → %d, PoolTimeout %v → %v): copy them first (opts := *base) and change the copy; the caller may make other clients from base",
			before.PoolSize, base.PoolSize, before.PoolTimeout, base.PoolTimeout)
	}
	got := rdb.Options()
	if got.Addr != base.Addr || got.DB != base.DB || got.Username != base.Username || got.Password != base.Password || (got.TLSConfig != nil) != (base.TLSConfig != nil) {
		t.Fatalf("the client's options are addr %q db %d (user, password, TLS as given: %t), want base's addr %q db %d: start from a copy of *base so nothing is lost, rather than &redis.Options{Addr: base.Addr}",
			got.Addr, got.DB, got.Username == base.Username && got.Password == base.Password, base.Addr, base.DB)
	}
	if err := rdb.Set(ctx, "exercise:03:hello", "from the limited client", time.Minute).Err(); err != nil {
		t.Fatalf("SET through the limited client failed: %v", err)
	}
	if v := check.Get(ctx, "exercise:03:hello").Val(); v != "from the limited client" {
		t.Fatalf("another client of the same database reads %q, want the value the limited client wrote: is it on the same server and database (base.DB)?", v)
	}
}

// With every connection taken, the next command fails with ErrPoolTimeout
// after wait, rather than opening one more connection.
func TestExerciseLimitedClientBoundsItsPool(t *testing.T) {
	ctx := testkit.Context(t)
	const maxConns, wait = 2, 150 * time.Millisecond
	rdb := newLimitedForTest(t, testkit.Server(t).Options(), maxConns, wait)

	if got := rdb.Options().PoolSize; got != maxConns {
		t.Fatalf("the client's PoolSize is %d, want %d: PoolSize is how many connections the pool has in use at most", got, maxConns)
	}
	if got := rdb.Options().PoolTimeout; got != wait {
		t.Fatalf("the client's PoolTimeout is %v, want %v: without it a command waits ReadTimeout + 1 s for a free connection (%v with these options)", got, wait, got)
	}

	// A redis.Conn keeps its connection until Close: take them all.
	var held []*redis.Conn
	for range maxConns {
		c := rdb.Conn()
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatalf("PING on a dedicated connection failed: %v", err)
		}
		held = append(held, c)
	}
	err := rdb.Ping(ctx).Err()
	if !errors.Is(err, redis.ErrPoolTimeout) {
		t.Fatalf("with all %d connections taken, PING returned %v, want redis.ErrPoolTimeout: the pool opened another connection (or waited for ever) instead of stopping at PoolSize", maxConns, err)
	}
	if n := rdb.PoolStats().TotalConns; n > maxConns {
		t.Errorf("the pool holds %d connections, want at most %d", n, maxConns)
	}
	// One connection back, and commands work again.
	_ = held[0].Close()
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Fatalf("after one connection came back, PING failed: %v", err)
	}
	for _, c := range held[1:] {
		_ = c.Close()
	}
}

// Numbers that cannot make a pool are refused with an error, not a client
// that misbehaves later.
func TestExerciseLimitedClientRefusesBadInput(t *testing.T) {
	base := testkit.Server(t).Options()
	for _, tc := range []struct {
		maxConns int
		wait     time.Duration
	}{{0, time.Second}, {-3, time.Second}, {5, 0}, {5, -time.Second}} {
		rdb, panicked, err := newLimitedNoPanic(base, tc.maxConns, tc.wait)
		if panicked != nil {
			t.Fatalf("NewLimitedClient(base, %d, %v) panicked: %v. go-redis cannot make a pool of %d connections: check maxConns before calling redis.NewClient, and return an error", tc.maxConns, tc.wait, panicked, tc.maxConns)
		}
		if err != nil && strings.Contains(err.Error(), "not done yet") {
			t.Fatalf("NewLimitedClient returned %q: the exercise is not done yet", err)
		}
		if err == nil {
			if rdb != nil {
				_ = rdb.Close()
			}
			t.Errorf("NewLimitedClient(base, %d, %v) returned no error: with 0 or fewer connections go-redis picks its default, and a wait of 0 means the default too, so the caller's limit would silently vanish; return an error saying what to pass", tc.maxConns, tc.wait)
		}
	}
}

// newLimitedNoPanic calls the exercise, turning a panic into a value.
func newLimitedNoPanic(base *redis.Options, maxConns int, wait time.Duration) (rdb *redis.Client, panicked any, err error) {
	defer func() { panicked = recover() }()
	rdb, err = NewLimitedClient(base, maxConns, wait)
	return rdb, nil, err
}
