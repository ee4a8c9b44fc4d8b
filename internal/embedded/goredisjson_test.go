package embedded_test

import (
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"
)

// TestGoRedisJSONAPI drives go-redis's typed JSON methods, which parse the
// replies themselves: lesson code uses them, in RESP3 (go-redis's default)
// and RESP2.
func TestGoRedisJSONAPI(t *testing.T) {
	s, _ := start(t)
	for _, proto := range []int{3, 2} {
		rdb := redis.NewClient(&redis.Options{Addr: s.Addr(), Protocol: proto})
		defer rdb.Close()
		ctx := ctxT(t)
		rdb.FlushDB(ctx)
		check := func(what string, got, want any, err error) {
			t.Helper()
			if err != nil {
				t.Errorf("RESP%d %s: %v", proto, what, err)
				return
			}
			if want != nil && fmtAny(got) != fmtAny(want) {
				t.Errorf("RESP%d %s = %v, want %v", proto, what, fmtAny(got), fmtAny(want))
			}
		}
		r1, err := rdb.JSONSet(ctx, "u", "$", map[string]any{"name": "Ada", "langs": []string{"go"}, "n": 1, "ok": true}).Result()
		check("JSONSet", r1, "OK", err)
		g, err := rdb.JSONGet(ctx, "u", "$.name").Result()
		check("JSONGet", g, `["Ada"]`, err)
		g, err = rdb.JSONGetWithArgs(ctx, "u", &redis.JSONGetArgs{Indent: " ", Newline: "\n"}, "$.langs").Result()
		check("JSONGetWithArgs", g, "[\n [\n  \"go\"\n ]\n]", err)
		a, err := rdb.JSONArrAppend(ctx, "u", "$.langs", `"rust"`).Result()
		check("JSONArrAppend", a, []int64{2}, err)
		l, err := rdb.JSONArrLen(ctx, "u", "$.langs").Result()
		check("JSONArrLen", l, []int64{2}, err)
		i, err := rdb.JSONArrIndex(ctx, "u", "$.langs", `"rust"`).Result()
		check("JSONArrIndex", i, []int64{1}, err)
		n, err := rdb.JSONNumIncrBy(ctx, "u", "$.n", 2).Result()
		check("JSONNumIncrBy", n, "[3]", err)
		// RedisJSON wraps JSON.TYPE's reply in one more array over RESP3:
		// go-redis's own doc example prints [[string]] (doctests/json_tutorial_test.go).
		ty, err := rdb.JSONType(ctx, "u", "$.name").Result()
		check("JSONType", ty, map[int]string{2: "[string]", 3: "[[string]]"}[proto], err)
		fl, err := rdb.JSONNumIncrBy(ctx, "u", "$.n", 0.5).Result()
		check("JSONNumIncrBy float", fl, "[3.5]", err)
		ok, err := rdb.JSONObjKeys(ctx, "u", "$").Result()
		check("JSONObjKeys", ok, nil, err)
		ol, err := rdb.JSONObjLen(ctx, "u", "$").Result()
		check("JSONObjLen", ol, nil, err)
		sl, err := rdb.JSONStrLen(ctx, "u", "$.name").Result()
		check("JSONStrLen", sl, nil, err)
		sa, err := rdb.JSONStrAppend(ctx, "u", "$.name", `"!"`).Result()
		check("JSONStrAppend", sa, nil, err)
		tg, err := rdb.JSONToggle(ctx, "u", "$.ok").Result()
		if err != nil || len(tg) != 1 || tg[0] == nil || *tg[0] != 0 {
			t.Errorf("RESP%d JSONToggle = %v, %v", proto, tg, err)
		}
		mg, err := rdb.JSONMerge(ctx, "u", "$", `{"extra":1}`).Result()
		check("JSONMerge", mg, "OK", err)
		ms, err := rdb.JSONMSet(ctx, "a", "$", `{"x":1}`, "b", "$", `{"x":2}`).Result()
		check("JSONMSet", ms, "OK", err)
		mget, err := rdb.JSONMGet(ctx, "$.x", "a", "b", "c").Result()
		check("JSONMGet", len(mget), 3, err)
		ap, err := rdb.JSONArrPop(ctx, "u", "$.langs", -1).Result()
		check("JSONArrPop", ap, []string{`"rust"`}, err)
		stop := 5
		at, err := rdb.JSONArrTrimWithArgs(ctx, "u", "$.langs", &redis.JSONArrTrimArgs{Start: 0, Stop: &stop}).Result()
		check("JSONArrTrim", at, []int64{1}, err)
		ai, err := rdb.JSONArrInsert(ctx, "u", "$.langs", 0, `"c"`).Result()
		check("JSONArrInsert", ai, []int64{2}, err)
		cl, err := rdb.JSONClear(ctx, "u", "$.langs").Result()
		check("JSONClear", cl, int64(1), err)
		d, err := rdb.JSONDel(ctx, "u", "$.extra").Result()
		check("JSONDel", d, int64(1), err)
		f, err := rdb.JSONForget(ctx, "u", "$.n").Result()
		check("JSONForget", f, int64(1), err)
		g, err = rdb.JSONGet(ctx, "u").Result()
		// go-redis marshalled the map with its keys sorted (extra came
		// last); removing n moved the last key, ok, into its place, as
		// RedisJSON's objects do.
		check("JSONGet all", g, `{"langs":[],"ok":false,"name":"Ada!"}`, err)
		if _, err := rdb.JSONGet(ctx, "missing").Result(); err != redis.Nil {
			t.Errorf("RESP%d JSONGet of a missing key: %v, want redis.Nil", proto, err)
		}
	}
}

func fmtAny(v any) string { return fmt.Sprint(v) }
