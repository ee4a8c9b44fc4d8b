package features_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// unknown reports whether err is the server's "unknown command" (or, for an
// option XADD does not have, its syntax or stream-ID error).
func unknown(err error) bool {
	if err == nil {
		return false
	}
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "unknown command") || strings.Contains(msg, "invalid stream id") ||
		strings.Contains(msg, "syntax error") || strings.Contains(msg, "wrong number of arguments") ||
		strings.Contains(msg, "does not emulate")
}

// Detect's verdicts are checked against the server itself: a feature it
// says is there works, one it says is missing is refused. Run it on every
// kind of server (embedded, Redis 8.6 without modules, Redis 8.0).
func TestDetectAgreesWithTheServer(t *testing.T) {
	ctx := testkit.Context(t)
	for _, protocol := range []int{2, 3} {
		rdb := testkit.ClientWith(t, func(o *redis.Options) { o.Protocol = protocol })
		set, err := features.Detect(ctx, rdb, "the test server")
		require.NoError(t, err)
		t.Logf("RESP%d: Redis %s, modules %v, lacks %v", protocol, set.Version, set.Modules, set.Lacks())

		err = rdb.Do(ctx, "JSON.SET", "t:json", "$", `{"a":1}`).Err()
		assert.Equal(t, set.Has(features.JSON), err == nil, "JSON.SET: %v", err)
		if !set.Has(features.JSON) {
			assert.True(t, unknown(err), "JSON.SET: %v", err)
		}

		err = rdb.HSetEXWithArgs(ctx, "t:hash", &redis.HSetEXOptions{ExpirationType: redis.HSetEXExpirationEX, ExpirationVal: 600}, "f", "v").Err()
		assert.Equal(t, set.Has(features.HashFieldEx), err == nil, "HSETEX: %v", err)

		err = rdb.HExpire(ctx, "t:hash2", 600*1e9, "f").Err()
		assert.Equal(t, set.Has(features.HashFieldTTL), err == nil, "HEXPIRE: %v", err)

		err = rdb.Do(ctx, "VADD", "t:vset", "VALUES", "2", "1", "0", "a").Err()
		assert.Equal(t, set.Has(features.VectorSets), err == nil, "VADD: %v", err)

		// XADD IDMP twice with the same producer and idempotent ID: one
		// entry, and the second call answers the first entry's ID.
		args := &redis.XAddArgs{Stream: "t:stream", ProducerID: "p1", IdempotentID: "order-1", Values: []any{"n", "1"}}
		first, err := rdb.XAdd(ctx, args).Result()
		if set.Has(features.StreamIdempotence) {
			require.NoError(t, err)
			again, err := rdb.XAdd(ctx, args).Result()
			require.NoError(t, err)
			assert.Equal(t, first, again)
			assert.EqualValues(t, 1, rdb.XLen(ctx, "t:stream").Val())
		} else {
			assert.True(t, unknown(err), "XADD IDMP: %v", err)
			assert.Zero(t, rdb.Exists(ctx, "t:stream").Val(), "a refused XADD adds nothing")
		}

		_, err = rdb.ConfigGet(ctx, "maxmemory").Result()
		assert.Equal(t, set.Has(features.Config), err == nil, "CONFIG GET: %v", err)
		err = rdb.Do(ctx, "SLOWLOG", "LEN").Err()
		assert.Equal(t, set.Has(features.Slowlog), err == nil, "SLOWLOG LEN: %v", err)

		// The module list and the JSON verdict tell the same story.
		if set.Modules != nil {
			assert.Equal(t, set.Has(features.JSON), slices.Contains(set.Modules, "ReJSON"), "modules %v", set.Modules)
			assert.Equal(t, set.Has(features.VectorSets), slices.Contains(set.Modules, "vectorset"), "modules %v", set.Modules)
		}
		assert.Equal(t, features.InfoField(rdb.Info(ctx, "server").Val(), "workbook_embedded") == "1", set.Embedded())
		require.NoError(t, rdb.Del(ctx, "t:json", "t:hash", "t:hash2", "t:vset", "t:stream").Err())
	}
}

// What a learner on this server is told about each missing feature names
// the build, not an upgrade to the version it already runs.
func TestMissingOnThisServer(t *testing.T) {
	set, err := features.Detect(testkit.Context(t), testkit.Client(t), "the test server")
	require.NoError(t, err)
	for _, f := range set.Lacks() {
		msg := set.Missing(f)
		t.Log(msg)
		assert.True(t, strings.HasPrefix(msg, "no "+string(f)+" on the test server: "), msg)
		if features.AtLeast(set.Version, 8, 6) && !set.Embedded() {
			assert.NotContains(t, msg, "for Redis 8.6", "an 8.6 server is not sent to 8.6")
		}
		if f == features.JSON && features.AtLeast(set.Version, 8, 0) && !set.Embedded() {
			assert.Contains(t, msg, "built without the JSON module")
		}
		if set.Embedded() {
			assert.NotContains(t, msg, "use the embedded server")
		}
	}
}

// The release facts the messages state ("Redis 8.0 added HSETEX and
// HGETDEL", "Redis 8.6 added the IDMP and IDMPAUTO options of XADD"),
// checked on a real server: run on 8.0 and on 8.6.
func TestReleaseFacts(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	set, err := features.Detect(ctx, rdb, "the test server")
	require.NoError(t, err)
	if set.Embedded() || testkit.Mode(t) == "embedded" {
		t.Skip("skipped: the embedded server emulates a release; these facts are about real ones (WORKBOOK_REDIS=binary)")
	}
	v := set.Version
	assert.Equal(t, features.AtLeast(v, 7, 4), set.Has(features.HashFieldTTL), "HEXPIRE since 7.4 (Redis %s)", v)
	assert.Equal(t, features.AtLeast(v, 8, 0), set.Has(features.HashFieldEx), "HSETEX/HGETDEL since 8.0 (Redis %s)", v)
	assert.Equal(t, features.AtLeast(v, 8, 6), set.Has(features.StreamIdempotence), "XADD IDMP since 8.6 (Redis %s)", v)
	if features.AtLeast(v, 8, 0) {
		err := rdb.Do(ctx, "HGETEX", "t:h", "PERSIST", "FIELDS", "1", "f").Err()
		assert.True(t, err == nil || errors.Is(err, redis.Nil), "HGETEX is in Redis 8.0: %v", err)
	}
}
