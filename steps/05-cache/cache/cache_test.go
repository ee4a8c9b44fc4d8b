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
	ttl := time.Minute
	c := newCache(t, rdb, "api:products", ttl, counted(&calls))

	_, err := c.Get(ctx, 1)
	require.NoError(t, err)
	key, _ := c.Key(1)
	pttl := rdb.PTTL(ctx, key).Val()
	assert.Greater(t, pttl, 50*time.Second, "the entry has the cache's TTL")
	assert.LessOrEqual(t, pttl, ttl)

	// The minute passes: the server's clock expires the entry (no test
	// sleeps through a TTL: on a busy machine that is a race).
	require.NoError(t, rdb.PExpire(ctx, key, time.Millisecond).Err())
	require.Eventually(t, func() bool { return rdb.Exists(ctx, key).Val() == 0 }, 10*time.Second, 5*time.Millisecond)
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

// blocking is a function to cache that signals when it starts and returns
// only when released: a fill held in flight for as long as the test wants.
func blocking(calls *atomic.Int64, started chan<- struct{}, release <-chan struct{}, name string) func(context.Context, int) (product, error) {
	return func(_ context.Context, id int) (product, error) {
		calls.Add(1)
		started <- struct{}{}
		<-release
		return product{ID: id, Name: name}, nil
	}
}

// The race the lease closes: a fill reads the old data, the data changes
// and the entry is invalidated while the fill is still running. The fill
// must not then store what it read before: the next Get calls the function
// again and returns the new value, instead of the stale one for a whole TTL.
func TestInvalidateDuringFillIsNotUndone(t *testing.T) {
	for _, tc := range []struct {
		name       string
		invalidate func(context.Context, *Cache[int, product]) error
	}{
		{"Invalidate", func(ctx context.Context, c *Cache[int, product]) error { return c.Invalidate(ctx, 42) }},
		{"InvalidateAll", func(ctx context.Context, c *Cache[int, product]) error {
			_, err := c.InvalidateAll(ctx)
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := testkit.Context(t)
			rdb := testkit.Client(t)
			var calls atomic.Int64
			started, release := make(chan struct{}, 2), make(chan struct{})
			name := "old"
			var mu sync.Mutex
			c := newCache(t, rdb, "api:products", time.Minute, func(ctx context.Context, id int) (product, error) {
				mu.Lock()
				n := name // what the database says when the query starts
				mu.Unlock()
				return blocking(&calls, started, release, n)(ctx, id)
			})

			first := make(chan product, 1)
			go func() {
				p, err := c.Get(ctx, 42)
				assert.NoError(t, err)
				first <- p
			}()
			<-started // the fill has read "old" and is in flight
			mu.Lock()
			name = "new" // the product changes...
			mu.Unlock()
			require.NoError(t, tc.invalidate(ctx, c)) // ...and its entry is invalidated
			close(release)
			assert.Equal(t, "old", (<-first).Name, "the caller in flight gets what its query read")

			p, err := c.Get(ctx, 42)
			require.NoError(t, err)
			assert.Equal(t, "new", p.Name, "after the invalidation the cache must not serve what the fill read before it")
			assert.EqualValues(t, 2, calls.Load(), "the invalidated fill was not stored, so the next Get called the function")
			p, err = c.Get(ctx, 42)
			require.NoError(t, err)
			assert.Equal(t, "new", p.Name)
			assert.EqualValues(t, 2, calls.Load(), "and that one was stored")
		})
	}
}

// A fill that fails gives its lease up: the next Get calls the function
// again and caches its result.
func TestFailedFillLeavesNothing(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	down := errors.New("database unavailable")
	c := newCache(t, rdb, "api:products", time.Minute, func(context.Context, int) (product, error) { return product{}, down })
	_, err := c.Get(ctx, 1)
	require.ErrorIs(t, err, down)
	assert.Zero(t, rdb.DBSize(ctx).Val(), "no lease is left behind")
}

// The re-check inside the flight: a caller that missed just before another
// caller's fill stored its result must find that result, not call the
// function again. The hook makes that moment happen for sure: right after
// the caller's first GET misses, the entry is stored behind its back.
func TestFlightLooksAgainBeforeCalling(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	other := testkit.NewClient(t)
	var calls atomic.Int64
	c := newCache(t, rdb, "api:products", time.Minute, counted(&calls))
	key, _ := c.Key(42)
	var once sync.Once
	rdb.AddHook(afterHook(func(cmd redis.Cmder, err error) {
		if cmd.Name() == "get" && errors.Is(err, redis.Nil) {
			once.Do(func() {
				require.NoError(t, other.Set(ctx, key, `{"id":42,"name":"stored meanwhile"}`, time.Minute).Err())
			})
		}
	}))
	p, err := c.Get(ctx, 42)
	require.NoError(t, err)
	assert.Equal(t, "stored meanwhile", p.Name)
	assert.Zero(t, calls.Load(), "the flight found the entry stored meanwhile and did not call the function")
}

// afterHook calls fn with every single command and its error after its reply
// came back.
type afterHook func(redis.Cmder, error)

func (h afterHook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h afterHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h(cmd, err)
		return err
	}
}
func (h afterHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// InvalidateAll walks with SCAN and a sensible COUNT, never KEYS (which
// blocks the whole server while it looks at every key), and keeps walking
// past empty batches: with MATCH, a batch holds only the matching keys among
// those visited, so a keyspace of mostly other keys gives empty batches in
// the middle of the walk. Stopping at the first one is the classic bug.
func TestInvalidateAllScansPastEmptyBatches(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	c := newCache(t, rdb, "api:products", time.Minute, counted(new(atomic.Int64)))
	const others, entries = 2000, 10
	pipe := rdb.Pipeline()
	for i := range others {
		pipe.Set(ctx, fmt.Sprintf("aaa:other:%d", i), "x", 0) // not ours; sorts before ours
	}
	for id := range entries {
		k, _ := c.Key(id)
		pipe.Set(ctx, k, "{}", time.Minute)
	}
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)

	rec := testkit.Record(rdb)
	emptyMidWalk := false
	rdb.AddHook(afterHook(func(cmd redis.Cmder, _ error) {
		if scan, ok := cmd.(*redis.ScanCmd); ok {
			if keys, cursor := scan.Val(); len(keys) == 0 && cursor != 0 {
				emptyMidWalk = true
			}
		}
	}))
	n, err := c.InvalidateAll(ctx)
	require.NoError(t, err)
	require.True(t, emptyMidWalk, "the test must produce an empty batch before the end of the walk")
	assert.Equal(t, entries, n, "every entry removed, including those after an empty batch")
	assert.EqualValues(t, others, rdb.DBSize(ctx).Val(), "only the other keys are left")

	assert.Zero(t, rec.Count("keys"), "InvalidateAll must not use KEYS")
	scans := rec.Count("scan")
	keys := others + entries
	assert.GreaterOrEqual(t, scans, 2, "a walk of %d keys takes several calls", keys)
	// About keys/COUNT calls: a COUNT of 100 gives about 20, a tiny COUNT
	// hundreds of round trips.
	assert.LessOrEqual(t, scans, 3*keys/100, "%d SCAN calls for %d keys: is COUNT too small?", scans, keys)
}
