package main

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// AddReputation adds points (which may be negative) to the number at
// $.metrics.reputation in the JSON document at key, and returns the new
// reputation.
//
// The change happens on the server, in place, in one command: do not read
// the document (or the number) into Go and write it back, which loses the
// changes other clients make in between. Nothing else in the document
// changes.
//
// A missing key, or a document without a number at $.metrics.reputation,
// is an error that says so (and changes nothing).
func AddReputation(ctx context.Context, rdb *redis.Client, key string, points int) (int, error) {
	// TODO(exercise): send JSON.NUMINCRBY key $.metrics.reputation points, and decode its reply: a JSON array with one number per match.
	return 0, errNotDone
}
