package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// The exercise's keys: the ranking (member: a link's code, score: its
// clicks) and one hash per link, whose field long_url is where it points.
const (
	popularLinksKey = "exercise:urls:popular"
	linkKeyPrefix   = "exercise:url:" // + code
)

// RankedLink is one entry of the top list.
type RankedLink struct {
	Code    string
	LongURL string
	Clicks  int64
}

// TopLinks returns the n most clicked links, most clicks first.
//
// A code whose hash is gone (the link expired) is skipped, and the list is
// filled up from further down the ranking: it has n links whenever that
// many still exist. The ranking is read a page of n at a time from the top
// (never whole: it can hold millions), and the long URLs of a page are
// read in ONE round trip (a pipeline), not one per link. n below 1 is an
// error.
func TopLinks(ctx context.Context, rdb *redis.Client, n int) ([]RankedLink, error) {
	if n < 1 {
		return nil, fmt.Errorf("top links: n is %d; ask for at least 1", n)
	}
	top := make([]RankedLink, 0, n)
	for start := int64(0); len(top) < n; {
		// ZRANGE key start stop REV WITHSCORES: highest scores first, and
		// stop is inclusive, so a page of n ends at start+n-1.
		page, err := rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
			Key: popularLinksKey, Start: start, Stop: start + int64(n) - 1, Rev: true,
		}).Result()
		if err != nil {
			return nil, fmt.Errorf("reading the ranking: %w", err)
		}
		if len(page) == 0 {
			break // the ranking is exhausted
		}
		start += int64(len(page))

		// The long URLs of the whole page in one round trip.
		urls := make([]*redis.StringCmd, len(page))
		_, err = rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, z := range page {
				urls[i] = p.HGet(ctx, linkKeyPrefix+z.Member.(string), "long_url")
			}
			return nil
		})
		// A gone link answers redis.Nil, which Exec reports as the
		// pipeline's error: look at each command's own error instead.
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("reading the top links: %w", err)
		}
		for i, z := range page {
			longURL, err := urls[i].Result()
			if errors.Is(err, redis.Nil) {
				continue // expired: its score is stale
			}
			if err != nil {
				return nil, fmt.Errorf("reading link %v: %w", z.Member, err)
			}
			top = append(top, RankedLink{Code: z.Member.(string), LongURL: longURL, Clicks: int64(z.Score)})
			if len(top) == n {
				break
			}
		}
	}
	return top, nil
}
