// Package shortener is the workbook's capstone: a URL shortener with click
// analytics on Redis, correct under concurrency, and its HTTP API.
//
// The keys, for a prefix p:
//
//	p url:{code}         hash: long_url, short_code, created_at, clicks, [expires_at]
//	p url:{code}:clicks  list: the last MaxRecentClicks clicks, newest first
//	p urls:popular       sorted set: code → clicks, for the top list
package shortener

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

const (
	// MaxRecentClicks is how many clicks a link's list keeps (LTRIM).
	MaxRecentClicks = 1000
	// RecentInStats is how many recent clicks Stats returns.
	RecentInStats = 10
	// maxAttempts bounds the retries when a random code is taken.
	maxAttempts = 5
)

// Shortener creates and resolves short links. It is safe for concurrent use.
type Shortener struct {
	rdb     redis.UniversalClient
	prefix  string
	baseURL string

	// newCode and attempts are replaced by tests, to force collisions.
	newCode  func() (string, error)
	attempts int
}

// New returns a Shortener that keeps its keys under prefix (e.g.
// "shortener:") and builds short URLs as baseURL + "/" + code.
func New(rdb redis.UniversalClient, prefix, baseURL string) *Shortener {
	return &Shortener{
		rdb:      rdb,
		prefix:   prefix,
		baseURL:  strings.TrimRight(baseURL, "/"),
		newCode:  NewCode,
		attempts: maxAttempts,
	}
}

// Link is one short link.
type Link struct {
	Code      string    `json:"code"`
	ShortURL  string    `json:"short_url"`
	LongURL   string    `json:"long_url"`
	CreatedAt time.Time `json:"created_at"`
	// ExpiresAt is zero for a link that never expires.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// Options are the optional parts of a Shorten.
type Options struct {
	// Code is a custom code; empty for a random one.
	Code string
	// TTL makes the link expire; 0 keeps it forever.
	TTL time.Duration
}

func (s *Shortener) urlKey(code string) string    { return s.prefix + "url:" + code }
func (s *Shortener) clicksKey(code string) string { return s.prefix + "url:" + code + ":clicks" }
func (s *Shortener) popularKey() string           { return s.prefix + "urls:popular" }

// ShortURL is the public address of code.
func (s *Shortener) ShortURL(code string) string { return s.baseURL + "/" + code }

// claim creates a link's hash only if the code is free, and sets its
// expiry, in one step. Redis runs a script without interleaving any other
// command, so no reader ever sees a link without its expiry, and a crash
// cannot leave one behind.
//
// KEYS[1] the link's hash
// ARGV    long URL, code, created_at, TTL in milliseconds (0: none)
//
// It returns -1 when the code is taken, 0 for a link that never expires,
// or the expiry time in Unix milliseconds by the server's clock.
var claim = redis.NewScript(`
-- HSETNX is the claim: it writes long_url only if the hash has none, so
-- of two shortens racing for the same code exactly one gets 1.
if redis.call('HSETNX', KEYS[1], 'long_url', ARGV[1]) == 0 then
  return -1
end
redis.call('HSET', KEYS[1], 'short_code', ARGV[2], 'created_at', ARGV[3], 'clicks', 0)
local ttl = tonumber(ARGV[4])
if ttl == 0 then
  return 0
end
-- An absolute expiry time, on the server's clock: Resolve gives the click
-- list exactly the same one.
local t = redis.call('TIME')
local at = string.format('%d', tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ttl)
redis.call('HSET', KEYS[1], 'expires_at', at)
redis.call('PEXPIREAT', KEYS[1], at)
return tonumber(at)
`)

// Shorten creates a short link for longURL: with opts.Code if given
// (refused with ErrCodeTaken when it is in use), or with a random code.
func (s *Shortener) Shorten(ctx context.Context, longURL string, opts Options) (Link, error) {
	if err := ValidateURL(longURL); err != nil {
		return Link{}, err
	}
	if err := ValidateTTL(opts.TTL); err != nil {
		return Link{}, err
	}
	if opts.Code != "" {
		if err := ValidateCustomCode(opts.Code); err != nil {
			return Link{}, err
		}
		link, ok, err := s.tryClaim(ctx, opts.Code, longURL, opts.TTL)
		if err != nil {
			return Link{}, err
		}
		if !ok {
			return Link{}, fmt.Errorf("%w: %q; choose another, or leave the code empty for a random one", ErrCodeTaken, opts.Code)
		}
		return link, nil
	}

	// A random code can collide with an existing one: the claim then
	// fails, and we simply draw again.
	for range s.attempts {
		code, err := s.newCode()
		if err != nil {
			return Link{}, err
		}
		if reserved[strings.ToLower(code)] {
			continue // "healthz" has 7 letters: a random code could be it
		}
		link, ok, err := s.tryClaim(ctx, code, longURL, opts.TTL)
		if err != nil || ok {
			return link, err
		}
	}
	return Link{}, fmt.Errorf("no free code after %d random tries: is the code space nearly full?", s.attempts)
}

// tryClaim runs the claim script; ok is false when code is taken.
func (s *Shortener) tryClaim(ctx context.Context, code, longURL string, ttl time.Duration) (Link, bool, error) {
	created := time.Now().UTC().Truncate(time.Millisecond)
	expiresAt, err := claim.Run(ctx, s.rdb, []string{s.urlKey(code)},
		longURL, code, created.Format(time.RFC3339Nano), ttl.Milliseconds()).Int64()
	if err != nil {
		return Link{}, false, fmt.Errorf("claiming code %q: %w", code, err)
	}
	if expiresAt < 0 {
		return Link{}, false, nil
	}
	link := Link{Code: code, ShortURL: s.ShortURL(code), LongURL: longURL, CreatedAt: created}
	if expiresAt > 0 {
		link.ExpiresAt = time.UnixMilli(expiresAt).UTC()
	}
	return link, true, nil
}

// Click is one recorded visit.
type Click struct {
	At time.Time `json:"at"`
}

// Resolve returns the long URL for code and records the click. It returns
// ErrNotFound for an unknown or expired code.
func (s *Shortener) Resolve(ctx context.Context, code string) (string, error) {
	longURL, expiresAt, err := s.lookup(ctx, code)
	if err != nil {
		return "", err
	}
	if err := s.recordClick(ctx, code, expiresAt, Click{At: time.Now().UTC()}); err != nil {
		return "", err
	}
	return longURL, nil
}

// Lookup returns the long URL for code without counting a click (for HEAD
// requests and previews).
func (s *Shortener) Lookup(ctx context.Context, code string) (string, error) {
	longURL, _, err := s.lookup(ctx, code)
	return longURL, err
}

func (s *Shortener) lookup(ctx context.Context, code string) (string, int64, error) {
	// Check the code before building a key from it, as Shorten does.
	if err := ValidateCode(code); err != nil {
		return "", 0, err
	}
	vals, err := s.rdb.HMGet(ctx, s.urlKey(code), "long_url", "expires_at").Result()
	if err != nil {
		return "", 0, fmt.Errorf("looking up %q: %w", code, err)
	}
	longURL, _ := vals[0].(string)
	if longURL == "" {
		return "", 0, fmt.Errorf("%w: %q", ErrNotFound, code)
	}
	var expiresAt int64
	if v, ok := vals[1].(string); ok {
		expiresAt, _ = strconv.ParseInt(v, 10, 64)
	}
	return longURL, expiresAt, nil
}

// recordClick counts one click: the counter in the hash, the score in the
// ranking and the click list, all in one MULTI/EXEC transaction, so no
// reader ever sees one updated without the others.
func (s *Shortener) recordClick(ctx context.Context, code string, expiresAt int64, click Click) error {
	entry, err := json.Marshal(click)
	if err != nil {
		return err
	}
	_, err = s.rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.HIncrBy(ctx, s.urlKey(code), "clicks", 1)
		// ZINCRBY creates the member at 0 and adds 1: the first click
		// counts once. (The tutorial also ran ZADD GT first, which adds a
		// new member AT 1, so ZINCRBY made its first click count twice.)
		tx.ZIncrBy(ctx, s.popularKey(), 1, code)
		tx.LPush(ctx, s.clicksKey(code), entry)
		tx.LTrim(ctx, s.clicksKey(code), 0, MaxRecentClicks-1)
		if expiresAt > 0 {
			// The click list dies with the link. Setting the hash's own
			// expiry again also covers a link that expired between the
			// lookup and this transaction: HINCRBY would have re-created
			// it, and a PEXPIREAT in the past deletes it at once.
			at := time.UnixMilli(expiresAt)
			tx.PExpireAt(ctx, s.urlKey(code), at)
			tx.PExpireAt(ctx, s.clicksKey(code), at)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("recording a click on %q: %w", code, err)
	}
	return nil
}

// Stats is a link with its analytics.
type Stats struct {
	Link
	Clicks int64 `json:"clicks"`
	// RecentClicks are the newest RecentInStats clicks, newest first.
	RecentClicks []Click `json:"recent_clicks"`
}

// Stats returns code's link, click count and recent clicks.
func (s *Shortener) Stats(ctx context.Context, code string) (Stats, error) {
	if err := ValidateCode(code); err != nil {
		return Stats{}, err
	}
	var fields *redis.MapStringStringCmd
	var recent *redis.StringSliceCmd
	// One round trip for both reads.
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		fields = p.HGetAll(ctx, s.urlKey(code))
		recent = p.LRange(ctx, s.clicksKey(code), 0, RecentInStats-1)
		return nil
	})
	if err != nil {
		return Stats{}, fmt.Errorf("reading stats of %q: %w", code, err)
	}
	h := fields.Val()
	if h["long_url"] == "" {
		return Stats{}, fmt.Errorf("%w: %q", ErrNotFound, code)
	}
	st := Stats{Link: s.linkFromHash(code, h), RecentClicks: []Click{}}
	st.Clicks, _ = strconv.ParseInt(h["clicks"], 10, 64)
	for _, raw := range recent.Val() {
		var c Click
		if err := json.Unmarshal([]byte(raw), &c); err == nil {
			st.RecentClicks = append(st.RecentClicks, c)
		}
	}
	return st, nil
}

func (s *Shortener) linkFromHash(code string, h map[string]string) Link {
	l := Link{Code: code, ShortURL: s.ShortURL(code), LongURL: h["long_url"]}
	l.CreatedAt, _ = time.Parse(time.RFC3339Nano, h["created_at"])
	if ms, err := strconv.ParseInt(h["expires_at"], 10, 64); err == nil && ms > 0 {
		l.ExpiresAt = time.UnixMilli(ms).UTC()
	}
	return l
}

// Ranked is one entry of the top list.
type Ranked struct {
	Code     string `json:"code"`
	ShortURL string `json:"short_url"`
	LongURL  string `json:"long_url"`
	Clicks   int64  `json:"clicks"`
}

// Top returns the n most clicked links, most clicked first (ties by code,
// in reverse). Links that expired are skipped and dropped from the ranking.
func (s *Shortener) Top(ctx context.Context, n int) ([]Ranked, error) {
	if n < 1 {
		return nil, fmt.Errorf("top: n is %d; ask for at least 1", n)
	}
	top := make([]Ranked, 0, n)
	for start := int64(0); len(top) < n; {
		page, err := s.rdb.ZRevRangeWithScores(ctx, s.popularKey(), start, start+int64(n)-1).Result()
		if err != nil {
			return nil, fmt.Errorf("reading the ranking: %w", err)
		}
		if len(page) == 0 {
			break
		}
		start += int64(len(page))

		// The long URLs of the whole page in one round trip, not one each.
		urls := make([]*redis.StringCmd, len(page))
		if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, z := range page {
				urls[i] = p.HGet(ctx, s.urlKey(z.Member.(string)), "long_url")
			}
			return nil
		}); err != nil && !errors.Is(err, redis.Nil) {
			return nil, fmt.Errorf("reading the top links: %w", err)
		}
		var gone []any
		for i, z := range page {
			code := z.Member.(string)
			if urls[i].Val() == "" {
				gone = append(gone, code) // expired: its score is stale
				continue
			}
			if len(top) < n {
				top = append(top, Ranked{Code: code, ShortURL: s.ShortURL(code), LongURL: urls[i].Val(), Clicks: int64(z.Score)})
			}
		}
		if len(gone) > 0 {
			if err := s.rdb.ZRem(ctx, s.popularKey(), gone...).Err(); err != nil {
				return nil, fmt.Errorf("dropping expired links from the ranking: %w", err)
			}
			start -= int64(len(gone)) // the ranking shifted up
		}
	}
	return top, nil
}
