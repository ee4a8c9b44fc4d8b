package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func exerciseKeys(t *testing.T, ctx context.Context, rdb *redis.Client, n int) []string {
	t.Helper()
	keys := make([]string, n)
	pipe := rdb.Pipeline()
	for i := range n {
		keys[i] = fmt.Sprintf("exercise:fetch:%03d", i)
		if i%10 != 7 { // every tenth key is missing
			pipe.Set(ctx, keys[i], fmt.Sprintf("value-%03d", i), time.Minute)
		}
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
	return keys
}

func fetchForTest(t *testing.T, ctx context.Context, rdb *redis.Client, keys []string, limit int) ([]string, error) {
	t.Helper()
	values, err := FetchAll(ctx, rdb, keys, limit)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("FetchAll returned %q: the exercise is not done yet. Hint: the lesson's fanOut (concurrency.go) is the pattern: errgroup.WithContext, g.SetLimit, g.Go", err)
	}
	return values, err
}

// gate is a hook that holds every GET until limit of them are in flight
// (so a fan-out that is not concurrent shows), then holds them a little
// longer, so that a fan-out that is not bounded sends more meanwhile.
type gate struct {
	limit     int
	inflight  atomic.Int64
	max       atomic.Int64
	full      chan struct{} // closed when limit GETs were in flight at once
	fullOnce  sync.Once
	settled   chan struct{} // closed a while after full, or at once on a breach
	settleOne sync.Once
	timedOut  atomic.Bool
}

func newGate(limit int) *gate {
	return &gate{limit: limit, full: make(chan struct{}), settled: make(chan struct{})}
}

func (g *gate) DialHook(next redis.DialHook) redis.DialHook { return next }

func (g *gate) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (g *gate) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if strings.ToUpper(cmd.Name()) != "GET" {
			return next(ctx, cmd)
		}
		n := g.inflight.Add(1)
		defer g.inflight.Add(-1)
		for m := g.max.Load(); n > m && !g.max.CompareAndSwap(m, n); m = g.max.Load() {
		}
		if n > int64(g.limit) {
			g.settleOne.Do(func() { close(g.settled) })
		}
		if n >= int64(g.limit) {
			g.fullOnce.Do(func() {
				close(g.full)
				// Hold the full set a moment: a fan-out without a bound
				// starts more GETs in that time; a bounded one cannot.
				time.AfterFunc(300*time.Millisecond, func() { g.settleOne.Do(func() { close(g.settled) }) })
			})
		}
		select {
		case <-g.full:
		case <-time.After(10 * time.Second):
			g.timedOut.Store(true)
			g.fullOnce.Do(func() { close(g.full) })
			g.settleOne.Do(func() { close(g.settled) })
		}
		<-g.settled
		return next(ctx, cmd)
	}
}

// The values come back in the order of the keys, fetched limit at a time.
func TestExerciseFetchAll(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	keys := exerciseKeys(t, ctx, rdb, 60)
	const limit = 4
	g := newGate(limit)
	rdb.AddHook(g)

	values, err := fetchForTest(t, ctx, rdb, keys, limit)
	if err != nil {
		t.Fatalf("FetchAll returned the error %q: a missing key (GET answers redis.Nil) is \"\", not an error", err)
	}
	if len(values) != len(keys) {
		t.Fatalf("FetchAll returned %d values for %d keys, want one per key, in the keys' order", len(values), len(keys))
	}
	for i, v := range values {
		want := fmt.Sprintf("value-%03d", i)
		if i%10 == 7 {
			want = ""
		}
		if v != want {
			t.Fatalf("FetchAll's value %d is %q, want %q: each goroutine writes the result for its own index (values[i] = v), so the order is the keys' order whatever order the GETs finish in", i, v, want)
		}
	}
	if m := g.max.Load(); m > limit {
		t.Fatalf("%d GETs were in flight at once, with limit %d: the fan-out is not bounded (a goroutine per key opens a connection per key). g.SetLimit(limit) makes g.Go wait for a free slot", m, limit)
	}
	if g.timedOut.Load() {
		t.Fatalf("at most %d GET was in flight at a time, want up to %d at once: the GETs ran one after the other. Start each in its own goroutine with g.Go", g.max.Load(), limit)
	}
}

// After the first failure, no new GET is sent.
func TestExerciseFetchAllStopsAtTheFirstError(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	keys := exerciseKeys(t, ctx, rdb, 30)
	// A hash where a string is expected: GET fails with WRONGTYPE.
	if err := rdb.Del(ctx, keys[0]).Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.HSet(ctx, keys[0], "not", "a string").Err(); err != nil {
		t.Fatal(err)
	}
	var sent atomic.Int64
	rdb.AddHook(countLive{&sent})

	values, err := fetchForTest(t, ctx, rdb, keys, 1)
	if err == nil {
		t.Fatalf("FetchAll with a GET that fails (WRONGTYPE on %s) returned %d values and no error: return the first error (g.Wait returns it)", keys[0], len(values))
	}
	if !strings.Contains(err.Error(), "WRONGTYPE") {
		t.Errorf("FetchAll's error is %q, want the GET's own error (WRONGTYPE ...), wrapped rather than replaced", err)
	}
	if values != nil {
		t.Errorf("FetchAll returned %d values with its error, want nil: partial results look like real ones", len(values))
	}
	if n := sent.Load(); n != 1 {
		t.Fatalf("with limit 1 and the first GET failing, FetchAll sent %d GETs with a live context, want 1: after a failure the rest is wasted work. Pass the group's context (g, gctx := errgroup.WithContext(ctx)) to rdb.Get: errgroup cancels it at the first error", n)
	}
}

// countLive counts the GETs whose context is still live when they start.
type countLive struct{ n *atomic.Int64 }

func (c countLive) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c countLive) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func (c countLive) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if strings.ToUpper(cmd.Name()) == "GET" && ctx.Err() == nil {
			c.n.Add(1)
		}
		return next(ctx, cmd)
	}
}

// A limit below 1 is refused.
func TestExerciseFetchAllRefusesABadLimit(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	keys := exerciseKeys(t, ctx, rdb, 3)
	// -1 first: to errgroup it means "no limit", so an unchecked -1 returns
	// (unbounded) instead of hanging the test.
	for _, limit := range []int{-1, 0} {
		done := make(chan error, 1)
		go func() {
			_, err := FetchAll(ctx, rdb, keys, limit)
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil && strings.Contains(err.Error(), "not done yet") {
				t.Fatalf("FetchAll returned %q: the exercise is not done yet", err)
			}
			if err == nil {
				t.Fatalf("FetchAll with limit %d returned no error: to errgroup's SetLimit a negative limit means no limit at all, and 0 means no goroutine may ever run (g.Go waits for ever). Refuse a limit below 1", limit)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("FetchAll with limit %d had not returned after 20 s: errgroup's SetLimit(0) lets no goroutine run, so g.Go waits for ever. Refuse a limit below 1 first", limit)
		}
	}
}
