package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

const exerciseBoard = "exercise:leaderboard"

// rankForTest calls the exercise and fails with a teaching message while it
// is not done.
func rankForTest(t *testing.T, ctx context.Context, rdb *redis.Client, key, player string) (int64, bool, error) {
	t.Helper()
	rank, ok, err := PlayerRank(ctx, rdb, key, player)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("PlayerRank returned %q: the exercise is not done yet. Hint: the lesson's Top 3 reads the board from the highest score down; Redis can also tell one member's position in that order", err)
	}
	return rank, ok, err
}

func fillBoard(t *testing.T, ctx context.Context, rdb *redis.Client) {
	t.Helper()
	var zs []redis.Z
	// The lesson's four players, and 200 more below them: a board worth
	// not downloading.
	for _, z := range []redis.Z{{Score: 2500, Member: "player:alice"}, {Score: 1800, Member: "player:bob"}, {Score: 3200, Member: "player:carol"}, {Score: 2100, Member: "player:dave"}} {
		zs = append(zs, z)
	}
	for i := range 200 {
		zs = append(zs, redis.Z{Score: float64(i), Member: fmt.Sprintf("player:bot%03d", i)})
	}
	if err := rdb.ZAdd(ctx, exerciseBoard, zs...).Err(); err != nil {
		t.Fatal(err)
	}
}

// Places count from the top: the highest score is place 1.
func TestExercisePlayerRank(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	fillBoard(t, ctx, rdb)
	rec := testkit.Record(rdb)
	for _, tc := range []struct {
		player string
		want   int64
	}{{"player:carol", 1}, {"player:alice", 2}, {"player:dave", 3}, {"player:bob", 4}, {"player:bot199", 5}, {"player:bot000", 204}} {
		got, ok, err := rankForTest(t, ctx, rdb, exerciseBoard, tc.player)
		switch {
		case err != nil:
			t.Fatalf("PlayerRank(%q) returned the error %q, want place %d", tc.player, err, tc.want)
		case !ok:
			t.Fatalf("PlayerRank(%q) says the player is not on the board, but they are, at place %d", tc.player, tc.want)
		case got == 205-tc.want:
			t.Fatalf("PlayerRank(%q) = %d, want %d: that is the place counted from the LOWEST score. ZRANK counts from the lowest; ZREVRANK counts from the highest", tc.player, got, tc.want)
		case got == tc.want-1:
			t.Fatalf("PlayerRank(%q) = %d, want %d: Redis ranks start at 0 for the leader; places start at 1 (add one)", tc.player, got, tc.want)
		case got != tc.want:
			t.Fatalf("PlayerRank(%q) = %d, want %d (the highest score is place 1)", tc.player, got, tc.want)
		}
	}
	for _, tr := range rec.Sent() {
		for _, name := range tr.Names() {
			switch name {
			case "ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZSCAN", "ZRANGESTORE":
				t.Fatalf("PlayerRank sent %s: it reads the board (204 members here, millions in production) to find one player. Ask for that player's rank instead: ZREVRANK key member", tr)
			}
		}
	}
}

// Not being on the board is an answer (ok false), not an error.
func TestExercisePlayerRankOfAnUnknownPlayer(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	fillBoard(t, ctx, rdb)
	for _, tc := range []struct{ key, player, what string }{
		{exerciseBoard, "player:nobody", "a player who is not on the board"},
		{"exercise:no-such-board", "player:alice", "a board that does not exist yet"},
	} {
		got, ok, err := rankForTest(t, ctx, rdb, tc.key, tc.player)
		if err != nil {
			t.Fatalf("PlayerRank for %s returned the error %q, want ok == false and no error: ZREVRANK answers nil there, which go-redis returns as redis.Nil; check errors.Is(err, redis.Nil) and return ok == false", tc.what, err)
		}
		if ok {
			t.Fatalf("PlayerRank for %s = %d, ok; want ok == false (a place of 0 or 1 would tell the caller the player is on the board)", tc.what, got)
		}
	}
	// A key of another type is a real error, which must not be hidden.
	if err := rdb.Set(ctx, "exercise:not-a-board", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := rankForTest(t, ctx, rdb, "exercise:not-a-board", "player:alice"); err == nil {
		t.Fatalf("PlayerRank on a string key returned ok = %t and no error, want the WRONGTYPE error: only redis.Nil means \"not on the board\"; return every other error", ok)
	}
}

// commandNames lists every command of trips, in order.
func commandNames(trips []testkit.Trip) []string {
	var out []string
	for _, tr := range trips {
		out = append(out, tr.Names()...)
	}
	return out
}
