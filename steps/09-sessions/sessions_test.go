package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

func TestMain(m *testing.M) { testkit.Main(m) }

const fieldExpiryHeader = "\nFields that expire on their own"

func TestOutput(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var out bytes.Buffer
	require.NoError(t, demo(ctx, &out, rdb))

	if testkit.Features(t).Has(features.HashFieldEx) {
		testkit.AssertOutput(t, 9, out.String())
	} else {
		// Without HSETEX & co. the sessions part must still match the golden
		// file exactly, and the rest is the one line saying why it is skipped.
		step, _ := workbook.Get(9)
		root, err := workbook.Root()
		require.NoError(t, err)
		golden, err := step.ReadGolden(root)
		require.NoError(t, err)
		wantHead, _, _ := strings.Cut(golden, fieldExpiryHeader)
		gotHead, gotTail, found := strings.Cut(out.String(), fieldExpiryHeader)
		require.True(t, found)
		assert.Empty(t, step.Compare(wantHead, gotHead))
		assert.Regexp(t, `^ \(Redis 8: HSETEX, HGETEX, HGETDEL\):\n  skipped: no .* on .*\n$`, gotTail)
	}
	// The demo cleans up after itself: no session or set is left behind.
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "the demo left keys behind")
}

func TestFieldExpirySkippedWithOneClearLine(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	without := testkit.Features(t).With(features.HashFieldEx, false)
	var out bytes.Buffer
	require.NoError(t, demoFieldExpiry(ctx, &out, rdb, without))
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 2, out.String())
	assert.Equal(t, "  skipped: "+without.Missing(features.HashFieldEx), lines[1])
	assert.Contains(t, lines[1], "make up")
}

func TestIDsAreUniqueAndURLSafe(t *testing.T) {
	shape := regexp.MustCompile(`^[A-Za-z0-9_-]{43}$`)
	seen := map[string]bool{}
	for range 10000 {
		id := newID()
		require.Regexp(t, shape, id)
		require.True(t, ValidID(id))
		require.False(t, seen[id], "duplicate ID %s", id)
		seen[id] = true
	}
	for _, bad := range []string{"", "abc", strings.Repeat("A", 42), strings.Repeat("A", 44),
		strings.Repeat("A", 42) + "=", strings.Repeat("A", 42) + "+", strings.Repeat("A", 42) + "/"} {
		assert.False(t, ValidID(bad), "%q", bad)
	}
}

func TestCreateIsOneAtomicWrite(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, 30*time.Minute)
	require.NoError(t, err)
	before := time.Now().Truncate(time.Millisecond)
	id, err := sm.Create(ctx, "user:1001", map[string]string{"role": "admin"})
	require.NoError(t, err)

	fields, err := rdb.HGetAll(ctx, sessionKey(id)).Result()
	require.NoError(t, err)
	assert.Equal(t, "user:1001", fields[fieldUserID])
	assert.Equal(t, "admin", fields["role"])
	assert.Equal(t, fields[fieldCreatedAt], fields[fieldLastActive])
	assert.False(t, parseMillis(fields[fieldCreatedAt]).Before(before))

	pttl, err := rdb.PTTL(ctx, sessionKey(id)).Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 29*time.Minute)
	assert.LessOrEqual(t, pttl, 30*time.Minute)

	member, err := rdb.SIsMember(ctx, userSessionsKey("user:1001"), id).Result()
	require.NoError(t, err)
	assert.True(t, member)
}

func TestCreateRefusesBadInput(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	_, err = sm.Create(ctx, "", nil)
	assert.ErrorContains(t, err, "empty user ID")
	for _, k := range []string{fieldUserID, fieldLastActive, fieldFormToken, ""} {
		_, err = sm.Create(ctx, "user:1", map[string]string{k: "x"})
		assert.ErrorContains(t, err, "reserved", k)
	}
	_, err = NewManager(rdb, time.Microsecond)
	assert.ErrorContains(t, err, "too short")
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Zero(t, n, "a refused Create wrote something")
}

func TestSessionExpiresAndIsNotResurrected(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	id, err := sm.Create(ctx, "user:1001", nil)
	require.NoError(t, err)
	_, err = sm.Get(ctx, id)
	require.NoError(t, err)

	// The minute passes: the server's own clock expires the session.
	expireNow(t, rdb, sessionKey(id))
	s, err := sm.Get(ctx, id)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Nil(t, s)
	// The script's EXISTS check: Get did not write a new hash.
	exists, err := rdb.Exists(ctx, sessionKey(id)).Result()
	require.NoError(t, err)
	assert.Zero(t, exists)
}

// expireNow gives key a TTL of 1 ms and waits until the server has expired
// it: time passing, without a test that races the wall clock.
func expireNow(t *testing.T, rdb *redis.Client, key string) {
	t.Helper()
	ctx := testkit.Context(t)
	require.NoError(t, rdb.PExpire(ctx, key, time.Millisecond).Err())
	require.Eventually(t, func() bool { return rdb.Exists(ctx, key).Val() == 0 }, 10*time.Second, 5*time.Millisecond, "%s did not expire", key)
}

// A session in use stays alive: each Get restarts its TTL. The test does not
// sleep through the TTL; it shortens the key's TTL as if most of it had
// passed, and moves the manager's clock on, then checks what Get did.
func TestGetSlidesTheExpiry(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	clock := time.Now()
	sm.now = func() time.Time { return clock }
	id, err := sm.Create(ctx, "user:1001", nil)
	require.NoError(t, err)

	for i := range 3 {
		// 55 seconds go by: 5 are left.
		clock = clock.Add(55 * time.Second)
		require.NoError(t, rdb.PExpire(ctx, sessionKey(id), 5*time.Second).Err())
		s, err := sm.Get(ctx, id)
		require.NoError(t, err, "a session in use expired")
		assert.Equal(t, clock.UnixMilli(), s.LastActive.UnixMilli(), "use %d: last_active", i)
		assert.Equal(t, clock.Add(-time.Duration(i+1)*55*time.Second).UnixMilli(), s.CreatedAt.UnixMilli())
		pttl, err := rdb.PTTL(ctx, sessionKey(id)).Result()
		require.NoError(t, err)
		assert.Greater(t, pttl, 50*time.Second, "Get did not restart the TTL")
	}

	// Left idle, it expires.
	expireNow(t, rdb, sessionKey(id))
	_, err = sm.Get(ctx, id)
	assert.ErrorIs(t, err, ErrNotFound)
}

func TestDestroy(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	id, err := sm.Create(ctx, "user:1001", nil)
	require.NoError(t, err)
	keep, err := sm.Create(ctx, "user:1001", nil)
	require.NoError(t, err)

	existed, err := sm.Destroy(ctx, id)
	require.NoError(t, err)
	assert.True(t, existed)
	existed, err = sm.Destroy(ctx, id)
	require.NoError(t, err)
	assert.False(t, existed, "destroyed twice")

	_, err = sm.Get(ctx, id)
	assert.ErrorIs(t, err, ErrNotFound)
	members, err := rdb.SMembers(ctx, userSessionsKey("user:1001")).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{keep}, members)
	exists, err := rdb.Exists(ctx, sessionKey(id)).Result()
	require.NoError(t, err)
	assert.Zero(t, exists, "Get after Destroy resurrected the session")
}

func TestDestroyAllForUser(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	brief, err := NewManager(rdb, 50*time.Millisecond)
	require.NoError(t, err)

	var alice []string
	for range 2 {
		id, err := sm.Create(ctx, "alice", nil)
		require.NoError(t, err)
		alice = append(alice, id)
	}
	expired, err := brief.Create(ctx, "alice", nil)
	require.NoError(t, err)
	bob, err := sm.Create(ctx, "bob", nil)
	require.NoError(t, err)
	require.Eventually(t, func() bool { return rdb.Exists(ctx, sessionKey(expired)).Val() == 0 }, 10*time.Second, 5*time.Millisecond)

	n, err := sm.DestroyAllForUser(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, 2, n, "live sessions destroyed")
	for _, id := range append(alice, expired) {
		_, err := sm.Get(ctx, id)
		assert.ErrorIs(t, err, ErrNotFound)
	}
	// The expired session's ID went too: nothing of alice's is left.
	exists, err := rdb.Exists(ctx, userSessionsKey("alice")).Result()
	require.NoError(t, err)
	assert.Zero(t, exists)

	// Bob is untouched.
	s, err := sm.Get(ctx, bob)
	require.NoError(t, err)
	assert.Equal(t, "bob", s.UserID)
	members, err := rdb.SMembers(ctx, userSessionsKey("bob")).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{bob}, members)

	n, err = sm.DestroyAllForUser(ctx, "nobody")
	require.NoError(t, err)
	assert.Zero(t, n)
}

func TestForgedIDsNeverReachRedis(t *testing.T) {
	ctx := testkit.Context(t)
	// A client to nowhere: any command would fail with "connection refused".
	sm, err := NewManager(deadClient(t), time.Minute)
	require.NoError(t, err)
	_, err = sm.Get(ctx, "../../etc/passwd")
	assert.ErrorIs(t, err, ErrNotFound)
	existed, err := sm.Destroy(ctx, "*")
	require.NoError(t, err)
	assert.False(t, existed)
}

// Create is one round trip, wrapped in MULTI/EXEC: all or nothing.
func TestCreateIsOneTransaction(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	require.NoError(t, rdb.Ping(ctx).Err())
	rec := testkit.Record(rdb)
	_, err = sm.Create(ctx, "user:1001", map[string]string{"role": "admin"})
	require.NoError(t, err)
	trips := rec.Trips()
	require.Len(t, trips, 1, "Create makes one round trip: %v", trips)
	assert.Equal(t, 1, rec.Transactions(), "and it is MULTI ... EXEC: %v", trips)
	assert.Subset(t, trips[0], []string{"hset", "pexpire", "sadd"})
}

// Log out everywhere removes the IDs it read, not the whole set: a login that
// lands between its SMEMBERS and its writes keeps its session. The hook makes
// that login happen at exactly that moment.
func TestDestroyAllForUserKeepsASessionCreatedMeanwhile(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	other, err := NewManager(testkit.NewClient(t), time.Minute)
	require.NoError(t, err)
	old, err := sm.Create(ctx, "alice", nil)
	require.NoError(t, err)

	var meanwhile string
	rdb.AddHook(afterReply(func(cmd redis.Cmder) {
		if cmd.Name() == "smembers" && meanwhile == "" {
			id, err := other.Create(ctx, "alice", map[string]string{"device": "new phone"})
			require.NoError(t, err)
			meanwhile = id
		}
	}))
	n, err := sm.DestroyAllForUser(ctx, "alice")
	require.NoError(t, err)
	require.NotEmpty(t, meanwhile, "the hook did not run")
	assert.Equal(t, 1, n)
	_, err = sm.Get(ctx, old)
	assert.ErrorIs(t, err, ErrNotFound)

	s, err := sm.Get(ctx, meanwhile)
	require.NoError(t, err, "the session created meanwhile is still alive")
	assert.Equal(t, "new phone", s.Data["device"])
	members, err := rdb.SMembers(ctx, userSessionsKey("alice")).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{meanwhile}, members, "and still on record, so the next log-out-everywhere finds it")
}

// afterReply calls fn with every single command once its reply is back.
type afterReply func(redis.Cmder)

func (h afterReply) DialHook(next redis.DialHook) redis.DialHook { return next }
func (h afterReply) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		h(cmd)
		return err
	}
}
func (h afterReply) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// A user's set of session IDs is bounded: the IDs of sessions that expired
// on their own are dropped at the next Create, and the set expires with the
// user's last session (a Get that slides a session slides the set too).
func TestUserSessionSetIsBounded(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, time.Minute)
	require.NoError(t, err)
	set := userSessionsKey("user:1001")
	// What a manager that never pruned left behind: the IDs of 200
	// sessions that expired long ago, in a set without a TTL.
	const expired = 200
	for range expired {
		require.NoError(t, rdb.SAdd(ctx, set, newID()).Err())
	}

	live, err := sm.Create(ctx, "user:1001", nil)
	require.NoError(t, err)
	members, err := rdb.SMembers(ctx, set).Result()
	require.NoError(t, err)
	assert.Equal(t, []string{live}, members, "the expired sessions' IDs were pruned")

	pttl, err := rdb.PTTL(ctx, set).Result()
	require.NoError(t, err)
	assert.Greater(t, pttl, 50*time.Second, "the set expires with the session")
	assert.LessOrEqual(t, pttl, time.Minute)

	// A shorter-lived session does not shorten the set's life...
	brief, err := NewManager(rdb, time.Second)
	require.NoError(t, err)
	_, err = brief.Create(ctx, "user:1001", nil)
	require.NoError(t, err)
	assert.Greater(t, rdb.PTTL(ctx, set).Val(), 50*time.Second)

	// ...and a session in use keeps the set alive as long as itself.
	require.NoError(t, rdb.PExpire(ctx, set, 5*time.Second).Err())
	_, err = sm.Get(ctx, live)
	require.NoError(t, err)
	assert.Greater(t, rdb.PTTL(ctx, set).Val(), 50*time.Second, "Get slides the set with the session")
}
