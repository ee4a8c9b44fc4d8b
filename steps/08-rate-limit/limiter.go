package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/steps/08-rate-limit/ratelimit"
)

// The step's keys all start with this prefix, so the lesson never touches
// anything else on your server.
const demoPrefix = "step08:api:v1"

// demo is the tutorial's usage example: one client (an IP address) makes
// seven requests against a limit of five per ten seconds.
func demo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	limiter := ratelimit.New(rdb, demoPrefix, 5, 10*time.Second)
	clientIP := "192.168.1.100"

	// A run from a few seconds ago would still be inside the window:
	// start from an empty history so every run prints the same, and
	// leave nothing behind.
	key := limiter.Key(clientIP)
	if err := rdb.Del(ctx, key).Err(); err != nil {
		return fmt.Errorf("clearing %s: %w", key, err)
	}
	defer rdb.Del(context.WithoutCancel(ctx), key)

	var last ratelimit.Result
	for i := 1; i <= 7; i++ {
		res, err := limiter.Allow(ctx, clientIP)
		if err != nil {
			return err
		}
		status := "ALLOWED"
		if !res.Allowed {
			status = "BLOCKED"
		}
		fmt.Fprintf(out, "Request %d: %s | Remaining: %d/%d\n", i, status, res.Remaining, res.Limit)
		last = res
	}

	// The last request was blocked: it may retry when the first of the
	// five recorded requests leaves the window, a little under 10 s from
	// now (the requests above took a millisecond or two).
	fmt.Fprintf(out, "\nRetry after: %s\n", tenths(last.RetryAfter))
	return nil
}

// tenths prints d in seconds with one decimal, rounded UP: a client told
// "retry after 10.0s" must not be blocked when it does, so 9.98 s is
// shown as 10.0s, never as 9.9s.
func tenths(d time.Duration) string {
	return fmt.Sprintf("%.1fs", math.Ceil(d.Seconds()*10)/10)
}
