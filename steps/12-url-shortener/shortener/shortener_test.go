package shortener

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
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

const testPrefix = "t:"

func newTest(t *testing.T) (*Shortener, *redis.Client, context.Context) {
	rdb := testkit.Client(t)
	return New(rdb, testPrefix, "https://sho.rt"), rdb, testkit.Context(t)
}

// codes returns a generator that hands out the given codes in order.
func codes(list ...string) (func() (string, error), *atomic.Int64) {
	var calls atomic.Int64
	return func() (string, error) {
		i := calls.Add(1) - 1
		return list[min(int(i), len(list)-1)], nil
	}, &calls
}

func TestNewCode(t *testing.T) {
	seen := map[string]bool{}
	for range 2000 {
		c, err := NewCode()
		require.NoError(t, err)
		require.Len(t, c, CodeLength)
		for _, r := range c {
			require.Contains(t, base62, string(r), "code %q", c)
		}
		seen[c] = true
	}
	assert.Len(t, seen, 2000, "2,000 random codes of 62^7 should all differ")
}

func TestValidateURL(t *testing.T) {
	for _, ok := range []string{
		"https://example.com",
		"http://example.com/a/b?c=d#e",
		"HTTPS://EXAMPLE.COM/x",
		"https://93.184.215.14:8080/x",
		"https://example.com/" + strings.Repeat("a", MaxURLLength-len("https://example.com/")),
	} {
		assert.NoError(t, ValidateURL(ok), ok)
	}
	for _, bad := range []struct{ url, says string }{
		{"", "empty"},
		{"example.com", "only http and https"},
		{"/relative/path", "only http and https"},
		{"javascript:alert(1)", "only http and https"},
		{"ftp://example.com/file", "only http and https"},
		{"data:text/html,<script>", "only http and https"},
		{"https://", "no host"},
		{"https:///path", "no host"},
		{"https://trusted.example@evil.example/", "user name or password"},
		{"https://127.0.0.1:8080/x", "loopback"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://192.168.0.1/", "private network"},
		{"https://exa mple.com", "white space"},
		{"https://example.com/\nx", "white space"},
		{"https://example.com/" + strings.Repeat("a", MaxURLLength), "the limit is 2048"},
	} {
		err := ValidateURL(bad.url)
		if assert.ErrorIs(t, err, ErrInvalidURL, bad.url) {
			assert.Contains(t, err.Error(), bad.says, bad.url)
		}
	}
}

func TestValidateCustomCode(t *testing.T) {
	for _, ok := range []string{"special", "abc", "my-link_2", strings.Repeat("x", 32), "apis", "topper"} {
		assert.NoError(t, ValidateCustomCode(ok), ok)
	}
	for _, bad := range []struct{ code, says string }{
		{"ab", "3 to 32"},
		{strings.Repeat("x", 33), "3 to 32"},
		{"has space", "3 to 32"},
		{"slash/y", "3 to 32"},
		{"dot.s", "3 to 32"},
		{"émoji", "3 to 32"},
		{"api", "reserved"},
		{"API", "reserved"},
		{"stats", "reserved"},
		{"Top", "reserved"},
		{"healthz", "reserved"},
	} {
		err := ValidateCustomCode(bad.code)
		if assert.ErrorIs(t, err, ErrInvalidCode, bad.code) {
			assert.Contains(t, err.Error(), bad.says, bad.code)
		}
	}
}

func TestValidateTTL(t *testing.T) {
	assert.NoError(t, ValidateTTL(0))
	assert.NoError(t, ValidateTTL(time.Millisecond))
	assert.NoError(t, ValidateTTL(24*time.Hour))
	assert.ErrorIs(t, ValidateTTL(-time.Second), ErrInvalidTTL)
	assert.ErrorIs(t, ValidateTTL(time.Microsecond), ErrInvalidTTL)
	assert.ErrorIs(t, ValidateTTL(MaxTTL+time.Hour), ErrInvalidTTL)
}

func TestShortenStoresTheLink(t *testing.T) {
	s, rdb, ctx := newTest(t)
	link, err := s.Shorten(ctx, "https://example.com/a", Options{})
	require.NoError(t, err)
	assert.Len(t, link.Code, CodeLength)
	assert.Equal(t, "https://sho.rt/"+link.Code, link.ShortURL)
	assert.True(t, link.ExpiresAt.IsZero())
	assert.WithinDuration(t, time.Now(), link.CreatedAt, time.Minute)

	h, err := rdb.HGetAll(ctx, testPrefix+"url:"+link.Code).Result()
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/a", h["long_url"])
	assert.Equal(t, link.Code, h["short_code"])
	assert.Equal(t, "0", h["clicks"])
	assert.NotContains(t, h, "expires_at")
	ttl, err := rdb.PTTL(ctx, testPrefix+"url:"+link.Code).Result()
	require.NoError(t, err)
	assert.Equal(t, time.Duration(-1), ttl, "a link without TTL never expires")

	got, err := s.Resolve(ctx, link.Code)
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/a", got)

	_, err = s.Resolve(ctx, "nothere")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestShortenRefusesBadInput(t *testing.T) {
	s, rdb, ctx := newTest(t)
	_, err := s.Shorten(ctx, "javascript:alert(1)", Options{})
	assert.ErrorIs(t, err, ErrInvalidURL)
	_, err = s.Shorten(ctx, "https://example.com", Options{Code: "api"})
	assert.ErrorIs(t, err, ErrInvalidCode)
	_, err = s.Shorten(ctx, "https://example.com", Options{TTL: -time.Second})
	assert.ErrorIs(t, err, ErrInvalidTTL)
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "refused input wrote nothing")
}

// A taken custom code is refused, and the link that holds it is untouched.
// (The tutorial quietly gave the second caller a different, random code.)
func TestCustomCodeTakenIsRefused(t *testing.T) {
	s, _, ctx := newTest(t)
	first, err := s.Shorten(ctx, "https://example.com/first", Options{Code: "special"})
	require.NoError(t, err)
	assert.Equal(t, "special", first.Code)

	_, err = s.Shorten(ctx, "https://example.com/second", Options{Code: "special"})
	require.ErrorIs(t, err, ErrCodeTaken)
	assert.Contains(t, err.Error(), "choose another")

	got, err := s.Lookup(ctx, "special")
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/first", got)
}

// A random code that is taken is drawn again.
func TestRandomCollisionIsRetried(t *testing.T) {
	s, _, ctx := newTest(t)
	gen, calls := codes("AAAAAAA", "AAAAAAA", "BBBBBBB")
	s.newCode = gen

	a, err := s.Shorten(ctx, "https://example.com/a", Options{})
	require.NoError(t, err)
	b, err := s.Shorten(ctx, "https://example.com/b", Options{})
	require.NoError(t, err)
	assert.Equal(t, "AAAAAAA", a.Code)
	assert.Equal(t, "BBBBBBB", b.Code)
	assert.Equal(t, int64(3), calls.Load())

	got, err := s.Lookup(ctx, "AAAAAAA")
	require.NoError(t, err)
	assert.Equal(t, "https://example.com/a", got, "the collision did not overwrite the first link")
}

func TestRandomCodesGiveUpAfterBoundedTries(t *testing.T) {
	s, _, ctx := newTest(t)
	gen, calls := codes("AAAAAAA")
	s.newCode = gen
	_, err := s.Shorten(ctx, "https://example.com/a", Options{})
	require.NoError(t, err)
	_, err = s.Shorten(ctx, "https://example.com/b", Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no free code after 5 random tries")
	assert.Equal(t, int64(1+maxAttempts), calls.Load())
}

func TestRandomCodeNeverReserved(t *testing.T) {
	s, _, ctx := newTest(t)
	s.newCode, _ = codes("healthz", "CCCCCCC")
	link, err := s.Shorten(ctx, "https://example.com/a", Options{})
	require.NoError(t, err)
	assert.Equal(t, "CCCCCCC", link.Code)
}

// The tutorial's check-then-act loses a link when two shortens pick the
// same code: both see it free, both write, the second overwrites the first.
// The test holds the gap between check and write open for both, which a
// loaded server does by chance.
func TestNaiveShortenOverwritesUnderRace(t *testing.T) {
	s, _, ctx := newTest(t)
	var checked sync.WaitGroup
	checked.Add(2)
	bothChecked := func() { checked.Done(); checked.Wait() }

	var wg sync.WaitGroup
	ok := make([]bool, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			ok[i], err = s.naiveShorten(ctx, "SAMECOD", fmt.Sprintf("https://example.com/%d", i), bothChecked)
			assert.NoError(t, err)
		}()
	}
	wg.Wait()
	assert.Equal(t, []bool{true, true}, ok, "both callers were told the code is theirs")
	got, err := s.Lookup(ctx, "SAMECOD")
	require.NoError(t, err)
	assert.Contains(t, []string{"https://example.com/0", "https://example.com/1"}, got,
		"one of the two links now leads to the other's URL")
}

// The claim is atomic: of two shortens racing for one code, exactly one wins.
func TestClaimHasOneWinner(t *testing.T) {
	s, _, ctx := newTest(t)
	var wg sync.WaitGroup
	start := make(chan struct{})
	var won, lost atomic.Int64
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := s.Shorten(ctx, fmt.Sprintf("https://example.com/%d", i), Options{Code: "contested"})
			switch {
			case err == nil:
				won.Add(1)
			case errors.Is(err, ErrCodeTaken):
				lost.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	assert.Equal(t, int64(1), won.Load())
	assert.Equal(t, int64(19), lost.Load())
}

// 1,000 concurrent shortens never share a code, and every code leads to the
// URL of the shorten that got it. The codes come from a space of only 1,500,
// so collisions are frequent and the retry path is exercised hard.
func TestNoDuplicateCodesUnder1000ConcurrentShortens(t *testing.T) {
	const shortens = 1000
	s, rdb, ctx := newTest(t)
	var draws atomic.Int64
	s.newCode = func() (string, error) {
		draws.Add(1)
		return fmt.Sprintf("c%06d", rand.IntN(1500)), nil
	}
	s.attempts = 200

	got := make([]Link, shortens)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range shortens {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			link, err := s.Shorten(ctx, fmt.Sprintf("https://example.com/page/%d", i), Options{})
			if assert.NoError(t, err) {
				got[i] = link
			}
		}()
	}
	close(start)
	wg.Wait()

	seen := map[string]int{}
	for i, l := range got {
		if prev, dup := seen[l.Code]; dup {
			t.Fatalf("code %s given to shorten %d and %d", l.Code, prev, i)
		}
		seen[l.Code] = i
	}
	assert.Len(t, seen, shortens)
	assert.Greater(t, draws.Load(), int64(shortens), "no collision happened: the test proved nothing")

	// Every code leads to its own URL: nothing was overwritten.
	cmds := make([]*redis.StringCmd, shortens)
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, l := range got {
			cmds[i] = p.HGet(ctx, testPrefix+"url:"+l.Code, "long_url")
		}
		return nil
	})
	require.NoError(t, err)
	for i, c := range cmds {
		assert.Equal(t, fmt.Sprintf("https://example.com/page/%d", i), c.Val())
	}
}

// 50 goroutines resolving the same link at once lose no click: the hash's
// counter and the ranking's score are exact, and the click list is capped.
func TestClicksExactUnder50ConcurrentResolvers(t *testing.T) {
	const resolvers, each = 50, 30 // 1,500 clicks: more than the list keeps
	s, rdb, ctx := newTest(t)
	link, err := s.Shorten(ctx, "https://example.com/popular", Options{})
	require.NoError(t, err)

	var wg sync.WaitGroup
	start := make(chan struct{})
	for range resolvers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for range each {
				_, err := s.Resolve(ctx, link.Code)
				assert.NoError(t, err)
			}
		}()
	}
	close(start)
	wg.Wait()

	st, err := s.Stats(ctx, link.Code)
	require.NoError(t, err)
	assert.Equal(t, int64(resolvers*each), st.Clicks)
	score, err := rdb.ZScore(ctx, testPrefix+"urls:popular", link.Code).Result()
	require.NoError(t, err)
	assert.Equal(t, float64(resolvers*each), score)
	n, err := rdb.LLen(ctx, testPrefix+"url:"+link.Code+":clicks").Result()
	require.NoError(t, err)
	assert.Equal(t, int64(MaxRecentClicks), n, "LTRIM keeps the last 1,000")
}

// The first click counts once in the ranking. The tutorial's ZADD GT +
// ZINCRBY counts it twice: the naive version shows the bug.
func TestFirstClickCountsOnce(t *testing.T) {
	s, rdb, ctx := newTest(t)
	right, err := s.Shorten(ctx, "https://example.com/right", Options{})
	require.NoError(t, err)
	naive, err := s.Shorten(ctx, "https://example.com/naive", Options{})
	require.NoError(t, err)

	score := func(code string) float64 {
		v, err := rdb.ZScore(ctx, testPrefix+"urls:popular", code).Result()
		require.NoError(t, err)
		return v
	}

	_, err = s.Resolve(ctx, right.Code)
	require.NoError(t, err)
	assert.Equal(t, 1.0, score(right.Code), "one click, score 1")

	_, err = s.naiveResolve(ctx, naive.Code)
	require.NoError(t, err)
	assert.Equal(t, 2.0, score(naive.Code), "the tutorial's version: one click, score 2")

	// Later clicks add one each in both: the naive one stays one ahead.
	for range 4 {
		_, err = s.Resolve(ctx, right.Code)
		require.NoError(t, err)
		_, err = s.naiveResolve(ctx, naive.Code)
		require.NoError(t, err)
	}
	assert.Equal(t, 5.0, score(right.Code))
	assert.Equal(t, 6.0, score(naive.Code))
	st, err := s.Stats(ctx, right.Code)
	require.NoError(t, err)
	assert.Equal(t, int64(5), st.Clicks, "the hash and the ranking agree")
}

// A link with a TTL disappears with its click list, and is gone from the
// top list; its code then answers ErrNotFound.
func TestExpiredLinkIsGone(t *testing.T) {
	s, rdb, ctx := newTest(t)
	// A TTL far longer than the test, so that a busy machine cannot make
	// the link expire early; the test then makes it expire (below).
	const ttl = time.Minute
	before := time.Now().Truncate(time.Millisecond)
	link, err := s.Shorten(ctx, "https://example.com/brief", Options{TTL: ttl})
	require.NoError(t, err)
	after := time.Now()
	assert.False(t, link.ExpiresAt.Before(before.Add(ttl)), "expires_at %v is before Shorten began + TTL", link.ExpiresAt)
	assert.False(t, link.ExpiresAt.After(after.Add(ttl)), "expires_at %v is after Shorten returned + TTL", link.ExpiresAt)
	_, err = s.Resolve(ctx, link.Code)
	require.NoError(t, err)

	// The hash and the click list share one absolute expiry time: both
	// PTTLs in one round trip, so that they are read at the same moment.
	hashKey, listKey := testPrefix+"url:"+link.Code, testPrefix+"url:"+link.Code+":clicks"
	var hashTTL, listTTL *redis.DurationCmd
	_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		hashTTL, listTTL = p.PTTL(ctx, hashKey), p.PTTL(ctx, listKey)
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, hashTTL.Val(), 50*time.Second)
	assert.Greater(t, listTTL.Val(), 50*time.Second)
	assert.InDelta(t, hashTTL.Val().Milliseconds(), listTTL.Val().Milliseconds(), 20)

	stats, err := s.Stats(ctx, link.Code)
	require.NoError(t, err)
	assert.Equal(t, link.ExpiresAt, stats.ExpiresAt)

	// The minute passes: the server's own clock expires both keys.
	for _, k := range []string{hashKey, listKey} {
		require.NoError(t, rdb.PExpire(ctx, k, time.Millisecond).Err())
	}
	require.Eventually(t, func() bool { return rdb.Exists(ctx, hashKey, listKey).Val() == 0 }, 10*time.Second, 5*time.Millisecond)

	_, err = s.Resolve(ctx, link.Code)
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = s.Stats(ctx, link.Code)
	assert.ErrorIs(t, err, ErrNotFound)
	n, err := rdb.Exists(ctx, hashKey, listKey).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "both the link and its click list expired")

	top, err := s.Top(ctx, 10)
	require.NoError(t, err)
	assert.Empty(t, top)
	_, err = rdb.ZScore(ctx, testPrefix+"urls:popular", link.Code).Result()
	assert.ErrorIs(t, err, redis.Nil, "the top list dropped the expired code")
}

// A click that races the expiry (the lookup saw the link, the transaction
// runs after it expired) must not bring the link back without a TTL.
func TestClickAfterExpiryLeavesNoZombie(t *testing.T) {
	s, rdb, ctx := newTest(t)
	past := time.Now().Add(-time.Second).UnixMilli()
	require.NoError(t, s.recordClick(ctx, "ghost12", past, Click{At: time.Now()}))
	n, err := rdb.Exists(ctx, testPrefix+"url:ghost12", testPrefix+"url:ghost12:clicks").Result()
	require.NoError(t, err)
	assert.Zero(t, n, "HINCRBY and LPUSH re-created the keys; PEXPIREAT in the past must remove them")
	_, err = s.Lookup(ctx, "ghost12")
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestStatsAndTop(t *testing.T) {
	s, _, ctx := newTest(t)
	var links []Link
	for i, clicks := range []int{3, 12, 7} {
		l, err := s.Shorten(ctx, fmt.Sprintf("https://example.com/%d", i), Options{})
		require.NoError(t, err)
		links = append(links, l)
		for range clicks {
			_, err := s.Resolve(ctx, l.Code)
			require.NoError(t, err)
		}
	}
	st, err := s.Stats(ctx, links[1].Code)
	require.NoError(t, err)
	assert.Equal(t, int64(12), st.Clicks)
	assert.Len(t, st.RecentClicks, RecentInStats)
	for i := 1; i < len(st.RecentClicks); i++ {
		assert.False(t, st.RecentClicks[i].At.After(st.RecentClicks[i-1].At), "newest first")
	}

	top, err := s.Top(ctx, 2)
	require.NoError(t, err)
	require.Len(t, top, 2)
	assert.Equal(t, links[1].Code, top[0].Code)
	assert.Equal(t, int64(12), top[0].Clicks)
	assert.Equal(t, links[2].Code, top[1].Code)
	assert.Equal(t, "https://example.com/2", top[1].LongURL)

	_, err = s.Top(ctx, 0)
	assert.Error(t, err)
	_, err = s.Stats(ctx, "missing")
	assert.ErrorIs(t, err, ErrNotFound)
}

// A click is counted in one MULTI/EXEC: the hash's counter, the ranking and
// the click list change together or not at all, and no reader sees one
// without the others. A go-redis hook records what Resolve sends.
func TestClickIsOneTransaction(t *testing.T) {
	s, rdb, ctx := newTest(t)
	link, err := s.Shorten(ctx, "https://example.com/", Options{TTL: time.Hour})
	require.NoError(t, err)
	rec := testkit.Record(rdb)
	_, err = s.Resolve(ctx, link.Code)
	require.NoError(t, err)
	assert.Equal(t, 1, rec.Transactions(), "%v", rec.Trips())
	last := rec.Trips()[len(rec.Trips())-1]
	assert.Equal(t, []string{"multi", "hincrby", "zincrby", "lpush", "ltrim", "pexpireat", "pexpireat", "exec"}, last)
}
