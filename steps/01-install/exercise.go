package main

import (
	"context"
	"errors"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// ServerVersion returns the version of the Redis server that rdb talks to,
// such as "8.6.3": the value of the redis_version line of INFO server, with
// nothing around it (no spaces, no "\r").
//
// When the server cannot be asked (nothing listens, a wrong password...),
// it returns "" and the error, wrapped with what failed, so that the caller
// can say why.
func ServerVersion(ctx context.Context, rdb *redis.Client) (string, error) {
	// TODO(exercise): send INFO server (rdb.Info) and return the value of its redis_version line.
	return "", errNotDone
}
