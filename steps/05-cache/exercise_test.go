package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// exerciseDB is the pretend database behind the cache: it counts its
// queries and answers what names says.
type exerciseDB struct {
	queries atomic.Int64
	mu      sync.Mutex
	names   map[int]string
	fail    error
}

func (db *exerciseDB) load(_ context.Context, id int) (string, error) {
	db.queries.Add(1)
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.fail != nil {
		return "", db.fail
	}
	return db.names[id], nil
}

func (db *exerciseDB) rename(id int, name string) {
	db.mu.Lock()
	db.names[id] = name
	db.mu.Unlock()
}

func cachedForTest(t *testing.T, ctx context.Context, rdb *redis.Client, id int, ttl time.Duration, db *exerciseDB) (string, error) {
	t.Helper()
	name, err := CachedName(ctx, rdb, id, ttl, db.load)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("CachedName returned %q: the exercise is not done yet. Hint: rdb.Get(ctx, key).Result() first; errors.Is(err, redis.Nil) means a miss", err)
	}
	return name, err
}

// A miss loads and stores with a TTL, a hit does not load, and deleting the
// key (from any client) makes the next call load again.
func TestExerciseCachedNameReadsThrough(t *testing.T) {
	ctx, rdb, other := testkit.Context(t), testkit.Client(t), testkit.NewClient(t)
	db := &exerciseDB{names: map[int]string{42: "Mechanical keyboard"}}
	const key, ttl = "exercise:product:42:name", 10 * time.Minute
	rec := testkit.Record(rdb)

	name, err := cachedForTest(t, ctx, rdb, 42, ttl, db)
	if err != nil {
		t.Fatalf("CachedName(42) on a cold cache returned the error %q, want the loaded name: a missing key is redis.Nil, which means \"call load\", not \"fail\"", err)
	}
	if name != "Mechanical keyboard" || db.queries.Load() != 1 {
		t.Fatalf("CachedName(42) on a cold cache = %q after %d database queries, want %q after 1", name, db.queries.Load(), "Mechanical keyboard")
	}
	stored, err := other.Get(ctx, key).Result()
	if err != nil || stored != name {
		t.Fatalf("after a miss, GET %s = %q (%v), want %q: store load's answer in Redis under exactly that key (a Go map is not shared with the other instances of the program)", key, stored, err, name)
	}
	pttl := other.PTTL(ctx, key).Val()
	if pttl <= 0 {
		t.Fatalf("%s has no TTL (%s): an entry without expiry is served, stale, for ever once the product changes. Pass ttl to SET (rdb.Set(ctx, key, name, ttl))", key, pttlText(pttl))
	}
	if pttl > ttl || pttl < ttl/2 {
		t.Fatalf("%s's TTL is %v, want about %v (the ttl argument)", key, pttl, ttl)
	}
	for _, tr := range rec.Sent() {
		if len(tr.Names()) == 1 && (tr.Names()[0] == "EXPIRE" || tr.Names()[0] == "PEXPIRE") {
			t.Fatalf("CachedName stored the entry, then sent %s in a round trip of its own: if the program stops in between, the entry never expires. SET takes the TTL itself: rdb.Set(ctx, key, name, ttl) is SET key name PX ttl", tr)
		}
	}

	name, err = cachedForTest(t, ctx, rdb, 42, ttl, db)
	if err != nil || name != "Mechanical keyboard" {
		t.Fatalf("the second CachedName(42) = %q, %v; want %q, nil", name, err, "Mechanical keyboard")
	}
	if n := db.queries.Load(); n != 1 {
		t.Fatalf("the second CachedName(42) queried the database again (%d queries in all, want 1): a key that exists is a hit; return its value", n)
	}

	// The product is renamed and another instance invalidates the entry.
	db.rename(42, "Quiet keyboard")
	if err := other.Del(ctx, key).Err(); err != nil {
		t.Fatal(err)
	}
	name, err = cachedForTest(t, ctx, rdb, 42, ttl, db)
	if err != nil || name != "Quiet keyboard" {
		t.Fatalf("after DEL %s (the invalidation), CachedName(42) = %q, %v; want the new name %q from the database: the answer must come from Redis or load, never from a copy kept in Go", key, name, err, "Quiet keyboard")
	}
}

// Errors from the database are returned and never cached.
func TestExerciseCachedNameDoesNotCacheErrors(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	down := errors.New("database is down")
	db := &exerciseDB{names: map[int]string{7: "Desk lamp"}, fail: down}

	name, err := cachedForTest(t, ctx, rdb, 7, time.Minute, db)
	if !errors.Is(err, down) {
		t.Fatalf("with the database down, CachedName(7) = %q, %v; want load's error, wrapped with %%w (errors.Is(err, theLoadError) must hold)", name, err)
	}
	if n := rdb.Exists(ctx, "exercise:product:7:name").Val(); n != 0 {
		v := rdb.Get(ctx, "exercise:product:7:name").Val()
		t.Fatalf("after load failed, Redis holds %q under exercise:product:7:name: a failure was cached, and every reader gets it until it expires. Return before SET when load fails", v)
	}
	db.mu.Lock()
	db.fail = nil
	db.mu.Unlock()
	if name, err := cachedForTest(t, ctx, rdb, 7, time.Minute, db); err != nil || name != "Desk lamp" {
		t.Fatalf("once the database is back, CachedName(7) = %q, %v; want %q", name, err, "Desk lamp")
	}
}

// Only redis.Nil is a miss: another Redis error is reported, not papered
// over with a database query.
func TestExerciseCachedNameReportsRedisErrors(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	db := &exerciseDB{names: map[int]string{9: "Chair"}}
	// A hash where the string should be: GET answers WRONGTYPE.
	if err := rdb.HSet(ctx, "exercise:product:9:name", "oops", "a hash").Err(); err != nil {
		t.Fatal(err)
	}
	name, err := cachedForTest(t, ctx, rdb, 9, time.Minute, db)
	if err == nil {
		t.Fatalf("GET on the key failed with WRONGTYPE, and CachedName(9) returned %q with no error (after %d database queries): only errors.Is(err, redis.Nil) means \"not cached\"; any other error says something is wrong, so return it", name, db.queries.Load())
	}
	if db.queries.Load() != 0 {
		t.Fatalf("GET failed with WRONGTYPE and CachedName still queried the database: a Redis failure is not a miss (a Redis outage would then send every request to the database at once)")
	}
}

// A TTL of zero would mean "never expires" to SET: refuse it.
func TestExerciseCachedNameNeedsATTL(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	db := &exerciseDB{names: map[int]string{3: "Mug"}}
	for _, ttl := range []time.Duration{0, -time.Second} {
		_, err := cachedForTest(t, ctx, rdb, 3, ttl, db)
		if err == nil {
			pttl := rdb.PTTL(ctx, "exercise:product:3:name").Val()
			t.Fatalf("CachedName with ttl %v returned no error (the entry: %s): to rdb.Set a 0 means \"keep for ever\". Return an error for a ttl that is not positive", ttl, pttlText(pttl))
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
