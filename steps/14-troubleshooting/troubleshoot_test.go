package main

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// TestOutput compares the whole walk with the golden file. The golden file
// is the output of a real Redis 8 without JSON started from redis-server
// (binary mode, as in CI): the only server on which every row happens. In
// container mode MISCONF cannot be provoked (the data directory is out of
// reach), on the embedded server most rows need what it lacks, and on a
// server with JSON the JSON row cannot happen: there this test is skipped,
// and TestRows still checks every row the server can reproduce.
func TestOutput(t *testing.T) {
	srv := testkit.Server(t)
	testkit.Require(t, features.Config, features.MaxClients, features.Eviction, features.Persistence)
	if srv.Mode != provision.Binary {
		t.Skipf("skipped: the golden output is a local redis-server's (WORKBOOK_REDIS=binary); on %s the MISCONF row is skipped, so the output differs", srv.Description)
	}
	if srv.Features.Has(features.JSON) {
		t.Skipf("skipped: %s has JSON, so the JSON row is skipped and the output differs from the golden file", srv.Description)
	}
	testkit.Client(t)
	var out bytes.Buffer
	require.NoError(t, troubleshoot(testkit.Context(t), &out, srv))
	testkit.AssertOutput(t, 14, out.String())
}

// What each row's error must say: the real text from go-redis, the server or
// the go tool. Every row must be explained by its own catalogue entry.
var wantText = map[string]string{
	"refused":    "connect: connection refused",
	"noauth":     "NOAUTH Authentication required.",
	"wrongpass":  "WRONGPASS invalid username-password pair or user is disabled.",
	"wrongtype":  "WRONGTYPE Operation against a key holding the wrong kind of value",
	"maxclients": "ERR max number of clients reached",
	"timeout":    "i/o timeout",
	"oom":        "OOM command not allowed when used memory > 'maxmemory'.",
	"txfailed":   "redis: transaction failed",
	"misconf":    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
	"nojson":     "unknown command",
	"nomodule":   "no required module provides package github.com/redis/go-redis/v9",
	"marshal":    "redis: can't marshal map[string]string (implement encoding.BinaryMarshaler)",
}

func TestRows(t *testing.T) {
	require.Len(t, rows, len(wantText), "every row has an expected text")
	for _, r := range rows {
		t.Run(r.entry, func(t *testing.T) {
			testkit.Require(t, r.needs...)
			testkit.Client(t) // an empty database
			ctx := testkit.Context(t)
			l, err := newLab(ctx, testkit.Server(t))
			require.NoError(t, err)
			defer l.close()

			got, err := l.run(ctx, r)
			var skip *skipped
			if errors.As(err, &skip) {
				t.Skip("skipped: " + skip.reason)
			}
			require.NoError(t, err)
			require.Error(t, got)
			assert.Contains(t, got.Error(), wantText[r.entry])
			if r.entry == "nojson" {
				assert.Contains(t, got.Error(), "JSON.SET")
			}
			e, ok := diagnose.Explain(got)
			require.True(t, ok, "the catalogue explains %q", got)
			assert.Equal(t, r.entry, e.ID, "catalogue entry for %q", got)
		})
	}
}

// go-redis does not surface the maxclients message itself: it takes the
// error that answers its HELLO for "HELLO not supported" and then finds the
// connection closed. The row shows both; this pins that behaviour, so the
// chapter is rewritten if a go-redis release changes it.
func TestMaxClientsHangUp(t *testing.T) {
	testkit.Require(t, features.MaxClients)
	ctx := testkit.Context(t)
	l, err := newLab(ctx, testkit.Server(t))
	require.NoError(t, err)
	defer l.close()

	got, err := tooManyClients(ctx, l)
	require.NoError(t, err)
	var h *hungUp
	require.ErrorAs(t, got, &h)
	var reply redis.Error
	assert.False(t, errors.As(h.err, &reply), "go-redis returned the server's reply %q: the chapter's explanation is out of date", h.err)
	assert.Equal(t, "ERR max number of clients reached", h.said)
}

// A timeout costs the connection it happened on, not the client: go-redis
// drops that connection (its reply may still come) and the next command
// dials a new one.
func TestClientRecoversAfterTimeout(t *testing.T) {
	rdb := testkit.Client(t)
	ctx := testkit.Context(t)
	// CLIENT UNPAUSE with no pause in effect is harmless where it exists.
	if err := rdb.Do(ctx, "CLIENT", "UNPAUSE").Err(); err != nil {
		t.Skipf("skipped: CLIENT PAUSE/UNPAUSE is not available on %s: %v", testkit.Server(t).Description, err)
	}
	l, err := newLab(ctx, testkit.Server(t))
	require.NoError(t, err)
	defer l.close()

	slow := l.client(func(o *redis.Options) { o.ReadTimeout = 100 * time.Millisecond })
	defer slow.Close()
	require.NoError(t, warmUp(ctx, slow))
	require.NoError(t, rdb.Do(ctx, "CLIENT", "PAUSE", 2000, "WRITE").Err())
	err = slow.Set(ctx, "trouble:late", "v", 0).Err()
	require.NoError(t, rdb.Do(ctx, "CLIENT", "UNPAUSE").Err())
	require.ErrorContains(t, err, "i/o timeout")

	// (warmUp allows a few tries: on a busy machine one PING can take 100ms.)
	require.NoError(t, warmUp(ctx, slow), "the same client works once the server answers in time")
}

// Every setting a row changes is back to its old value afterwards, writes
// work, and no key of the step is left behind.
func TestSettingsRestored(t *testing.T) {
	testkit.Require(t, features.Config)
	rdb := testkit.Client(t)
	ctx := testkit.Context(t)
	names := []string{"requirepass", "maxclients", "maxmemory", "maxmemory-policy", "save", "stop-writes-on-bgsave-error"}
	before := map[string]string{}
	for _, n := range names {
		v, err := rdb.ConfigGet(ctx, n).Result()
		require.NoError(t, err)
		before[n] = v[n]
	}

	require.NoError(t, troubleshoot(ctx, &bytes.Buffer{}, testkit.Server(t)))

	for _, n := range names {
		v, err := rdb.ConfigGet(ctx, n).Result()
		require.NoError(t, err)
		assert.Equal(t, before[n], v[n], n)
	}
	require.NoError(t, rdb.Set(ctx, "after", "ok", 0).Err(), "writes work after the walk")
	keys, _, err := rdb.Scan(ctx, 0, "trouble:*", 1000).Result()
	require.NoError(t, err)
	assert.Empty(t, keys)
}

// The step refuses a server the workbook did not start.
func TestRefusesLearnersServer(t *testing.T) {
	theirs := *testkit.Server(t)
	theirs.Owned = false
	err := troubleshoot(testkit.Context(t), &bytes.Buffer{}, &theirs)
	require.ErrorContains(t, err, "never your own")
}
