package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// exerciseNotDone tells the shipped stub's error from a real one, without
// naming the stub's variable (a finished exercise may have removed it).
func exerciseNotDone(t *testing.T, err error) {
	t.Helper()
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("ParseRedisURL returned %q: the exercise is not done yet. Hint: redis.ParseURL(raw) does the parsing; your part is the checks around it", err)
	}
}

// Good URLs become the options they describe.
func TestExerciseParseRedisURLAcceptsGoodURLs(t *testing.T) {
	for _, tc := range []struct {
		raw, addr, user, password string
		db                        int
		tls                       bool
		dial                      time.Duration
	}{
		{raw: "redis://localhost:6379/0", addr: "localhost:6379"},
		{raw: "redis://localhost", addr: "localhost:6379"},
		{raw: "redis://127.0.0.1:6380/3", addr: "127.0.0.1:6380", db: 3},
		{raw: "rediss://alice:s3cret@cache.example.com:6380/15", addr: "cache.example.com:6380", user: "alice", password: "s3cret", db: 15, tls: true},
		{raw: "redis://:s3cret@localhost:6379/2?dial_timeout=2s", addr: "localhost:6379", password: "s3cret", db: 2, dial: 2 * time.Second},
	} {
		opts, err := ParseRedisURL(tc.raw)
		exerciseNotDone(t, err)
		if err != nil {
			t.Errorf("ParseRedisURL(%q) returned the error %q, want options: this URL is fine", tc.raw, err)
			continue
		}
		if opts == nil {
			t.Errorf("ParseRedisURL(%q) returned nil options and no error: return what redis.ParseURL gave you", tc.raw)
			continue
		}
		if opts.Addr != tc.addr || opts.DB != tc.db || opts.Username != tc.user || opts.Password != tc.password {
			t.Errorf("ParseRedisURL(%q) = addr %q, db %d, user %q, password %q; want addr %q, db %d, user %q, password %q. Hint: let redis.ParseURL read the URL rather than splitting it yourself",
				tc.raw, opts.Addr, opts.DB, opts.Username, opts.Password, tc.addr, tc.db, tc.user, tc.password)
		}
		if (opts.TLSConfig != nil) != tc.tls {
			t.Errorf("ParseRedisURL(%q): TLS is %t, want %t (rediss:// means TLS; redis.ParseURL sets TLSConfig for it)", tc.raw, opts.TLSConfig != nil, tc.tls)
		}
		if tc.dial != 0 && opts.DialTimeout != tc.dial {
			t.Errorf("ParseRedisURL(%q): DialTimeout = %v, want %v (redis.ParseURL reads ?dial_timeout=)", tc.raw, opts.DialTimeout, tc.dial)
		}
	}
}

// Bad URLs are refused with an error that says what to change, and that
// never shows the password.
func TestExerciseParseRedisURLRefusesBadURLs(t *testing.T) {
	for _, tc := range []struct {
		raw, mention, why string
	}{
		{"", "redis://", "an empty REDIS_URL: say what a URL looks like"},
		{"localhost:6379", "redis://", "no scheme: url.Parse reads \"localhost\" as the scheme; say to start it with redis://"},
		{"http://:s3cret@localhost:6379/0", "redis://", "the http scheme: only redis:// and rediss:// are Redis URLs"},
		{"redis://:s3cret@localhost:99999/0", "65535", "port 99999 does not exist, and redis.ParseURL does not check ports: check 1 to 65535 yourself (net.SplitHostPort on opts.Addr, strconv.Atoi)"},
		{"redis://:s3cret@localhost:6379/16", "15", "database 16: a default Redis has databases 0 to 15, and redis.ParseURL does not check it: SELECT would fail only at the first command"},
		{"redis://:s3cret@localhost:6379/x", "database", "a database that is not a number: redis.ParseURL refuses it; return its error"},
		{"redis://:s3cret@local host:6379/0", "", "a space in the host: url.Parse refuses it"},
		{"redis://:s3cret@localhost:6379/0?dial_timeout=soon", "dial_timeout", "a duration that does not parse: redis.ParseURL refuses it; return its error"},
	} {
		opts, err := ParseRedisURL(tc.raw)
		exerciseNotDone(t, err)
		if err == nil {
			t.Errorf("ParseRedisURL(%q) = %s, nil; want an error (%s)", tc.raw, describe(opts), tc.why)
			continue
		}
		if strings.Contains(err.Error(), "s3cret") {
			t.Errorf("ParseRedisURL(%q)'s error %q shows the password: errors end up in logs. Hint: url.Parse's error quotes the whole URL (keep only its reason: errors.As to *url.Error, then .Err); print a URL with u.Redacted()", tc.raw, err)
		}
		if tc.mention != "" && !strings.Contains(err.Error(), tc.mention) {
			t.Errorf("ParseRedisURL(%q)'s error %q does not mention %q: %s", tc.raw, err, tc.mention, tc.why)
		}
	}
}

// describe shows options without their password.
func describe(opts *redis.Options) string {
	if opts == nil {
		return "<nil>"
	}
	return fmt.Sprintf("options for %s, database %d", opts.Addr, opts.DB)
}
