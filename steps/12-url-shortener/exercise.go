package main

import (
	"context"
	"errors"

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
	// TODO(exercise): page through ZRANGE popularLinksKey start stop REV WITHSCORES; HGET long_url of each page in one pipeline; skip codes whose hash is gone.
	return nil, errNotDone
}
