package config

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestDefaults(t *testing.T) {
	cfg, err := Parse(env(nil))
	require.NoError(t, err)
	assert.False(t, cfg.Explicit)
	assert.Equal(t, "localhost:6379", cfg.Addr())
	assert.Equal(t, "redis://localhost:6379/0", cfg.URL())
	opts := cfg.Options()
	assert.Equal(t, "localhost:6379", opts.Addr)
	assert.Zero(t, opts.PoolSize, "0 lets go-redis pick its default")
}

func TestHostPortAndFriends(t *testing.T) {
	cfg, err := Parse(env(map[string]string{
		EnvHost: "cache.internal", EnvPort: "6380", EnvDB: "2", EnvUsername: "app", EnvPassword: "s3cret",
		EnvDialTimeout: "2s", EnvReadTimeout: "500ms", EnvWriteTimeout: "1s", EnvPoolSize: "20",
	}))
	require.NoError(t, err)
	assert.True(t, cfg.Explicit)
	opts := cfg.Options()
	assert.Equal(t, "cache.internal:6380", opts.Addr)
	assert.Equal(t, 2, opts.DB)
	assert.Equal(t, "app", opts.Username)
	assert.Equal(t, "s3cret", opts.Password)
	assert.Equal(t, 2*time.Second, opts.DialTimeout)
	assert.Equal(t, 500*time.Millisecond, opts.ReadTimeout)
	assert.Equal(t, time.Second, opts.WriteTimeout)
	assert.Equal(t, 20, opts.PoolSize)
}

func TestURL(t *testing.T) {
	cfg, err := Parse(env(map[string]string{EnvURL: "rediss://user:p%40ss@redis.example.com:6380/4", EnvHost: "ignored"}))
	require.NoError(t, err)
	assert.Equal(t, "rediss", cfg.Scheme)
	assert.Equal(t, "redis.example.com:6380", cfg.Addr())
	assert.Equal(t, 4, cfg.DB)
	assert.Equal(t, "p@ss", cfg.Password)
	opts := cfg.Options()
	assert.NotNil(t, opts.TLSConfig, "rediss:// means TLS")
	assert.Equal(t, "user", opts.Username)
}

// Every bad value is refused with one line: the variable, the value and the fix.
func TestBadValuesAreExplained(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		want string
	}{
		{map[string]string{EnvPort: "abc"}, `REDIS_PORT="abc" is not valid: not a number (use a number from 1 to 65535, e.g. 6379)`},
		{map[string]string{EnvPort: "70000"}, `REDIS_PORT="70000" is not valid: out of range (use a number from 1 to 65535, e.g. 6379)`},
		{map[string]string{EnvPort: "0"}, `REDIS_PORT="0" is not valid: out of range`},
		{map[string]string{EnvDB: "-1"}, `REDIS_DB="-1" is not valid: negative (use a database number from 0 to 15, e.g. 0)`},
		{map[string]string{EnvDB: "16"}, `REDIS_DB="16" is not valid: above 15`},
		{map[string]string{EnvHost: "redis://localhost"}, `REDIS_HOST="redis://localhost" is not valid (give a host name or IP only`},
		{map[string]string{EnvURL: "localhost:6379"}, `REDIS_URL="localhost:6379" is not valid: unknown scheme "localhost" (use redis:// or rediss://`},
		{map[string]string{EnvURL: "http://localhost:6379"}, `REDIS_URL="http://localhost:6379" is not valid: unknown scheme "http"`},
		{map[string]string{EnvURL: "//localhost:6379"}, `REDIS_URL="//localhost:6379" is not valid: it has no scheme`},
		{map[string]string{EnvURL: "redis://localhost:99999/0"}, `REDIS_URL="redis://localhost:99999/0" is not valid: port 99999: out of range`},
		{map[string]string{EnvURL: "redis://localhost:6379/abc"}, `REDIS_URL="redis://localhost:6379/abc" is not valid: invalid database number: "abc"`},
		{map[string]string{EnvURL: "redis://localhost:6379/99"}, `REDIS_URL="redis://localhost:6379/99" is not valid: database 99 is out of range`},
		{map[string]string{EnvURL: "redis://%zz"}, `REDIS_URL="redis://%zz" is not valid: not a URL`},
		{map[string]string{EnvReadTimeout: "3"}, `REDIS_READ_TIMEOUT="3" is not valid: missing unit in duration (use a Go duration such as 500ms, 3s or 1m)`},
		{map[string]string{EnvDialTimeout: "-1s"}, `REDIS_DIAL_TIMEOUT="-1s" is not valid: must be more than 0`},
		{map[string]string{EnvPoolSize: "0"}, `REDIS_POOL_SIZE="0" is not valid: must be a whole number from 1 to 10000`},
	} {
		_, err := Parse(env(tc.vars))
		if assert.Error(t, err, "%v", tc.vars) {
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), "\n", "one line")
			var cfgErr *Error
			assert.ErrorAs(t, err, &cfgErr)
		}
	}
}

// The password never appears in any printed form, even in an error about
// the URL that holds it.
func TestPasswordIsNeverPrinted(t *testing.T) {
	const secret = "hunter2-secret"
	cfg, err := Parse(env(map[string]string{EnvHost: "h", EnvPassword: secret}))
	require.NoError(t, err)
	for _, s := range []string{cfg.String(), cfg.RedactedURL(), fmt.Sprint(cfg), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg)} {
		assert.NotContains(t, s, secret)
	}
	assert.Contains(t, cfg.URL(), secret, "URL is for clients and keeps it")

	for _, raw := range []string{
		"redis://:" + secret + "@h:99999/0",
		"redis://user:" + secret + "@h:6379/abc",
		"redis://:" + secret + "@%zz",
		"ftp://u:" + secret + "@h",
	} {
		_, err := Parse(env(map[string]string{EnvURL: raw}))
		require.Error(t, err, raw)
		assert.NotContains(t, err.Error(), secret, raw)
	}
}

func TestLoadReadsDotEnvWithoutOverriding(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("REDIS_HOST=from-file\nREDIS_DB=3\n"), 0o600))
	sub := filepath.Join(dir, "steps", "01")
	require.NoError(t, os.MkdirAll(sub, 0o755))
	t.Chdir(sub) // .env is found in a parent, up to go.mod
	for _, k := range []string{EnvURL, EnvHost, EnvPort, EnvDB, EnvPassword, EnvUsername, EnvPoolSize, EnvDialTimeout, EnvReadTimeout, EnvWriteTimeout} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv(EnvDB, "5")

	cfg, err := Load()
	require.NoError(t, err)
	assert.Equal(t, "from-file", cfg.Host)
	assert.Equal(t, 5, cfg.DB, "the environment wins over .env")
	assert.Contains(t, cfg.Source, ".env")
}

func TestLoadExplainsABrokenDotEnv(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".env"), []byte("REDIS_HOST='unterminated\n"), 0o600))
	t.Chdir(dir)
	_, err := Load()
	require.Error(t, err)
	assert.Contains(t, err.Error(), ".env")
	assert.Contains(t, err.Error(), ".env.example")
}

// FuzzParse: no input panics, an accepted config always gives options, and
// REDIS_PASSWORD never changes what an error or a printed config says (so it
// cannot leak into either: the check compares with a run whose password is
// different).
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"redis://localhost:6379/0", "rediss://u:p@h:1/15", "redis://:pw@[::1]:6379", "redis://h:0", "redis://%", "::", "redis://h/16?dial_timeout=abc", ""} {
		f.Add(seed, "6379", "0", "pw")
	}
	f.Fuzz(func(t *testing.T, rawURL, port, db, password string) {
		parse := func(pw string) (Config, error) {
			vars := map[string]string{EnvPort: port, EnvDB: db, EnvPassword: pw}
			if rawURL != "" {
				vars[EnvURL] = rawURL
			}
			return Parse(env(vars))
		}
		if password == "" {
			password = "pw" // "no password" legitimately prints differently from "a password"
		}
		cfg, err := parse(password)
		other, otherErr := parse(password + "-other")
		if err != nil {
			require.Error(t, otherErr)
			assert.Equal(t, otherErr.Error(), err.Error(), "the password changed an error message")
			return
		}
		_ = cfg.Options() // must not panic
		assert.Equal(t, other.String(), cfg.String(), "the password changed the printed config")
		assert.Equal(t, fmt.Sprintf("%#v", other), fmt.Sprintf("%#v", cfg))
	})
}
