package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/config"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

// inProject runs the test in a temporary project with its own go.mod and
// .env, and an environment without any REDIS_* variable, so that neither the
// learner's .env nor their shell can leak into the test.
func inProject(t *testing.T, dotenv string) {
	t.Helper()
	for _, name := range []string{config.EnvURL, config.EnvHost, config.EnvPort, config.EnvDB, config.EnvUsername,
		config.EnvPassword, config.EnvDialTimeout, config.EnvReadTimeout, config.EnvWriteTimeout, config.EnvPoolSize} {
		t.Setenv(name, "")
		os.Unsetenv(name)
	}
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example\n"), 0o644))
	if dotenv != "" {
		require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte(dotenv), 0o600))
	}
	t.Chdir(dir)
}

func TestOutput(t *testing.T) {
	rdb := testkit.Client(t) // before Chdir: the golden file is found from the package directory
	root, err := os.Getwd()
	require.NoError(t, err)
	inProject(t, "REDIS_HOST=localhost\nREDIS_PORT=6379\nREDIS_PASSWORD=s3cret-Pa55\nREDIS_POOL_SIZE=20\nREDIS_READ_TIMEOUT=2s\n")

	var out bytes.Buffer
	require.NoError(t, showSetup(testkit.Context(t), &out, rdb))
	assert.NotContains(t, out.String(), "s3cret-Pa55", "the password must never be printed")
	// The golden file hides the values (they are the learner's own), so
	// check here that the ones this test set are the ones reported.
	assert.Contains(t, out.String(), `Configuration:
  address:    localhost:6379
  database:   0
  user:       default
  password:   set (hidden)
  TLS:        false
  URL:        redis://:xxxxx@localhost:6379/0
  timeouts:   dial 5s (go-redis default), read 2s, write same as read (go-redis default)
  pool size:  20 connections
`)

	t.Chdir(root)
	testkit.AssertOutput(t, 2, out.String())
}

func TestWithoutDotEnv(t *testing.T) {
	rdb := testkit.Client(t)
	inProject(t, "")
	var out bytes.Buffer
	require.NoError(t, showSetup(testkit.Context(t), &out, rdb))
	assert.Contains(t, out.String(), "no REDIS_URL or REDIS_HOST")
	assert.Contains(t, out.String(), "address:    localhost:6379")
	assert.Contains(t, out.String(), "password:   none")
	assert.Contains(t, out.String(), "pool size:  go-redis default")
}

// The environment wins over .env: that is how CI and Docker override it.
func TestEnvironmentOverridesDotEnv(t *testing.T) {
	rdb := testkit.Client(t)
	inProject(t, "REDIS_URL=redis://from-dotenv:6379/0\n")
	t.Setenv(config.EnvURL, "redis://from-env:6380/3")
	var out bytes.Buffer
	require.NoError(t, showSetup(testkit.Context(t), &out, rdb))
	assert.Contains(t, out.String(), "address:    from-env:6380")
	assert.Contains(t, out.String(), "database:   3")
}

// A bad .env stops the step with the variable, the value and the fix, and
// prints nothing else.
func TestBadSettingIsExplained(t *testing.T) {
	rdb := testkit.Client(t)
	inProject(t, "REDIS_PORT=abc\n")
	var out bytes.Buffer
	err := showSetup(testkit.Context(t), &out, rdb)
	require.Error(t, err)
	assert.Equal(t, `REDIS_PORT="abc" is not valid: not a number (use a number from 1 to 65535, e.g. 6379)`, err.Error())
	assert.Empty(t, out.String())
}

// Every setting of .env reaches the report, each in its own line.
func TestEverySettingIsReported(t *testing.T) {
	rdb := testkit.Client(t)
	inProject(t, "REDIS_HOST=cache.internal\nREDIS_PORT=6380\nREDIS_DB=5\nREDIS_USERNAME=app\nREDIS_PASSWORD=pw\n"+
		"REDIS_POOL_SIZE=7\nREDIS_DIAL_TIMEOUT=3s\nREDIS_READ_TIMEOUT=4s\nREDIS_WRITE_TIMEOUT=6s\n")
	var out bytes.Buffer
	require.NoError(t, showSetup(testkit.Context(t), &out, rdb))
	for _, line := range []string{
		"  address:    cache.internal:6380\n",
		"  database:   5\n",
		"  user:       app\n",
		"  password:   set (hidden)\n",
		"  URL:        redis://app:xxxxx@cache.internal:6380/5\n",
		"  timeouts:   dial 3s, read 4s, write 6s\n",
		"  pool size:  7 connections\n",
	} {
		assert.Contains(t, out.String(), line)
	}
}
