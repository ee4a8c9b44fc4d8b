package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// requireObjectEncoding skips when the server cannot answer OBJECT ENCODING.
// Every real Redis can; the embedded server learns it in internal/embedded.
func requireObjectEncoding(t *testing.T, rdb *redis.Client) {
	t.Helper()
	ctx := testkit.Context(t)
	require.NoError(t, rdb.Set(ctx, "probe:encoding", "x", 0).Err())
	defer rdb.Del(ctx, "probe:encoding")
	if err := rdb.ObjectEncoding(ctx, "probe:encoding").Err(); err != nil {
		t.Skipf("skipped: %s does not answer OBJECT ENCODING (%v); run this test against a real Redis (WORKBOOK_REDIS=binary or container)", testkit.Server(t).Description, err)
	}
}

func TestOutput(t *testing.T) {
	rdb := testkit.Client(t)
	requireObjectEncoding(t, rdb)
	var out bytes.Buffer
	require.NoError(t, dataTypes(testkit.Context(t), &out, rdb))
	testkit.AssertOutput(t, 4, out.String())
}

// Each section on its own, so that everything but the encodings is checked
// on every server, including one without OBJECT ENCODING.
func TestSections(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var out bytes.Buffer
	require.NoError(t, showStrings(ctx, &out, rdb))
	require.NoError(t, showHashes(ctx, &out, rdb))
	require.NoError(t, showLists(ctx, &out, rdb))
	require.NoError(t, showSets(ctx, &out, rdb))
	require.NoError(t, showSortedSets(ctx, &out, rdb))
	got := out.String()
	for _, line := range []string{
		"Name: Alice Chen (expires in 1h0m0s)\n",
		"Home page views: 51\n",
		"User: map[email:alice@example.com login_count:1 name:Alice Chen role:admin]\n",
		"As a struct: {Name:Alice Chen Email:alice@example.com Role:admin LoginCount:1}\n",
		"Latest notifications: [\"Your report is ready\" \"You have a new follower\"]\n",
		"Common tags: [caching python]\n",
		"  1. player:carol 3200\n  2. player:alice 2500\n  3. player:dave 2100\n",
	} {
		assert.Contains(t, got, line)
	}
}

func TestNameExpiresInAnHour(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, showStrings(ctx, &bytes.Buffer{}, rdb))
	ttl, err := rdb.TTL(ctx, nameKey).Result()
	require.NoError(t, err)
	assert.InDelta(t, time.Hour.Seconds(), ttl.Seconds(), 2)
	// The counter has no expiry: TTL -1 means "exists, never expires".
	assert.Equal(t, time.Duration(-1), rdb.TTL(ctx, viewsKey).Val())
}

// Scan converts the strings of HGETALL into the struct's field types; a
// field that does not parse is an error, not a silent zero.
func TestScanHashIntoStruct(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, showHashes(ctx, &bytes.Buffer{}, rdb))
	require.NoError(t, rdb.HIncrBy(ctx, userKey, "login_count", 41).Err())
	var u User
	require.NoError(t, rdb.HGetAll(ctx, userKey).Scan(&u))
	assert.Equal(t, User{Name: "Alice Chen", Email: "alice@example.com", Role: "admin", LoginCount: 42}, u)

	require.NoError(t, rdb.HSet(ctx, userKey, "login_count", "many").Err())
	err := rdb.HGetAll(ctx, userKey).Scan(&u)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "User.LoginCount")
}

// The tutorial's version, run twice, keeps growing the list (LPUSH adds
// three more each time). The step removes its keys first, so a second run
// prints and stores exactly what the first did.
func TestRunningTwiceGivesTheSameResult(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	requireObjectEncoding(t, rdb)
	var first, second bytes.Buffer
	require.NoError(t, dataTypes(ctx, &first, rdb))
	require.NoError(t, dataTypes(ctx, &second, rdb))
	assert.Equal(t, first.String(), second.String())
	assert.EqualValues(t, 3, rdb.LLen(ctx, notificationsK).Val())
	assert.EqualValues(t, 8, rdb.DBSize(ctx).Val(), "its 7 keys and workbook:keys")

	// Without the UNLINK at the start, the list grows on every run.
	require.NoError(t, showLists(ctx, &bytes.Buffer{}, rdb))
	assert.EqualValues(t, 6, rdb.LLen(ctx, notificationsK).Val())
}

// The lesson never flushes: a key that is not its own survives, and DBSIZE
// counts it.
func TestLeavesOtherKeysAlone(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	requireObjectEncoding(t, rdb)
	require.NoError(t, rdb.Set(ctx, "someone:else", "keep me", 0).Err())
	var out bytes.Buffer
	require.NoError(t, dataTypes(ctx, &out, rdb))
	assert.Equal(t, "keep me", rdb.Get(ctx, "someone:else").Val())
	assert.Contains(t, out.String(), "Total keys in database: 9 (7 written by this step, and workbook:keys, which lists them)\n")
	// The temporary hashes of the encodings section are gone.
	assert.Zero(t, rdb.Exists(ctx, "encoding:demo:big", "encoding:demo:long").Val())
}

func TestEncodingThresholds(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	requireObjectEncoding(t, rdb)
	maxEntries, maxValue := listpackLimits(ctx, rdb)
	if testkit.Mode(t) != provision.Embedded {
		// Real Redis 8's defaults (the tutorial's "128" is the sorted-set
		// limit, not the hash one).
		assert.Equal(t, 512, maxEntries)
		assert.Equal(t, 64, maxValue)
	}

	for i := range maxEntries {
		require.NoError(t, rdb.HSet(ctx, "h", i, i).Err())
	}
	assert.Equal(t, "listpack", rdb.ObjectEncoding(ctx, "h").Val())
	require.NoError(t, rdb.HSet(ctx, "h", "one:more", 1).Err())
	assert.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, "h").Val())
	require.NoError(t, rdb.HDel(ctx, "h", "one:more").Err())
	if testkit.Mode(t) != provision.Embedded {
		// The conversion is one way: back under the limit, Redis keeps
		// the hash table. (The embedded server works the encoding out
		// from the hash's current size, so it says listpack again.)
		assert.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, "h").Val())
	}

	require.NoError(t, rdb.HSet(ctx, "v", "f", strings.Repeat("x", maxValue)).Err())
	assert.Equal(t, "listpack", rdb.ObjectEncoding(ctx, "v").Val())
	require.NoError(t, rdb.HSet(ctx, "v", "g", strings.Repeat("x", maxValue+1)).Err())
	assert.Equal(t, "hashtable", rdb.ObjectEncoding(ctx, "v").Val())
}

// A key has one type. Using a string command on the hash fails with
// WRONGTYPE, and the troubleshooting catalogue explains it.
func TestWrongType(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, showHashes(ctx, &bytes.Buffer{}, rdb))
	assert.Equal(t, "hash", rdb.Type(ctx, userKey).Val())
	err := rdb.Get(ctx, userKey).Err()
	require.Error(t, err)
	assert.True(t, strings.HasPrefix(err.Error(), "WRONGTYPE"), err.Error())
	entry, ok := diagnose.Explain(err)
	require.True(t, ok)
	assert.Equal(t, "wrongtype", entry.ID)
}

// Pointed at a Redis that holds a learner's own data, some of it under the
// very names the step uses, the step stops before writing anything and
// names the keys it would have overwritten.
func TestLearnersOwnKeysAreSafe(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	pipe := rdb.Pipeline()
	for i := range 90 {
		pipe.Set(ctx, fmt.Sprintf("app:key:%d", i), i, 0)
	}
	pipe.HSet(ctx, userKey, "name", "A real user", "plan", "paid")
	pipe.Set(ctx, viewsKey, 123456, 0)
	pipe.ZAdd(ctx, leaderboardKey, redis.Z{Score: 1, Member: "real player"})
	pipe.Set(ctx, nameKey, "Real Name", 0)
	pipe.RPush(ctx, notificationsK, "a real notification")
	pipe.SAdd(ctx, tagsA, "real")
	pipe.SAdd(ctx, tagsB, "real")
	pipe.Set(ctx, "encoding:demo:big", "theirs", 0)
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	before := testkit.Snapshot(t, rdb)
	require.Len(t, before, 98)

	err = dataTypes(ctx, &bytes.Buffer{}, rdb)
	require.Error(t, err)
	for _, k := range append(stepKeys, "encoding:demo:big") {
		assert.ErrorContains(t, err, k)
	}
	assert.ErrorContains(t, err, "nothing was changed")
	assert.Equal(t, before, testkit.Snapshot(t, rdb), "the learner's data is exactly as it was")

	// One foreign key is enough to stop it.
	require.NoError(t, rdb.FlushDB(ctx).Err())
	require.NoError(t, rdb.Set(ctx, "article:5002:tags", "theirs", 0).Err())
	err = dataTypes(ctx, &bytes.Buffer{}, rdb)
	assert.ErrorContains(t, err, "would overwrite article:5002:tags,")
	assert.EqualValues(t, 1, rdb.DBSize(ctx).Val())
}
