// Package cache is a cache-aside layer for any function: Get returns the
// cached result when Redis has it, and otherwise calls the function, stores
// its result with a TTL and returns it.
//
//	products, err := cache.New(rdb, "api:products", 10*time.Minute, getProduct)
//	p, err := products.Get(ctx, 42)
package cache

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"
)

// Cache caches the results of fn, one entry per distinct argument, under
// keys "prefix:hash". A is the argument type (use a struct for several
// arguments); T is the result type. Both must encode to JSON.
type Cache[A, T any] struct {
	rdb    *redis.Client
	prefix string
	ttl    time.Duration
	fn     func(context.Context, A) (T, error)
	// flights makes concurrent misses for one key share one call of fn.
	flights singleflight.Group
}

// New returns a cache for fn. Every entry expires ttl after it was stored.
func New[A, T any](rdb *redis.Client, prefix string, ttl time.Duration, fn func(context.Context, A) (T, error)) (*Cache[A, T], error) {
	switch {
	case rdb == nil:
		return nil, errors.New("cache: no Redis client: pass the *redis.Client the rest of the program uses")
	case prefix == "":
		return nil, errors.New(`cache: empty prefix: name the cached function's namespace, e.g. "api:products"`)
	case ttl <= 0:
		return nil, fmt.Errorf("cache: TTL %v is not positive: every cache entry needs an expiry, e.g. 10*time.Minute", ttl)
	case fn == nil:
		return nil, errors.New("cache: no function to cache")
	}
	return &Cache[A, T]{rdb: rdb, prefix: prefix, ttl: ttl, fn: fn}, nil
}

// Key is the Redis key for args: the prefix, a colon and the first 16 hex
// digits of the SHA-256 of args' JSON. Equal arguments give equal JSON
// (struct fields keep their order, map keys are sorted), so equal keys.
func (c *Cache[A, T]) Key(args A) (string, error) {
	data, err := json.Marshal(args)
	if err != nil {
		return "", fmt.Errorf("cache %s: cannot encode the arguments as JSON: %w", c.prefix, err)
	}
	sum := sha256.Sum256(data)
	return c.prefix + ":" + hex.EncodeToString(sum[:])[:16], nil
}

// Get returns fn(ctx, args), from the cache when possible.
func (c *Cache[A, T]) Get(ctx context.Context, args A) (T, error) {
	var zero T
	key, err := c.Key(args)
	if err != nil {
		return zero, err
	}
	if v, ok, err := c.lookup(ctx, key); err != nil || ok {
		return v, err
	}

	// A miss. Every caller that misses the same key while fn runs waits
	// for that one call instead of starting its own: without this, a
	// popular key that expires sends a stampede of calls to the database.
	// The shared call must not stop because the first caller gave up, so
	// it runs without that caller's cancellation; each caller still stops
	// waiting when its own context ends.
	shared := context.WithoutCancel(ctx)
	ch := c.flights.DoChan(key, func() (any, error) {
		// A caller that missed just before the previous call stored its
		// result arrives here after it: look again before calling fn.
		if v, ok, err := c.lookup(shared, key); err != nil || ok {
			return v, err
		}
		return c.fill(shared, key, args)
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return zero, res.Err
		}
		v, _ := res.Val.(T) // the comma-ok form: a nil interface T would panic
		return v, nil
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// lookup reads key; ok is false on a miss.
func (c *Cache[A, T]) lookup(ctx context.Context, key string) (v T, ok bool, err error) {
	data, err := c.rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return v, false, nil // not cached (or expired)
	}
	if err != nil {
		return v, false, fmt.Errorf("cache %s: reading %s: %w", c.prefix, key, err)
	}
	if err := json.Unmarshal(data, &v); err != nil {
		// Another program's lease (see fill), or an entry written by
		// another version of this one: a miss, and the fresh result
		// overwrites it.
		var zero T
		return zero, false, nil
	}
	return v, true, nil
}

// fill calls fn and stores its result, unless the entry was invalidated
// while fn ran.
//
// That is a race every cache-aside layer has: fn reads the database, the
// data changes, Invalidate deletes the entry (there is none yet), and then
// the fill stores what fn read before the change. Without a guard the cache
// serves that stale value for its whole TTL. The guard is a lease: before
// calling fn the fill puts a token of its own in the entry's key, Invalidate
// (or InvalidateAll) deletes it like any entry, and the result is stored only
// if the token is still there. A lease is not JSON, so a lookup that meets
// one is a miss.
func (c *Cache[A, T]) fill(ctx context.Context, key string, args A) (T, error) {
	var zero T
	lease := leasePrefix + rand.Text()
	// The lease expires with the entry's TTL: if this program dies while fn
	// runs, the key does not stay a lease for ever.
	if err := c.rdb.Set(ctx, key, lease, c.ttl).Err(); err != nil {
		return zero, fmt.Errorf("cache %s: taking a lease on %s: %w", c.prefix, key, err)
	}
	v, err := c.fn(ctx, args)
	if err != nil {
		// Errors are returned, never cached: give the lease up.
		_ = storeIfLeased.Run(ctx, c.rdb, []string{key}, lease, "", 0).Err()
		return zero, err
	}
	data, err := json.Marshal(v)
	if err != nil {
		_ = storeIfLeased.Run(ctx, c.rdb, []string{key}, lease, "", 0).Err()
		return zero, fmt.Errorf("cache %s: cannot encode the result as JSON: %w", c.prefix, err)
	}
	// Compare and set in one script, so that no Invalidate can come
	// between the check and the SET. SET with PX is one atomic command:
	// there is never a moment when the entry exists without its TTL.
	if err := storeIfLeased.Run(ctx, c.rdb, []string{key}, lease, data, c.ttl.Milliseconds()).Err(); err != nil {
		return zero, fmt.Errorf("cache %s: storing %s: %w", c.prefix, key, err)
	}
	// Stored or not, v is what fn returned for this call: return it.
	return v, nil
}

// leasePrefix starts every lease: a byte no JSON document starts with.
const leasePrefix = "\x00lease:"

// storeIfLeased stores ARGV[2] in KEYS[1] with a TTL of ARGV[3] ms if the
// key still holds the lease ARGV[1]; when ARGV[2] is empty it only deletes
// the lease. It returns 1 if the lease was still there, 0 if not.
var storeIfLeased = redis.NewScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
if ARGV[2] == '' then
  redis.call('DEL', KEYS[1])
else
  redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return 1
`)

// Invalidate removes the entry for args, if there is one. A fill in flight
// for args then does not store what it read before (see fill).
func (c *Cache[A, T]) Invalidate(ctx context.Context, args A) error {
	key, err := c.Key(args)
	if err != nil {
		return err
	}
	return c.rdb.Unlink(ctx, key).Err()
}

// scanBatch is the COUNT hint for SCAN: about how many keys Redis looks at
// per call. Small enough that no call blocks the server for long.
const scanBatch = 100

// InvalidateAll removes every entry of this cache and returns how many it
// removed. It walks the keyspace with SCAN, a batch at a time, and never
// uses KEYS, which blocks the whole server while it looks at every key.
func (c *Cache[A, T]) InvalidateAll(ctx context.Context) (int, error) {
	match := EscapeGlob(c.prefix) + ":*"
	removed := 0
	var cursor uint64
	for {
		keys, next, err := c.rdb.Scan(ctx, cursor, match, scanBatch).Result()
		if err != nil {
			return removed, fmt.Errorf("cache %s: SCAN: %w", c.prefix, err)
		}
		if len(keys) > 0 {
			// UNLINK frees the memory in the background. Its reply counts
			// only keys that still existed, so a key that expired (or that
			// SCAN returned twice, which it may) is not counted.
			n, err := c.rdb.Unlink(ctx, keys...).Result()
			if err != nil {
				return removed, fmt.Errorf("cache %s: UNLINK: %w", c.prefix, err)
			}
			removed += int(n)
		}
		// SCAN is done when the cursor comes back to 0, not when a batch
		// is empty: a batch may be empty in the middle of the walk.
		if next == 0 {
			return removed, nil
		}
		cursor = next
	}
}

// EscapeGlob escapes the characters that SCAN MATCH treats as patterns, so
// that a prefix such as "report[2026]*" matches only itself.
func EscapeGlob(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '*', '?', '[', ']', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
