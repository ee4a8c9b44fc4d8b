package embedded_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// The proof of faithfulness: one table of JSON and hash-field cases, each a
// list of commands with the reply Redis gives. The replies come from the
// examples on each command's page at redis.io/docs/latest/commands/<name>
// (source), and each case says what its replies were checked against
// (checked): a real server ("Redis 8.6.3", with
// PATH=/opt/redis8/bin:$PATH WORKBOOK_REDIS=binary go test ./internal/embedded/)
// or, where no server has the feature here (JSON), only the documentation.
// Where the documentation and Redis disagree the case follows Redis and
// says so. TestFaithfulness runs the table over RESP2 and RESP3 against the
// embedded server and, in the same test, against the package's provisioned
// server when it has the feature.

// Reply kinds a step can expect, besides string, int64 and []any.
type (
	errIs      string // an error reply with exactly this text
	errPrefix  string // an error reply starting with this
	jsonEq     string // a JSON text equal to this one, whatever its object key order
	nilReplyT  struct{}
	statusOrOK struct{}
)

var nilReply = nilReplyT{}

type step struct {
	args []any
	want any
}

func do(want any, args ...any) step { return step{args: args, want: want} }

type faithCase struct {
	name   string
	source string // where the expected replies come from
	// checked is the server the replies were checked on ("Redis 8.6.3");
	// empty means only the documentation in source ("redis.io docs").
	checked string
	need    features.Feature
	steps   []step
}

const docs = "https://redis.io/docs/latest/commands/"

var faithTable = []faithCase{
	// ---- JSON ----
	{name: "JSON.SET replace an existing value", source: docs + "json.set", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":2}`),
		do("OK", "JSON.SET", "doc", "$.a", "3"),
		do(`[{"a":3}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.SET add a new value", source: docs + "json.set", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":2}`),
		do("OK", "JSON.SET", "doc", "$.b", "8"),
		do(`[{"a":2,"b":8}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.SET update multi-paths", source: docs + "json.set", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"f1": {"a":1}, "f2":{"a":2}}`),
		do("OK", "JSON.SET", "doc", "$..a", "3"),
		do(`{"f1":{"a":3},"f2":{"a":3}}`, "JSON.GET", "doc"),
	}},
	{name: "JSON.SET path that does not exist", source: docs + "json.set", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "nonexistentkey", "$", "5"),
		do("5", "JSON.GET", "nonexistentkey"),
		do(errIs("ERR new objects must be created at the root"), "JSON.SET", "newkey", "$.x", "5"),
		do(nilReply, "JSON.SET", "nonexistentkey", "$.x.y", "5"),
	}},
	{name: "JSON.SET NX and XX", source: docs + "json.set", need: features.JSON, steps: []step{
		do(nilReply, "JSON.SET", "doc", "$", `{"a":1}`, "XX"),
		do("OK", "JSON.SET", "doc", "$", `{"a":1}`, "NX"),
		do(nilReply, "JSON.SET", "doc", "$.a", "2", "NX"),
		do("OK", "JSON.SET", "doc", "$.b", "2", "NX"),
		do(nilReply, "JSON.SET", "doc", "$.c", "2", "XX"),
		do(`{"a":1,"b":2}`, "JSON.GET", "doc"),
	}},
	{name: "JSON.GET several paths", source: docs + "json.get", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":2, "b": 3, "nested": {"a": 4, "b": null}}`),
		do("[3,null]", "JSON.GET", "doc", "$..b"),
		// RedisJSON builds this object in a hash map: key order is not kept.
		do(jsonEq(`{"$..b":[3,null],"..a":[2,4]}`), "JSON.GET", "doc", "..a", "$..b"),
	}},
	{name: "JSON.GET legacy and JSONPath reply shapes", source: docs + "json.get (Note on legacy paths); RedisJSON issue #74", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":{"b":1}}`),
		do(`{"b":1}`, "JSON.GET", "doc", ".a"),
		do(`[{"b":1}]`, "JSON.GET", "doc", "$.a"),
		do("[]", "JSON.GET", "doc", "$.nope"),
		do(errIs("ERR Path '$.nope' does not exist"), "JSON.GET", "doc", ".nope"),
		do(nilReply, "JSON.GET", "missing", "$"),
	}},
	{name: "JSON.GET keeps insertion order", source: docs + "json.get", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"z":1,"a":2,"m":{"y":1,"b":2}}`),
		do("OK", "JSON.SET", "doc", "$.c", "3"),
		do(`{"z":1,"a":2,"m":{"y":1,"b":2},"c":3}`, "JSON.GET", "doc"),
	}},
	{name: "JSON.GET INDENT NEWLINE SPACE", source: docs + "json.get", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":[1,2],"b":{}}`),
		do("{\n\t\"a\": [\n\t\t1,\n\t\t2\n\t],\n\t\"b\": {}\n}", "JSON.GET", "doc", "INDENT", "\t", "NEWLINE", "\n", "SPACE", " ", "."),
	}},
	{name: "JSONPath filters", source: "https://redis.io/docs/latest/develop/data-types/json/path/", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "store", "$", `{"inventory":{"headphones":[`+
			`{"id":12345,"name":"Noise-cancelling Bluetooth headphones","price":99.98,"wireless":true},`+
			`{"id":12346,"name":"Wireless earbuds","price":64.99,"wireless":true},`+
			`{"id":12347,"name":"Mic headset","price":35.01,"wireless":false}]}}`),
		do("[12346,12347]", "JSON.GET", "store", "$..headphones[?(@.price<70)].id"),
		do("[12346]", "JSON.GET", "store", "$..headphones[?(@.price<70&&@.wireless==true)].id"),
		do("[12345,12347]", "JSON.GET", "store", "$..headphones[?(@.price>90||@.wireless==false)].id"),
		do("[12346,12347]", "JSON.GET", "store", "$.inventory.headphones[?(@.price<=64.99)].id"),
		do("[12345]", "JSON.GET", "store", "$.inventory.headphones[?(@.price>=99.98)].id"),
		do("[12345,12346]", "JSON.GET", "store", "$.inventory.headphones[?(@.id!=12347)].id"),
		do(`["Wireless earbuds"]`, "JSON.GET", "store", `$..headphones[?(@.name=~"(?i)EAR")].name`),
		do("[12345,12346,12347]", "JSON.GET", "store", "$.inventory.headphones[*].id"),
		do("[35.01]", "JSON.GET", "store", "$.inventory.headphones[-1].price"),
	}},
	{name: "JSON.MGET", source: docs + "json.mget", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc1", "$", `{"a":1, "b": 2, "nested": {"a": 3}, "c": null}`),
		do("OK", "JSON.SET", "doc2", "$", `{"a":4, "b": 5, "nested": {"a": 6}, "c": null}`),
		do([]any{"[1,3]", "[4,6]", nil}, "JSON.MGET", "doc1", "doc2", "doc3", "$..a"),
	}},
	{name: "JSON.MSET", source: docs + "json.mset", need: features.JSON, steps: []step{
		do("OK", "JSON.MSET", "doc1", "$", `{"a":1}`, "doc2", "$", `{"f":{"a":2}}`, "doc3", "$", `{"f1":{"a":0},"f2":{"a":0}}`),
		do("OK", "JSON.MSET", "doc1", "$", `{"a":2}`, "doc2", "$.f.a", "3", "doc3", "$", `{"f1":{"a":1},"f2":{"a":2}}`),
		do(`[{"a":2}]`, "JSON.GET", "doc1", "$"),
		do(`[{"f":{"a":3}}]`, "JSON.GET", "doc2", "$"),
		do(`[{"f1":{"a":1},"f2":{"a":2}}]`, "JSON.GET", "doc3", "$"),
	}},
	{name: "JSON.MERGE", source: docs + "json.merge", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":2}`),
		do("OK", "JSON.MERGE", "doc", "$.a", "3"),
		do(`[{"a":3}]`, "JSON.GET", "doc", "$"),
		do("OK", "JSON.MERGE", "doc", "$.b", "8"),
		do(`[{"a":3,"b":8}]`, "JSON.GET", "doc", "$"),
		do("OK", "JSON.MERGE", "doc", "$", `{"a":null}`),
		do(`[{"b":8}]`, "JSON.GET", "doc", "$"),
		do("OK", "JSON.SET", "doc", "$", `{"a":[2,4,6,8]}`),
		do("OK", "JSON.MERGE", "doc", "$.a", "[10,12]"),
		do(`[{"a":[10,12]}]`, "JSON.GET", "doc", "$"),
		do("OK", "JSON.SET", "doc", "$", `{"f1": {"a":1}, "f2":{"a":2}}`),
		do("OK", "JSON.MERGE", "doc", "$", `{"f1": null, "f2":{"a":3, "b":4}, "f3":[2,4,6]}`),
		do(`[{"f2":{"a":3,"b":4},"f3":[2,4,6]}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.DEL", source: docs + "json.del", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a": 1, "nested": {"a": 2, "b": 3}}`),
		do(int64(2), "JSON.DEL", "doc", "$..a"),
		do(`[{"nested":{"b":3}}]`, "JSON.GET", "doc", "$"),
		do(int64(1), "JSON.FORGET", "doc"),
		do(int64(0), "EXISTS", "doc"),
		do(int64(0), "JSON.DEL", "doc"),
	}},
	{name: "JSON.TYPE", source: docs + "json.type", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":2, "nested": {"a": true}, "foo": "bar"}`),
		do([]any{"string"}, "JSON.TYPE", "doc", "$..foo"),
		do([]any{"integer", "boolean"}, "JSON.TYPE", "doc", "$..a"),
		do([]any{}, "JSON.TYPE", "doc", "$..dummy"),
	}},
	{name: "JSON.NUMINCRBY and NUMMULTBY", source: docs + "json.numincrby, json.nummultby; RedisJSON issue #325", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", ".", `{"a":"b","b":[{"a":2}, {"a":5}, {"a":"c"}]}`),
		do("[null]", "JSON.NUMINCRBY", "doc", "$.a", "2"),
		do("[null,4,7,null]", "JSON.NUMINCRBY", "doc", "$..a", "2"),
		do("[null,8,14,null]", "JSON.NUMMULTBY", "doc", "$..a", "2"),
		do("[]", "JSON.NUMINCRBY", "doc", "$.nope", "3"),
		do(errIs("ERR Path '$.nope' does not exist or does not contains a number"), "JSON.NUMINCRBY", "doc", ".nope", "3"),
		do("9", "JSON.NUMINCRBY", "doc", ".b[0].a", "1"),
		do(errPrefix("WRONGTYPE"), "JSON.NUMINCRBY", "doc", ".a", "1"),
	}},
	{name: "JSON.STRAPPEND and STRLEN", source: docs + "json.strappend, json.strlen", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":"foo", "nested": {"a": "hello"}, "nested2": {"a": 31}}`),
		do([]any{int64(3), int64(5), nil}, "JSON.STRLEN", "doc", "$..a"),
		do([]any{int64(6), int64(8), nil}, "JSON.STRAPPEND", "doc", "$..a", `"baz"`),
		do(`[{"a":"foobaz","nested":{"a":"hellobaz"},"nested2":{"a":31}}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.ARRAPPEND ARRINSERT ARRINDEX ARRLEN", source: docs + "json.arrappend, json.arrinsert, json.arrindex, json.arrlen", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "item:1", "$", `{"name":"Noise-cancelling Bluetooth headphones","price":99.98,"stock":25,"colors":["black","silver"]}`),
		do([]any{int64(3)}, "JSON.ARRAPPEND", "item:1", "$.colors", `"blue"`),
		do([]any{int64(5)}, "JSON.ARRINSERT", "item:1", "$.colors", "2", `"yellow"`, `"gold"`),
		do(`[["black","silver","yellow","gold","blue"]]`, "JSON.GET", "item:1", "$.colors"),
		do([]any{int64(3)}, "JSON.ARRINDEX", "item:1", "$..colors", `"gold"`),
		do([]any{int64(-1)}, "JSON.ARRINDEX", "item:1", "$..colors", `"purple"`),
		do([]any{int64(5)}, "JSON.ARRLEN", "item:1", "$.colors"),
		do([]any{nil}, "JSON.ARRLEN", "item:1", "$.name"),
		do(int64(5), "JSON.ARRLEN", "item:1", ".colors"),
	}},
	{name: "JSON.ARRPOP and ARRTRIM", source: docs + "json.arrpop, json.arrtrim", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "k1", "$", `[[], ["a"], ["a", "b"]]`),
		do([]any{nil, `"a"`, `"b"`}, "JSON.ARRPOP", "k1", "$[*]"),
		do(`[[],[],["a"]]`, "JSON.GET", "k1"),
		do("OK", "JSON.SET", "k2", "$", `[[], ["a"], ["a", "b"], ["a", "b", "c"]]`),
		do([]any{int64(0), int64(1), int64(2), int64(2)}, "JSON.ARRTRIM", "k2", "$[*]", "0", "1"),
		do(`[[],["a"],["a","b"],["a","b"]]`, "JSON.GET", "k2"),
	}},
	{name: "JSON.OBJKEYS and OBJLEN", source: docs + "json.objkeys, json.objlen", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":[3], "nested": {"a": {"b":2, "c": 1}}}`),
		do([]any{nil, []any{"b", "c"}}, "JSON.OBJKEYS", "doc", "$..a"),
		do([]any{nil, int64(2)}, "JSON.OBJLEN", "doc", "$..a"),
	}},
	{name: "JSON.TOGGLE", source: docs + "json.toggle", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"bool": true}`),
		do([]any{int64(0)}, "JSON.TOGGLE", "doc", "$.bool"),
		do(`[{"bool":false}]`, "JSON.GET", "doc", "$"),
		do([]any{int64(1)}, "JSON.TOGGLE", "doc", "$.bool"),
		do(`[{"bool":true}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.CLEAR", source: docs + "json.clear", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"obj":{"a":1, "b":2}, "arr":[1,2,3], "str": "foo", "bool": true, "int": 42, "float": 3.14}`),
		do(int64(4), "JSON.CLEAR", "doc", "$.*"),
		do(`[{"obj":{},"arr":[],"str":"foo","bool":true,"int":0,"float":0}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON keys are keys", source: "https://redis.io/docs/latest/develop/data-types/json/", need: features.JSON, steps: []step{
		do("OK", "JSON.SET", "doc", "$", `{"a":1}`),
		do("ReJSON-RL", "TYPE", "doc"),
		do(errIs("WRONGTYPE Operation against a key holding the wrong kind of value"), "GET", "doc"),
		do("OK", "SET", "str", "text"),
		do(errIs("WRONGTYPE Operation against a key holding the wrong kind of value"), "JSON.GET", "str"),
		do(int64(1), "EXPIRE", "doc", "100"),
		do(int64(100), "TTL", "doc"),
		do("OK", "JSON.SET", "doc", "$.a", "2"),
		do(int64(100), "TTL", "doc"),
		do("OK", "RENAME", "doc", "doc2"),
		do(`{"a":2}`, "JSON.GET", "doc2"),
		do(int64(2), "DBSIZE"),
		do(int64(1), "DEL", "doc2"),
		do(int64(0), "EXISTS", "doc2"),
	}},

	// ---- hash-field expiration ----
	{name: "HEXPIRE and HPERSIST", source: docs + "hexpire, hpersist (HEXPIRE on a missing key: the page shows (nil), Redis 8 answers -2 per field)", checked: "Redis 8.6.3", need: features.HashFieldTTL, steps: []step{
		do([]any{int64(-2), int64(-2)}, "HEXPIRE", "no-key", "20", "NX", "FIELDS", "2", "field1", "field2"),
		do(int64(2), "HSET", "mykey", "field1", "hello", "field2", "world"),
		do([]any{int64(1), int64(1), int64(-2)}, "HEXPIRE", "mykey", "10", "FIELDS", "3", "field1", "field2", "field3"),
		do([]any{int64(0)}, "HEXPIRE", "mykey", "20", "NX", "FIELDS", "1", "field1"),
		do([]any{int64(1)}, "HEXPIRE", "mykey", "20", "GT", "FIELDS", "1", "field1"),
		do([]any{int64(0)}, "HEXPIRE", "mykey", "5", "GT", "FIELDS", "1", "field1"),
		do([]any{int64(20), int64(10)}, "HTTL", "mykey", "FIELDS", "2", "field1", "field2"),
		do([]any{int64(1), int64(-2)}, "HPERSIST", "mykey", "FIELDS", "2", "field1", "field3"),
		do([]any{int64(-1)}, "HPERSIST", "mykey", "FIELDS", "1", "field1"),
		do([]any{int64(0)}, "HEXPIRE", "mykey", "30", "XX", "FIELDS", "1", "field1"),
		do([]any{int64(1)}, "HEXPIRE", "mykey", "30", "LT", "FIELDS", "1", "field1"),
		do([]any{int64(2)}, "HEXPIRE", "mykey", "0", "FIELDS", "1", "field1"),
		do(int64(1), "HLEN", "mykey"),
	}},
	{name: "HEXPIREAT HEXPIRETIME HPEXPIRETIME", source: docs + "hexpireat, hexpiretime, hpexpiretime", checked: "Redis 8.6.3", need: features.HashFieldTTL, steps: []step{
		do(int64(2), "HSET", "mykey", "field1", "hello", "field2", "world"),
		do([]any{int64(1), int64(1)}, "HEXPIREAT", "mykey", "4102444800", "FIELDS", "2", "field1", "field2"),
		do([]any{int64(4102444800), int64(4102444800), int64(-2)}, "HEXPIRETIME", "mykey", "FIELDS", "3", "field1", "field2", "field3"),
		do([]any{int64(4102444800000)}, "HPEXPIRETIME", "mykey", "FIELDS", "1", "field1"),
		do([]any{int64(2)}, "HEXPIREAT", "mykey", "1", "FIELDS", "1", "field1"),
		do([]any{int64(-2), int64(-2)}, "HTTL", "mykey", "FIELDS", "2", "field1", "field3"),
	}},
	{name: "HPEXPIRE", source: docs + "hpexpire", checked: "Redis 8.6.3", need: features.HashFieldTTL, steps: []step{
		do(int64(2), "HSET", "mykey", "field1", "hello", "field2", "world"),
		do([]any{int64(1), int64(1)}, "HPEXPIRE", "mykey", "2000", "FIELDS", "2", "field1", "field2"),
		// HTTL rounds up: 2000 ms less a little is still "2" seconds.
		do([]any{int64(2), int64(2)}, "HTTL", "mykey", "FIELDS", "2", "field1", "field2"),
	}},
	{name: "hash-field errors", source: "Redis 8.6.3 (8.0 worded the numfields and flag errors differently)", checked: "Redis 8.6.3", need: features.HashFieldTTL, steps: []step{
		do("OK", "SET", "s", "v"),
		do(errIs("WRONGTYPE Operation against a key holding the wrong kind of value"), "HEXPIRE", "s", "10", "FIELDS", "1", "a"),
		do(int64(1), "HSET", "h", "a", "1"),
		do(errIs("ERR wrong number of arguments"), "HEXPIRE", "h", "10", "FIELDS", "2", "a"),
		do(errIs("ERR unknown argument: b"), "HEXPIRE", "h", "10", "FIELDS", "1", "a", "b"),
		do(errIs("ERR Multiple condition flags specified"), "HEXPIRE", "h", "10", "NX", "XX", "FIELDS", "1", "a"),
		do(errIs("ERR Parameter `numFields` should be greater than 0"), "HEXPIRE", "h", "10", "FIELDS", "0", "a"),
		do(errIs("ERR unknown argument: FOO"), "HEXPIRE", "h", "10", "FOO", "FIELDS", "1", "a"),
		do(errIs("ERR The `numfields` parameter must match the number of arguments"), "HTTL", "h", "FIELDS", "2", "a"),
		do(errIs("ERR Number of fields must be a positive integer"), "HPERSIST", "h", "FIELDS", "0", "a"),
		do(errIs("ERR wrong number of arguments"), "HGETEX", "h", "FIELDS", "2", "a"),
		do(errIs("ERR unknown argument: c"), "HSETEX", "h", "FIELDS", "1", "a", "b", "c"),
		do(errIs("ERR invalid number of fields"), "HSETEX", "h", "FIELDS", "0", "a", "b"),
		do(errIs("ERR invalid expire time, must be >= 0"), "HEXPIRE", "h", "-1", "FIELDS", "1", "a"),
		do(errIs("ERR wrong number of arguments for 'hexpire' command"), "HEXPIRE", "h", "10", "a"),
	}},
	{name: "HGETDEL", source: docs + "hgetdel", checked: "Redis 8.6.3", need: features.HashFieldEx, steps: []step{
		do(int64(3), "HSET", "mykey", "field1", "Hello", "field2", "World", "field3", "!"),
		do([]any{"!", nil}, "HGETDEL", "mykey", "FIELDS", "2", "field3", "field4"),
		do(int64(2), "HLEN", "mykey"),
		do([]any{"Hello", "World"}, "HGETDEL", "mykey", "FIELDS", "2", "field1", "field2"),
		do(int64(0), "EXISTS", "mykey"),
		do([]any{nil}, "HGETDEL", "mykey", "FIELDS", "1", "field1"),
	}},
	{name: "HGETEX", source: docs + "hgetex", checked: "Redis 8.6.3", need: features.HashFieldEx, steps: []step{
		do(int64(2), "HSET", "mykey", "field1", "Hello", "field2", "World"),
		do([]any{"Hello"}, "HGETEX", "mykey", "EX", "120", "FIELDS", "1", "field1"),
		do([]any{"World"}, "HGETEX", "mykey", "EX", "100", "FIELDS", "1", "field2"),
		do([]any{int64(120), int64(100), int64(-2)}, "HTTL", "mykey", "FIELDS", "3", "field1", "field2", "field3"),
		do([]any{"Hello", nil}, "HGETEX", "mykey", "PERSIST", "FIELDS", "2", "field1", "field3"),
		do([]any{int64(-1)}, "HTTL", "mykey", "FIELDS", "1", "field1"),
		do([]any{"World"}, "HGETEX", "mykey", "PX", "0", "FIELDS", "1", "field2"),
		do(int64(1), "HLEN", "mykey"),
		do(errIs("ERR invalid expire time, must be >= 0"), "HGETEX", "mykey", "EX", "-1", "FIELDS", "1", "field1"),
	}},
	{name: "HSETEX", source: docs + "hsetex (with a future EXAT instead of the page's 1740470400)", checked: "Redis 8.6.3", need: features.HashFieldEx, steps: []step{
		do(int64(1), "HSETEX", "mykey", "EXAT", "4102444800", "FIELDS", "2", "field1", "Hello", "field2", "World"),
		do([]any{int64(4102444800), int64(4102444800)}, "HEXPIRETIME", "mykey", "FIELDS", "2", "field1", "field2"),
		do(int64(0), "HSETEX", "mykey", "FNX", "EX", "60", "FIELDS", "2", "field1", "Hello", "field2", "World"),
		do(errIs("ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"), "HSETEX", "mykey", "FXX", "EX", "60", "KEEPTTL", "FIELDS", "2", "field1", "hello", "field2", "world"),
		do(int64(1), "HSETEX", "mykey", "FXX", "KEEPTTL", "FIELDS", "2", "field1", "hello", "field2", "world"),
		do([]any{int64(4102444800), int64(4102444800)}, "HEXPIRETIME", "mykey", "FIELDS", "2", "field1", "field2"),
		do([]any{"hello"}, "HMGET", "mykey", "field1"),
		do(int64(1), "HSETEX", "mykey", "FIELDS", "1", "field1", "again"),
		do([]any{int64(-1)}, "HTTL", "mykey", "FIELDS", "1", "field1"),
		do(int64(0), "HSETEX", "nokey", "FXX", "FIELDS", "1", "a", "b"),
		do(errIs("ERR Only one of FXX or FNX arguments can be specified"), "HSETEX", "mykey", "FNX", "FXX", "FIELDS", "1", "a", "b"),
	}},
	{name: "HSET clears a field's TTL", source: docs + "hexpire (Field expirations will only be cleared by ... HDEL and HSET)", checked: "Redis 8.6.3", need: features.HashFieldTTL, steps: []step{
		do(int64(1), "HSET", "h", "a", "1"),
		do([]any{int64(1)}, "HEXPIRE", "h", "100", "FIELDS", "1", "a"),
		do(int64(0), "HSET", "h", "a", "2"),
		do([]any{int64(-1)}, "HTTL", "h", "FIELDS", "1", "a"),
		do([]any{int64(1)}, "HEXPIRE", "h", "100", "FIELDS", "1", "a"),
		do(int64(1), "HDEL", "h", "a"),
		do(int64(1), "HSET", "h", "a", "3"),
		do([]any{int64(-1)}, "HTTL", "h", "FIELDS", "1", "a"),
	}},
}

// runCase runs one case's steps on a flushed database.
func runCase(t *testing.T, ctx context.Context, rdb *redis.Client, c faithCase) {
	t.Helper()
	for i, s := range c.steps {
		got, err := rdb.Do(ctx, s.args...).Result()
		if msg := compareReply(s.want, got, err); msg != "" {
			t.Errorf("step %d: %s\n  %s\n  (expected replies from %s, checked on %s)", i+1, fmtArgs(s.args), msg, c.source, c.checkedOn())
		}
	}
}

func (c faithCase) checkedOn() string {
	if c.checked == "" {
		return "redis.io docs"
	}
	return c.checked
}

func fmtArgs(args []any) string {
	var parts []string
	for _, a := range args {
		s := fmt.Sprint(a)
		if strings.ContainsAny(s, " \"{[") || s == "" {
			s = fmt.Sprintf("%q", s)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func compareReply(want, got any, err error) string {
	var rerr redis.Error
	isReplyErr := err != nil && errors.As(err, &rerr) && !errors.Is(err, redis.Nil)
	switch w := want.(type) {
	case nilReplyT:
		if errors.Is(err, redis.Nil) {
			return ""
		}
		return fmt.Sprintf("want nil, got %#v (err %v)", got, err)
	case errIs:
		if isReplyErr && err.Error() == string(w) {
			return ""
		}
		return fmt.Sprintf("want error %q, got %#v (err %v)", string(w), got, err)
	case errPrefix:
		if isReplyErr && strings.HasPrefix(err.Error(), string(w)) {
			return ""
		}
		return fmt.Sprintf("want error starting %q, got %#v (err %v)", string(w), got, err)
	}
	if err != nil {
		return fmt.Sprintf("want %#v, got error %v", want, err)
	}
	if w, ok := want.(jsonEq); ok {
		s, _ := got.(string)
		var a, b any
		if json.Unmarshal([]byte(w), &a) != nil || json.Unmarshal([]byte(s), &b) != nil || !reflect.DeepEqual(a, b) {
			return fmt.Sprintf("want JSON equal to %s, got %#v", string(w), got)
		}
		return ""
	}
	if !reflect.DeepEqual(normalise(want), normalise(got)) {
		return fmt.Sprintf("want %#v, got %#v", want, got)
	}
	return ""
}

// normalise makes replies comparable whatever the protocol (RESP3 sets come
// back as []any too).
func normalise(v any) any {
	switch t := v.(type) {
	case []any:
		out := make([]any, len(t))
		for i := range t {
			out[i] = normalise(t[i])
		}
		return out
	case int:
		return int64(t)
	}
	return v
}

// protocols are the RESP versions the table runs over: go-redis speaks
// RESP3 by default, redis-cli and older clients RESP2.
var protocols = []int{2, 3}

func TestFaithfulness(t *testing.T) {
	ctx := context.Background()
	emb, err := embedded.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	for _, proto := range protocols {
		embClient := redis.NewClient(&redis.Options{Addr: emb.Addr(), Protocol: proto})
		defer embClient.Close()
		for _, c := range faithTable {
			t.Run(fmt.Sprintf("embedded/RESP%d/%s", proto, c.name), func(t *testing.T) {
				if err := embClient.FlushDB(ctx).Err(); err != nil {
					t.Fatal(err)
				}
				runCase(t, ctx, embClient, c)
			})
		}
	}
	for _, proto := range protocols {
		for _, c := range faithTable {
			t.Run(fmt.Sprintf("provisioned/RESP%d/%s", proto, c.name), func(t *testing.T) {
				testkit.Require(t, c.need)
				rdb := testkit.ClientWith(t, func(o *redis.Options) { o.Protocol = proto })
				runCase(t, testkit.Context(t), rdb, c)
			})
		}
	}
}
