package cache

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

type product struct {
	ID    int     `json:"id"`
	Name  string  `json:"name"`
	Price float64 `json:"price"`
}

// counted returns a function to cache that counts its calls.
func counted(calls *atomic.Int64) func(context.Context, int) (product, error) {
	return func(_ context.Context, id int) (product, error) {
		calls.Add(1)
		return product{ID: id, Name: fmt.Sprintf("Product %d", id), Price: 9.99}, nil
	}
}

func newCache(t *testing.T, rdb *redis.Client, prefix string, ttl time.Duration, fn func(context.Context, int) (product, error)) *Cache[int, product] {
	t.Helper()
	c, err := New(rdb, prefix, ttl, fn)
	require.NoError(t, err)
	return c
}

func TestMissThenHit(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var calls atomic.Int64
	c := newCache(t, rdb, "api:products", time.Minute, counted(&calls))

	p, err := c.Get(ctx, 42)
	require.NoError(t, err)
	assert.Equal(t, product{42, "Product 42", 9.99}, p)
	assert.EqualValues(t, 1, calls.Load(), "a miss calls the function")

	p, err = c.Get(ctx, 42)
	require.NoError(t, err)
	assert.Equal(t, product{42, "Product 42", 9.99}, p)
	assert.EqualValues(t, 1, calls.Load(), "a hit does not")

	// What is stored is the result's JSON, under the documented key.
	key, err := c.Key(42)
	require.NoError(t, err)
	assert.Regexp(t, `^api:products:[0-9a-f]{16}$`, key)
	assert.JSONEq(t, `{"id":42,"name":"Product 42","price":9.99}`, rdb.Get(ctx, key).Val())

	// Another argument is another entry.
	_, err = c.Get(ctx, 7)
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load())
}

func TestKeysAreDeterministic(t *testing.T) {
	rdb := testkit.Client(t)
	type query struct {
		Category string
		Page     int
	}
	c, err := New(rdb, "api:search", time.Minute, func(context.Context, query) ([]int, error) { return nil, nil })
	require.NoError(t, err)
	k1, _ := c.Key(query{"books", 2})
	k2, _ := c.Key(query{"books", 2})
	k3, _ := c.Key(query{"books", 3})
	assert.Equal(t, k1, k2)
	assert.NotEqual(t, k1, k3)

	// Maps encode with sorted keys, so insertion order does not matter.
	m, err := New(rdb, "api:m", time.Minute, func(context.Context, map[string]int) (int, error) { return 0, nil })
	require.NoError(t, err)
	a := map[string]int{"a": 1, "b": 2}
	b := map[string]int{"b": 2, "a": 1}
	ka, _ := m.Key(a)
	kb, _ := m.Key(b)
	assert.Equal(t, ka, kb)

	// Arguments JSON cannot encode are an error, not a shared key.
	f, err := New(rdb, "api:f", time.Minute, func(context.Context, func()) (int, error) { return 0, nil })
	require.NoError(t, err)
	_, err = f.Key(func() {})
	assert.ErrorContains(t, err, "cannot encode the arguments as JSON")
}

func TestEntriesExpire(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var calls atomic.Int64
	ttl := 150 * time.Millisecond
	c := newCache(t, rdb, "api:products", ttl, counted(&calls))

	_, err := c.Get(ctx, 1)
	require.NoError(t, err)
	key, _ := c.Key(1)
	pttl := rdb.PTTL(ctx, key).Val()
	assert.Greater(t, pttl, time.Duration(0), "the entry has a TTL")
	assert.LessOrEqual(t, pttl, ttl)

	time.Sleep(ttl + 100*time.Millisecond)
	_, err = c.Get(ctx, 1)
	require.NoError(t, err)
	assert.EqualValues(t, 2, calls.Load(), "an expired entry is a miss")
}

func TestErrorsAreNotCached(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var calls atomic.Int64
	down := errors.New("database unavailable")
	c := newCache(t, rdb, "api:products", time.Minute, func(_ context.Context, id int) (product, error) {
		if calls.Add(1) == 1 {
			return product{}, down
		}
		return product{ID: id}, nil
	})

	_, err := c.Get(ctx, 5)
	require.ErrorIs(t, err, down)
	assert.Zero(t, rdb.DBSize(ctx).Val(), "nothing was stored for the failure")

	p, err := c.Get(ctx, 5)
	require.NoError(t, err)
	assert.Equal(t, 5, p.ID)
	assert.EqualValues(t, 2, calls.Load(), "the second call tried again")
	assert.EqualValues(t, 1, rdb.DBSize(ctx).Val())
}

func TestInvalidate(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var calls atomic.Int64
	c := newCache(t, rdb, "api:products", time.Minute, counted(&calls))
	for _, id := range []int{1, 2} {
		_, err := c.Get(ctx, id)
		require.NoError(t, err)
	}

	require.NoError(t, c.Invalidate(ctx, 1))
	k1, _ := c.Key(1)
	k2, _ := c.Key(2)
	assert.Zero(t, rdb.Exists(ctx, k1).Val())
	assert.EqualValues(t, 1, rdb.Exists(ctx, k2).Val(), "only that entry goes")

	_, err := c.Get(ctx, 1)
	require.NoError(t, err)
	assert.EqualValues(t, 3, calls.Load(), "an invalidated entry is a miss")

	// Invalidating what is not cached is fine.
	require.NoError(t, c.Invalidate(ctx, 99))
}

// InvalidateAll removes this cache's entries and nothing else: not another
// prefix that merely starts with the same letters, not keys without the
// colon, and not keys that a glob character in the prefix would match.
func TestInvalidateAllKeepsOtherPrefixes(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var calls atomic.Int64
	products := newCache(t, rdb, "api:products", time.Minute, counted(&calls))
	products2 := newCache(t, rdb, "api:products2", time.Minute, counted(&calls))
	glob := newCache(t, rdb, "api:prod*", time.Minute, counted(&calls))
	for id := range 5 {
		_, err := products.Get(ctx, id)
		require.NoError(t, err)
		_, err = products2.Get(ctx, id)
		require.NoError(t, err)
	}
	_, err := glob.Get(ctx, 1)
	require.NoError(t, err)
	require.NoError(t, rdb.Set(ctx, "api:products", "not an entry", 0).Err())

	// The glob prefix's MATCH pattern must not reach api:products:*.
	n, err := glob.InvalidateAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)

	n, err = products.InvalidateAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, 5, n)

	left, err := rdb.Keys(ctx, "*").Result() // KEYS is fine in a test's tiny database
	require.NoError(t, err)
	assert.Len(t, left, 6)
	assert.Contains(t, left, "api:products")
	for id := range 5 {
		k, _ := products2.Key(id)
		assert.Contains(t, left, k)
	}

	// Nothing left to remove is a count of 0, not an error.
	n, err = products.InvalidateAll(ctx)
	require.NoError(t, err)
	assert.Zero(t, n)
}

// More entries than one SCAN batch: InvalidateAll must follow the cursor to
// the end, not stop after the first batch.
func TestInvalidateAllWalksEveryBatch(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	c := newCache(t, rdb, "api:many", time.Minute, counted(new(atomic.Int64)))
	const entries = 3*scanBatch + 7
	pipe := rdb.Pipeline()
	for id := range entries {
		k, _ := c.Key(id)
		pipe.Set(ctx, k, "{}", time.Minute)
		pipe.Set(ctx, fmt.Sprintf("other:%d", id), "x", 0) // not ours
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)

	n, err := c.InvalidateAll(ctx)
	require.NoError(t, err)
	assert.Equal(t, entries, n)
	assert.EqualValues(t, entries, rdb.DBSize(ctx).Val(), "only the other keys are left")
}

func TestEscapeGlob(t *testing.T) {
	assert.Equal(t, "api:products", EscapeGlob("api:products"))
	assert.Equal(t, `a\*b\?c\[d\]e\\f`, EscapeGlob(`a*b?c[d]e\f`))
}

// slow is a function that takes a while, like a real query, so that many
// callers miss at the same time.
func slow(calls *atomic.Int64) func(context.Context, int) (product, error) {
	return func(ctx context.Context, id int) (product, error) {
		calls.Add(1)
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return product{}, ctx.Err()
		}
		return product{ID: id}, nil
	}
}

// hammer runs get from 50 goroutines released at the same moment.
func hammer(t *testing.T, get func() (product, error)) {
	t.Helper()
	const callers = 50
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			<-start
			p, err := get()
			if err == nil && p.ID != 42 {
				err = fmt.Errorf("got product %d", p.ID)
			}
			errs <- err
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
}

func TestConcurrentMissesCallOnce(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var calls atomic.Int64
	c := newCache(t, rdb, "api:products", time.Minute, slow(&calls))
	hammer(t, func() (product, error) { return c.Get(ctx, 42) })
	assert.EqualValues(t, 1, calls.Load(), "50 concurrent misses, one call")
}

// naiveGet is the tutorial's wrapper: GET, and on a miss call the function
// and SET. Under the same load every caller that misses calls the function
// itself.
func naiveGet(ctx context.Context, rdb *redis.Client, key string, fn func(context.Context, int) (product, error)) (product, error) {
	var p product
	if data, err := rdb.Get(ctx, key).Bytes(); err == nil {
		return p, json.Unmarshal(data, &p)
	}
	p, err := fn(ctx, 42)
	if err != nil {
		return p, err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return p, err
	}
	return p, rdb.Set(ctx, key, data, time.Minute).Err()
}

func TestNaiveCacheStampedes(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var calls atomic.Int64
	get := func() (product, error) { return naiveGet(ctx, rdb, "naive:42", slow(&calls)) }
	hammer(t, get)
	stampede := calls.Load()
	assert.Greater(t, stampede, int64(1), "the naive cache calls the function once per concurrent miss")
	t.Logf("naive cache: %d calls for 50 concurrent misses", stampede)

	// It does cache: one at a time, the next call is a hit.
	_, err := get()
	require.NoError(t, err)
	assert.Equal(t, stampede, calls.Load())
}

// A caller that gives up does not fail the others that wait for the same
// call: the shared call goes on without the first caller's cancellation.
func TestCancelledCallerDoesNotFailOthers(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var calls atomic.Int64
	started, release := make(chan struct{}), make(chan struct{})
	c := newCache(t, rdb, "api:products", time.Minute, func(ctx context.Context, id int) (product, error) {
		calls.Add(1)
		close(started)
		select {
		case <-release:
			return product{ID: id}, nil
		case <-ctx.Done():
			return product{}, ctx.Err()
		}
	})

	first, cancel := context.WithCancel(ctx)
	firstErr := make(chan error, 1)
	go func() {
		_, err := c.Get(first, 42)
		firstErr <- err
	}()
	<-started
	second := make(chan error, 1)
	go func() {
		p, err := c.Get(ctx, 42)
		if err == nil && p.ID != 42 {
			err = fmt.Errorf("got product %d", p.ID)
		}
		second <- err
	}()

	cancel()
	require.ErrorIs(t, <-firstErr, context.Canceled, "the first caller stops waiting at once")
	close(release)
	require.NoError(t, <-second)
	assert.EqualValues(t, 1, calls.Load())
	k, _ := c.Key(42)
	assert.EqualValues(t, 1, rdb.Exists(ctx, k).Val(), "the shared result was cached")
}

// An entry that no longer decodes (the result type changed, say) is a miss
// and gets overwritten, not an error on every call until it expires.
func TestUndecodableEntryIsAMiss(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var calls atomic.Int64
	c := newCache(t, rdb, "api:products", time.Minute, counted(&calls))
	k, _ := c.Key(3)
	require.NoError(t, rdb.Set(ctx, k, "not json", time.Minute).Err())
	p, err := c.Get(ctx, 3)
	require.NoError(t, err)
	assert.Equal(t, 3, p.ID)
	assert.EqualValues(t, 1, calls.Load())
	assert.JSONEq(t, `{"id":3,"name":"Product 3","price":9.99}`, rdb.Get(ctx, k).Val())
}

func TestNewRejectsBadSettings(t *testing.T) {
	rdb := testkit.Client(t)
	fn := counted(new(atomic.Int64))
	for _, tc := range []struct {
		name string
		err  func() error
		says string
	}{
		{"no client", func() error { _, err := New(nil, "p", time.Minute, fn); return err }, "no Redis client"},
		{"no prefix", func() error { _, err := New(rdb, "", time.Minute, fn); return err }, "empty prefix"},
		{"no ttl", func() error { _, err := New(rdb, "p", 0, fn); return err }, "is not positive"},
		{"no fn", func() error { _, err := New[int, product](rdb, "p", time.Minute, nil); return err }, "no function"},
	} {
		assert.ErrorContains(t, tc.err(), tc.says, tc.name)
	}
}

// A cache that Redis cannot reach says so, naming the cache and the key.
func TestRedisDownIsAnError(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	defer rdb.Close()
	var calls atomic.Int64
	c := newCache(t, rdb, "api:products", time.Minute, counted(&calls))
	_, err := c.Get(testkit.Context(t), 1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cache api:products: reading api:products:")
	assert.Contains(t, err.Error(), "connection refused")
	assert.Zero(t, calls.Load())
}
