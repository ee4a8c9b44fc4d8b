package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// PlayerRank returns player's place on the leaderboard, the sorted set at
// key: 1 for the highest score, 2 for the next, and so on, as the lesson's
// "Top 3" prints them. ok is false, and err nil, when the player is not on
// the board (or there is no board yet).
//
// Ask Redis for the one rank: do not read the whole board into Go to
// search it, which moves every member over the network to find one.
func PlayerRank(ctx context.Context, rdb *redis.Client, key, player string) (rank int64, ok bool, err error) {
	// ZREVRANK counts from the highest score (ZRANK from the lowest), and
	// from 0: the leader's ZREVRANK is 0, their place is 1.
	r, err := rdb.ZRevRank(ctx, key, player).Result()
	if errors.Is(err, redis.Nil) {
		return 0, false, nil // not on the board: an answer, not a failure
	}
	if err != nil {
		return 0, false, fmt.Errorf("ZREVRANK %s %s: %w", key, player, err)
	}
	return r + 1, true, nil
}
