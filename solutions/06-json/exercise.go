package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

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
	const path = "$.metrics.reputation"
	// One command, atomic on the server: no other client's change can
	// land between reading the number and writing the sum.
	reply, err := rdb.JSONNumIncrBy(ctx, key, path, float64(points)).Result()
	if err != nil {
		// A missing key is an error from the server itself.
		return 0, fmt.Errorf("JSON.NUMINCRBY %s %s: %w", key, path, err)
	}
	// A $ path can match any number of values, so the reply is an array:
	// [8775] for one number, [] when nothing matched, [null] when the
	// match is not a number.
	var values []*float64
	if err := json.Unmarshal([]byte(reply), &values); err != nil {
		return 0, fmt.Errorf("JSON.NUMINCRBY %s %s: unexpected reply %s: %w", key, path, reply, err)
	}
	if len(values) != 1 || values[0] == nil {
		return 0, fmt.Errorf("%s has no number at %s (the reply was %s): nothing was changed", key, path, reply)
	}
	return int(*values[0]), nil
}
