package ratelimit_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
	"github.com/redis-go-workbook/workbook/steps/08-rate-limit/ratelimit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestAllowCountsDownThenBlocks(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	l := ratelimit.New(rdb, "test:rl", 3, 10*time.Second)
	for want := 2; want >= 0; want-- {
		res, err := l.Allow(ctx, "alice")
		require.NoError(t, err)
		assert.Equal(t, ratelimit.Result{Allowed: true, Limit: 3, Remaining: want}, res)
	}
	res, err := l.Allow(ctx, "alice")
	require.NoError(t, err)
	assert.False(t, res.Allowed)
	assert.Zero(t, res.Remaining)
	// The oldest request was made a moment ago: it leaves the window in a
	// little under 10 s.
	assert.LessOrEqual(t, res.RetryAfter, 10*time.Second)
	assert.Greater(t, res.RetryAfter, 9*time.Second)

	// Blocked requests are not recorded: still three members, each the
	// server's time in microseconds plus the limiter's instance tag and
	// sequence number, scored by that time.
	members, err := rdb.ZRangeWithScores(ctx, l.Key("alice"), 0, -1).Result()
	require.NoError(t, err)
	require.Len(t, members, 3)
	for _, m := range members {
		assert.Regexp(t, `^\d{16}-[0-9a-f]{12}-\d+$`, m.Member)
		assert.Equal(t, m.Member.(string)[:16], strconv.FormatFloat(m.Score, 'f', 0, 64))
	}
	// Another client has its own budget.
	res, err = l.Allow(ctx, "bob")
	require.NoError(t, err)
	assert.True(t, res.Allowed)
	assert.Equal(t, 2, res.Remaining)
}

// The window slides: once the oldest request is older than the window, a
// slot is free again, and RetryAfter said exactly when. Time passes by
// ageing the recorded request (its score is the server's time of the request,
// in microseconds), not by sleeping: a busy machine cannot make a 1-minute
// window slide early.
func TestWindowSlides(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	const window = time.Minute
	l := ratelimit.New(rdb, "test:slide", 2, window)
	age := func(d time.Duration) { // the oldest request happened d earlier
		t.Helper()
		oldest, err := rdb.ZRangeWithScores(ctx, l.Key("c"), 0, 0).Result()
		require.NoError(t, err)
		require.Len(t, oldest, 1)
		require.NoError(t, rdb.ZAdd(ctx, l.Key("c"), redis.Z{Score: oldest[0].Score - float64(d.Microseconds()), Member: oldest[0].Member}).Err())
	}

	first, err := l.Allow(ctx, "c")
	require.NoError(t, err)
	require.True(t, first.Allowed)
	second, err := l.Allow(ctx, "c")
	require.NoError(t, err)
	require.True(t, second.Allowed)

	// 55 of the window's 60 seconds have passed since the first request:
	// its slot frees up in at most 5 s, not a whole window, as the
	// tutorial says.
	age(55 * time.Second)
	blocked, err := l.Allow(ctx, "c")
	require.NoError(t, err)
	require.False(t, blocked.Allowed)
	assert.LessOrEqual(t, blocked.RetryAfter, 5*time.Second)
	assert.Greater(t, blocked.RetryAfter, time.Duration(0))

	// And once RetryAfter has passed, the slot is free.
	age(blocked.RetryAfter + time.Millisecond)
	again, err := l.Allow(ctx, "c")
	require.NoError(t, err)
	assert.True(t, again.Allowed, "the first request left the window, so one slot is free")
	assert.Equal(t, 0, again.Remaining, "the second request is still in the window")
	// The old entry was removed, not just ignored.
	assert.EqualValues(t, 2, rdb.ZCard(ctx, l.Key("c")).Val())
}

// The key expires with the window, so idle clients cost nothing.
func TestKeyExpiresWithTheWindow(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	l := ratelimit.New(rdb, "test:ttl", 5, time.Minute)
	_, err := l.Allow(ctx, "c")
	require.NoError(t, err)
	ttl := rdb.PTTL(ctx, l.Key("c")).Val()
	assert.Greater(t, ttl, 50*time.Second)
	assert.LessOrEqual(t, ttl, time.Minute)
}

// Two limiters (two app servers) on the same key share one budget, and
// requests in the same microsecond never overwrite each other.
func TestMembersAreUniqueAcrossInstances(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	a := ratelimit.New(rdb, "test:shared", 1000, time.Minute)
	b := ratelimit.New(testkit.NewClient(t), "test:shared", 1000, time.Minute)
	pipeA, pipeB := 0, 0
	for range 100 {
		ra, err := a.Allow(ctx, "c")
		require.NoError(t, err)
		rb, err := b.Allow(ctx, "c")
		require.NoError(t, err)
		if ra.Allowed {
			pipeA++
		}
		if rb.Allowed {
			pipeB++
		}
	}
	assert.Equal(t, 200, pipeA+pipeB)
	assert.EqualValues(t, 200, rdb.ZCard(ctx, a.Key("c")).Val())
	res, err := a.Allow(ctx, "c")
	require.NoError(t, err)
	assert.Equal(t, 1000-201, res.Remaining)
}

// The invariant that matters: however many clients race, one window
// admits exactly limit requests.
func TestConcurrentRequestsAdmitExactlyTheLimit(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	l := ratelimit.New(rdb, "test:race", 100, time.Minute)
	var admitted, blocked atomic.Int64
	var wg sync.WaitGroup
	for range 64 {
		wg.Go(func() {
			for range 50 {
				res, err := l.Allow(ctx, "hot")
				if !assert.NoError(t, err) {
					return
				}
				if res.Allowed {
					admitted.Add(1)
				} else {
					blocked.Add(1)
				}
			}
		})
	}
	wg.Wait()
	assert.EqualValues(t, 100, admitted.Load())
	assert.EqualValues(t, 64*50-100, blocked.Load())
	assert.EqualValues(t, 100, rdb.ZCard(ctx, l.Key("hot")).Val())
}

func TestBadConfigurationSaysWhatToDo(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	_, err := ratelimit.New(rdb, "test:bad", 0, time.Second).Allow(ctx, "c")
	assert.ErrorContains(t, err, "limit of at least 1")
	assert.ErrorIs(t, err, ratelimit.ErrBadConfig)
	_, err = ratelimit.New(rdb, "test:bad", 5, time.Microsecond).Allow(ctx, "c")
	assert.ErrorContains(t, err, "window of at least 1ms")
	assert.ErrorIs(t, err, ratelimit.ErrBadConfig)

	// Behind the middleware, a misconfigured limiter is a 500, not an
	// outage, and the request does not get through.
	calls := 0
	h := ratelimit.Middleware(ratelimit.New(rdb, "test:bad", 0, time.Second), ratelimit.ClientIP)(okHandler(&calls))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, "/", nil))
	assert.Equal(t, http.StatusInternalServerError, rec.Code)
	assert.Contains(t, rec.Body.String(), "misconfigured")
	assert.Zero(t, calls)
}

func TestRetryAfterSecondsRoundsUp(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want int
	}{
		{10 * time.Second, 10},
		{9*time.Second + 990*time.Millisecond, 10},
		{1500 * time.Millisecond, 2},
		{10 * time.Millisecond, 1},
		{0, 1}, // blocked means wait at least a second, never "retry after 0"
	} {
		assert.Equal(t, tc.want, ratelimit.RetryAfterSeconds(ratelimit.Result{RetryAfter: tc.in}), tc.in)
	}
	assert.Equal(t, 0, ratelimit.RetryAfterSeconds(ratelimit.Result{Allowed: true}))
}

// okHandler counts the requests that got through the middleware.
func okHandler(calls *int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*calls++
		_, _ = w.Write([]byte("ok"))
	})
}

func byHeader(r *http.Request) string { return r.Header.Get("X-API-Key") }

func TestMiddleware(t *testing.T) {
	rdb := testkit.Client(t)
	l := ratelimit.New(rdb, "test:http", 2, 10*time.Second)
	calls := 0
	h := ratelimit.Middleware(l, byHeader)(okHandler(&calls))

	get := func(apiKey string) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(testkit.Context(t), http.MethodGet, "/orders", nil)
		req.Header.Set("X-API-Key", apiKey)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}

	for _, remaining := range []string{"1", "0"} {
		rec := get("k1")
		assert.Equal(t, http.StatusOK, rec.Code)
		assert.Equal(t, "ok", rec.Body.String())
		assert.Equal(t, "2", rec.Header().Get("X-RateLimit-Limit"))
		assert.Equal(t, remaining, rec.Header().Get("X-RateLimit-Remaining"))
		assert.Empty(t, rec.Header().Get("Retry-After"))
	}

	rec := get("k1")
	assert.Equal(t, http.StatusTooManyRequests, rec.Code)
	assert.Equal(t, "2", rec.Header().Get("X-RateLimit-Limit"))
	assert.Equal(t, "0", rec.Header().Get("X-RateLimit-Remaining"))
	// 9.99… s rounded up to whole seconds.
	assert.Equal(t, "10", rec.Header().Get("Retry-After"))
	assert.Contains(t, rec.Body.String(), "429 too many requests")
	assert.Equal(t, 2, calls, "a blocked request never reaches the handler")

	// The key function separates clients.
	rec = get("k2")
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "1", rec.Header().Get("X-RateLimit-Remaining"))
	assert.Equal(t, 3, calls)
}

// When Redis is down the middleware fails closed, says so, and logs why.
func TestMiddlewareAnswers503WhenRedisIsDown(t *testing.T) {
	var logs bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&logs, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1})
	t.Cleanup(func() { _ = down.Close() })
	calls := 0
	h := ratelimit.Middleware(ratelimit.New(down, "test:down", 5, time.Second), ratelimit.ClientIP)(okHandler(&calls))

	req := httptest.NewRequestWithContext(testkit.Context(t), http.MethodGet, "/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)

	assert.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Contains(t, rec.Body.String(), "rate limiter cannot reach its store (Redis)")
	assert.Zero(t, calls, "an unchecked request must not get through")
	assert.Contains(t, logs.String(), "rate limiter unavailable")
	assert.Contains(t, logs.String(), "connection refused")
}

func TestClientIP(t *testing.T) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.RemoteAddr = "203.0.113.7:51234"
	assert.Equal(t, "203.0.113.7", ratelimit.ClientIP(req))
	req.RemoteAddr = "[2001:db8::1]:443"
	assert.Equal(t, "2001:db8::1", ratelimit.ClientIP(req))
	req.RemoteAddr = "unix-socket"
	assert.True(t, strings.HasPrefix(ratelimit.ClientIP(req), "unix"))
}
