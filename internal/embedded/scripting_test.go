package embedded_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// Lua scripts, as Redis 8.6.3 answers them (checked with redis-cli on
// 8.6.3): replies, conversions and error texts. Run on the embedded server
// and on the provisioned one, over RESP2 and RESP3.

func scriptSHA(script string) string {
	h := sha1.Sum([]byte(script))
	return hex.EncodeToString(h[:])
}

type scriptCase struct {
	script string
	want   any // as in the faithfulness table; "%s" in an error is the SHA1
}

var scriptCases = []scriptCase{
	{"return redis.call('INCR', KEYS[1])", errIs("ERR value is not an integer or out of range script: %s, on @user_script:1.")},
	{"return redis.pcall('INCR', KEYS[1])", errIs("ERR value is not an integer or out of range")},
	{"error('boom')", errIs("ERR user_script:1: boom script: %s, on @user_script:1.")},
	{"x = 1", errIs("ERR user_script:1: Attempt to modify a readonly table script: %s, on @user_script:1.")},
	{"return x", errIs("ERR user_script:1: Script attempted to access nonexistent global variable 'x' script: %s, on @user_script:1.")},
	{"return redis.call('NOPE')", errIs("ERR Unknown Redis command called from script script: %s, on @user_script:1.")},
	{"return redis.call('MULTI')", errIs("ERR This Redis command is not allowed from script script: %s, on @user_script:1.")},
	{"return redis.call('GET')", errIs("ERR Wrong number of args calling Redis command from script script: %s, on @user_script:1.")},
	{"syntax error here", errPrefix("ERR Error compiling script (new function): user_script:1:")},
	{"error({err='CUSTOM boom'})", errPrefix("CUSTOM boom script: %s")},
	{"return {1, 2, {3, 'a'}}", []any{int64(1), int64(2), []any{int64(3), "a"}}},
	{"return 3.7", int64(3)},
	{"return false", nilReply},
	{"return redis.status_reply('FINE')", "FINE"},
	{"return redis.error_reply('MY err')", errIs("MY err")},
	{"return redis.error_reply('oops')", errIs("ERR oops")},
	{"return redis.call('GET', KEYS[1])", "abc"},
	{"return cjson.encode({1, 2})", "[1,2]"},
	{"return redis.sha1hex('')", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
}

func runScriptCases(t *testing.T, ctx context.Context, rdb *redis.Client) {
	if err := rdb.Set(ctx, "s", "abc", 0).Err(); err != nil {
		t.Fatal(err)
	}
	for _, c := range scriptCases {
		want := c.want
		switch w := want.(type) {
		case errIs:
			want = errIs(sprintfSHA(string(w), c.script))
		case errPrefix:
			want = errPrefix(sprintfSHA(string(w), c.script))
		}
		got, err := rdb.Eval(ctx, c.script, []string{"s"}).Result()
		if msg := compareReply(want, got, err); msg != "" {
			t.Errorf("EVAL %q: %s", c.script, msg)
		}
	}
}

func sprintfSHA(format, script string) string {
	var n int
	for i := 0; i+1 < len(format); i++ {
		if format[i] == '%' && format[i+1] == 's' {
			n++
		}
	}
	if n == 0 {
		return format
	}
	return fmt.Sprintf(format, scriptSHA(script))
}

func TestScripting(t *testing.T) {
	emb, err := embedded.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	for _, proto := range protocols {
		t.Run(fmt.Sprintf("embedded/RESP%d", proto), func(t *testing.T) {
			rdb := redis.NewClient(&redis.Options{Addr: emb.Addr(), Protocol: proto})
			defer rdb.Close()
			runScriptCases(t, context.Background(), rdb)
		})
		t.Run(fmt.Sprintf("provisioned/RESP%d", proto), func(t *testing.T) {
			rdb := testkit.ClientWith(t, func(o *redis.Options) { o.Protocol = proto })
			runScriptCases(t, testkit.Context(t), rdb)
		})
	}
}
