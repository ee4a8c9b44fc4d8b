package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
)

// requests is how many requests each version of the handler serves.
const requests = 200

// clientPerRequest serves the same requests twice: with a new client per
// request (the pitfall), then with one client shared by all (the fix). The
// server counts the connections it accepted.
func clientPerRequest(ctx context.Context, out io.Writer, l *lab) error {
	const key = "pit:pool:greeting"
	defer l.rdb.Del(context.WithoutCancel(ctx), key)
	if err := l.rdb.Set(ctx, key, "hello", 0).Err(); err != nil {
		return err
	}

	// The pitfall: every request dials, (with RESP3) says HELLO, runs one
	// command and hangs up.
	opened, took, err := l.countConnections(ctx, func() error {
		for range requests {
			if err := handleWithNewClient(ctx, l, key); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  pitfall: a new client per request: %d requests opened %d connections, %s a request\n", requests, opened, round(took/requests))

	// The fix: one *redis.Client for the whole program. It is a pool: it
	// keeps connections open and hands them out, and is safe for goroutines.
	shared := l.client()
	defer shared.Close()
	opened, took, err = l.countConnections(ctx, func() error {
		for range requests {
			if err := shared.Get(ctx, key).Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  fix:     one shared client:        %d requests opened %d connection, %s a request\n", requests, opened, round(took/requests))
	return nil
}

// handleWithNewClient is the pitfall's handler: correct, but it pays for a
// TCP connection and a handshake every time. (Forget the Close, and the
// connections pile up until the server's maxclients refuses new ones.)
func handleWithNewClient(ctx context.Context, l *lab, key string) error {
	rdb := redis.NewClient(l.srv.Options())
	defer rdb.Close()
	return rdb.Get(ctx, key).Err()
}

// countConnections runs work and returns how many connections the server
// accepted meanwhile (INFO stats total_connections_received), and the time.
func (l *lab) countConnections(ctx context.Context, work func() error) (int64, time.Duration, error) {
	before, err := l.info(ctx, "stats", "total_connections_received")
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := work(); err != nil {
		return 0, 0, err
	}
	took := time.Since(start)
	after, err := l.info(ctx, "stats", "total_connections_received")
	if err != nil {
		return 0, 0, err
	}
	return after - before, took, nil
}
