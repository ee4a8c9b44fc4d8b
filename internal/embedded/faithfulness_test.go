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
	// The JSON cases are in json_faithfulness_test.go, run over RESP2 and RESP3.

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
