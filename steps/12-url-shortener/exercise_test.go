package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// exerciseLinks stores 30 links, link00 with the most clicks (3000),
// link01 with 2900, and so on down to link29 with 100.
func exerciseLinks(t *testing.T, ctx context.Context, rdb *redis.Client) {
	t.Helper()
	pipe := rdb.Pipeline()
	for i := range 30 {
		code := fmt.Sprintf("link%02d", i)
		pipe.HSet(ctx, linkKeyPrefix+code, "long_url", "https://example.com/"+code, "short_code", code)
		pipe.ZAdd(ctx, popularLinksKey, redis.Z{Score: float64(3000 - 100*i), Member: code})
	}
	if _, err := pipe.Exec(ctx); err != nil {
		t.Fatal(err)
	}
}

func topForTest(t *testing.T, ctx context.Context, rdb *redis.Client, n int) []RankedLink {
	t.Helper()
	top, err := TopLinks(ctx, rdb, n)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("TopLinks returned %q: the exercise is not done yet. Hint: the lesson's Shortener.Top (shortener/shortener.go) reads the ranking page by page", err)
	}
	if err != nil {
		t.Fatalf("TopLinks(%d) returned the error %q", n, err)
	}
	return top
}

func checkTop(t *testing.T, top []RankedLink, n int, want ...int) {
	t.Helper()
	var got []string
	for _, l := range top {
		got = append(got, l.Code)
	}
	var wantCodes []string
	for _, i := range want {
		wantCodes = append(wantCodes, fmt.Sprintf("link%02d", i))
	}
	if len(top) > 1 && top[0].Clicks < top[len(top)-1].Clicks {
		t.Fatalf("TopLinks(%d) = %v: the fewest clicks come first. ZRANGE sorts by ascending score; add REV (redis.ZRangeArgs{Rev: true}) or use ZREVRANGE", n, got)
	}
	if len(top) == len(want)+1 && len(want) == n {
		t.Fatalf("TopLinks(%d) returned %d links: %v. ZRANGE's stop index is inclusive: the first n are 0 to n-1", n, len(top), got)
	}
	if strings.Join(got, " ") != strings.Join(wantCodes, " ") {
		t.Fatalf("TopLinks(%d) = %v, want %v", n, got, wantCodes)
	}
	for _, l := range top {
		var i int
		fmt.Sscanf(l.Code, "link%02d", &i)
		if l.Clicks != int64(3000-100*i) || l.LongURL != "https://example.com/"+l.Code {
			t.Fatalf("TopLinks(%d) has %+v, want clicks %d (the score: use WITHSCORES) and long URL %q (field long_url of %s%s)", n, l, 3000-100*i, "https://example.com/"+l.Code, linkKeyPrefix, l.Code)
		}
	}
}

// checkReads fails when TopLinks read more of the ranking than a page of n
// at a time, or read the hashes one round trip each.
func checkReads(t *testing.T, trips []testkit.Trip, n int) {
	t.Helper()
	alone := 0
	for _, tr := range trips {
		for _, c := range tr.Cmds {
			if page, whole := pageSize(c); whole || page > int64(n) {
				t.Fatalf("TopLinks(%d) sent %q: it reads %s of the ranking, which can hold millions of links. Read a page of n from the top: ZRANGE key start start+n-1 REV WITHSCORES", n, argsText(c), map[bool]string{true: "all", false: strconv.FormatInt(page, 10) + " entries"}[whole])
			}
		}
		if len(tr.Cmds) == 1 && (tr.Names()[0] == "HGET" || tr.Names()[0] == "HGETALL" || tr.Names()[0] == "HMGET") {
			alone++
		}
	}
	if alone > 1 {
		t.Fatalf("TopLinks(%d) read the links' hashes in %d separate round trips: one per link, n+1 round trips in all. Queue the HGETs of a page in rdb.Pipelined and send them together", n, alone)
	}
}

// pageSize says how many ranking entries a command asks for (whole when
// it asks for all of them).
func pageSize(c redis.Cmder) (page int64, whole bool) {
	args := c.Args()
	name := strings.ToUpper(c.Name())
	switch name {
	case "ZSCAN":
		return 0, true
	case "ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE":
	default:
		return 0, false
	}
	for i, a := range args {
		if s, ok := a.(string); ok && strings.EqualFold(s, "LIMIT") && i+2 < len(args) {
			n, _ := strconv.ParseInt(fmt.Sprint(args[i+2]), 10, 64)
			if n < 0 {
				return 0, true
			}
			return n, false
		}
	}
	if name == "ZRANGEBYSCORE" || name == "ZREVRANGEBYSCORE" {
		return 0, true
	}
	for _, a := range args[4:] {
		if s, ok := a.(string); ok && (strings.EqualFold(s, "BYSCORE") || strings.EqualFold(s, "BYLEX")) {
			return 0, true
		}
	}
	start, err1 := strconv.ParseInt(fmt.Sprint(args[2]), 10, 64)
	stop, err2 := strconv.ParseInt(fmt.Sprint(args[3]), 10, 64)
	if err1 != nil || err2 != nil || stop < 0 || start < 0 {
		return 0, true
	}
	return stop - start + 1, false
}

// The top n, most clicks first, a page at a time, the hashes in one round
// trip.
func TestExerciseTopLinks(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	exerciseLinks(t, ctx, rdb)
	rec := testkit.Record(rdb)
	top := topForTest(t, ctx, rdb, 5)
	checkTop(t, top, 5, 0, 1, 2, 3, 4)
	checkReads(t, rec.Sent(), 5)
	top = topForTest(t, ctx, rdb, 1)
	checkTop(t, top, 1, 0)
	checkReads(t, rec.Sent(), 1)
}

// Expired links are skipped and the list is filled up from below.
func TestExerciseTopLinksSkipsExpiredLinks(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	exerciseLinks(t, ctx, rdb)
	// Links 1, 3 and 4 expired: their hashes are gone, their scores stay.
	if err := rdb.Del(ctx, linkKeyPrefix+"link01", linkKeyPrefix+"link03", linkKeyPrefix+"link04").Err(); err != nil {
		t.Fatal(err)
	}
	rec := testkit.Record(rdb)
	top := topForTest(t, ctx, rdb, 5)
	for _, l := range top {
		if l.LongURL == "" {
			t.Fatalf("TopLinks(5) returned %s with no long URL: its hash is gone (the link expired), so HGET answered redis.Nil. Skip such codes", l.Code)
		}
	}
	if len(top) < 5 {
		t.Fatalf("TopLinks(5) returned %d links when 27 still exist: after skipping expired ones, read the next page of the ranking until there are n (or the ranking ends)", len(top))
	}
	checkTop(t, top, 5, 0, 2, 5, 6, 7)
	checkReads(t, rec.Sent(), 5)

	// More asked for than there are: every live link, and the loop ends.
	done := make(chan []RankedLink, 1)
	go func() {
		top, _ := TopLinks(ctx, rdb, 50)
		done <- top
	}()
	select {
	case top = <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("TopLinks(50) with 27 live links had not returned after 30 s: stop when a page of the ranking comes back empty")
	}
	if len(top) != 27 {
		t.Fatalf("TopLinks(50) with 27 live links returned %d", len(top))
	}
}

// n below 1 is refused.
func TestExerciseTopLinksRefusesABadN(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	exerciseLinks(t, ctx, rdb)
	for _, n := range []int{0, -1} {
		top, err := TopLinks(ctx, rdb, n)
		if err != nil && strings.Contains(err.Error(), "not done yet") {
			t.Fatalf("TopLinks returned %q: the exercise is not done yet", err)
		}
		if err == nil {
			t.Fatalf("TopLinks(%d) returned %d links and no error: ZRANGE 0 %d means \"up to the end\" for a negative stop, so a bad n would read the whole ranking. Refuse n below 1", n, len(top), n-1)
		}
	}
}

// argsText is a command as redis-cli would show it.
func argsText(c redis.Cmder) string {
	var parts []string
	for _, a := range c.Args() {
		parts = append(parts, fmt.Sprint(a))
	}
	return strings.Join(parts, " ")
}
