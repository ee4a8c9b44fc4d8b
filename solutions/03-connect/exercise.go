package main

import (
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// NewLimitedClient returns a client for the server that base describes
// (same address, credentials, database, TLS), whose pool never has more
// than maxConns connections in use. A command that finds all of them busy
// waits at most wait for one to come free, then fails with
// redis.ErrPoolTimeout instead of queueing for seconds.
//
// base belongs to the caller: NewLimitedClient must not change it. A
// maxConns below 1 or a wait that is not positive is an error.
func NewLimitedClient(base *redis.Options, maxConns int, wait time.Duration) (*redis.Client, error) {
	if base == nil {
		return nil, errors.New("no base options: pass the options of the server to connect to")
	}
	if maxConns < 1 {
		return nil, fmt.Errorf("maxConns is %d: a pool needs at least 1 connection", maxConns)
	}
	if wait <= 0 {
		return nil, fmt.Errorf("wait is %v: give the time a command may wait for a free connection, e.g. 100*time.Millisecond", wait)
	}
	// A copy: the caller's options stay as they were (and may be used for
	// other clients). Everything else (address, password, DB, TLS) is kept.
	opts := *base
	// PoolSize is how many connections may be in use at once: a command
	// that finds them all busy waits for one...
	opts.PoolSize = maxConns
	// ...for at most PoolTimeout (the default is ReadTimeout + 1 s).
	opts.PoolTimeout = wait
	return redis.NewClient(&opts), nil
}
