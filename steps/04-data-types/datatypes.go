package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/keyclaim"
)

// The keys this step writes. Naming keys "type:id:field" is a convention,
// not a rule: Redis sees only strings, but people and SCAN MATCH patterns
// read the colons.
const (
	nameKey        = "user:1001:name"
	viewsKey       = "page:views:home"
	userKey        = "user:1001"
	notificationsK = "notifications:1001"
	tagsA          = "article:5001:tags"
	tagsB          = "article:5002:tags"
	leaderboardKey = "leaderboard:weekly"
)

// The two temporary hashes of showEncodings.
const bigKey, longKey = "encoding:demo:big", "encoding:demo:long"

// stepKeys lists every key the step leaves behind.
var stepKeys = []string{nameKey, viewsKey, userKey, notificationsK, tagsA, tagsB, leaderboardKey}

// User is the hash at user:1001 as a Go struct. The redis tags name the
// hash fields, as json tags name JSON fields.
type User struct {
	Name       string `redis:"name"`
	Email      string `redis:"email"`
	Role       string `redis:"role"`
	LoginCount int    `redis:"login_count"`
}

// dataTypes writes one small example of each core type and reads it back.
func dataTypes(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	// This Redis may hold data of its own under these very names (a
	// user:1001 of a real application, say): claim the keys first, which
	// stops the step, changing nothing, if any of them exists and was not
	// written by the workbook (see internal/keyclaim).
	if err := keyclaim.Claim(ctx, rdb, "step 4", append(stepKeys, bigKey, longKey)...); err != nil {
		return err
	}
	// Start from a clean slate, so that running the step twice prints the
	// same thing: LPUSH, for one, would otherwise keep adding to the list.
	// UNLINK deletes like DEL but frees the memory in the background.
	if err := rdb.Unlink(ctx, stepKeys...).Err(); err != nil {
		return fmt.Errorf("removing the keys of an earlier run: %w", err)
	}
	steps := []func(context.Context, io.Writer, *redis.Client) error{
		showStrings, showHashes, showLists, showSets, showSortedSets, showEncodings,
	}
	for _, step := range steps {
		if err := step(ctx, out, rdb); err != nil {
			return err
		}
	}

	// DBSIZE counts every key in the database, not just ours: on a fresh
	// database the two numbers are the same.
	total, err := rdb.DBSize(ctx).Result()
	if err != nil {
		return err
	}
	ours, err := rdb.Exists(ctx, stepKeys...).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nTotal keys in database: %d (%d written by this step, and %s, which lists them)\n", total, ours, keyclaim.Registry)
	// The keys stay, on purpose: look at them with redis-cli. The next run
	// of this step replaces them, and step 6 writes its own user:1001.
	fmt.Fprintf(out, "Left the %d keys above for you to explore with redis-cli\n", ours)
	return nil
}

// showStrings: counters, flags and simple values.
func showStrings(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintln(out, "--- Strings ---")
	// SET with an expiry: the key deletes itself after an hour.
	if err := rdb.Set(ctx, nameKey, "Alice Chen", time.Hour).Err(); err != nil {
		return err
	}
	ttl, err := rdb.TTL(ctx, nameKey).Result()
	if err != nil {
		return err
	}
	name, err := rdb.Get(ctx, nameKey).Result()
	if err != nil {
		return err
	}
	// The TTL counts down from 1h; rounding to the minute keeps the line
	// the same from one run to the next.
	fmt.Fprintf(out, "Name: %s (expires in %v)\n", name, ttl.Round(time.Minute))

	// INCR and INCRBY are atomic: two clients incrementing at once never
	// lose an update, unlike GET, add one in Go, SET.
	pipe := rdb.Pipeline()
	pipe.Set(ctx, viewsKey, 0, 0) // 0 expiration: keep the key
	pipe.Incr(ctx, viewsKey)
	views := pipe.IncrBy(ctx, viewsKey, 50)
	if _, err := pipe.Exec(ctx); err != nil {
		return err
	}
	fmt.Fprintf(out, "Home page views: %d\n", views.Val())
	return nil
}

// showHashes: one object, many fields, each readable and writable on its own.
func showHashes(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintln(out, "--- Hashes ---")
	// HSET takes a map (or field, value pairs, or a struct with redis tags).
	err := rdb.HSet(ctx, userKey, map[string]any{
		"name":        "Alice Chen",
		"email":       "alice@example.com",
		"role":        "admin",
		"login_count": 0,
	}).Err()
	if err != nil {
		return err
	}
	if err := rdb.HIncrBy(ctx, userKey, "login_count", 1).Err(); err != nil {
		return err
	}

	// HGETALL returns every field as a string, whatever was stored.
	fields, err := rdb.HGetAll(ctx, userKey).Result()
	if err != nil {
		return err
	}
	// fmt prints a map with its keys sorted, so this line is stable.
	fmt.Fprintf(out, "User: %v\n", fields)

	// Scan fills a struct from the same reply, converting "1" to an int
	// on the way. Fields without a redis tag are left alone.
	var user User
	if err := rdb.HGetAll(ctx, userKey).Scan(&user); err != nil {
		return err
	}
	fmt.Fprintf(out, "As a struct: %+v\n", user)
	return nil
}

// showLists: queues and activity feeds, ordered by insertion.
func showLists(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintln(out, "--- Lists ---")
	// LPUSH adds at the head, so the newest notification comes first.
	for _, n := range []string{"New comment on your post", "You have a new follower", "Your report is ready"} {
		if err := rdb.LPush(ctx, notificationsK, n).Err(); err != nil {
			return err
		}
	}
	// LRANGE's stop index is inclusive: 0..1 is two elements.
	latest, err := rdb.LRange(ctx, notificationsK, 0, 1).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Latest notifications: %q\n", latest)
	return nil
}

// showSets: unordered collections of unique strings.
func showSets(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintln(out, "--- Sets ---")
	if err := rdb.SAdd(ctx, tagsA, "python", "redis", "tutorial", "caching").Err(); err != nil {
		return err
	}
	if err := rdb.SAdd(ctx, tagsB, "python", "django", "web", "caching").Err(); err != nil {
		return err
	}
	common, err := rdb.SInter(ctx, tagsA, tagsB).Result()
	if err != nil {
		return err
	}
	// A set has no order, and Redis may answer in any: sort before printing.
	slices.Sort(common)
	fmt.Fprintf(out, "Common tags: %v\n", common)
	return nil
}

// showSortedSets: members ordered by a score, for leaderboards and rankings.
func showSortedSets(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintln(out, "--- Sorted sets ---")
	err := rdb.ZAdd(ctx, leaderboardKey,
		redis.Z{Score: 2500, Member: "player:alice"},
		redis.Z{Score: 1800, Member: "player:bob"},
		redis.Z{Score: 3200, Member: "player:carol"},
		redis.Z{Score: 2100, Member: "player:dave"},
	).Err()
	if err != nil {
		return err
	}
	// ZRANGE ... REV WITHSCORES is the Redis 6.2+ spelling of ZREVRANGE:
	// the highest scores first, ranks 0 to 2 inclusive.
	top3, err := rdb.ZRangeArgsWithScores(ctx, redis.ZRangeArgs{
		Key: leaderboardKey, Start: 0, Stop: 2, Rev: true,
	}).Result()
	if err != nil {
		return err
	}
	fmt.Fprintln(out, "Top 3:")
	for rank, z := range top3 {
		fmt.Fprintf(out, "  %d. %s %s\n", rank+1, z.Member, strconv.FormatFloat(z.Score, 'f', -1, 64))
	}
	return nil
}

// Redis keeps a hash in a compact listpack while it has at most
// hash-max-listpack-entries fields and no value longer than
// hash-max-listpack-value bytes. These are their defaults in Redis 8.
const (
	defaultListpackEntries = 512
	defaultListpackValue   = 64
)

// listpackLimits asks the server for its two limits. A server that refuses
// CONFIG (managed services often do) is assumed to use the defaults.
func listpackLimits(ctx context.Context, rdb *redis.Client) (entries, value int) {
	entries, value = defaultListpackEntries, defaultListpackValue
	cfg, err := rdb.ConfigGet(ctx, "hash-max-listpack-*").Result()
	if err != nil {
		return entries, value
	}
	if n, err := strconv.Atoi(cfg["hash-max-listpack-entries"]); err == nil {
		entries = n
	}
	if n, err := strconv.Atoi(cfg["hash-max-listpack-value"]); err == nil {
		value = n
	}
	return entries, value
}

// showEncodings shows how Redis stores a hash: a compact listpack while it
// is small, a real hash table once it grows past either limit.
func showEncodings(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprintln(out, "--- Encodings ---")
	encoding, err := rdb.ObjectEncoding(ctx, userKey).Result()
	if err != nil {
		return fmt.Errorf("OBJECT ENCODING %s: %w", userKey, err)
	}
	fmt.Fprintf(out, "%s, 4 short fields: %s\n", userKey, encoding)

	maxEntries, maxValue := listpackLimits(ctx, rdb)
	// Two temporary hashes, removed again at the end.
	defer keyclaim.Release(context.WithoutCancel(ctx), rdb, bigKey, longKey)

	// Exactly at the limit, the hash is still a listpack...
	fields := make(map[string]any, maxEntries)
	for i := range maxEntries {
		fields[fmt.Sprintf("field:%04d", i)] = i
	}
	if err := rdb.HSet(ctx, bigKey, fields).Err(); err != nil {
		return err
	}
	if encoding, err = rdb.ObjectEncoding(ctx, bigKey).Result(); err != nil {
		return err
	}
	fmt.Fprintf(out, "a hash at the limit, hash-max-listpack-entries fields: %s\n", encoding)

	// ...and one field more turns it into a hash table.
	if err := rdb.HSet(ctx, bigKey, "one:more", 1).Err(); err != nil {
		return err
	}
	if encoding, err = rdb.ObjectEncoding(ctx, bigKey).Result(); err != nil {
		return err
	}
	fmt.Fprintf(out, "the same hash with one field more: %s\n", encoding)

	// One value longer than hash-max-listpack-value is enough too.
	long := strings.Repeat("x", maxValue+1)
	if err := rdb.HSet(ctx, longKey, "name", "Alice Chen", "bio", long).Err(); err != nil {
		return err
	}
	if encoding, err = rdb.ObjectEncoding(ctx, longKey).Result(); err != nil {
		return err
	}
	fmt.Fprintf(out, "2 fields, one longer than hash-max-listpack-value bytes: %s\n", encoding)

	// Remove the temporary hashes now, not only in the deferred call, so
	// that DBSIZE below counts only the step's keys.
	return keyclaim.Release(ctx, rdb, bigKey, longKey)
}
