package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	rdb := testkit.Client(t)
	var out bytes.Buffer
	require.NoError(t, concurrency(testkit.Context(t), &out, rdb))
	testkit.AssertOutput(t, 11, out.String())

	// The lesson cleans up after itself: nothing of it is left.
	n, err := rdb.DBSize(testkit.Context(t)).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "the lesson left keys behind")
}

// All 200 operations of the fan-out do what they should: every write lands
// on the server, and every read returns its own key's value in its own slot.
func TestFanOutResultsAreRight(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)

	require.NoError(t, fanOut(ctx, batch, workers, func(ctx context.Context, i int) error {
		return rdb.Set(ctx, batchKey(i), batchValue(i), keyTTL).Err()
	}))
	// Check the writes with another client and one MGET, not with the code
	// under test.
	keys := make([]string, batch)
	for i := range keys {
		keys[i] = batchKey(i)
	}
	stored, err := testkit.NewClient(t).MGet(ctx, keys...).Result()
	require.NoError(t, err)
	for i, v := range stored {
		assert.Equal(t, batchValue(i), v, keys[i])
	}

	results := make([]string, batch)
	require.NoError(t, fanOut(ctx, batch, workers, func(ctx context.Context, i int) error {
		v, err := rdb.Get(ctx, batchKey(i)).Result()
		results[i] = v
		return err
	}))
	for i, v := range results {
		assert.Equal(t, batchValue(i), v, "read %d", i)
	}

	piped, err := pipelined(ctx, rdb, batch)
	require.NoError(t, err)
	for i, v := range piped {
		assert.Equal(t, pipeValue(i), v, "pipelined read %d", i)
	}
}

// cancelAfter returns a client whose context is cancelled by a hook right
// after its nth successful SET, and a counter of the SETs that reached the
// server.
func cancelAfter(t *testing.T, n int64) (*redis.Client, context.Context, *atomic.Int64) {
	rdb := testkit.Client(t)
	ctx, cancel := context.WithCancel(testkit.Context(t))
	t.Cleanup(cancel)
	var sets atomic.Int64
	rdb.AddHook(hook{after: func(cmd redis.Cmder, err error) {
		if cmd.Name() == "set" && err == nil && sets.Add(1) == n {
			cancel()
		}
	}})
	return rdb, ctx, &sets
}

// Cancelling the context stops the fan-out: no new goroutine starts, the
// ones in flight finish, and the error says context.Canceled.
func TestCancelStopsFanOut(t *testing.T) {
	const n, limit, cancelAt = 10_000, 4, 50
	rdb, ctx, sets := cancelAfter(t, cancelAt)

	start := time.Now()
	err := fanOut(ctx, n, limit, func(ctx context.Context, i int) error {
		return rdb.Set(ctx, batchKey(i), batchValue(i), keyTTL).Err()
	})
	elapsed := time.Since(start)

	require.Error(t, err)
	assert.ErrorIs(t, err, context.Canceled)
	// At the moment of the cancel, at most limit-1 other writes were in
	// flight; nothing started after it.
	assert.LessOrEqual(t, sets.Load(), int64(cancelAt+limit-1))
	keys, err := testkit.NewClient(t).DBSize(testkit.Context(t)).Result()
	require.NoError(t, err)
	assert.LessOrEqual(t, keys, int64(cancelAt+limit-1), "writes went on after the cancel")
	// Promptly: 10,000 writes would take far longer than this.
	assert.Less(t, elapsed, 5*time.Second)
}

// The naive port (a goroutine per item, the context ignored) does not stop:
// all 1,000 writes happen after a cancel at the 50th, and it even reports
// success. This is the test that fails for the tutorial's shape.
func TestNaiveFanOutIgnoresCancel(t *testing.T) {
	const n, cancelAt = 1_000, 50
	rdb, ctx, sets := cancelAfter(t, cancelAt)

	err := naiveFanOut(ctx, n, func(ctx context.Context, i int) error {
		return rdb.Set(ctx, batchKey(i), batchValue(i), keyTTL).Err()
	})
	assert.NoError(t, err, "the naive fan-out does not even notice the cancel")
	assert.Equal(t, int64(n), sets.Load(), "every write ran despite the cancel")
	assert.Error(t, ctx.Err(), "the context was cancelled")
}

// A deadline that passes ends the fan-out with context.DeadlineExceeded.
func TestDeadlineStopsFanOut(t *testing.T) {
	rdb := testkit.Client(t)
	ctx, cancel := context.WithTimeout(testkit.Context(t), time.Millisecond)
	defer cancel()
	<-ctx.Done()
	err := fanOut(ctx, batch, workers, func(ctx context.Context, i int) error {
		return rdb.Set(ctx, batchKey(i), batchValue(i), keyTTL).Err()
	})
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

// The first failure cancels the others: the fan-out returns that error and
// does not start every remaining call.
func TestFirstErrorStopsFanOut(t *testing.T) {
	boom := errors.New("boom")
	var calls atomic.Int64
	err := fanOut(testkit.Context(t), 10_000, 4, func(ctx context.Context, i int) error {
		calls.Add(1)
		if i == 10 {
			return boom
		}
		// The others wait on ctx, as a Redis call would.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
			return nil
		}
	})
	assert.ErrorIs(t, err, boom)
	assert.Less(t, calls.Load(), int64(10_000))
}

// No goroutine outlives the lesson or a cancelled fan-out: not the errgroup's,
// not the pub/sub reader's, not the pool's.
func TestNoGoroutineLeaks(t *testing.T) {
	testkit.Client(t) // empties the database; its goroutines predate the check
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())

	// A client of our own, closed before the check (deferred calls run last
	// in, first out).
	rdb := testkit.Server(t).NewClient()
	defer rdb.Close()
	ctx := testkit.Context(t)

	require.NoError(t, concurrency(ctx, &bytes.Buffer{}, rdb))

	cctx, cancel := context.WithCancel(ctx)
	var n atomic.Int64
	err := fanOut(cctx, 10_000, workers, func(ctx context.Context, i int) error {
		if n.Add(1) == 100 {
			cancel()
		}
		return rdb.Set(ctx, batchKey(i), batchValue(i), keyTTL).Err()
	})
	assert.ErrorIs(t, err, context.Canceled)
	_, err = cleanup(ctx, rdb)
	require.NoError(t, err)
}

// A pool of size N opens at most N connections, however many goroutines use
// the client at once: the other callers wait for a free connection.
func TestPoolNeverExceedsItsSize(t *testing.T) {
	const poolSize, callers, commandsEach = 5, 200, 5
	ctx := testkit.Context(t)

	// Count connections from the client's side, exactly: a Dialer that
	// counts every connection opened and closed.
	var open, maxOpen atomic.Int64
	rdb := testkit.ClientWith(t, func(o *redis.Options) {
		o.PoolSize = poolSize
		o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			now := open.Add(1)
			for m := maxOpen.Load(); now > m && !maxOpen.CompareAndSwap(m, now); m = maxOpen.Load() {
			}
			return &countedConn{Conn: c, open: &open}, nil
		}
	})

	// And from the server's side: INFO clients, sampled while the callers
	// run, by a client of its own.
	watcher := testkit.NewClient(t)
	baseline := connectedClients(t, watcher)
	var serverMax atomic.Int64
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if n := connectedClients(t, watcher); n > serverMax.Load() {
				serverMax.Store(n)
			}
		}
	}()

	// All callers start at once, so they really compete for the pool.
	startGate := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-startGate
			for k := range commandsEach {
				key := fmt.Sprintf("conc:pool:%d:%d", c, k)
				if err := rdb.Set(ctx, key, c, keyTTL).Err(); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	close(startGate)
	wg.Wait()
	close(stop)
	<-watched
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	stats := rdb.PoolStats()
	t.Logf("pool: %+v; most open at once: %d; server saw at most %d clients (baseline %d)",
		*stats, maxOpen.Load(), serverMax.Load(), baseline)
	assert.Equal(t, uint32(callers*commandsEach), stats.Hits+stats.Misses, "one connection handed out per command")
	assert.LessOrEqual(t, maxOpen.Load(), int64(poolSize), "connections open at once")
	assert.LessOrEqual(t, stats.TotalConns, uint32(poolSize))
	assert.LessOrEqual(t, stats.Misses, uint32(poolSize), "dials")
	assert.LessOrEqual(t, serverMax.Load(), baseline+poolSize, "clients the server saw")
	// The test means something only if callers really had to wait.
	assert.Positive(t, stats.WaitCount, "no caller ever waited: the test did not load the pool")

	keys, err := watcher.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(callers*commandsEach), keys)
}

// The receive with a timeout gives up with a timeout error when nothing
// comes, and a publish before the subscription is confirmed can reach nobody
// (PUBLISH answers 0), which is why the lesson waits for the confirmation.
// To make "before" certain, the subscriber's SUBSCRIBE is held back on its
// way to the server until the test has published.
func TestPubSubTimeoutAndConfirmation(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	sub := rdb.Subscribe(ctx, "conc:quiet")
	defer sub.Close()
	_, err := sub.ReceiveTimeout(ctx, time.Second) // the confirmation
	require.NoError(t, err)
	start := time.Now()
	_, err = sub.ReceiveTimeout(ctx, 50*time.Millisecond)
	assert.True(t, isTimeout(err), "want a timeout, got %v", err)
	assert.Less(t, time.Since(start), 2*time.Second)

	held, release := heldSubscribes(t)
	early := held.Subscribe(ctx, "conc:early") // sent, but not arrived yet
	defer early.Close()
	n, err := rdb.Publish(ctx, "conc:early", "lost").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "published before the SUBSCRIBE reached the server: nobody received it")
	close(release)
	msg, err := early.ReceiveTimeout(ctx, 10*time.Second)
	require.NoError(t, err)
	require.IsType(t, &redis.Subscription{}, msg, "the confirmation comes first")
	n, err = rdb.Publish(ctx, "conc:early", "kept").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "after the confirmation, the subscriber receives")
	got, err := early.ReceiveMessage(ctx)
	require.NoError(t, err)
	assert.Equal(t, "kept", got.Payload, "the message published before the confirmation is gone for good")
}

// heldSubscribes is a client whose SUBSCRIBE commands reach the server only
// when release is closed: a slow network, made certain.
func heldSubscribes(t *testing.T) (*redis.Client, chan struct{}) {
	release := make(chan struct{})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	rdb := testkit.ClientWith(t, func(o *redis.Options) {
		o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &holdingConn{Conn: c, release: release}, nil
		}
	})
	return rdb, release
}

type holdingConn struct {
	net.Conn
	release chan struct{}
}

func (c *holdingConn) Write(p []byte) (int, error) {
	if !bytes.Contains(bytes.ToLower(p), []byte("subscribe")) {
		return c.Conn.Write(p)
	}
	held := append([]byte(nil), p...)
	go func() {
		<-c.release
		_, _ = c.Conn.Write(held)
	}()
	return len(p), nil
}

func connectedClients(t *testing.T, rdb *redis.Client) int64 {
	info, err := rdb.Info(context.Background(), "clients").Result()
	if err != nil {
		t.Errorf("INFO clients: %v", err)
		return 0
	}
	n, err := strconv.ParseInt(features.InfoField(info, "connected_clients"), 10, 64)
	if err != nil {
		t.Errorf("connected_clients: %v", err)
	}
	return n
}

type countedConn struct {
	net.Conn
	open   *atomic.Int64
	closed atomic.Bool
}

func (c *countedConn) Close() error {
	if c.closed.CompareAndSwap(false, true) {
		c.open.Add(-1)
	}
	return c.Conn.Close()
}

// hook calls after once each command has its reply, with the command's
// error. (Not cmd.Err(): a command refused before it was sent, for a done
// context, gets its error set only after the hooks return.)
type hook struct{ after func(redis.Cmder, error) }

func (hook) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h.after(cmd, err)
		return err
	}
}
func (hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// Benchmarks: the timing claims of the chapter, measured rather than
// asserted. Run with `go test -run '^$' -bench . ./steps/11-concurrency/`.
func BenchmarkSequential200(b *testing.B) {
	rdb, ctx := benchClient(b)
	for b.Loop() {
		for i := range batch {
			rdb.Set(ctx, batchKey(i), batchValue(i), keyTTL)
		}
		for i := range batch {
			rdb.Get(ctx, batchKey(i))
		}
	}
}

func BenchmarkFanOut200(b *testing.B) {
	rdb, ctx := benchClient(b)
	for b.Loop() {
		_ = fanOut(ctx, batch, workers, func(ctx context.Context, i int) error {
			return rdb.Set(ctx, batchKey(i), batchValue(i), keyTTL).Err()
		})
		_ = fanOut(ctx, batch, workers, func(ctx context.Context, i int) error {
			return rdb.Get(ctx, batchKey(i)).Err()
		})
	}
}

func BenchmarkPipeline200(b *testing.B) {
	rdb, ctx := benchClient(b)
	for b.Loop() {
		if _, err := pipelined(ctx, rdb, batch); err != nil {
			b.Fatal(err)
		}
	}
}

func benchClient(b *testing.B) (*redis.Client, context.Context) {
	rdb := testkit.Client(b)
	return rdb, context.Background()
}
