package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/keyclaim"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	testkit.Require(t, features.JSON)
	var out bytes.Buffer
	require.NoError(t, jsonDocuments(testkit.Context(t), &out, testkit.Client(t)))
	testkit.AssertOutput(t, 6, out.String())
}

// On a server without JSON (Debian's Redis 8 builds, Redis 7 without the
// module) the step stops before it changes anything, with one line that
// names what is missing and how to get it.
func TestRefusesWithoutJSON(t *testing.T) {
	if testkit.Features(t).Has(features.JSON) {
		t.Skipf("skipped: %s has JSON; the refusal is tested against a server without it (WORKBOOK_REDIS=binary with Debian's redis-server)", testkit.Features(t).Server)
	}
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, rdb.HSet(ctx, profileKey, "name", "Alice Chen").Err())

	var out bytes.Buffer
	err := jsonDocuments(ctx, &out, rdb)
	require.Error(t, err)
	msg := err.Error()
	assert.NotContains(t, msg, "\n", "one line")
	assert.Contains(t, msg, "no "+string(features.JSON)+" on Redis ")
	assert.Contains(t, msg, rdb.Options().Addr)
	assert.Contains(t, msg, "make up")
	assert.Contains(t, msg, "WORKBOOK_REDIS=embedded")
	if features.AtLeast(testkit.Features(t).Version, 8, 0) {
		// Said by the build, as step 1 says it: not "get Redis 8.6".
		assert.Contains(t, msg, "this server was built without the JSON module")
		assert.NotContains(t, msg, "for Redis 8.6")
	}
	assert.Empty(t, out.String(), "nothing printed before the refusal")
	assert.Equal(t, "hash", rdb.Type(ctx, profileKey).Val(), "nothing touched")
}

func TestPathRepliesAreArrays(t *testing.T) {
	testkit.Require(t, features.JSON)
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, profile(ctx, &bytes.Buffer{}, rdb))

	get := func(path string) string {
		t.Helper()
		v, err := rdb.JSONGet(ctx, profileKey, path).Result()
		require.NoError(t, err, path)
		return v
	}
	// A JSONPath returns every match, in an array...
	assert.Equal(t, `["light"]`, get("$.preferences.theme"))
	assert.Equal(t, `[1284]`, get("$.metrics.followers"))
	assert.Equal(t, `[true,true,false]`, get("$.preferences.notifications.*"), "a wildcard matches three values")
	assert.Equal(t, `[]`, get("$.no.such.field"), "no match is an empty array, not an error")
	// ...a legacy path returns the one value, bare.
	assert.Equal(t, `"light"`, get(".preferences.theme"))
	assert.Equal(t, `1284`, get(".metrics.followers"))
}

func TestDocumentRoundTrips(t *testing.T) {
	testkit.Require(t, features.JSON)
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, jsonDocuments(ctx, &bytes.Buffer{}, rdb))

	var docs []Profile
	require.NoError(t, json.Unmarshal([]byte(rdb.JSONGet(ctx, profileKey, "$").Val()), &docs))
	require.Len(t, docs, 1)
	p := docs[0]
	assert.Equal(t, "light", p.Preferences.Theme)
	assert.Equal(t, 1284, p.Metrics.Followers)
	assert.Equal(t, []string{"python", "redis", "devops", "caching"}, p.Tags)
	assert.Equal(t, Notifications{Email: true, Push: true, SMS: false}, p.Preferences.Notifications)

	for n := 1; n <= productCount; n++ {
		var got []Product
		require.NoError(t, json.Unmarshal([]byte(rdb.JSONGet(ctx, productKey(n), "$").Val()), &got))
		require.Len(t, got, 1)
		assert.Equal(t, n, got[0].ID)
		assert.InDelta(t, 9.99+float64(n), got[0].Price, 1e-9)
		assert.Equal(t, "ReJSON-RL", rdb.Type(ctx, productKey(n)).Val(), "a JSON document is a type of its own")
	}
}

// go-redis sends a Go string as raw JSON text. The tutorial's Python passes
// "light" and redis-py encodes it; the same call in Go sends light, which
// is not JSON, and the server refuses it.
func TestRawStringIsNotJSON(t *testing.T) {
	testkit.Require(t, features.JSON)
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, profile(ctx, &bytes.Buffer{}, rdb))

	err := rdb.JSONSet(ctx, profileKey, "$.preferences.theme", "dark").Err()
	require.Error(t, err, "dark without quotes is not a JSON value")
	err = rdb.JSONArrAppend(ctx, profileKey, "$.tags", "go").Err()
	require.Error(t, err)
	assert.Equal(t, `["light"]`, rdb.JSONGet(ctx, profileKey, "$.preferences.theme").Val(), "unchanged")

	require.NoError(t, rdb.JSONSet(ctx, profileKey, "$.preferences.theme", quoted("dark")).Err())
	assert.Equal(t, `["dark"]`, rdb.JSONGet(ctx, profileKey, "$.preferences.theme").Val())
	assert.Equal(t, `"say \"hi\""`, quoted(`say "hi"`))
}

// Step 4 leaves user:1001 as a hash. JSON.SET cannot write a document over
// a key of another type; the step removes its old keys first, so it runs.
func TestReplacesStep4sHash(t *testing.T) {
	testkit.Require(t, features.JSON)
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	// Step 4 claims the key (registers it as the workbook's), then writes it.
	require.NoError(t, keyclaim.Claim(ctx, rdb, "step 4", profileKey))
	require.NoError(t, rdb.HSet(ctx, profileKey, "name", "Alice Chen").Err())
	require.Error(t, rdb.JSONSet(ctx, profileKey, "$", `{"id":1}`).Err(), "a key holds one type")

	require.NoError(t, jsonDocuments(ctx, &bytes.Buffer{}, rdb))
	assert.Equal(t, "ReJSON-RL", rdb.Do(ctx, "TYPE", profileKey).Val())
}

func TestRunningTwiceGivesTheSameResult(t *testing.T) {
	testkit.Require(t, features.JSON)
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	var first, second bytes.Buffer
	require.NoError(t, jsonDocuments(ctx, &first, rdb))
	require.NoError(t, jsonDocuments(ctx, &second, rdb))
	assert.Equal(t, first.String(), second.String())
	assert.EqualValues(t, 1+productCount+1, rdb.DBSize(ctx).Val(), "the documents and workbook:keys")
}

// A learner's own user:1001 (a hash of a real application) and product:3
// stop the step before it writes anything.
func TestLearnersOwnKeysAreSafe(t *testing.T) {
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	pipe := rdb.Pipeline()
	for i := range 95 {
		pipe.Set(ctx, fmt.Sprintf("app:key:%d", i), i, 0)
	}
	pipe.HSet(ctx, profileKey, "name", "A real user")
	pipe.Set(ctx, productKey(3), "a real product", 0)
	_, err := pipe.Exec(ctx)
	require.NoError(t, err)
	before := testkit.Snapshot(t, rdb)

	err = jsonDocuments(ctx, &bytes.Buffer{}, rdb)
	require.Error(t, err)
	assert.Equal(t, before, testkit.Snapshot(t, rdb), "the learner's data is exactly as it was")
	if !testkit.Features(t).Has(features.JSON) {
		t.Skip("skipped the error's wording: " + testkit.Features(t).Missing(features.JSON) + " (the step stopped before it looked at any key)")
	}
	assert.ErrorContains(t, err, "would overwrite user:1001, product:3, which")
}

// The profile's changes are made in place on the server: JSON.SET of a path,
// JSON.NUMINCRBY, JSON.ARRAPPEND. Reading the whole document, changing it in
// Go and writing it back would lose another client's concurrent update
// (TestReadModifyWriteLosesAnUpdate shows how): a go-redis hook records the
// commands profile sends, and only the first writes the whole document.
func TestProfileUpdatesInPlace(t *testing.T) {
	testkit.Require(t, features.JSON)
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	rec := testkit.Record(rdb)
	require.NoError(t, profile(ctx, &bytes.Buffer{}, rdb))

	var wholeWrites, pathWrites []string
	for _, args := range rec.Args() {
		name := strings.ToLower(fmt.Sprint(args[0]))
		if !strings.HasPrefix(name, "json.") || name == "json.get" {
			if name == "set" || name == "hset" {
				wholeWrites = append(wholeWrites, name)
			}
			continue
		}
		path := fmt.Sprint(args[2])
		if path == "$" || path == "." {
			wholeWrites = append(wholeWrites, name+" "+path)
		} else {
			pathWrites = append(pathWrites, name+" "+path)
		}
	}
	assert.Equal(t, []string{"json.set $"}, wholeWrites, "the document is written whole once, when it is created")
	assert.Equal(t, []string{
		"json.set $.preferences.theme",
		"json.numincrby $.metrics.followers",
		"json.arrappend $.tags",
	}, pathWrites, "every change after that names the path it changes")
}

// The tutorial's point, tested: changing a field in place is atomic, while
// reading the whole document, changing it in Go and writing it back loses
// updates when two clients do it at once.
func TestReadModifyWriteLosesAnUpdate(t *testing.T) {
	testkit.Require(t, features.JSON)
	ctx := testkit.Context(t)
	rdb := testkit.Client(t)
	require.NoError(t, profile(ctx, &bytes.Buffer{}, rdb))

	read := func() Profile {
		var docs []Profile
		require.NoError(t, json.Unmarshal([]byte(rdb.JSONGet(ctx, profileKey, "$").Val()), &docs))
		return docs[0]
	}
	// Two clients read the same version, each adds a follower, each
	// writes back its whole copy: the second write undoes the first.
	a, b := read(), read()
	a.Metrics.Followers++
	b.Metrics.Followers++
	require.NoError(t, rdb.JSONSet(ctx, profileKey, "$", a).Err())
	require.NoError(t, rdb.JSONSet(ctx, profileKey, "$", b).Err())
	assert.Equal(t, 1285, read().Metrics.Followers, "two increments, one counted")

	// NUMINCRBY from many goroutines: every increment counts.
	const goroutines, each = 20, 10
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				assert.NoError(t, rdb.JSONNumIncrBy(ctx, profileKey, "$.metrics.followers", 1).Err())
			}
		})
	}
	wg.Wait()
	assert.Equal(t, 1285+goroutines*each, read().Metrics.Followers)
}

func TestOutputShowsReplyShapes(t *testing.T) {
	testkit.Require(t, features.JSON)
	var out bytes.Buffer
	require.NoError(t, jsonDocuments(testkit.Context(t), &out, testkit.Client(t)))
	lines := strings.Split(out.String(), "\n")
	assert.True(t, strings.HasPrefix(lines[0], `Full document: [{"id":1001,"name":"Alice Chen",`), lines[0])
	assert.Contains(t, out.String(), "Theme: [\"dark\"]\n")
	assert.Contains(t, out.String(), "Followers: [1283]\n")
	assert.Contains(t, out.String(), "NUMINCRBY $.metrics.followers 1 → [1284]\n")
	assert.Contains(t, out.String(), "ARRAPPEND $.tags \"caching\" → [4]\n")
	assert.Contains(t, out.String(), "Product prices: [10.99] [11.99] [12.99] [13.99] [14.99]\n")
}

// Every command names its path, so the replies are the same over RESP2 and
// RESP3. (Redis documents that without a path JSON.GET means the legacy
// root "." over RESP2 but "$" over RESP3, which wraps the reply in an array.)
func TestSameOutputOverRESP2(t *testing.T) {
	testkit.Require(t, features.JSON)
	ctx := testkit.Context(t)
	var resp3, resp2 bytes.Buffer
	require.NoError(t, jsonDocuments(ctx, &resp3, testkit.Client(t)))
	rdb2 := testkit.ClientWith(t, func(o *redis.Options) { o.Protocol = 2 })
	require.NoError(t, jsonDocuments(ctx, &resp2, rdb2))
	assert.Equal(t, resp3.String(), resp2.String())
}
