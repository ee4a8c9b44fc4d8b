package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

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
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return "", fmt.Errorf("INFO server: %w", err)
	}
	// INFO's lines end in "\r\n": split on "\n" and trim the "\r", or the
	// version carries an invisible character that breaks every comparison.
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "redis_version:"); ok {
			return v, nil
		}
	}
	return "", errors.New("INFO server has no redis_version line: is this a Redis server?")
}
