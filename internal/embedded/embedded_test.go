package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/features"
)

// start runs a fresh embedded server and returns it with a client.
func start(t testing.TB, opts ...embedded.Option) (*embedded.Server, *redis.Client) {
	t.Helper()
	s, err := embedded.Start("", opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: passwordOf(opts)})
	t.Cleanup(func() { rdb.Close() })
	return s, rdb
}

func passwordOf(opts []embedded.Option) string {
	if len(opts) > 0 {
		return "secret"
	}
	return ""
}

// ctxT ends with the test, or after 5 s: a hang is a failure, not a stuck CI.
func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must[T any](t testing.TB) func(v T, err error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func TestJSONKeysAreKeys(t *testing.T) {
	s, rdb := start(t)
	ctx := ctxT(t)
	mustS := must[string](t)
	mustI := must[int64](t)

	mustS(rdb.Do(ctx, "JSON.SET", "user:1", "$", `{"name":"Ada","langs":["go"]}`).Text())
	mustS(rdb.Do(ctx, "JSON.SET", "user:2", "$", `{"name":"Bob"}`).Text())
	mustS(rdb.Set(ctx, "plain", "x", 0).Result())

	if n := mustI(rdb.Exists(ctx, "user:1", "user:2", "nope").Result()); n != 2 {
		t.Errorf("EXISTS = %d, want 2", n)
	}
	if n := mustI(rdb.DBSize(ctx).Result()); n != 3 {
		t.Errorf("DBSIZE = %d, want 3", n)
	}
	if typ := mustS(rdb.Type(ctx, "user:1").Result()); typ != "ReJSON-RL" {
		t.Errorf("TYPE = %q, want ReJSON-RL", typ)
	}
	keys, _, err := rdb.ScanType(ctx, 0, "*", 100, "ReJSON-RL").Result()
	if err != nil || len(keys) != 2 {
		t.Errorf("SCAN TYPE ReJSON-RL = %v, want the two JSON keys", keys)
	}
	strs, _, err := rdb.ScanType(ctx, 0, "*", 100, "string").Result()
	if err != nil || len(strs) != 1 || strs[0] != "plain" {
		t.Errorf("SCAN TYPE string = %v, %v; want [plain]", strs, err)
	}
	if err := rdb.Get(ctx, "user:1").Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGTYPE") {
		t.Errorf("GET on a JSON key: %v, want WRONGTYPE", err)
	}
	if err := rdb.Do(ctx, "JSON.GET", "plain").Err(); err == nil || err.Error() != "Existing key has wrong Redis type" {
		t.Errorf("JSON.GET on a string: %v, want RedisJSON's \"Existing key has wrong Redis type\"", err)
	}
	vals := must[[]any](t)(rdb.MGet(ctx, "plain", "user:1").Result())
	if vals[0] != "x" || vals[1] != nil {
		t.Errorf("MGET = %v, want [x <nil>]", vals)
	}

	// Expiry follows miniredis's clock.
	if !must[bool](t)(rdb.Expire(ctx, "user:1", 10*time.Second).Result()) {
		t.Fatal("EXPIRE on a JSON key returned false")
	}
	if ttl := mustI(rdb.Do(ctx, "TTL", "user:1").Int64()); ttl != 10 {
		t.Errorf("TTL = %d, want 10", ttl)
	}
	if !must[bool](t)(rdb.Persist(ctx, "user:1").Result()) {
		t.Error("PERSIST returned false")
	}
	rdb.Expire(ctx, "user:1", 10*time.Second)
	s.Miniredis().FastForward(11 * time.Second)
	if n := mustI(rdb.Exists(ctx, "user:1").Result()); n != 0 {
		t.Error("a JSON key outlived its TTL")
	}

	mustS(rdb.Rename(ctx, "user:2", "user:3").Result())
	if got := mustS(rdb.Do(ctx, "JSON.GET", "user:3", "$.name").Text()); got != `["Bob"]` {
		t.Errorf("JSON.GET after RENAME = %s", got)
	}
	if n := mustI(rdb.Del(ctx, "user:3").Result()); n != 1 {
		t.Errorf("DEL = %d", n)
	}
	mustS(rdb.Do(ctx, "JSON.SET", "user:4", "$", `{}`).Text())
	mustS(rdb.FlushDB(ctx).Result())
	if n := mustI(rdb.DBSize(ctx).Result()); n != 0 {
		t.Errorf("DBSIZE after FLUSHDB = %d", n)
	}
}

func TestJSONErrors(t *testing.T) {
	s, _ := start(t)
	// RESP2: the replies checked here are RedisJSON's RESP2 text.
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: 2})
	defer rdb.Close()
	ctx := ctxT(t)
	rdb.Do(ctx, "JSON.SET", "doc", "$", `{"s":"text","n":1}`)
	for _, c := range []struct {
		args []any
		want string
	}{
		{[]any{"JSON.SET", "doc", "$", "{a:1}"}, "key must be a string at line 1 column 2"},
		{[]any{"JSON.SET", "doc", "$", ""}, "EOF while parsing a value at line 1 column 0"},
		{[]any{"JSON.SET", "doc", "$", "[1,2"}, "EOF while parsing a list at line 1 column 4"},
		{[]any{"JSON.GET", "doc", "$.a["}, "JSON Path error"},
		{[]any{"JSON.NUMINCRBY", "doc", ".s", "1"}, "ERR Path '$.s' does not exist or does not contains a number"},
		{[]any{"JSON.NUMINCRBY", "missing", "$.n", "1"}, "ERR could not perform this operation on a key that doesn't exist"},
		{[]any{"JSON.ARRAPPEND", "doc", ".s", "1"}, "ERR Path '.s' does not exist or not an array"},
		{[]any{"JSON.ARRINSERT", "doc", "$", "0", "1"}, ""},
		{[]any{"JSON.SET", "doc"}, "ERR wrong number of arguments for 'json.set' command"},
	} {
		err := rdb.Do(ctx, c.args...).Err()
		if c.want == "" {
			continue
		}
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
	// Integers stay integers; floats are written as RedisJSON writes them.
	rdb.Do(ctx, "JSON.SET", "num", "$", `{"i":1,"f":1.5,"big":1e20}`)
	if got, _ := rdb.Do(ctx, "JSON.NUMINCRBY", "num", "$.i", "2").Text(); got != "[3]" {
		t.Errorf("NUMINCRBY int = %s", got)
	}
	if got, _ := rdb.Do(ctx, "JSON.NUMINCRBY", "num", "$.f", "1.5").Text(); got != "[3.0]" {
		t.Errorf("NUMINCRBY float = %s, want [3.0]", got)
	}
	if got, _ := rdb.Do(ctx, "JSON.GET", "num", "$.big").Text(); got != "[1e20]" {
		t.Errorf("1e20 printed as %s", got)
	}
	if got, _ := rdb.Do(ctx, "JSON.TYPE", "num", "$.*").StringSlice(); strings.Join(got, ",") != "integer,number,number" {
		t.Errorf("JSON.TYPE = %v", got)
	}
}

// The three traps of commands added to miniredis (facts.md): AUTH, MULTI and
// Lua. Each must behave as on Redis, and none may hang.

func TestAuthIsRequired(t *testing.T) {
	s, _ := start(t, embedded.WithPassword("secret"))
	ctx := ctxT(t)
	anon := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer anon.Close()
	for _, cmd := range [][]any{
		{"JSON.SET", "k", "$", "1"},
		{"JSON.GET", "k"},
		{"HGETDEL", "h", "FIELDS", "1", "a"},
		{"INFO"},
		{"CONFIG", "GET", "maxmemory"},
		{"SLOWLOG", "GET"},
		{"GET", "k"},
	} {
		err := anon.Do(ctx, cmd...).Err()
		if err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
			t.Errorf("%v without AUTH: %v, want NOAUTH", cmd, err)
		}
	}
	authed := redis.NewClient(&redis.Options{Addr: s.Addr(), Password: "secret"})
	defer authed.Close()
	if err := authed.Do(ctx, "JSON.SET", "k", "$", "1").Err(); err != nil {
		t.Errorf("JSON.SET after AUTH: %v", err)
	}
}

func TestTransactionsQueueTheNewCommands(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	var get, hget, info, typ *redis.Cmd
	cmds, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Do(ctx, "JSON.SET", "cart", "$", `{"items":[]}`)
		p.Do(ctx, "JSON.ARRAPPEND", "cart", "$.items", `"apple"`)
		get = p.Do(ctx, "JSON.GET", "cart", "$.items")
		p.Do(ctx, "HSETEX", "sess", "EX", "60", "FIELDS", "1", "user", "ada")
		hget = p.Do(ctx, "HGETEX", "sess", "PERSIST", "FIELDS", "1", "user")
		typ = p.Do(ctx, "TYPE", "cart")
		info = p.Do(ctx, "INFO", "keyspace")
		return nil
	})
	if err != nil {
		t.Fatalf("TxPipelined: %v (%d replies)", err, len(cmds))
	}
	if v, _ := get.Text(); v != `[["apple"]]` {
		t.Errorf("JSON.GET in MULTI = %q", v)
	}
	if v, _ := hget.StringSlice(); len(v) != 1 || v[0] != "ada" {
		t.Errorf("HGETEX in MULTI = %v", v)
	}
	if v, _ := typ.Text(); v != "ReJSON-RL" {
		t.Errorf("TYPE in MULTI = %q", v)
	}
	if v, _ := info.Text(); !strings.Contains(v, "db0:keys=2") {
		t.Errorf("INFO keyspace in MULTI = %q", v)
	}

	// Queued means queued: nothing runs before EXEC.
	conn := rdb.Conn()
	defer conn.Close()
	if err := conn.Do(ctx, "MULTI").Err(); err != nil {
		t.Fatal(err)
	}
	if v, _ := conn.Do(ctx, "JSON.SET", "later", "$", "1").Text(); v != "QUEUED" {
		t.Errorf("JSON.SET in MULTI answered %q, want QUEUED", v)
	}
	if n, _ := rdb.Exists(ctx, "later").Result(); n != 0 {
		t.Error("JSON.SET ran before EXEC")
	}
	// A wrong number of arguments fails the whole transaction, as in Redis.
	if err := conn.Do(ctx, "JSON.GET").Err(); err == nil {
		t.Error("JSON.GET with no key was accepted in MULTI")
	}
	err = conn.Do(ctx, "EXEC").Err()
	if err == nil || !strings.HasPrefix(err.Error(), "EXECABORT") {
		t.Errorf("EXEC after a bad command: %v, want EXECABORT", err)
	}
	if n, _ := rdb.Exists(ctx, "later").Result(); n != 0 {
		t.Error("an aborted transaction ran JSON.SET")
	}
}

func TestWatchSeesJSONWrites(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	rdb.Do(ctx, "JSON.SET", "acct", "$", `{"balance":10}`)
	err := rdb.Watch(ctx, func(tx *redis.Tx) error {
		// Another client changes the document between WATCH and EXEC.
		if err := rdb.Do(ctx, "JSON.NUMINCRBY", "acct", "$.balance", "5").Err(); err != nil {
			return err
		}
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Do(ctx, "JSON.SET", "acct", "$.balance", "0")
			return nil
		})
		return err
	}, "acct")
	if !errors.Is(err, redis.TxFailedErr) {
		t.Errorf("WATCH over a JSON write: %v, want redis.TxFailedErr", err)
	}
	if v, _ := rdb.Do(ctx, "JSON.GET", "acct", "$.balance").Text(); v != "[15]" {
		t.Errorf("balance = %s, want [15]", v)
	}
}

func TestLuaCanCallTheNewCommands(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	script := `
redis.call('JSON.SET', KEYS[1], '$', '{"n":1}')
redis.call('JSON.NUMINCRBY', KEYS[1], '$.n', 41)
redis.call('HSETEX', KEYS[2], 'EX', 60, 'FIELDS', 1, 'f', 'v')
return {redis.call('JSON.GET', KEYS[1], '$.n'), redis.call('HTTL', KEYS[2], 'FIELDS', 1, 'f')[1], redis.call('TYPE', KEYS[1])['ok']}`
	got, err := rdb.Eval(ctx, script, []string{"doc", "h"}).Slice()
	if err != nil {
		t.Fatalf("EVAL: %v", err)
	}
	if fmt.Sprint(got) != "[[42] 60 ReJSON-RL]" {
		t.Errorf("EVAL = %v", got)
	}
	// The server is still alive (no deadlock) and a JSON error reaches Lua.
	_, err = rdb.Eval(ctx, `return redis.call('JSON.GET', 'h')`, nil).Result()
	if err == nil || !strings.Contains(err.Error(), "wrong Redis type") {
		t.Errorf("EVAL of JSON.GET on a hash: %v, want RedisJSON's wrong-type error", err)
	}
	if err := rdb.Ping(ctx).Err(); err != nil {
		t.Errorf("PING after EVAL: %v", err)
	}
}

func TestHashFieldsExpire(t *testing.T) {
	s, rdb := start(t)
	ctx := ctxT(t)
	rdb.HSet(ctx, "h", "a", "1", "b", "2")
	rdb.Do(ctx, "HPEXPIRE", "h", "200", "FIELDS", "1", "a")
	rdb.Do(ctx, "HSETEX", "h", "PX", "300", "FIELDS", "1", "c", "3")
	s.Miniredis().FastForward(250 * time.Millisecond)
	if got := rdb.HKeys(ctx, "h").Val(); strings.Join(got, ",") != "b,c" && strings.Join(got, ",") != "c,b" {
		t.Errorf("fields after 250 ms: %v, want b and c", got)
	}
	if got, _ := rdb.Do(ctx, "HPTTL", "h", "FIELDS", "1", "c").Int64Slice(); len(got) != 1 || got[0] > 50 || got[0] <= 0 {
		t.Errorf("HPTTL c = %v, want about 50", got)
	}
	rdb.HDel(ctx, "h", "b")
	s.Miniredis().FastForward(100 * time.Millisecond)
	if n, _ := rdb.Exists(ctx, "h").Result(); n != 0 {
		t.Error("the hash outlived its last field")
	}
	// With the wall clock (ClockTTL), a short TTL passes in real time.
	rdb.Do(ctx, "HSETEX", "w", "PX", "100", "FIELDS", "1", "f", "v")
	time.Sleep(150 * time.Millisecond)
	if v, _ := rdb.Do(ctx, "HGETDEL", "w", "FIELDS", "1", "f").Slice(); len(v) != 1 || v[0] != nil {
		t.Errorf("HGETDEL after expiry = %v, want [nil]", v)
	}
}

func TestInfo(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	rdb.Set(ctx, "k", "v", 0)
	rdb.Get(ctx, "k")
	rdb.Get(ctx, "missing")
	rdb.Do(ctx, "JSON.GET", "missing")
	rdb.HGet(ctx, "missing", "f")
	all := rdb.Info(ctx).Val()
	for _, want := range []string{
		"# Server", "redis_version:" + embedded.Version, "workbook_embedded:1",
		"# Clients", "connected_clients:1", "maxclients:10000",
		"# Memory", "used_memory:", "used_memory_human:", "used_memory_peak_human:", "maxmemory:0", "maxmemory_policy:noeviction",
		"# Stats", "keyspace_hits:1", "keyspace_misses:3", "instantaneous_ops_per_sec:", "evicted_keys:0",
		"# Keyspace", "db0:keys=1,expires=0",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("INFO lacks %q", want)
		}
	}
	for _, arg := range []string{"all", "everything"} {
		if got := rdb.Info(ctx, arg).Val(); !strings.Contains(got, "# Server") || !strings.Contains(got, "# Keyspace") {
			t.Errorf("INFO %s lacks sections", arg)
		}
	}
	mem := rdb.Info(ctx, "memory").Val()
	if strings.Contains(mem, "# Server") || !strings.Contains(mem, "# Memory") {
		t.Errorf("INFO memory = %q", mem)
	}
	two := rdb.Info(ctx, "server", "clients").Val()
	if !strings.Contains(two, "# Server") || !strings.Contains(two, "# Clients") || strings.Contains(two, "# Memory") {
		t.Errorf("INFO server clients = %q", two)
	}
	// instantaneous_ops_per_sec counts the last second's commands.
	for i := 0; i < 50; i++ {
		rdb.Ping(ctx)
	}
	time.Sleep(120 * time.Millisecond)
	ops, _ := strconv.Atoi(features.InfoField(rdb.Info(ctx, "stats").Val(), "instantaneous_ops_per_sec"))
	if ops < 50 {
		t.Errorf("instantaneous_ops_per_sec = %d after 50 PINGs", ops)
	}
}

func TestConfig(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	got := rdb.ConfigGet(ctx, "maxmemory*").Val()
	if got["maxmemory"] != "0" || got["maxmemory-policy"] != "noeviction" {
		t.Errorf("CONFIG GET maxmemory* = %v", got)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "100mb").Err(); err != nil {
		t.Fatal(err)
	}
	if v := rdb.ConfigGet(ctx, "maxmemory").Val()["maxmemory"]; v != "104857600" {
		t.Errorf("maxmemory after SET 100mb = %s", v)
	}
	if !strings.Contains(rdb.Info(ctx, "memory").Val(), "maxmemory:104857600") {
		t.Error("INFO memory does not show the new maxmemory")
	}
	if err := rdb.ConfigSet(ctx, "maxmemory-policy", "allkeys-lru").Err(); err != nil {
		t.Error(err)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory-policy", "sometimes").Err(); err == nil {
		t.Error("a bad maxmemory-policy was accepted")
	}
	if err := rdb.ConfigSet(ctx, "no-such-setting", "1").Err(); err == nil || !strings.Contains(err.Error(), "Unknown option") {
		t.Errorf("unknown setting: %v", err)
	}
	for _, k := range []string{"maxclients", "slowlog-log-slower-than", "slowlog-max-len", "appendonly", "save", "hash-max-listpack-entries", "hash-max-listpack-value"} {
		if _, ok := rdb.ConfigGet(ctx, k).Val()[k]; !ok {
			t.Errorf("CONFIG GET %s: missing", k)
		}
	}
}

func TestObjectEncodingAndMemory(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	rdb.Set(ctx, "int", "12345", 0)
	rdb.Set(ctx, "short", "hello", 0)
	rdb.Set(ctx, "long", strings.Repeat("x", 45), 0)
	rdb.HSet(ctx, "smallhash", "a", "1")
	// Redis 8 keeps up to 512 fields (hash-max-listpack-entries) in a listpack.
	rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := 0; i < 513; i++ {
			p.HSet(ctx, "bighash", fmt.Sprint("f", i), "v")
		}
		return nil
	})
	rdb.HSet(ctx, "widehash", "a", strings.Repeat("v", 65))
	rdb.HSet(ctx, "ttlhash", "a", "1")
	rdb.Do(ctx, "HEXPIRE", "ttlhash", "100", "FIELDS", "1", "a")
	rdb.SAdd(ctx, "ints", 1, 2, 3)
	rdb.SAdd(ctx, "words", "a", "b")
	rdb.ZAdd(ctx, "z", redis.Z{Score: 1, Member: "m"})
	rdb.RPush(ctx, "l", "a")
	rdb.Do(ctx, "JSON.SET", "j", "$", "{}")
	for key, want := range map[string]string{
		"int": "int", "short": "embstr", "long": "raw", "smallhash": "listpack", "bighash": "hashtable",
		"widehash": "hashtable", "ttlhash": "listpackex", "ints": "intset", "words": "listpack",
		"z": "listpack", "l": "listpack",
	} {
		if got := rdb.ObjectEncoding(ctx, key).Val(); got != want {
			t.Errorf("OBJECT ENCODING %s = %q, want %q", key, got, want)
		}
	}
	rdb.ConfigSet(ctx, "hash-max-listpack-entries", "0")
	if got := rdb.ObjectEncoding(ctx, "smallhash").Val(); got != "hashtable" {
		t.Errorf("with hash-max-listpack-entries 0: %s", got)
	}
	// A hashtable costs more per field than a listpack, as in Redis.
	small, big := rdb.MemoryUsage(ctx, "smallhash").Val(), rdb.MemoryUsage(ctx, "bighash").Val()
	if small <= 0 || small > 200 || big < 513*30 {
		t.Errorf("MEMORY USAGE smallhash = %d, bighash = %d", small, big)
	}
	if n, err := rdb.Do(ctx, "MEMORY", "USAGE", "bighash", "SAMPLES", "5").Int64(); err != nil || n != big {
		t.Errorf("MEMORY USAGE ... SAMPLES 5 = %d, %v", n, err)
	}
	if err := rdb.Do(ctx, "MEMORY", "USAGE", "nope").Err(); !errors.Is(err, redis.Nil) {
		t.Errorf("MEMORY USAGE of a missing key: %v, want nil", err)
	}
	if n := rdb.MemoryUsage(ctx, "j").Val(); n <= 0 {
		t.Errorf("MEMORY USAGE of a JSON key = %d", n)
	}
}

func TestSlowlog(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	rdb.SlowLogReset(ctx)
	rdb.Do(ctx, "DEBUG", "SLEEP", "0.02") // 20 ms > the default 10 ms
	rdb.Get(ctx, "fast")
	logs, err := rdb.SlowLogGet(ctx, 10).Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != 1 || !strings.EqualFold(logs[0].Args[0], "debug") || logs[0].Duration < 20*time.Millisecond {
		t.Fatalf("SLOWLOG GET = %+v, want the DEBUG SLEEP", logs)
	}
	rdb.ConfigSet(ctx, "slowlog-log-slower-than", "0")
	rdb.Do(ctx, "JSON.SET", "k", "$", "1")
	if n, _ := rdb.Do(ctx, "SLOWLOG", "LEN").Int(); n < 2 {
		t.Errorf("SLOWLOG LEN = %d with a 0 µs threshold", n)
	}
	rdb.ConfigSet(ctx, "slowlog-max-len", "2")
	for i := 0; i < 5; i++ {
		rdb.Ping(ctx)
	}
	if n, _ := rdb.Do(ctx, "SLOWLOG", "LEN").Int(); n != 2 {
		t.Errorf("SLOWLOG LEN = %d with slowlog-max-len 2", n)
	}
	rdb.ConfigSet(ctx, "slowlog-log-slower-than", "-1")
	rdb.SlowLogReset(ctx)
	rdb.Ping(ctx)
	if n, _ := rdb.Do(ctx, "SLOWLOG", "LEN").Int(); n != 0 {
		t.Errorf("SLOWLOG LEN = %d after RESET with logging off", n)
	}
}

func TestClients(t *testing.T) {
	s, rdb := start(t)
	ctx := ctxT(t)
	conn := rdb.Conn()
	defer conn.Close()
	if err := conn.ClientSetName(ctx, "worker-1").Err(); err != nil {
		t.Fatal(err)
	}
	if name := conn.ClientGetName(ctx).Val(); name != "worker-1" {
		t.Errorf("CLIENT GETNAME = %q", name)
	}
	other := redis.NewClient(&redis.Options{Addr: s.Addr()})
	defer other.Close()
	other.Ping(ctx)
	list := rdb.ClientList(ctx).Val()
	lines := strings.Split(strings.TrimSpace(list), "\n")
	// conn, other, and the pool connection that ran CLIENT LIST.
	if len(lines) != 3 {
		t.Fatalf("CLIENT LIST has %d lines, want 3:\n%s", len(lines), list)
	}
	if !strings.Contains(list, "name=worker-1") || !strings.Contains(list, "addr=127.0.0.1:") || !strings.Contains(list, "laddr="+s.Addr()) {
		t.Errorf("CLIENT LIST = %s", list)
	}
	if n := features.InfoField(rdb.Info(ctx, "clients").Val(), "connected_clients"); n != "3" {
		t.Errorf("connected_clients = %s, want 3", n)
	}
	other.Close()
	deadline := time.Now().Add(2 * time.Second)
	for time.Now().Before(deadline) && features.InfoField(rdb.Info(ctx, "clients").Val(), "connected_clients") != "2" {
		time.Sleep(10 * time.Millisecond)
	}
	if n := features.InfoField(rdb.Info(ctx, "clients").Val(), "connected_clients"); n != "2" {
		t.Errorf("connected_clients after a client left = %s", n)
	}
	if id, err := conn.ClientID(ctx).Result(); err != nil || id <= 0 {
		t.Errorf("CLIENT ID = %d, %v", id, err)
	}
	if info, _ := conn.ClientInfo(ctx).Result(); info == nil || info.Name != "worker-1" {
		t.Errorf("CLIENT INFO = %+v", info)
	}
}

func TestHello(t *testing.T) {
	s, _ := start(t)
	ctx := ctxT(t)
	rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), ClientName: "from-options"})
	defer rdb.Close()
	hello, err := rdb.Do(ctx, "HELLO", "3").Result()
	if err != nil {
		t.Fatal(err)
	}
	m, _ := hello.(map[any]any)
	if m["version"] != embedded.Version || m["server"] != "redis" || m["proto"] != int64(3) {
		t.Errorf("HELLO 3 = %v", hello)
	}
	if list := rdb.ClientList(ctx).Val(); !strings.Contains(list, "name=from-options") {
		t.Errorf("go-redis's ClientName is not in CLIENT LIST:\n%s", list)
	}
	if err := rdb.Do(ctx, "HELLO", "4").Err(); err == nil || !strings.HasPrefix(err.Error(), "NOPROTO") {
		t.Errorf("HELLO 4: %v", err)
	}
	if _, err := rdb.Eval(ctx, "return redis.call('HELLO', '3')", nil).Result(); err == nil {
		t.Error("HELLO from a script was accepted")
	}
	p, _ := start(t, embedded.WithPassword("secret"))
	anon := redis.NewClient(&redis.Options{Addr: p.Addr(), Protocol: 2})
	defer anon.Close()
	if err := anon.Do(ctx, "HELLO", "3", "AUTH", "default", "wrong").Err(); err == nil || !strings.HasPrefix(err.Error(), "WRONGPASS") {
		t.Errorf("HELLO with a wrong password: %v", err)
	}
}

func TestFeatures(t *testing.T) {
	s, rdb := start(t)
	ctx := ctxT(t)
	for _, set := range []features.Set{s.Features(), must[features.Set](t)(features.Detect(ctx, rdb, "embedded"))} {
		for _, f := range []features.Feature{features.JSON, features.HashFieldTTL, features.HashFieldEx, features.Config, features.Slowlog} {
			if !set.Has(f) {
				t.Errorf("%s: lacks %s", set.Server, f)
			}
		}
		for _, f := range []features.Feature{features.Eviction, features.MaxClients, features.Persistence} {
			if set.Has(f) {
				t.Errorf("%s: claims %s, which it cannot emulate", set.Server, f)
			}
		}
	}
}

func TestCommandInfo(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	info, err := rdb.Do(ctx, "COMMAND", "INFO", "JSON.SET", "hgetdel", "get", "no.such").Slice()
	if err != nil || len(info) != 4 {
		t.Fatalf("COMMAND INFO = %v, %v", info, err)
	}
	entry := func(i int) []any { e, _ := info[i].([]any); return e }
	if e := entry(0); len(e) != 10 || e[0] != "json.set" || e[1] != int64(-4) || e[3] != int64(1) {
		t.Errorf("COMMAND INFO JSON.SET = %v", e)
	}
	if e := entry(1); len(e) < 2 || e[1] != int64(-5) {
		t.Errorf("COMMAND INFO HGETDEL = %v", e)
	}
	if e := entry(2); len(e) < 3 || fmt.Sprint(e[2]) != "[readonly]" {
		t.Errorf("COMMAND INFO GET = %v", e)
	}
	if info[3] != nil {
		t.Errorf("COMMAND INFO of an unknown command = %v", info[3])
	}
}

func TestScanPages(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	for i := 0; i < 25; i++ {
		rdb.Set(ctx, fmt.Sprintf("user:%02d", i), i, 0)
	}
	rdb.Set(ctx, "other", 1, 0)
	seen := map[string]int{}
	var cursor uint64
	calls := 0
	for {
		page, next, err := rdb.Scan(ctx, cursor, "user:*", 10).Result()
		if err != nil {
			t.Fatal(err)
		}
		calls++
		if len(page) > 10 {
			t.Errorf("a page of %d keys with COUNT 10", len(page))
		}
		for _, k := range page {
			seen[k]++
		}
		if calls == 1 {
			rdb.Del(ctx, "user:24") // a key deleted mid-walk may or may not come back
		}
		if cursor = next; cursor == 0 {
			break
		}
	}
	if calls != 3 {
		t.Errorf("26 keys, COUNT 10: %d calls, want 3", calls)
	}
	for i := 0; i < 24; i++ {
		if k := fmt.Sprintf("user:%02d", i); seen[k] != 1 {
			t.Errorf("%s returned %d times, want once", k, seen[k])
		}
	}
	if seen["other"] != 0 {
		t.Error("MATCH user:* returned other")
	}
	n := 0
	iter := rdb.Scan(ctx, 0, "", 3).Iterator()
	for iter.Next(ctx) {
		n++
	}
	if iter.Err() != nil || n != 25 {
		t.Errorf("go-redis's Iterator saw %d keys (%v), want 25", n, iter.Err())
	}
	page, next, err := rdb.Scan(ctx, 987654, "", 10).Result()
	if err != nil || next != 0 || len(page) != 0 {
		t.Errorf("an unknown cursor: %v %d %v, want an empty last page", page, next, err)
	}
}

func TestPersistenceIsRefusedClearly(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	for _, cmd := range []string{"SAVE", "BGSAVE", "BGREWRITEAOF"} {
		err := rdb.Do(ctx, cmd).Err()
		if err == nil || !strings.Contains(err.Error(), "in memory only") {
			t.Errorf("%s: %v, want a refusal that explains why", cmd, err)
		}
	}
}

func TestConcurrentClients(t *testing.T) {
	_, rdb := start(t)
	ctx := ctxT(t)
	rdb.Do(ctx, "JSON.SET", "counter", "$", `{"n":0}`)
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				rdb.Do(ctx, "JSON.NUMINCRBY", "counter", "$.n", "1")
				rdb.Get(ctx, "x")
			}
		}()
	}
	wg.Wait()
	if v, _ := rdb.Do(ctx, "JSON.GET", "counter", "$.n").Text(); v != "[400]" {
		t.Errorf("counter = %s, want [400]: JSON commands are not atomic", v)
	}
}

func BenchmarkJSONSetGet(b *testing.B) {
	_, rdb := start(b)
	ctx := context.Background()
	doc := `{"name":"Noise-cancelling Bluetooth headphones","price":99.98,"stock":25,"colors":["black","silver"],"tags":{"wireless":true}}`
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		key := "item:" + strconv.Itoa(i%100)
		if err := rdb.Do(ctx, "JSON.SET", key, "$", doc).Err(); err != nil {
			b.Fatal(err)
		}
		if err := rdb.Do(ctx, "JSON.GET", key, "$.colors[0]").Err(); err != nil {
			b.Fatal(err)
		}
	}
}
