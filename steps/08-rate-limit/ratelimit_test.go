package main

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
	"github.com/redis-go-workbook/workbook/steps/08-rate-limit/ratelimit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var out bytes.Buffer
	start := time.Now()
	require.NoError(t, demo(ctx, &out, rdb))
	took := time.Since(start)
	testkit.AssertOutput(t, 8, out.String())

	// The retry-after is the real one: ten seconds minus the time since
	// the first request (at most the whole run), rounded up to tenths.
	m := regexp.MustCompile(`Retry after: (\d+\.\d)s`).FindStringSubmatch(out.String())
	require.Len(t, m, 2)
	shown, err := strconv.ParseFloat(m[1], 64)
	require.NoError(t, err)
	assert.LessOrEqual(t, shown, 10.0)
	assert.GreaterOrEqual(t, shown, (10*time.Second - took).Seconds())

	// The lesson leaves nothing behind.
	assert.Zero(t, rdb.Exists(ctx, demoPrefix+":192.168.1.100").Val())
}

// Running the lesson twice in a row prints the same: it starts from an
// empty history rather than inheriting the first run's window.
func TestOutputRepeats(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var first, second bytes.Buffer
	require.NoError(t, demo(ctx, &first, rdb))
	require.NoError(t, demo(ctx, &second, rdb))
	assert.Contains(t, second.String(), "Request 1: ALLOWED | Remaining: 4/5\n")
	assert.Contains(t, second.String(), "Request 6: BLOCKED | Remaining: 0/5\n")
}

func TestTenthsRoundsUp(t *testing.T) {
	assert.Equal(t, "10.0s", tenths(10*time.Second))
	assert.Equal(t, "10.0s", tenths(9*time.Second+901*time.Millisecond))
	assert.Equal(t, "9.9s", tenths(9*time.Second+900*time.Millisecond))
	assert.Equal(t, "0.1s", tenths(time.Millisecond))
}

// The tutorial's limiter, with a limit of ONE request per window, lets two
// through. Two app servers handle requests at the same time; B reads its
// clock, then A reads its clock, A's transaction reaches Redis first (and
// is allowed), B's second (blocked). B then "removes the request it just
// added" by score: everything from its clock reading up to a second
// later, which includes A's request. A third request finds an empty set.
func TestTutorialLimiterDeletesOtherClientsRequests(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	const key = "test:tutorial:client"
	tB := time.Now()
	tA := tB.Add(time.Millisecond)

	allowedA, err := tutorialAllow(ctx, rdb, key, 1, 10*time.Second, tA)
	require.NoError(t, err)
	allowedB, err := tutorialAllow(ctx, rdb, key, 1, 10*time.Second, tB)
	require.NoError(t, err)
	assert.True(t, allowedA)
	assert.False(t, allowedB)
	assert.Zero(t, rdb.ZCard(ctx, key).Val(), "B's clean-up also deleted A's allowed request")

	allowedC, err := tutorialAllow(ctx, rdb, key, 1, 10*time.Second, tA.Add(time.Millisecond))
	require.NoError(t, err)
	assert.True(t, allowedC, "a second request in the same window is let through: the limit of 1 is broken")

	// The atomic limiter in the same situation: one request, then blocked.
	// Its clock is the server's, so "who read the clock first" cannot
	// differ from the order Redis runs the requests in.
	l := ratelimit.New(rdb, "test:atomic", 1, 10*time.Second)
	first, err := l.Allow(ctx, "client")
	require.NoError(t, err)
	second, err := l.Allow(ctx, "client")
	require.NoError(t, err)
	assert.True(t, first.Allowed)
	assert.False(t, second.Allowed)
}

// barrier holds n goroutines until all of them have arrived, then lets
// them all go; it can be used again and again (one use per round).
type barrier struct {
	mu      sync.Mutex
	n       int
	waiting int
	release chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, release: make(chan struct{})} }

func (b *barrier) Wait() {
	b.mu.Lock()
	release := b.release
	b.waiting++
	if b.waiting == b.n {
		b.waiting = 0
		b.release = make(chan struct{})
		close(release)
		b.mu.Unlock()
		return
	}
	b.mu.Unlock()
	<-release
}

// load runs a heavy load: 64 goroutines make 50 requests each. allow
// is one request; round is called by every goroutine after each request,
// so rounds can be made to run in lockstep. It returns how many were let
// through.
func load(t *testing.T, allow func(g, i int) (bool, error), round func()) int64 {
	var admitted atomic.Int64
	var wg sync.WaitGroup
	for g := range 64 {
		wg.Go(func() {
			for i := range 50 {
				ok, err := allow(g, i)
				// Keep going on errors: leaving would stall the others at
				// the barrier. The assertion reports it.
				assert.NoError(t, err)
				if ok {
					admitted.Add(1)
				}
				if round != nil {
					round()
				}
			}
		})
	}
	wg.Wait()
	return admitted.Load()
}

// The repaired-looking "count, then add only if allowed" admits more than
// the limit as soon as requests arrive together. Here every goroutine
// counts before any of them adds, which makes the outcome exact: round 1
// counts 0 everywhere and admits 64, round 2 counts 64 (< 100) everywhere
// and admits 64 more, 128 in a window meant for 100.
func TestCountThenAddAdmitsMoreThanTheLimit(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	const key = "test:naive:hot"
	counted := newBarrier(64)
	roundDone := newBarrier(64)
	admitted := load(t, func(g, i int) (bool, error) {
		return countThenAdd(ctx, rdb, key, 100, time.Minute, fmt.Sprintf("g%d-r%d", g, i), counted.Wait)
	}, roundDone.Wait)
	assert.EqualValues(t, 128, admitted)
	assert.EqualValues(t, 128, rdb.ZCard(ctx, key).Val())
}

// The atomic limiter under the very same lockstep load, and under free
// running load, admits exactly 100.
func TestAtomicLimiterAdmitsExactlyTheLimit(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)

	lockstep := ratelimit.New(rdb, "test:lockstep", 100, time.Minute)
	roundDone := newBarrier(64)
	admitted := load(t, func(int, int) (bool, error) {
		res, err := lockstep.Allow(ctx, "hot")
		return res.Allowed, err
	}, roundDone.Wait)
	assert.EqualValues(t, 100, admitted)

	free := ratelimit.New(rdb, "test:free", 100, time.Minute)
	admitted = load(t, func(int, int) (bool, error) {
		res, err := free.Allow(ctx, "hot")
		return res.Allowed, err
	}, nil)
	assert.EqualValues(t, 100, admitted)
}

// The tutorial's limiter under the same free-running load. Whether its
// clean-up deletes allowed requests depends on how the goroutines
// interleave, so one run proves nothing either way; over five runs at
// least one admits more than 100. (The test above shows the same bug
// deterministically.)
func TestTutorialLimiterUnderLoad(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var runs []int64
	for attempt := range 5 {
		key := fmt.Sprintf("test:tutorial:load:%d", attempt)
		admitted := load(t, func(int, int) (bool, error) {
			return tutorialAllow(ctx, rdb, key, 100, time.Minute, time.Now())
		}, nil)
		runs = append(runs, admitted)
		if admitted > 100 {
			break
		}
	}
	t.Logf("admitted per run (limit 100): %v", runs)
	assert.Greater(t, runs[len(runs)-1], int64(100), "the tutorial's limiter kept to its limit in %d runs", len(runs))
}
