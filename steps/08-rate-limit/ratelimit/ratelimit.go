// Package ratelimit is a sliding-window rate limiter on a Redis sorted set,
// and a net/http middleware that applies it.
//
// Every request a client makes is one member of the client's sorted set,
// scored by the time it was made. A request is allowed when fewer than
// limit members were recorded in the last window. Checking the count and
// recording the request happen in ONE Lua script, so no two requests can
// both see "one slot left" and both take it.
package ratelimit

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrBadConfig marks the errors of a limiter made with an unusable limit or
// window: a programming error, not a Redis failure.
var ErrBadConfig = errors.New("ratelimit: bad configuration")

// Result is the limiter's answer for one request.
type Result struct {
	Allowed bool
	// Limit is the number of requests allowed per window.
	Limit int
	// Remaining is how many more requests the window allows after this one.
	Remaining int
	// RetryAfter is how long a blocked client must wait until its oldest
	// request leaves the window and a slot frees up (zero when allowed).
	RetryAfter time.Duration
}

// Limiter allows at most limit requests per window and per client id.
type Limiter struct {
	rdb    redis.Scripter
	prefix string
	limit  int
	window time.Duration

	// Members of the sorted set must be unique: two requests recorded in
	// the same microsecond would otherwise be one member, and the second
	// would overwrite the first instead of counting. The instance tag
	// separates processes, the sequence separates requests of this one.
	instance string
	seq      atomic.Uint64
}

// New returns a limiter that allows limit requests per window for each id.
// Keys are prefix + ":" + id. rdb is any client that can run scripts
// (*redis.Client, *redis.ClusterClient, *redis.Ring).
func New(rdb redis.Scripter, prefix string, limit int, window time.Duration) *Limiter {
	var tag [6]byte
	_, _ = rand.Read(tag[:]) // crypto/rand.Read never fails on supported platforms
	return &Limiter{
		rdb:      rdb,
		prefix:   prefix,
		limit:    limit,
		window:   window,
		instance: hex.EncodeToString(tag[:]),
	}
}

// Limit is the number of requests allowed per window.
func (l *Limiter) Limit() int { return l.limit }

// Window is the length of the sliding window.
func (l *Limiter) Window() time.Duration { return l.window }

// Key is the sorted set that records id's requests.
func (l *Limiter) Key(id string) string { return l.prefix + ":" + id }

// slidingWindow checks and records a request in one step. Redis runs a
// script without running any other command in between, so the count it
// reads is still true when it adds the request.
//
// The clock is the SERVER's (TIME), not the caller's: several app servers
// share one limiter, and their clocks drift apart. With client clocks, a
// server running 2 s behind would record requests "in the past" that fall
// out of the window early, and one running ahead would block too long.
// One clock for everybody makes the window mean the same for everybody.
// (Reading TIME before writing is fine: since Redis 7 a script is always
// replicated as the writes it made, not as the script, so replicas never
// re-run it at another time.)
//
// Scores are microseconds since the epoch (about 1.8e15, exact in Lua's
// double-precision numbers, which are exact up to 2^53 ≈ 9e15).
//
// KEYS[1] the client's sorted set
// ARGV[1] the window in microseconds
// ARGV[2] the limit
// ARGV[3] a suffix that makes the member unique
//
// It returns {allowed (1 or 0), requests in the window, retry-after in ms}.
var slidingWindow = redis.NewScript(`
local key = KEYS[1]
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])

-- Forget the requests that left the window: (now - window, now] remains.
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)

local count = redis.call('ZCARD', key)
if count < limit then
  -- The member: the time, exactly as TIME gave it, and the unique suffix.
  local member = t[1] .. string.format('%06d', tonumber(t[2])) .. '-' .. ARGV[3]
  redis.call('ZADD', key, now, member)
  -- Nothing in the set outlives the window, so neither should the key:
  -- an idle client costs no memory.
  redis.call('PEXPIRE', key, math.ceil(window / 1000))
  return {1, count + 1, 0}
end

-- Blocked: a slot frees up when the oldest request leaves the window.
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local wait_us = tonumber(oldest[2]) + window - now
return {0, count, math.ceil(wait_us / 1000)}
`)

// Allow checks whether id may make one more request now and, if so,
// records it. A blocked request is not recorded: retrying does not make
// the wait longer.
func (l *Limiter) Allow(ctx context.Context, id string) (Result, error) {
	if l.limit < 1 {
		return Result{}, fmt.Errorf("%w: the limit is %d; pass ratelimit.New a limit of at least 1", ErrBadConfig, l.limit)
	}
	if l.window < time.Millisecond {
		return Result{}, fmt.Errorf("%w: the window is %v; pass ratelimit.New a window of at least 1ms", ErrBadConfig, l.window)
	}
	member := l.instance + "-" + strconv.FormatUint(l.seq.Add(1), 10)
	reply, err := slidingWindow.Run(ctx, l.rdb, []string{l.Key(id)},
		l.window.Microseconds(), l.limit, member).Int64Slice()
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: checking %q: %w", l.Key(id), err)
	}
	if len(reply) != 3 {
		return Result{}, errors.New("ratelimit: unexpected reply from the sliding-window script")
	}
	res := Result{
		Allowed:    reply[0] == 1,
		Limit:      l.limit,
		Remaining:  max(0, l.limit-int(reply[1])),
		RetryAfter: time.Duration(reply[2]) * time.Millisecond,
	}
	return res, nil
}
