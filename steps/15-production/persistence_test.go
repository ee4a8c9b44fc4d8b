package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// What the chapter says about RDB and AOF together: Redis 7+ keeps the AOF
// in a directory whose base file is an RDB snapshot (aof-use-rdb-preamble
// yes, the default), followed by a file of the writes since.
func TestAOFStartsFromAnRDBSnapshot(t *testing.T) {
	testkit.Require(t, features.Config, features.Persistence)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	cfg, err := rdb.ConfigGet(ctx, "*").Result()
	require.NoError(t, err)
	if _, err := os.Stat(cfg["dir"]); err != nil || testkit.Mode(t) == "container" {
		t.Skipf("skipped: the server's directory %s is not on this machine (a container?); run with WORKBOOK_REDIS=binary to read its files", cfg["dir"])
	}
	assert.Equal(t, "yes", cfg["aof-use-rdb-preamble"], "the default")
	if cfg["appendonly"] != "yes" {
		require.NoError(t, rdb.ConfigSet(ctx, "appendonly", "yes").Err())
		t.Cleanup(func() { _ = rdb.ConfigSet(ctx, "appendonly", "no").Err() })
	}
	require.NoError(t, rdb.Set(ctx, "t:after", "1", 0).Err())

	// Turning AOF on starts a rewrite in the background; wait for the
	// server to say it is done (the test's context bounds the wait).
	for {
		info, err := rdb.Info(ctx, "persistence").Result()
		require.NoError(t, err)
		if features.InfoField(info, "aof_enabled") == "1" && features.InfoField(info, "aof_rewrite_in_progress") == "0" &&
			features.InfoField(info, "aof_rewrite_scheduled") == "0" {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the AOF rewrite did not finish: %s", info)
		case <-time.After(20 * time.Millisecond):
		}
	}

	dir := filepath.Join(cfg["dir"], cfg["appenddirname"])
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var base, incr string
	for _, e := range entries {
		switch {
		case strings.HasSuffix(e.Name(), ".base.rdb"):
			base = e.Name()
		case strings.HasSuffix(e.Name(), ".incr.aof"):
			incr = e.Name()
		}
	}
	require.NotEmpty(t, base, "a base file in RDB format in %s", dir)
	require.NotEmpty(t, incr, "a file of the writes since, in %s", dir)
	head, err := os.ReadFile(filepath.Join(dir, base))
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(head), "REDIS"), "an RDB file starts with REDIS and its format version")
	writes, err := os.ReadFile(filepath.Join(dir, incr))
	require.NoError(t, err)
	t.Logf("%s: %s (%d bytes, RDB), %s (%d bytes)", dir, base, len(head), incr, len(writes))
}
