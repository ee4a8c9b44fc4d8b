package shortener

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tutorial's versions, ported as they were, for the tests that show what
// is wrong with them. Do not use them.

// naiveShorten is the tutorial's check-then-act: EXISTS, then HSET. Between
// the two, another shortener can check the same code, find it free too, and
// both write: the second silently overwrites the first link. afterCheck lets
// a test hold the gap open, as a busy server would by chance.
func (s *Shortener) naiveShorten(ctx context.Context, code, longURL string, afterCheck func()) (bool, error) {
	taken, err := s.rdb.Exists(ctx, s.urlKey(code)).Result()
	if err != nil || taken == 1 {
		return false, err
	}
	afterCheck()
	err = s.rdb.HSet(ctx, s.urlKey(code), "long_url", longURL, "short_code", code,
		"created_at", time.Now().UTC().Format(time.RFC3339Nano), "clicks", 0).Err()
	return err == nil, err
}

// naiveResolve is the tutorial's click tracking. ZADD GT adds a member that
// is not there yet (GT only limits updates), at score 1; ZINCRBY then adds 1
// more: every link's first click counts twice in the ranking.
func (s *Shortener) naiveResolve(ctx context.Context, code string) (string, error) {
	longURL, err := s.rdb.HGet(ctx, s.urlKey(code), "long_url").Result()
	if err != nil {
		return "", err
	}
	_, err = s.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.HIncrBy(ctx, s.urlKey(code), "clicks", 1)
		tx.ZAddGT(ctx, s.popularKey(), redis.Z{Score: 1, Member: code})
		tx.ZIncrBy(ctx, s.popularKey(), 1, code)
		tx.LPush(ctx, s.clicksKey(code), `{"timestamp":"`+time.Now().UTC().Format(time.RFC3339)+`"}`)
		tx.LTrim(ctx, s.clicksKey(code), 0, 999)
		return nil
	})
	return longURL, err
}
