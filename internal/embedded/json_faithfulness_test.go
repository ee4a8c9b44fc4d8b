package embedded_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// The JSON half of the proof of faithfulness: cases of JSON commands, each a
// list of commands with the reply RedisJSON (the module Redis 8 ships) gives,
// over RESP2 and over RESP3 (go-redis's default protocol).
//
// No server with JSON was at hand when these rows were written, so every
// reply comes from RedisJSON's own documentation and source, named in the
// row's source: the examples on redis.io's command pages (docs + name), the
// replies asserted by RedisJSON's tests (tests/pytest/test.py and
// test_resp3.py), go-redis's doc examples (doctests/json_tutorial_test.go,
// whose outputs are checked against a real server) and RedisJSON's command
// code (src/commands.rs, src/key_value.rs, json_path/src/json_path.rs).
// TestJSONFaithfulness runs the table against the embedded server and, when
// the package's provisioned server has JSON, against it too.

// jsonStep is one command and its reply: want over RESP2, and over RESP3
// too unless the row gives RedisJSON's RESP3 reply in want3.
type jsonStep struct {
	args  []any
	want  any
	want3 any
	has3  bool
}

func j(want any, args ...any) jsonStep { return jsonStep{args: args, want: want} }

// resp3 gives the step's reply over RESP3, where RedisJSON answers in
// another shape.
func (s jsonStep) resp3(want any) jsonStep { s.want3, s.has3 = want, true; return s }

func (s jsonStep) wantFor(proto int) any {
	if proto == 3 && s.has3 {
		return s.want3
	}
	return s.want
}

type jsonCase struct {
	name   string
	source string // where the expected replies come from
	steps  []jsonStep
}

const (
	rjSource  = "RedisJSON src/commands.rs "
	rjKV      = "RedisJSON src/key_value.rs "
	rjPath    = "RedisJSON json_path/src/grammar.pest and json_path.rs"
	rjResp3   = "RedisJSON tests/pytest/test_resp3.py"
	goDoctest = "go-redis doctests/json_tutorial_test.go "
	rjTest    = "RedisJSON tests/pytest/test.py "
)

var jsonTable = []jsonCase{
	{name: "JSON.SET replace an existing value", source: docs + "json.set", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":2}`),
		j("OK", "JSON.SET", "doc", "$.a", "3"),
		j(`[{"a":3}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.SET add a new value", source: docs + "json.set", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":2}`),
		j("OK", "JSON.SET", "doc", "$.b", "8"),
		j(`[{"a":2,"b":8}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.SET update multi-paths", source: docs + "json.set", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"f1": {"a":1}, "f2":{"a":2}}`),
		j("OK", "JSON.SET", "doc", "$..a", "3"),
		j(`{"f1":{"a":3},"f2":{"a":3}}`, "JSON.GET", "doc"),
	}},
	{name: "JSON.SET path that does not exist", source: docs + "json.set", steps: []jsonStep{
		j("OK", "JSON.SET", "nonexistentkey", "$", "5"),
		j("5", "JSON.GET", "nonexistentkey"),
		j(errIs("ERR new objects must be created at the root"), "JSON.SET", "newkey", "$.x", "5"),
		j(nilReply, "JSON.SET", "nonexistentkey", "$.x.y", "5"),
	}},
	{name: "JSON.SET NX and XX", source: docs + "json.set", steps: []jsonStep{
		j(nilReply, "JSON.SET", "doc", "$", `{"a":1}`, "XX"),
		j("OK", "JSON.SET", "doc", "$", `{"a":1}`, "NX"),
		j(nilReply, "JSON.SET", "doc", "$.a", "2", "NX"),
		j("OK", "JSON.SET", "doc", "$.b", "2", "NX"),
		j(nilReply, "JSON.SET", "doc", "$.c", "2", "XX"),
		j(`{"a":1,"b":2}`, "JSON.GET", "doc"),
	}},
	{name: "JSON.SET an array index or a wildcard that matches nothing", source: rjKV + "find_add_paths (a missing last index: \"ERR array index out of range\"; a path that is not static: \"Err wrong static path\")", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":[1],"s":"x"}`),
		j(errIs("ERR array index out of range"), "JSON.SET", "doc", "$.a[5]", "1"),
		j(errIs("ERR array index out of range"), "JSON.SET", "doc", "$.s[0]", "1"),
		j(errIs("ERR array index out of range"), "JSON.SET", "doc", "$.nope[0]", "1"),
		j(errIs("Err wrong static path"), "JSON.SET", "doc", "$..nope", "1"),
		j("OK", "JSON.SET", "doc", "$.a[0]", "2"),
		j("OK", "JSON.SET", "doc", "$.a[-1]", "3"),
		j(`{"a":[3],"s":"x"}`, "JSON.GET", "doc"),
	}},
	{name: "JSON.GET several paths", source: docs + "json.get", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":2, "b": 3, "nested": {"a": 4, "b": null}}`),
		j("[3,null]", "JSON.GET", "doc", "$..b"),
		// RedisJSON builds this object in a hash map: key order is not kept.
		j(jsonEq(`{"$..b":[3,null],"..a":[2,4]}`), "JSON.GET", "doc", "..a", "$..b"),
	}},
	{name: "JSON.GET legacy and JSONPath reply shapes", source: docs + "json.get (Note on legacy paths); " + rjResp3 + " (JSON.GET without FORMAT answers the same text over RESP3)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":{"b":1}}`),
		j(`{"b":1}`, "JSON.GET", "doc", ".a"),
		j(`[{"b":1}]`, "JSON.GET", "doc", "$.a"),
		j("[]", "JSON.GET", "doc", "$.nope"),
		j(errIs("ERR Path '$.nope' does not exist"), "JSON.GET", "doc", ".nope"),
		j(nilReply, "JSON.GET", "missing", "$"),
	}},
	{name: "JSON.GET FORMAT over RESP3", source: rjResp3 + " test_resp3_set_get_expand_format; " + rjKV + "value_to_resp3 and to_resp3 (an array per path; EXPAND1 keeps arrays and objects as text); " + rjSource + "json_get (FORMAT before a path on RESP2 is an error, after one it is read and RESP2 answers text)", steps: []jsonStep{
		j("OK", "JSON.SET", "test_resp3", "$", `{"a1":{"b":{"c":true,"d":null}},"a2":{"b":{"c":2, "e":[1,true, {"f":null}]}}}`),
		j(errIs("ERR FORMAT argument is not supported on RESP2"), "JSON.GET", "test_resp3", "FORMAT", "EXPAND", "$").
			resp3([]any{[]any{map[any]any{"a1": map[any]any{"b": map[any]any{"c": true, "d": nil}}, "a2": map[any]any{"b": map[any]any{"c": int64(2), "e": []any{int64(1), true, map[any]any{"f": nil}}}}}}}),
		j(errIs("ERR FORMAT argument is not supported on RESP2"), "JSON.GET", "test_resp3", "FORMAT", "EXPAND", "$.a1", "$.a3", "$.a2").
			resp3([]any{[]any{map[any]any{"b": map[any]any{"c": true, "d": nil}}}, []any{}, []any{map[any]any{"b": map[any]any{"c": int64(2), "e": []any{int64(1), true, map[any]any{"f": nil}}}}}}),
		j(errIs("ERR FORMAT argument is not supported on RESP2"), "JSON.GET", "test_resp3", "FORMAT", "EXPAND1", "$..c").
			resp3([]any{[]any{true, int64(2)}}),
		j(errIs("ERR FORMAT argument is not supported on RESP2"), "JSON.GET", "test_resp3", "FORMAT", "EXPAND1", "$.a1").
			resp3([]any{[]any{`{"b":{"c":true,"d":null}}`}}),
		j(errIs("ERR FORMAT argument is not supported on RESP2"), "JSON.GET", "test_resp3", "FORMAT", "STRING", "$..b").
			resp3(`[{"c":true,"d":null},{"c":2,"e":[1,true,{"f":null}]}]`),
		j(`[{"c":true,"d":null},{"c":2,"e":[1,true,{"f":null}]}]`, "JSON.GET", "test_resp3", "$..b", "FORMAT", "EXPAND").
			resp3([]any{[]any{map[any]any{"c": true, "d": nil}, map[any]any{"c": int64(2), "e": []any{int64(1), true, map[any]any{"f": nil}}}}}),
		j(errIs("ERR FORMAT argument is not supported on RESP2"), "JSON.GET", "test_no_such_key", "FORMAT", "EXPAND", "$.a3").resp3(nilReply),
	}},
	{name: "JSON.GET keeps insertion order", source: docs + "json.get", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"z":1,"a":2,"m":{"y":1,"b":2}}`),
		j("OK", "JSON.SET", "doc", "$.c", "3"),
		j(`{"z":1,"a":2,"m":{"y":1,"b":2},"c":3}`, "JSON.GET", "doc"),
	}},
	{name: "JSON.GET INDENT NEWLINE SPACE", source: docs + "json.get", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":[1,2],"b":{}}`),
		j("{\n\t\"a\": [\n\t\t1,\n\t\t2\n\t],\n\t\"b\": {}\n}", "JSON.GET", "doc", "INDENT", "\t", "NEWLINE", "\n", "SPACE", " ", "."),
	}},
	{name: "JSONPath filters", source: "https://redis.io/docs/latest/develop/data-types/json/path/", steps: []jsonStep{
		j("OK", "JSON.SET", "store", "$", `{"inventory":{"headphones":[`+
			`{"id":12345,"name":"Noise-cancelling Bluetooth headphones","price":99.98,"wireless":true},`+
			`{"id":12346,"name":"Wireless earbuds","price":64.99,"wireless":true},`+
			`{"id":12347,"name":"Mic headset","price":35.01,"wireless":false}]}}`),
		j("[12346,12347]", "JSON.GET", "store", "$..headphones[?(@.price<70)].id"),
		j("[12346]", "JSON.GET", "store", "$..headphones[?(@.price<70&&@.wireless==true)].id"),
		j("[12345,12347]", "JSON.GET", "store", "$..headphones[?(@.price>90||@.wireless==false)].id"),
		j("[12346,12347]", "JSON.GET", "store", "$.inventory.headphones[?(@.price<=64.99)].id"),
		j("[12345]", "JSON.GET", "store", "$.inventory.headphones[?(@.price>=99.98)].id"),
		j("[12345,12346]", "JSON.GET", "store", "$.inventory.headphones[?(@.id!=12347)].id"),
		j(`["Wireless earbuds"]`, "JSON.GET", "store", `$..headphones[?(@.name=~"(?i)EAR")].name`),
		j("[12345,12346,12347]", "JSON.GET", "store", "$.inventory.headphones[*].id"),
		j("[35.01]", "JSON.GET", "store", "$.inventory.headphones[-1].price"),
	}},
	{name: "JSONPath a dot before a bracket", source: rjPath + " (element: \".\"? \"[\" bracket \"]\"); " + goDoctest + "ExampleClient_arr (JSON.DEL newbike $.[-1] answers 1)", steps: []jsonStep{
		j("OK", "JSON.SET", "newbike", "$", `["Deimos",{"crashes":0},null]`),
		j("[0]", "JSON.GET", "newbike", "$[1].crashes"),
		j(int64(1), "JSON.DEL", "newbike", "$.[-1]"),
		j(`[["Deimos",{"crashes":0}]]`, "JSON.GET", "newbike", "$"),
		j("OK", "JSON.SET", "k", "$", `{"arr":[{"k":1},{"k":2}]}`),
		j("[2]", "JSON.GET", "k", "$.arr.[1].k"),
		j("[1,2]", "JSON.GET", "k", "$.arr.[*].k"),
		j("[1]", "JSON.GET", "k", "$.arr.[?(@.k<2)].k"),
		j("[1,2]", "JSON.GET", "k", "$..[*].k"),
	}},
	{name: "JSONPath a filter refers to the root", source: rjPath + " (a filter term is @... or $...: evaluate_single_term, Rule::from_root)", steps: []jsonStep{
		j("OK", "JSON.SET", "store", "$", `{"max":15,"items":[{"name":"a","price":10},{"name":"b","price":20},{"name":"c","price":5}]}`),
		j(`["b"]`, "JSON.GET", "store", "$.items[?(@.price > $.items[0].price)].name"),
		j(`["a","c"]`, "JSON.GET", "store", "$.items[?(@.price < $.max)].name"),
		j(`[]`, "JSON.GET", "store", "$.items[?(@.price < $.nope)].name"),
	}},
	{name: "JSONPath index and slice bounds", source: rjPath + " (calc_abs_index clamps a negative index to 0; a slice stops at the end)", steps: []jsonStep{
		j("OK", "JSON.SET", "a", "$", `[1,2,3,4]`),
		j("[1]", "JSON.GET", "a", "$[-10]"),
		j("[]", "JSON.GET", "a", "$[10]"),
		j("[2,3]", "JSON.GET", "a", "$[1:3]"),
		j("[3,4]", "JSON.GET", "a", "$[-2:]"),
		j("[1,3]", "JSON.GET", "a", "$[::2]"),
		j("[1,4]", "JSON.GET", "a", "$[0,3]"),
	}},
	{name: "JSON.MGET", source: docs + "json.mget", steps: []jsonStep{
		j("OK", "JSON.SET", "doc1", "$", `{"a":1, "b": 2, "nested": {"a": 3}, "c": null}`),
		j("OK", "JSON.SET", "doc2", "$", `{"a":4, "b": 5, "nested": {"a": 6}, "c": null}`),
		j([]any{"[1,3]", "[4,6]", nil}, "JSON.MGET", "doc1", "doc2", "doc3", "$..a"),
	}},
	{name: "JSON.MSET", source: docs + "json.mset", steps: []jsonStep{
		j("OK", "JSON.MSET", "doc1", "$", `{"a":1}`, "doc2", "$", `{"f":{"a":2}}`, "doc3", "$", `{"f1":{"a":0},"f2":{"a":0}}`),
		j("OK", "JSON.MSET", "doc1", "$", `{"a":2}`, "doc2", "$.f.a", "3", "doc3", "$", `{"f1":{"a":1},"f2":{"a":2}}`),
		j(`[{"a":2}]`, "JSON.GET", "doc1", "$"),
		j(`[{"f":{"a":3}}]`, "JSON.GET", "doc2", "$"),
		j(`[{"f1":{"a":1},"f2":{"a":2}}]`, "JSON.GET", "doc3", "$"),
	}},
	{name: "JSON.MERGE", source: docs + "json.merge", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":2}`),
		j("OK", "JSON.MERGE", "doc", "$.a", "3"),
		j(`[{"a":3}]`, "JSON.GET", "doc", "$"),
		j("OK", "JSON.MERGE", "doc", "$.b", "8"),
		j(`[{"a":3,"b":8}]`, "JSON.GET", "doc", "$"),
		j("OK", "JSON.MERGE", "doc", "$", `{"a":null}`),
		j(`[{"b":8}]`, "JSON.GET", "doc", "$"),
		j("OK", "JSON.SET", "doc", "$", `{"a":[2,4,6,8]}`),
		j("OK", "JSON.MERGE", "doc", "$.a", "[10,12]"),
		j(`[{"a":[10,12]}]`, "JSON.GET", "doc", "$"),
		j("OK", "JSON.SET", "doc", "$", `{"f1": {"a":1}, "f2":{"a":2}}`),
		j("OK", "JSON.MERGE", "doc", "$", `{"f1": null, "f2":{"a":3, "b":4}, "f3":[2,4,6]}`),
		j(`[{"f2":{"a":3,"b":4},"f3":[2,4,6]}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.MERGE on a new key and under a missing parent", source: rjSource + "json_merge (a new key is set to the value as given; a path whose parent is missing finds nothing to update: nil)", steps: []jsonStep{
		j("OK", "JSON.MERGE", "new", "$", `{"a":null,"b":{"c":null}}`),
		j(`{"a":null,"b":{"c":null}}`, "JSON.GET", "new"),
		j("OK", "JSON.SET", "doc", "$", `{"a":1}`),
		j(nilReply, "JSON.MERGE", "doc", "$.x.y", "1"),
		j(`{"a":1}`, "JSON.GET", "doc"),
		j(errIs("ERR new objects must be created at the root"), "JSON.MERGE", "nokey", "$.a", "1"),
		j(int64(0), "EXISTS", "nokey"),
	}},
	{name: "JSON.DEL", source: docs + "json.del", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a": 1, "nested": {"a": 2, "b": 3}}`),
		j(int64(2), "JSON.DEL", "doc", "$..a"),
		j(`[{"nested":{"b":3}}]`, "JSON.GET", "doc", "$"),
		j(int64(1), "JSON.FORGET", "doc"),
		j(int64(0), "EXISTS", "doc"),
		j(int64(0), "JSON.DEL", "doc"),
	}},
	{name: "JSON.DEL that empties the document deletes the key", source: docs + "json.del (Note: if JSON.DEL leaves the root empty, the key is deleted); RedisJSON pull request #1336 (MOD-9117); " + rjSource + "json_del", steps: []jsonStep{
		j("OK", "JSON.SET", "k", "$", `{"a":1}`),
		j(int64(1), "JSON.DEL", "k", "$.a"),
		j(int64(0), "EXISTS", "k"),
		j("OK", "JSON.SET", "k", "$", `[1,2]`),
		j(int64(2), "JSON.DEL", "k", "$[*]"),
		j(int64(0), "EXISTS", "k"),
		j("OK", "JSON.SET", "k", "$", `{"a":{"b":1}}`),
		j(int64(1), "JSON.DEL", "k", "$.a.b"),
		j(`{"a":{}}`, "JSON.GET", "k"),
		j(int64(0), "JSON.DEL", "k", "$.nope"),
		j(int64(1), "EXISTS", "k"),
	}},
	{name: "JSON.DEL of nested matches deletes the outer one only", source: rjSource + "prepare_paths_for_updating (a path nested in another match is dropped)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":{"a":{"a":1}},"b":[1,2,3]}`),
		j(int64(1), "JSON.DEL", "doc", "$..a"),
		j(int64(2), "JSON.DEL", "doc", "$.b[0,2]"),
		j(`{"b":[2]}`, "JSON.GET", "doc"),
	}},
	{name: "JSON.TYPE", source: docs + "json.type; " + rjResp3 + " test_resp_json_type (RESP3 wraps the reply in one more array)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":2, "nested": {"a": true}, "foo": "bar"}`),
		j([]any{"string"}, "JSON.TYPE", "doc", "$..foo").resp3([]any{[]any{"string"}}),
		j([]any{"integer", "boolean"}, "JSON.TYPE", "doc", "$..a").resp3([]any{[]any{"integer", "boolean"}}),
		j([]any{}, "JSON.TYPE", "doc", "$..dummy").resp3([]any{[]any{}}),
		j("object", "JSON.TYPE", "doc").resp3([]any{"object"}),
		j("boolean", "JSON.TYPE", "doc", ".nested.a").resp3([]any{"boolean"}),
		j(nilReply, "JSON.TYPE", "doc", ".dummy").resp3([]any{nil}),
		j(nilReply, "JSON.TYPE", "missing", "$").resp3([]any{nil}),
	}},
	{name: "JSON.TYPE over RESP3 as go-redis prints it", source: goDoctest + "ExampleClient_setget (JSONType(ctx, \"bike\", \"$\") prints [[string]])", steps: []jsonStep{
		j("OK", "JSON.SET", "bike", "$", `"Hyperion"`),
		j(`["Hyperion"]`, "JSON.GET", "bike", "$"),
		j([]any{"string"}, "JSON.TYPE", "bike", "$").resp3([]any{[]any{"string"}}),
	}},
	{name: "JSON.NUMINCRBY and NUMMULTBY", source: docs + "json.numincrby, json.nummultby; " + rjSource + "json_num_op (over RESP3 every path answers an array of numbers)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", ".", `{"a":"b","b":[{"a":2}, {"a":5}, {"a":"c"}]}`),
		j("[null]", "JSON.NUMINCRBY", "doc", "$.a", "2").resp3([]any{nil}),
		j("[null,4,7,null]", "JSON.NUMINCRBY", "doc", "$..a", "2").resp3([]any{nil, int64(4), int64(7), nil}),
		j("[null,8,14,null]", "JSON.NUMMULTBY", "doc", "$..a", "2").resp3([]any{nil, int64(8), int64(14), nil}),
		j("[]", "JSON.NUMINCRBY", "doc", "$.nope", "3").resp3([]any{}),
		j(errIs("ERR Path '$.nope' does not exist or does not contains a number"), "JSON.NUMINCRBY", "doc", ".nope", "3").resp3([]any{}),
		j("9", "JSON.NUMINCRBY", "doc", ".b[0].a", "1").resp3([]any{int64(9)}),
		j(errIs("ERR Path '$.a' does not exist or does not contains a number"), "JSON.NUMINCRBY", "doc", ".a", "1").resp3([]any{nil}),
	}},
	{name: "JSON.NUMPOWBY", source: docs + "json.numpowby (example and Details: 2 raised to -1.0 is 0.5)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", ".", `{"a":"b","b":[{"a":2}, {"a":5}, {"a":"c"}]}`),
		j("[null]", "JSON.NUMPOWBY", "doc", "$.a", "2").resp3([]any{nil}),
		j("[null,4,25,null]", "JSON.NUMPOWBY", "doc", "$..a", "2").resp3([]any{nil, int64(4), int64(25), nil}),
		j("OK", "JSON.SET", "doc", "$.e", "2"),
		j("[0.5]", "JSON.NUMPOWBY", "doc", "$.e", "-1.0").resp3([]any{0.5}),
	}},
	{name: "JSON.NUMINCRBY floats over RESP3", source: rjResp3 + " test_resp_json_num_ops", steps: []jsonStep{
		j("OK", "JSON.SET", "test_resp3", "$", `{"a1":{"b":{"c":1}},"a2":{"b":{"c":2.2}},"a3":{"b":{"c":"val"}}}`),
		j("[2]", "JSON.NUMINCRBY", "test_resp3", "$.a1.b.c", "1").resp3([]any{int64(2)}),
		j("[4,4.2,null]", "JSON.NUMINCRBY", "test_resp3", "$..c", "2").resp3([]any{int64(4), 4.2, nil}),
		j(errIs("ERR could not perform this operation on a key that doesn't exist"), "JSON.NUMINCRBY", "test_no_such_key", "$.a1.b", "1"),
	}},
	{name: "JSON.STRAPPEND and STRLEN", source: docs + "json.strappend, json.strlen", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":"foo", "nested": {"a": "hello"}, "nested2": {"a": 31}}`),
		j([]any{int64(3), int64(5), nil}, "JSON.STRLEN", "doc", "$..a"),
		j([]any{int64(6), int64(8), nil}, "JSON.STRAPPEND", "doc", "$..a", `"baz"`),
		j(`[{"a":"foobaz","nested":{"a":"hellobaz"},"nested2":{"a":31}}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.ARRAPPEND ARRINSERT ARRINDEX ARRLEN", source: docs + "json.arrappend, json.arrinsert, json.arrindex, json.arrlen", steps: []jsonStep{
		j("OK", "JSON.SET", "item:1", "$", `{"name":"Noise-cancelling Bluetooth headphones","price":99.98,"stock":25,"colors":["black","silver"]}`),
		j([]any{int64(3)}, "JSON.ARRAPPEND", "item:1", "$.colors", `"blue"`),
		j([]any{int64(5)}, "JSON.ARRINSERT", "item:1", "$.colors", "2", `"yellow"`, `"gold"`),
		j(`[["black","silver","yellow","gold","blue"]]`, "JSON.GET", "item:1", "$.colors"),
		j([]any{int64(3)}, "JSON.ARRINDEX", "item:1", "$..colors", `"gold"`),
		j([]any{int64(-1)}, "JSON.ARRINDEX", "item:1", "$..colors", `"purple"`),
		j([]any{int64(5)}, "JSON.ARRLEN", "item:1", "$.colors"),
		j([]any{nil}, "JSON.ARRLEN", "item:1", "$.name"),
		j(int64(5), "JSON.ARRLEN", "item:1", ".colors"),
	}},
	{name: "JSON.ARRPOP and ARRTRIM", source: docs + "json.arrpop, json.arrtrim", steps: []jsonStep{
		j("OK", "JSON.SET", "k1", "$", `[[], ["a"], ["a", "b"]]`),
		j([]any{nil, `"a"`, `"b"`}, "JSON.ARRPOP", "k1", "$[*]"),
		j(`[[],[],["a"]]`, "JSON.GET", "k1"),
		j("OK", "JSON.SET", "k2", "$", `[[], ["a"], ["a", "b"], ["a", "b", "c"]]`),
		j([]any{int64(0), int64(1), int64(2), int64(2)}, "JSON.ARRTRIM", "k2", "$[*]", "0", "1"),
		j(`[[],["a"],["a","b"],["a","b"]]`, "JSON.GET", "k2"),
	}},
	{name: "JSON.ARRPOP keeps its strings over RESP3", source: goDoctest + "ExampleClient_arr2; " + rjSource + "json_arr_pop (FORMAT STRINGS, the default, answers as over RESP2)", steps: []jsonStep{
		j("OK", "JSON.SET", "riders", "$", `["Norem","Prickett",1]`),
		j([]any{"1"}, "JSON.ARRPOP", "riders", "$", "-1"),
		j([]any{`"Prickett"`}, "JSON.ARRPOP", "riders", "$", "-1"),
		j(`"Norem"`, "JSON.ARRPOP", "riders"),
		j([]any{nil}, "JSON.ARRPOP", "riders", "$", "-1"),
	}},
	{name: "JSON.OBJKEYS and OBJLEN", source: docs + "json.objkeys, json.objlen", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":[3], "nested": {"a": {"b":2, "c": 1}}}`),
		j([]any{nil, []any{"b", "c"}}, "JSON.OBJKEYS", "doc", "$..a"),
		j([]any{nil, int64(2)}, "JSON.OBJLEN", "doc", "$..a"),
	}},
	{name: "JSON.OBJLEN OBJKEYS ARRLEN STRLEN on a missing key or path", source: rjSource + "json_obj_len_impl, json_obj_keys_legacy, json_arr_len, json_str_len (legacy paths answer nil for a missing key)", steps: []jsonStep{
		j(errIs("ERR Path '$' does not exist or not an object"), "JSON.OBJLEN", "missing", "$"),
		j(errIs("ERR Path '$.a' does not exist or not an object"), "JSON.OBJLEN", "missing", "$.a"),
		j(nilReply, "JSON.OBJLEN", "missing"),
		j(nilReply, "JSON.OBJLEN", "missing", ".a"),
		j(errIs("ERR could not perform this operation on a key that doesn't exist"), "JSON.OBJKEYS", "missing", "$"),
		j(nilReply, "JSON.OBJKEYS", "missing"),
		j(errIs("ERR could not perform this operation on a key that doesn't exist"), "JSON.ARRLEN", "missing", "$.a"),
		j(nilReply, "JSON.ARRLEN", "missing"),
		j(nilReply, "JSON.ARRLEN", "missing", ".a"),
		j(errIs("ERR could not perform this operation on a key that doesn't exist"), "JSON.STRLEN", "missing", "$.a"),
		j(nilReply, "JSON.STRLEN", "missing", ".a"),
		j("OK", "JSON.SET", "doc", "$", `{"o":{"x":1},"arr":[1],"s":"abc"}`),
		j(nilReply, "JSON.OBJLEN", "doc", ".nope"),
		j(errIs("WRONGTYPE wrong type of path value - expected object but found array"), "JSON.OBJLEN", "doc", ".arr"),
		j(nilReply, "JSON.OBJKEYS", "doc", ".nope"),
		j(errIs("ERR Path '$.arr' does not exist or not an object"), "JSON.OBJKEYS", "doc", ".arr"),
		j(errIs("ERR Path '.nope' does not exist"), "JSON.ARRLEN", "doc", ".nope"),
		j(errIs("ERR Path '.s' does not exist or not an array"), "JSON.ARRLEN", "doc", ".s"),
		j(errIs("ERR Path '$.nope' does not exist"), "JSON.STRLEN", "doc", ".nope"),
		j(errIs("WRONGTYPE wrong type of path value - expected string but found object"), "JSON.STRLEN", "doc", ".o"),
	}},
	{name: "JSON.TOGGLE", source: docs + "json.toggle", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"bool": true}`),
		j([]any{int64(0)}, "JSON.TOGGLE", "doc", "$.bool"),
		j(`[{"bool":false}]`, "JSON.GET", "doc", "$"),
		j([]any{int64(1)}, "JSON.TOGGLE", "doc", "$.bool"),
		j(`[{"bool":true}]`, "JSON.GET", "doc", "$"),
	}},
	{name: "JSON.CLEAR", source: docs + "json.clear; " + rjSource + "json_clear (only non-empty containers and non-zero numbers are counted)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"obj":{"a":1, "b":2}, "arr":[1,2,3], "str": "foo", "bool": true, "int": 42, "float": 3.14}`),
		j(int64(4), "JSON.CLEAR", "doc", "$.*"),
		j(`[{"obj":{},"arr":[],"str":"foo","bool":true,"int":0,"float":0}]`, "JSON.GET", "doc", "$"),
		j(int64(0), "JSON.CLEAR", "doc", "$.*"),
		j(int64(1), "JSON.CLEAR", "doc"),
		j(`{}`, "JSON.GET", "doc"),
		j(int64(0), "JSON.CLEAR", "doc"),
	}},
	{name: "JSON.RESP", source: docs + "json.resp; " + rjKV + "resp_serialize (a double is a RESP3 double)", steps: []jsonStep{
		j("OK", "JSON.SET", "item", "$", `{"name":"Wireless earbuds","price":64.99,"stock":5,"colors":["black"],"on":true,"x":null}`),
		j([]any{"{", "name", "Wireless earbuds", "price", "64.99", "stock", int64(5), "colors", []any{"[", "black"}, "on", "true", "x", nil}, "JSON.RESP", "item").
			resp3([]any{"{", "name", "Wireless earbuds", "price", 64.99, "stock", int64(5), "colors", []any{"[", "black"}, "on", "true", "x", nil}),
		j([]any{"64.99"}, "JSON.RESP", "item", "$.price").resp3([]any{64.99}),
	}},
	{name: "JSON.DEL as RedisJSON's tests delete", source: rjTest + "testDelCommand, testDelCommand_issue529, testDelCommand_issue754 (a removed key's place is taken by the last key)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc2", "$", `{"a": {"a": 2, "b": 3}, "b": ["a", "b"], "nested": {"b":[true, "a","b"]}}`),
		j(int64(1), "JSON.DEL", "doc2", "$..a"),
		j(`[{"nested":{"b":[true,"a","b"]},"b":["a","b"]}]`, "JSON.GET", "doc2", "$"),
		j("OK", "JSON.SET", "doc3", "$", `[{"ciao":["non ancora"],"nested":[{"ciao":[1,"a"]}, {"ciao":[2,"a"]}, {"ciaoc":[3,"non","ciao"]}, {"ciao":[4,"a"]}, {"e":[5,"non","ciao"]}]}]`),
		j(int64(3), "JSON.DEL", "doc3", `$.[0]["nested"]..ciao`),
		j(`[[{"ciao":["non ancora"],"nested":[{},{},{"ciaoc":[3,"non","ciao"]},{},{"e":[5,"non","ciao"]}]}]]`, "JSON.GET", "doc3", "$"),
		j(int64(1), "JSON.DEL", "doc3"),
		j(nilReply, "JSON.GET", "doc3", "$"),
		j("OK", "JSON.SET", "doc2", "$", "[1, 2, 3]"),
		j(int64(3), "JSON.DEL", "doc2", "$[2,1,0]"),
		j("OK", "JSON.SET", "doc2", "$", "[1, 2, 3]"),
		j(int64(3), "JSON.DEL", "doc2", "$[1,2,0]"),
		j("OK", "JSON.SET", "doc2", "$", `{"b": [1,2,3], "a": {"b": [1, 2, 3], "c": [1, 2, 3]}, "x": {"b": [1, 2, 3], "c": [1, 2, 3]}}`),
		j(int64(3), "JSON.DEL", "doc2", "$..x.b[1,0,2]"),
		j(`[{"b":[1,2,3],"a":{"b":[1,2,3],"c":[1,2,3]},"x":{"b":[],"c":[1,2,3]}}]`, "JSON.GET", "doc2", "$"),
		j("OK", "JSON.SET", "doc2", "$", `[ true, { "answer": 42}, null ]`),
		j(int64(1), "JSON.DEL", "doc2", "[-1]"),
		j(`[[true,{"answer":42}]]`, "JSON.GET", "doc2", "$"),
		j("OK", "JSON.SET", "doc1", "$", `[{"a00": [{"a00": "a00_00"}, {"a01": "a00_01"}, {"a02": "a00_02"}, {"a03": "a00_03"}]}, {"a01": [{"a00": "a01_00"}, {"a01": "a01_01"}, {"a02": "a01_02"}, {"a03": "a01_03"}]}, {"a02": [{"a00": "a02_00"}, {"a01": "a02_01"}, {"a02": "a02_02"}, {"a03": "a02_03"}]}, {"a03": [{"a00": "a03_00"}, {"a01": "a03_01"}, {"a02": "a03_02"}, {"a03": "a03_03"}]}]`),
		j(int64(4), "JSON.DEL", "doc1", "$..[2]"),
		j([]any{int64(3), int64(3), int64(3)}, "JSON.ARRLEN", "doc1", "$.*[*]"),
		j("OK", "JSON.SET", "doc1", "$", "[[1],[1,2,3]]"),
		j(int64(2), "JSON.DEL", "doc1", "$..[0]"),
		j(`[[[2,3]]]`, "JSON.GET", "doc1", "$"),
		j("OK", "JSON.SET", "doc1", "$", `{"a":[[1],[1,2,3,[4,5,[{"a":6},7,8]]], [10,{"11":11}], ["12","13"]], "b":[[1,2],{"a":[3,4,5]}]}`),
		j(int64(8), "JSON.DEL", "doc1", "$..[0]"),
		j(jsonEq(`[{"a":[[2,3,[5,[7,8]]],[{"11":11}],["13"]],"b":[{"a":[4,5]}]}]`), "JSON.GET", "doc1", "$"),
	}},
	{name: "JSON.NUMINCRBY NUMMULTBY NUMPOWBY keep integers and floats apart", source: rjTest + "testNumByCommands (the replies checked there without json.loads, to see integer and float)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc1", "$", `{"a":"b","b":[{"a":2}, {"a":5.0}, {"a":"c"}]}`),
		j("[null,4,7.0,null]", "JSON.NUMINCRBY", "doc1", "$..a", "2").resp3([]any{nil, int64(4), 7.0, nil}),
		j("[null,6.5,9.5,null]", "JSON.NUMINCRBY", "doc1", "$..a", "2.5").resp3([]any{nil, 6.5, 9.5, nil}),
		j("[11.5]", "JSON.NUMINCRBY", "doc1", "$.b[1].a", "2").resp3([]any{11.5}),
		j("[null]", "JSON.NUMINCRBY", "doc1", "$.b[2].a", "2").resp3([]any{nil}),
		j("[15.0]", "JSON.NUMINCRBY", "doc1", "$.b[1].a", "3.5").resp3([]any{15.0}),
		j("OK", "JSON.SET", "doc1", "$", `{"a":"b","b":[{"a":2}, {"a":5.0}, {"a":"c"}]}`),
		j("[null,4,10.0,null]", "JSON.NUMMULTBY", "doc1", "$..a", "2").resp3([]any{nil, int64(4), 10.0, nil}),
		j("[null,10.0,25.0,null]", "JSON.NUMMULTBY", "doc1", "$..a", "2.5").resp3([]any{nil, 10.0, 25.0, nil}),
		j("[50.0]", "JSON.NUMMULTBY", "doc1", "$.b[1].a", "2").resp3([]any{50.0}),
		j("[150.0]", "JSON.NUMMULTBY", "doc1", "$.b[1].a", "3").resp3([]any{150.0}),
		j("OK", "JSON.SET", "doc1", "$", `{"a":"b","b":[{"a":2}, {"a":5.0}, {"a":"c"}]}`),
		j("[null,4,25.0,null]", "JSON.NUMPOWBY", "doc1", "$..a", "2").resp3([]any{nil, int64(4), 25.0, nil}),
		j("[null,16,625.0,null]", "JSON.NUMPOWBY", "doc1", "$..a", "2").resp3([]any{nil, int64(16), 625.0, nil}),
		j("[390625.0]", "JSON.NUMPOWBY", "doc1", "$.b[1].a", "2").resp3([]any{390625.0}),
		j("[5.960464477539062e16]", "JSON.NUMPOWBY", "doc1", "$.b[1].a", "3").resp3([]any{5.960464477539062e16}),
		j(errIs("ERR could not perform this operation on a key that doesn't exist"), "JSON.NUMPOWBY", "non_existing_doc", "$..a", "2"),
		j("OK", "JSON.SET", "doc1", "$", `{"a":"b","b":[{"a":2}, {"a":5.0}, {"a":"c"}]}`),
		j("5", "JSON.NUMINCRBY", "doc1", ".b[0].a", "3").resp3([]any{int64(5)}),
		j("15", "JSON.NUMMULTBY", "doc1", ".b[0].a", "3").resp3([]any{int64(15)}),
		j("225", "JSON.NUMPOWBY", "doc1", ".b[0].a", "2").resp3([]any{int64(225)}),
	}},
	{name: "JSON.ARRPOP and ARRTRIM as RedisJSON's tests run them", source: rjTest + "testArrPopCommand, testArrTrimCommand (a legacy path changes every match and answers for the last)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc1", "$", `{"a":["foo"], "nested1": {"a": ["hello", null, "world"]}, "nested2": {"a": 31}}`),
		j([]any{`"foo"`, "null", nil}, "JSON.ARRPOP", "doc1", "$..a", "1"),
		j([]any{nil, `"world"`, nil}, "JSON.ARRPOP", "doc1", "$..a", "-1"),
		j([]any{`"hello"`}, "JSON.ARRPOP", "doc1", "$.nested1.a", "-2"),
		j(`[{"a":[],"nested1":{"a":[]},"nested2":{"a":31}}]`, "JSON.GET", "doc1", "$"),
		j("OK", "JSON.SET", "doc1", "$", `{"a":["foo"], "nested1": {"a": ["hello", null, "world"]}, "nested2": {"a": 31}}`),
		j("null", "JSON.ARRPOP", "doc1", "..a", "1"),
		j(`"hello"`, "JSON.ARRPOP", "doc1", ".nested1.a", "-2"),
		j(`[{"a":[],"nested1":{"a":["world"]},"nested2":{"a":31}}]`, "JSON.GET", "doc1", "$"),
		j("OK", "JSON.SET", "doc1", "$", "[0, 1, 2]"),
		j("2", "JSON.ARRPOP", "doc1"),
		j([]any{"1"}, "JSON.ARRPOP", "doc1", "$"),
		j("0", "JSON.ARRPOP", "doc1", "."),
		j("OK", "JSON.SET", "doc1", "$", `{"a":["foo"], "nested1": {"a": ["hello", null, "world"]}, "nested2": {"a": 31}}`),
		j([]any{int64(0), int64(2), nil}, "JSON.ARRTRIM", "doc1", "$..a", "1", "-1"),
		j([]any{int64(0), int64(1), nil}, "JSON.ARRTRIM", "doc1", "$..a", "1", "1"),
		j([]any{int64(0)}, "JSON.ARRTRIM", "doc1", "$.nested1.a", "1", "0"),
		j(`[{"a":[],"nested1":{"a":[]},"nested2":{"a":31}}]`, "JSON.GET", "doc1", "$"),
		j("OK", "JSON.SET", "doc1", "$", `{"a":["foo"], "nested1": {"a": ["hello", null, "world"]}, "nested2": {"a": 31}}`),
		j(int64(2), "JSON.ARRTRIM", "doc1", "..a", "1", "-1"),
		j(int64(1), "JSON.ARRTRIM", "doc1", ".nested1.a", "1", "1"),
		j(`[{"a":[],"nested1":{"a":["world"]},"nested2":{"a":31}}]`, "JSON.GET", "doc1", "$"),
	}},
	{name: "JSON.ARRINDEX tells 3 from 3.0", source: rjTest + "testArrIndexCommand", steps: []jsonStep{
		j("OK", "JSON.SET", "test_num", ".", `[{"arr":[0,1,3.0,3,2,1,0,3]},{"nested1_found":{"arr":[5,4,3,2,1,0,1,2,3.0,2,4,5]}},{"nested2_not_found":{"arr":[2,4,6]}},{"nested3_scalar":{"arr":"3"}},[{"nested41_not_arr":{"arr_renamed":[1,2,3]}},{"nested42_empty_arr":{"arr":[]}}]]`),
		j([]any{int64(3), int64(2), int64(-1), nil, int64(-1)}, "JSON.ARRINDEX", "test_num", "$..arr", "3"),
		j([]any{int64(2), int64(8), int64(-1), nil, int64(-1)}, "JSON.ARRINDEX", "test_num", "$..arr", "3.0"),
		j(int64(3), "JSON.ARRINDEX", "test_num", ".[0].arr", "3"),
		j(int64(-1), "JSON.ARRINDEX", "test_num", ".[0].arr", "9"),
		j(errIs("ERR Path '$.[0].arr_not' does not exist"), "JSON.ARRINDEX", "test_num", ".[0].arr_not", "3"),
		j("OK", "JSON.SET", "test_string", ".", `[{"arr":["bazzz","bar",2,"baz",2,"ba","baz",3]},{"nested1_found":{"arr":[null,"baz2","buzz",2,1,0,1,"2","baz",2,4,5]}},{"nested2_not_found":{"arr":["baz2",4,6]}},{"nested3_scalar":{"arr":"3"}},[{"nested41_arr":{"arr_renamed":[1,"baz",3]}},{"nested42_empty_arr":{"arr":[]}}]]`),
		j([]any{int64(3), int64(8), int64(-1), nil, int64(-1)}, "JSON.ARRINDEX", "test_string", "$..arr", `"baz"`),
		j([]any{int64(6), int64(8), int64(-1), nil, int64(-1)}, "JSON.ARRINDEX", "test_string", "$..arr", `"baz"`, "4"),
		j([]any{int64(3), int64(8), int64(-1), nil, int64(-1)}, "JSON.ARRINDEX", "test_string", "$..arr", `"baz"`, "-5"),
		j([]any{int64(6), int64(-1), int64(-1), nil, int64(-1)}, "JSON.ARRINDEX", "test_string", "$..arr", `"baz"`, "4", "7"),
		j([]any{int64(6), int64(8), int64(-1), nil, int64(-1)}, "JSON.ARRINDEX", "test_string", "$..arr", `"baz"`, "4", "-1"),
		j([]any{int64(-1), int64(-1), int64(-1), nil, int64(-1)}, "JSON.ARRINDEX", "test_string", "$..arr", "5", "7", "-1"),
		j([]any{int64(-1), int64(11), int64(-1), nil, int64(-1)}, "JSON.ARRINDEX", "test_string", "$..arr", "5", "7", "0"),
		j([]any{int64(-1)}, "JSON.ARRINDEX", "test_string", "$.[4][1].nested42_empty_arr.arr", `{"arr":[]}`),
	}},
	{name: "JSON.CLEAR TOGGLE TYPE OBJKEYS as RedisJSON's tests run them", source: rjTest + "testClearCommand, testToggleCommand, testTypeCommand, testObjKeysCommand", steps: []jsonStep{
		j("OK", "JSON.SET", "doc1", "$", `{"nested1": {"a": {"foo": 10, "bar": 20}}, "a":["foo"], "nested2": {"a": "claro"}, "nested3": {"a": {"baz":50}}}`),
		j(int64(3), "JSON.CLEAR", "doc1", "$..a"),
		j(`[{"nested1":{"a":{}},"a":[],"nested2":{"a":"claro"},"nested3":{"a":{}}}]`, "JSON.GET", "doc1", "$"),
		j(int64(0), "JSON.CLEAR", "doc1", "$..a"),
		j(int64(1), "JSON.CLEAR", "doc1"),
		j(`[{}]`, "JSON.GET", "doc1", "$"),
		j(errIs("ERR could not perform this operation on a key that doesn't exist"), "JSON.CLEAR", "non_existing_doc", "$..a"),
		j("OK", "JSON.SET", "doc1", "$", `{"a":["foo"], "nested1": {"a": false}, "nested2": {"a": 31}, "nested3": {"a": true}}`),
		j([]any{nil, int64(1), nil, int64(0)}, "JSON.TOGGLE", "doc1", "$..a"),
		j([]any{int64(0)}, "JSON.TOGGLE", "doc1", "$.nested1.a"),
		j(errIs("ERR Path '$.a' does not exist or not a bool"), "JSON.TOGGLE", "doc1", ".a"),
		j("OK", "JSON.SET", "doc1", "$", `{"nested1":{"a":{}},"nested2":{"a":[]},"nested3":{"a":"str"}}`),
		j("object", "JSON.TYPE", "doc1", "..a").resp3([]any{"object"}),
		j([]any{"object", "array", "string"}, "JSON.TYPE", "doc1", "$..a").resp3([]any{[]any{"object", "array", "string"}}),
		j("OK", "JSON.SET", "doc1", "$", `{"nested1": {"a": {"foo": 10, "bar": 20}}, "a":["foo"], "nested2": {"a": {"baz":50}}}`),
		j([]any{nil, []any{"foo", "bar"}, []any{"baz"}}, "JSON.OBJKEYS", "doc1", "$..a"),
		j([]any{"foo", "bar"}, "JSON.OBJKEYS", "doc1", ".*.a"),
		j([]any{}, "JSON.OBJKEYS", "doc1", "$.nowhere"),
		j([]any{"nested1", "a", "nested2"}, "JSON.OBJKEYS", "doc1"),
		j(int64(2), "JSON.OBJLEN", "doc1", ".*.a"),
		j([]any{}, "JSON.OBJLEN", "doc1", "$.nowhere"),
	}},
	{name: "JSON.MGET as RedisJSON's tests run it", source: rjTest + "testMGetCommand (a key of another type and a missing key answer nil)", steps: []jsonStep{
		j("OK", "JSON.SET", "{doc}:1", "$", `{"a":1, "b": 2, "nested1": {"a": 3}, "c": null, "nested2": {"a": null}}`),
		j("OK", "JSON.SET", "{doc}:2", "$", `{"a":4, "b": 5, "nested3": {"a": 6}, "c": null, "nested4": {"a": [null]}}`),
		j("OK", "SET", "{doc}:wrong_key_type", "not a json key"),
		j([]any{"[1,3,null]", nil, "[4,6,[null]]"}, "JSON.MGET", "{doc}:1", "{doc}:wrong_key_type", "{doc}:2", "$..a"),
		j([]any{"[3]", "[]", nil, nil}, "JSON.MGET", "{doc}:1", "{doc}:2", "{doc}:wrong_key_type", "{doc}:missing", "$.nested1.a"),
		j([]any{"1", nil, "4"}, "JSON.MGET", "{doc}:1", "{doc}:wrong_key_type", "{doc}:2", "..a"),
		j([]any{"3", nil, nil, nil}, "JSON.MGET", "{doc}:1", "{doc}:2", "{doc}:wrong_key_type", "{doc}:missing", ".nested1.a"),
	}},
	{name: "errors of the legacy forms", source: rjTest + "testErrorMessage (the texts it checks a part of, completed from src/commands.rs)", steps: []jsonStep{
		j("OK", "JSON.SET", "doc1", "$", `{"object":{},"array":[],"string":"str","integer":42,"number":1.2,"boolean":false,"null":null}`),
		j(int64(2), "HSET", "hash_key", "a", "1", "b", "2"),
		j([]any{nil}, "JSON.ARRAPPEND", "doc1", "$.string", `"abc"`),
		j([]any{}, "JSON.ARRAPPEND", "doc1", "$.nowhere", `"abc"`),
		j(errIs("Existing key has wrong Redis type"), "JSON.ARRAPPEND", "hash_key", "$.string", `"abc"`),
		j(errIs("ERR Path '.string' does not exist or not an array"), "JSON.ARRAPPEND", "doc1", ".string", `"abc"`),
		j(errIs("ERR Path '.nowhere' does not exist or not an array"), "JSON.ARRAPPEND", "doc1", ".nowhere", `"abc"`),
		j(errIs("ERR could not perform this operation on a key that doesn't exist"), "JSON.ARRAPPEND", "doc_none", ".string", `"abc"`),
		j([]any{nil}, "JSON.ARRPOP", "doc1", "$.string", `"abc"`),
		j(errIs("ERR Path '$.string' does not exist or not an array"), "JSON.ARRPOP", "doc1", ".string", `"abc"`),
		j(errIs("WRONGTYPE wrong type of path value - expected array but found number"), "JSON.ARRINDEX", "doc1", ".number", `"abc"`),
		j(errIs("ERR Path '$.nowhere' does not exist"), "JSON.ARRINDEX", "doc1", ".nowhere", `"abc"`),
		j(errIs("ERR Path '.number' does not exist"), "JSON.ARRINDEX", "doc_none", ".number", `"abc"`),
		j(errIs("ERR Path '$.nowhere' does not exist or not an array"), "JSON.ARRTRIM", "doc1", ".nowhere", "0", "1"),
		j(errIs("ERR Path '$.string' does not exist or not an object"), "JSON.OBJKEYS", "doc1", ".string"),
		j(errIs("WRONGTYPE wrong type of path value - expected object but found boolean"), "JSON.OBJLEN", "doc1", ".boolean"),
		j("[null]", "JSON.NUMINCRBY", "doc1", "$.string", "3").resp3([]any{nil}),
		j(errIs("ERR Path '$.string' does not exist or does not contains a number"), "JSON.NUMINCRBY", "doc1", ".string", "3").resp3([]any{nil}),
		j(errIs("ERR Path '$.number' does not exist or not a string"), "JSON.STRAPPEND", "doc1", ".number", `"abc"`),
		j(errIs("WRONGTYPE wrong type of path value - expected string but found object"), "JSON.STRLEN", "doc1", ".object"),
		j(errIs("ERR Path '$.object' does not exist or not a bool"), "JSON.TOGGLE", "doc1", ".object"),
	}},
	{name: "JSON keys are keys", source: "https://redis.io/docs/latest/develop/data-types/json/; RedisJSON tests/pytest/test.py testErrorMessage (a JSON command on another type: \"wrong Redis type\") and redis-module's verify_type (\"Existing key has wrong Redis type\")", steps: []jsonStep{
		j("OK", "JSON.SET", "doc", "$", `{"a":1}`),
		j("ReJSON-RL", "TYPE", "doc"),
		j(errIs("WRONGTYPE Operation against a key holding the wrong kind of value"), "GET", "doc"),
		j("OK", "SET", "str", "text"),
		j(errIs("Existing key has wrong Redis type"), "JSON.GET", "str"),
		j(errIs("Existing key has wrong Redis type"), "JSON.SET", "str", "$", "1"),
		j([]any{nil}, "JSON.MGET", "str", "$"),
		j(int64(1), "EXPIRE", "doc", "100"),
		j(int64(100), "TTL", "doc"),
		j("OK", "JSON.SET", "doc", "$.a", "2"),
		j(int64(100), "TTL", "doc"),
		j("OK", "RENAME", "doc", "doc2"),
		j(`{"a":2}`, "JSON.GET", "doc2"),
		j(int64(2), "DBSIZE"),
		j(int64(1), "DEL", "doc2"),
		j(int64(0), "EXISTS", "doc2"),
	}},
}

// runJSONCase runs one case's steps, over the client's protocol.
func runJSONCase(t *testing.T, ctx context.Context, rdb *redis.Client, proto int, c jsonCase) {
	t.Helper()
	for i, s := range c.steps {
		got, err := rdb.Do(ctx, s.args...).Result()
		if msg := compareReply(s.wantFor(proto), got, err); msg != "" {
			t.Errorf("step %d (RESP%d): %s\n  %s\n  (expected replies from %s)", i+1, proto, fmtArgs(s.args), msg, c.source)
		}
	}
}

func TestJSONFaithfulness(t *testing.T) {
	ctx := context.Background()
	emb, err := embedded.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer emb.Close()
	for _, proto := range []int{2, 3} {
		rdb := redis.NewClient(&redis.Options{Addr: emb.Addr(), Protocol: proto})
		defer rdb.Close()
		for _, c := range jsonTable {
			t.Run("embedded/"+protoName(proto)+"/"+c.name, func(t *testing.T) {
				if err := rdb.FlushDB(ctx).Err(); err != nil {
					t.Fatal(err)
				}
				runJSONCase(t, ctx, rdb, proto, c)
			})
		}
	}
	for _, proto := range []int{2, 3} {
		for _, c := range jsonTable {
			t.Run("provisioned/"+protoName(proto)+"/"+c.name, func(t *testing.T) {
				testkit.Require(t, features.JSON)
				rdb := testkit.ClientWith(t, func(o *redis.Options) { o.Protocol = proto })
				runJSONCase(t, testkit.Context(t), rdb, proto, c)
			})
		}
	}
}

func protoName(proto int) string {
	if proto == 3 {
		return "RESP3"
	}
	return "RESP2"
}
