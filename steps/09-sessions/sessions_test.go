package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

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
	sm, err := NewManager(rdb, 150*time.Millisecond)
	require.NoError(t, err)
	id, err := sm.Create(ctx, "user:1001", nil)
	require.NoError(t, err)
	_, err = sm.Get(ctx, id)
	require.NoError(t, err)

	time.Sleep(250 * time.Millisecond)
	s, err := sm.Get(ctx, id)
	assert.ErrorIs(t, err, ErrNotFound)
	assert.Nil(t, s)
	// The script's EXISTS check: Get did not write a new hash.
	exists, err := rdb.Exists(ctx, sessionKey(id)).Result()
	require.NoError(t, err)
	assert.Zero(t, exists)
}

func TestGetSlidesTheExpiry(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	sm, err := NewManager(rdb, 300*time.Millisecond)
	require.NoError(t, err)
	id, err := sm.Create(ctx, "user:1001", nil)
	require.NoError(t, err)
	created := time.Now()

	// Use it every 150 ms: 450 ms after creation, longer than the TTL, it
	// is still alive because each Get restarted the 300 ms.
	for range 3 {
		time.Sleep(150 * time.Millisecond)
		s, err := sm.Get(ctx, id)
		require.NoError(t, err, "a session in use expired")
		assert.True(t, s.LastActive.After(s.CreatedAt))
		pttl, err := rdb.PTTL(ctx, sessionKey(id)).Result()
		require.NoError(t, err)
		assert.Greater(t, pttl, 150*time.Millisecond, "Get did not restart the TTL")
	}
	require.Greater(t, time.Since(created), 300*time.Millisecond)

	// Left idle, it expires.
	time.Sleep(350 * time.Millisecond)
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
	time.Sleep(100 * time.Millisecond)

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
