package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// This file keeps the two limiters that look right and are not, so that
// the tests can show where they fail. Do not use them.

// tutorialAllow is the tutorial's limiter, ported as written. One MULTI
// pipeline drops old entries, counts, records the request "tentatively"
// and sets the expiry; a blocked request then removes "the request we just
// added" by score.
//
// That removal is the bug: ZREMRANGEBYSCORE key now now+1 deletes EVERY
// entry scored in the second after now, and other clients' allowed
// requests are in there whenever their clock read came after ours. Each
// deleted entry is a slot handed out again: the limiter admits more than
// its limit. now is the app server's clock, read once at the start, as in
// the tutorial.
func tutorialAllow(ctx context.Context, rdb *redis.Client, key string, limit int, window time.Duration, now time.Time) (bool, error) {
	t := float64(now.UnixNano()) / 1e9
	windowStart := t - window.Seconds()

	pipe := rdb.TxPipeline()
	pipe.ZRemRangeByScore(ctx, key, "0", ftoa(windowStart))
	card := pipe.ZCard(ctx, key)
	// The tutorial's member is the time plus the id of the pipeline
	// object; the nanoseconds stand in for both here.
	pipe.ZAdd(ctx, key, redis.Z{Score: t, Member: fmt.Sprintf("%d", now.UnixNano())})
	pipe.Expire(ctx, key, window+time.Second)
	if _, err := pipe.Exec(ctx); err != nil {
		return false, err
	}

	allowed := card.Val() < int64(limit)
	if !allowed {
		// "Remove the request we just added" — and everybody else's too.
		if err := rdb.ZRemRangeByScore(ctx, key, ftoa(t), ftoa(t+1)).Err(); err != nil {
			return false, err
		}
	}
	return allowed, nil
}

// countThenAdd is the obvious repair of tutorialAllow: count first, and
// record the request only when it is allowed. But the decision needs the
// count's reply, so the count and the add cannot travel in one MULTI:
// between them, any number of other clients count the same number, and
// all of them add. beforeAdd lets a test hold every goroutine at that
// point, which is what a burst of requests does on a busy server.
func countThenAdd(ctx context.Context, rdb *redis.Client, key string, limit int, window time.Duration, member string, beforeAdd func()) (bool, error) {
	now := time.Now()
	start := now.Add(-window)
	if err := rdb.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(start.UnixMicro(), 10)).Err(); err != nil {
		return false, err
	}
	count, err := rdb.ZCard(ctx, key).Result()
	if err != nil {
		return false, err
	}
	if count >= int64(limit) {
		return false, nil
	}
	if beforeAdd != nil {
		beforeAdd()
	}
	err = rdb.ZAdd(ctx, key, redis.Z{Score: float64(now.UnixMicro()), Member: member}).Err()
	return err == nil, err
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
