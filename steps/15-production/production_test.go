package main

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// requireRedisServer skips, with the step's own explanation, where the
// Sentinel demo cannot start its processes.
func requireRedisServer(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("skipped: " + noRedisServer)
	}
}

// requireOwnServer skips tests that run SCRIPT FLUSH, which empties the
// script cache of the whole server, on a server the tests did not start.
func requireOwnServer(t *testing.T) {
	t.Helper()
	if testkit.Mode(t) == provision.URL {
		t.Skip("skipped: SCRIPT FLUSH empties the script cache of the whole server, and the tests did not start this one (unset " + provision.EnvTestURL + ")")
	}
}

// The expected output was recorded where every tip runs for real: a server
// with CONFIG and SLOWLOG, and redis-server on PATH for Sentinel. The
// failover runs only here (it takes seconds), so its facts are checked
// here too: the replica becomes the master, the write acknowledged by WAIT
// survives, and the old master comes back as a replica.
func TestOutput(t *testing.T) {
	testkit.Require(t, features.Config, features.Slowlog)
	requireRedisServer(t)
	var out bytes.Buffer
	start := time.Now()
	// The failover alone takes 15-20 s, more on a busy machine: give the
	// whole tour more than testkit's minute.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	require.NoError(t, tips(ctx, &out, testkit.Client(t)))
	t.Logf("the tips took %s", time.Since(start))
	testkit.AssertOutput(t, 15, out.String())

	s := out.String()
	assert.Contains(t, s, "WAIT 1 → 1 replica has it")
	assert.Contains(t, s, "GET shop:ha:orders through a ReplicaOnly client → 1 (answered by a server with role:slave)")
	assert.Contains(t, s, "then INCR shop:ha:orders → 2: the write made before the crash survived")
	assert.Contains(t, s, "the former replica: true")
	assert.Contains(t, s, "`go run ./steps/15-production sentinel` goes on", "the default run stops once the new master is known")
}

// `sentinel` runs the whole demonstration: the old master comes back and
// rejoins as a replica, with the data.
func TestSentinelInFull(t *testing.T) {
	requireRedisServer(t)
	withRejoin = true
	defer func() { withRejoin = false }()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out bytes.Buffer
	require.NoError(t, sentinelFailover(ctx, &out))
	assert.Contains(t, out.String(), "the sentinels made 127.0.0.1:")
	assert.Contains(t, out.String(), "GET shop:ha:orders through a ReplicaOnly client → 2 (answered by a server with role:slave)")
}

func TestScanByPrefixFindsAndDeletesOnlyThePrefix(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	for i := range 700 { // more than one SCAN page of 500
		require.NoError(t, rdb.Set(ctx, fmt.Sprintf("shop:cache:item:%d", i), i, 0).Err())
	}
	require.NoError(t, rdb.Set(ctx, "shop:user:1:profile", "x", 0).Err())
	require.NoError(t, rdb.Set(ctx, "other:cache:1", "x", 0).Err())

	keys, err := scanKeys(ctx, rdb, "shop:cache:*")
	require.NoError(t, err)
	assert.Len(t, keys, 700)
	assert.True(t, strings.HasPrefix(keys[0], "shop:cache:item:"))

	n, err := deleteByPattern(ctx, rdb, "shop:cache:*")
	require.NoError(t, err)
	assert.EqualValues(t, 700, n)
	left, err := scanKeys(ctx, rdb, "*")
	require.NoError(t, err)
	assert.Equal(t, []string{"other:cache:1", "shop:user:1:profile"}, left)
}

func TestKeyNamingLeavesNothingBehind(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	require.NoError(t, rdb.Set(ctx, "learner:key", "mine", 0).Err())
	var out bytes.Buffer
	require.NoError(t, keyNaming(ctx, &out, rdb))
	assert.Contains(t, out.String(), "[shop:user:1001:profile shop:user:1001:settings]")
	assert.Contains(t, out.String(), "2 keys unlinked, 6 keys of the app left")
	keys, err := scanKeys(ctx, rdb, "*")
	require.NoError(t, err)
	assert.Equal(t, []string{"learner:key"}, keys, "the step removes its own keys and only those")
}

func TestHashEncodingCrossesTheThreshold(t *testing.T) {
	testkit.Require(t, features.Config)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	limits, err := readListpackLimits(ctx, rdb)
	require.NoError(t, err)
	assert.Positive(t, limits.Entries)
	assert.Positive(t, limits.Value)

	var out bytes.Buffer
	require.NoError(t, hashEncoding(ctx, &out, rdb))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 6, out.String())
	assert.Contains(t, lines[2], fmt.Sprintf("%4d fields  OBJECT ENCODING → listpack", limits.Entries))
	assert.Contains(t, lines[3], fmt.Sprintf("%4d fields  OBJECT ENCODING → hashtable", limits.Entries+1))
	assert.Contains(t, lines[5], "2 fields  OBJECT ENCODING → hashtable")
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "the step's hashes are removed")
}

// The naive GET-compare-SET loses a write that lands between its GET and
// its SET; the script, one command on the server, cannot be interleaved.
func TestCompareAndSwapVersusNaive(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	other := testkit.NewClient(t)

	require.NoError(t, rdb.Set(ctx, "k", "v1", 0).Err())
	swapped, err := naiveCompareAndSwap(ctx, rdb, "k", "v1", "mine", func() {
		require.NoError(t, other.Set(ctx, "k", "theirs", 0).Err())
	})
	require.NoError(t, err)
	assert.True(t, swapped, "the naive swap believes it succeeded")
	assert.Equal(t, "mine", rdb.Get(ctx, "k").Val(), "…and silently overwrote the other client's write")

	// The same story with the script: the other client's write happens
	// before or after the script, never inside it, and is never lost.
	require.NoError(t, rdb.Set(ctx, "k", "v1", 0).Err())
	require.NoError(t, other.Set(ctx, "k", "theirs", 0).Err())
	swapped, err = compareAndSwap(ctx, rdb, "k", "v1", "mine")
	require.NoError(t, err)
	assert.False(t, swapped)
	assert.Equal(t, "theirs", rdb.Get(ctx, "k").Val())

	// A missing key never matches.
	swapped, err = compareAndSwap(ctx, rdb, "missing", "", "x")
	require.NoError(t, err)
	assert.False(t, swapped)
	assert.Equal(t, redis.Nil, rdb.Get(ctx, "missing").Err())
}

// Many goroutines incrementing through compare-and-swap lose nothing.
func TestCompareAndSwapUnderContention(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	require.NoError(t, rdb.Set(ctx, "counter", "0", 0).Err())
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				for {
					cur, err := rdb.Get(ctx, "counter").Int()
					if !assert.NoError(t, err) {
						return
					}
					ok, err := compareAndSwap(ctx, rdb, "counter", fmt.Sprint(cur), fmt.Sprint(cur+1))
					if !assert.NoError(t, err) || ok {
						break
					}
				}
			}
		})
	}
	wg.Wait()
	assert.Equal(t, fmt.Sprint(workers*each), rdb.Get(ctx, "counter").Val())
}

// After SCRIPT FLUSH, EVALSHA alone fails with NOSCRIPT; Run falls back to
// EVAL, which caches the script again.
func TestScriptRunFallsBackToEval(t *testing.T) {
	requireOwnServer(t)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	require.NoError(t, rdb.ScriptFlush(ctx).Err())
	require.NoError(t, rdb.Set(ctx, "k", "a", 0).Err())

	err := casScript.EvalSha(ctx, rdb, []string{"k"}, "a", "b").Err()
	require.Error(t, err)
	assert.True(t, redis.HasErrorPrefix(err, "NOSCRIPT"), err.Error())

	swapped, err := compareAndSwap(ctx, rdb, "k", "a", "b")
	require.NoError(t, err)
	assert.True(t, swapped)
	exists, err := rdb.ScriptExists(ctx, casScript.Hash()).Result()
	require.NoError(t, err)
	assert.Equal(t, []bool{true}, exists)
}

// Where redis-server is missing, the demo says so in one line and stops.
func TestSentinelWithoutRedisServer(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	var out bytes.Buffer
	require.NoError(t, sentinelFailover(testkit.Context(t), &out))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, noRedisServer, lines[1])
}

func TestHitRatio(t *testing.T) {
	_, ok := hitRatio(0, 0)
	assert.False(t, ok, "no reads: no ratio, rather than a division by zero")
	r, ok := hitRatio(9, 1)
	assert.True(t, ok)
	assert.InDelta(t, 0.9, r, 1e-9)
}

func TestRenderWarnsBelowNinetyPercent(t *testing.T) {
	var out bytes.Buffer
	render(&out, frame{
		Now:       metrics{UsedMemoryHuman: "1.00M", Clients: 3, Hits: 80, Misses: 20, OpsPerSec: 12, Evicted: 7},
		Prev:      metrics{Hits: 70, Misses: 10, Evicted: 2},
		HasPrev:   true,
		Threshold: "10000",
		Slow:      []redis.SlowLog{{Args: []string{"KEYS", "*"}, Duration: 12 * time.Millisecond}},
	})
	s := out.String()
	assert.Contains(t, s, "hit ratio          80.0% (hits 80, misses 20) — below 90%")
	assert.Contains(t, s, "since last frame 50.0%")
	assert.Contains(t, s, "evicted keys       7 (+5 since last frame: memory is full)")
	assert.Contains(t, s, "slower than 10000 µs")
	assert.Contains(t, s, "  KEYS *  (12ms)")
}

// The live dashboard redraws: two frames, each after a clear-screen, and
// the second sees the reads done in between.
func TestDashboardRefreshes(t *testing.T) {
	testkit.Require(t, features.Config, features.Slowlog)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var out bytes.Buffer
	go func() {
		for range 20 {
			rdb.Get(ctx, "nothing-here")
			time.Sleep(time.Millisecond)
		}
	}()
	require.NoError(t, dashboard(ctx, &out, rdb, "test", 20*time.Millisecond, 2))
	s := out.String()
	assert.Equal(t, 2, strings.Count(s, clearScreen))
	assert.Equal(t, 2, strings.Count(s, "connected clients"))
	assert.Contains(t, s, "used memory")
}

// Part 3 as the learner sees it: the swap succeeds once, then fails, and
// after SCRIPT FLUSH the fallback to EVAL brings the script back.
func TestLuaCASDemo(t *testing.T) {
	requireOwnServer(t)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var out bytes.Buffer
	require.NoError(t, luaCAS(ctx, &out, rdb, testkit.NewClient(t)))
	s := out.String()
	assert.Contains(t, s, "v1 → v2  swapped=true   now v2")
	assert.Contains(t, s, "v1 → v3  swapped=false  now v2")
	assert.Contains(t, s, "EVALSHA alone → NOSCRIPT")
	assert.Contains(t, s, "SCRIPT EXISTS → true")
}

// Part 5 on any server with CONFIG and SLOWLOG: the workload's hit ratio is
// exactly 90%, and the slow log (logging everything) shows its commands.
func TestMonitoringSnapshot(t *testing.T) {
	testkit.Require(t, features.Config, features.Slowlog)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	threshold, err := rdb.ConfigGet(ctx, "slowlog-log-slower-than").Result()
	require.NoError(t, err)
	// Cleanups run last-in first-out: this one runs before rdb is closed.
	t.Cleanup(func() {
		rdb.ConfigSet(context.Background(), "slowlog-log-slower-than", threshold["slowlog-log-slower-than"])
	})
	var out bytes.Buffer
	require.NoError(t, monitoring(ctx, &out, rdb, testkit.Features(t)))
	s := out.String()
	assert.Contains(t, s, "hit ratio of the workload 90.0%")
	assert.Contains(t, s, "slower than 0 µs")
	assert.Regexp(t, `(?i)  get shop:product:10  \(`, s)
	assert.NotContains(t, strings.ToLower(s), "  info ", "the dashboard hides its own commands")
}

// Without CONFIG (a server that refuses it), part 5 says what is missing
// in one line instead of failing.
func TestMonitoringWithoutConfig(t *testing.T) {
	set := testkit.Features(t).With(features.Config, false)
	var out bytes.Buffer
	require.NoError(t, monitoring(testkit.Context(t), &out, testkit.Client(t), set))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2)
	assert.Equal(t, set.Missing(features.Config), lines[1])
}
