package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// crossSlot is part 2. A command, a transaction or a script that touches
// several keys runs on ONE node, so all its keys must be in one slot; the
// workbook's own multi-key code, run on the cluster as written, shows which
// of its patterns survive. Then the same code with hash tags.
func crossSlot(ctx context.Context, out io.Writer, rdb *redis.ClusterClient) error {
	fmt.Fprintln(out, "--- 2. Multi-key commands: CROSSSLOT, and hash tags ---")
	// Two keys on two shards (part 1 showed their slots).
	for k, v := range map[string]string{"user:1001": "alice", "user:1004": "bob"} {
		if err := rdb.Set(ctx, k, v, 0).Err(); err != nil {
			return fmt.Errorf("SET %s: %w", k, err)
		}
	}
	// A multi-key command is run by one node, which refuses keys that
	// belong to another: plain commands and scripts alike.
	err := rdb.MSet(ctx, "user:1001", "alice", "user:1004", "bob").Err()
	fmt.Fprintf(out, "MSET user:1001 alice user:1004 bob     → %s\n", outcome(err))
	err = rdb.MGet(ctx, "user:1001", "user:1004").Err()
	fmt.Fprintf(out, "MGET user:1001 user:1004               → %s\n", outcome(err))
	// A script is sent whole to the node of its first key.
	err = rdb.Eval(ctx, "return redis.call('MGET', KEYS[1], KEYS[2])", []string{"user:1001", "user:1004"}).Err()
	fmt.Fprintf(out, "EVAL … 2 user:1001 user:1004           → %s\n", outcome(err))
	// With a hash tag both keys are in the slot of "user:1001".
	err = rdb.MSet(ctx, "{user:1001}:name", "alice", "{user:1001}:email", "alice@example.com").Err()
	fmt.Fprintf(out, "MSET {user:1001}:name … {user:1001}:email … → %s\n", outcome(err))

	fmt.Fprintln(out, "The workbook's multi-key code, keys as written:")
	line := func(step, what string, err error) {
		fmt.Fprintf(out, "  %-8s %-28s → %s\n", step, what, outcome(err))
	}

	// Step 8: the rate limiter's script touches one key, KEYS[1]: a
	// single key is always in a single slot.
	var res []string
	for range 3 {
		allowed, err := allowRequest(ctx, rdb, "ratelimit:api:alice", 2, time.Minute)
		if err != nil {
			line("step 8", "rate limiter (Lua, 1 key)", err)
			return err
		}
		res = append(res, map[bool]string{true: "allowed", false: "blocked"}[allowed])
	}
	fmt.Fprintf(out, "  %-8s %-28s → works: %s\n", "step 8", "rate limiter (Lua, 1 key)", strings.Join(res, ", "))

	// Step 9: a session's hash and its user's set change together in one
	// MULTI/EXEC. Their names hash to two slots.
	_, err = createSessionAsWritten(ctx, rdb, "1001")
	line("step 9", "session create (MULTI)", err)
	// Sessions created one command at a time, as before the move.
	for range 2 {
		id := newSessionID()
		if err := rdb.HSet(ctx, "session:"+id, "user_id", "1001").Err(); err != nil {
			return err
		}
		if err := rdb.SAdd(ctx, "user_sessions:1001", id).Err(); err != nil {
			return err
		}
	}
	_, err = destroyAllAsWritten(ctx, rdb, "1001")
	line("step 9", "log out everywhere (MULTI)", err)

	// Step 10: the bank transfer WATCHes both accounts, and its Lua version
	// reads and writes both.
	for _, k := range []string{"account:alice", "account:bob"} {
		if err := rdb.Set(ctx, k, 100*100, 0).Err(); err != nil {
			return err
		}
	}
	line("step 10", "transfer (WATCH)", transfer(ctx, rdb, "account:alice", "account:bob", 25*100))
	line("step 10", "transfer (Lua, 2 keys)", transferLua(ctx, rdb, "account:alice", "account:bob", 25*100))

	// Step 12: a click updates the link's hash, the global ranking and the
	// link's click list in one transaction.
	if err := rdb.HSet(ctx, "url:abc", "long_url", "https://example.com/").Err(); err != nil {
		return err
	}
	line("step 12", "click (MULTI, 3 keys)", recordClickAsWritten(ctx, rdb, "abc"))

	fmt.Fprintln(out, "With hash tags: keys that must change together share a {tag}, so one slot:")
	ids := make([]string, 2)
	for i := range ids {
		if ids[i], err = createSession(ctx, rdb, "1001"); err != nil {
			return fmt.Errorf("create session with hash tags: %w", err)
		}
	}
	n, err := destroyAllForUser(ctx, rdb, "1001")
	if err != nil {
		return fmt.Errorf("log out everywhere with hash tags: %w", err)
	}
	left, err := rdb.Exists(ctx, sessionKey("1001", ids[0]), sessionKey("1001", ids[1]), userSessionsKey("1001")).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  step 9   session:{1001}:<id>, user_sessions:{1001}: 2 created, log out everywhere → %d destroyed, %d keys left\n", n, left)

	from, to := "account:{smith}:alice", "account:{smith}:bob"
	for _, k := range []string{from, to} {
		if err := rdb.Set(ctx, k, 100*100, 0).Err(); err != nil {
			return err
		}
	}
	if err := transfer(ctx, rdb, from, to, 25*100); err != nil {
		return fmt.Errorf("transfer with hash tags: %w", err)
	}
	if err := transferLua(ctx, rdb, to, from, 5*100); err != nil {
		return fmt.Errorf("Lua transfer with hash tags: %w", err)
	}
	balances, err := rdb.MGet(ctx, from, to).Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  step 10  %s, %s: $25 with WATCH, $5 back with Lua → %v cents\n", from, to, balances)

	if err := rdb.HSet(ctx, "url:{abc}", "long_url", "https://example.com/").Err(); err != nil {
		return err
	}
	for range 3 {
		if err := recordClick(ctx, rdb, "abc"); err != nil {
			return fmt.Errorf("click with hash tags: %w", err)
		}
	}
	clicks, _ := rdb.HGet(ctx, "url:{abc}", "clicks").Result()
	recent, _ := rdb.LLen(ctx, "url:{abc}:clicks").Result()
	score, _ := rdb.ZScore(ctx, "urls:popular", "abc").Result()
	fmt.Fprintf(out, "  step 12  url:{abc}, url:{abc}:clicks in MULTI, urls:popular after it: 3 clicks → clicks=%s, list=%d, ranking=%g\n", clicks, recent, score)
	return nil
}

// outcome says how a multi-key call went, in a few words.
func outcome(err error) string {
	// A CROSSSLOT error reads the same whether the server refused the
	// command or go-redis refused the transaction before sending it.
	if err == nil {
		return "works"
	}
	return "fails: " + err.Error()
}

// rateLimitScript has the shape of step 8's sliding window: everything it
// reads and writes is KEYS[1], so it is cluster-safe as written.
var rateLimitScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now, now .. '-' .. ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(tonumber(ARGV[1]) / 1000))
  return 1
end
return 0
`)

// allowRequest runs the rate limiter's script for one request.
func allowRequest(ctx context.Context, rdb redis.Scripter, key string, limit int, window time.Duration) (bool, error) {
	n, err := rateLimitScript.Run(ctx, rdb, []string{key}, window.Microseconds(), limit, newSessionID()).Int()
	return n == 1, err
}

// createSessionAsWritten is step 9's Manager.Create: the session hash and
// the user's set in one MULTI/EXEC.
func createSessionAsWritten(ctx context.Context, rdb redis.Cmdable, userID string) (string, error) {
	id := newSessionID()
	_, err := rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.HSet(ctx, "session:"+id, "user_id", userID)
		pipe.PExpire(ctx, "session:"+id, 30*time.Minute)
		pipe.SAdd(ctx, "user_sessions:"+userID, id)
		return nil
	})
	return id, err
}

// destroyAllAsWritten is step 9's Manager.DestroyAllForUser: read the
// user's set, then delete the sessions and the IDs in one MULTI/EXEC.
func destroyAllAsWritten(ctx context.Context, rdb redis.Cmdable, userID string) (int, error) {
	ids, err := rdb.SMembers(ctx, "user_sessions:"+userID).Result()
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	_, err = rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, id := range ids {
			pipe.Del(ctx, "session:"+id)
			pipe.SRem(ctx, "user_sessions:"+userID, id)
		}
		return nil
	})
	return len(ids), err
}

// sessionKey and userSessionsKey are step 9's key names made cluster-safe:
// both carry the user's ID as a hash tag, so a user's sessions and the set
// that lists them share a slot, and one MULTI/EXEC can change them all.
// The price: finding a session now takes the user's ID as well as the
// session's, so the cookie carries both (the user's ID is no secret; the
// 256 random bits are).
func sessionKey(userID, id string) string  { return "session:{" + userID + "}:" + id }
func userSessionsKey(userID string) string { return "user_sessions:{" + userID + "}" }

// createSession is Create with the tagged keys: all or nothing again.
func createSession(ctx context.Context, rdb redis.Cmdable, userID string) (string, error) {
	id := newSessionID()
	_, err := rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.HSet(ctx, sessionKey(userID, id), "user_id", userID)
		pipe.PExpire(ctx, sessionKey(userID, id), 30*time.Minute)
		pipe.SAdd(ctx, userSessionsKey(userID), id)
		return nil
	})
	return id, err
}

// destroyAllForUser is "log out everywhere" with the tagged keys.
func destroyAllForUser(ctx context.Context, rdb redis.Cmdable, userID string) (int, error) {
	ids, err := rdb.SMembers(ctx, userSessionsKey(userID)).Result()
	if err != nil || len(ids) == 0 {
		return 0, err
	}
	var dels []*redis.IntCmd
	_, err = rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		for _, id := range ids {
			dels = append(dels, pipe.Del(ctx, sessionKey(userID, id)))
			pipe.SRem(ctx, userSessionsKey(userID), id)
		}
		return nil
	})
	n := 0
	for _, d := range dels {
		n += int(d.Val())
	}
	return n, err
}

func newSessionID() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// transfer is step 10's Bank.Transfer for two balance keys: WATCH both,
// read both, write both in MULTI/EXEC. On a cluster go-redis refuses to
// WATCH keys of two slots: the transaction would have to span two nodes.
func transfer(ctx context.Context, rdb *redis.ClusterClient, fromKey, toKey string, amount int64) error {
	return rdb.Watch(ctx, func(tx *redis.Tx) error {
		vals, err := tx.MGet(ctx, fromKey, toKey).Result()
		if err != nil {
			return err
		}
		s, ok := vals[0].(string)
		if !ok || vals[1] == nil {
			return errors.New("no such account")
		}
		balance, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return fmt.Errorf("%s holds %q, not a balance in cents", fromKey, s)
		}
		if balance < amount {
			return errors.New("insufficient funds")
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.DecrBy(ctx, fromKey, amount)
			pipe.IncrBy(ctx, toKey, amount)
			return nil
		})
		return err
	}, fromKey, toKey)
}

// transferScript is step 10's Lua transfer: both keys in one script.
var transferScript = redis.NewScript(`
local from = tonumber(redis.call('GET', KEYS[1]))
if not from or not redis.call('GET', KEYS[2]) then return -1 end
if from < tonumber(ARGV[1]) then return 0 end
redis.call('DECRBY', KEYS[1], ARGV[1])
redis.call('INCRBY', KEYS[2], ARGV[1])
return 1
`)

func transferLua(ctx context.Context, rdb redis.Scripter, fromKey, toKey string, amount int64) error {
	n, err := transferScript.Run(ctx, rdb, []string{fromKey, toKey}, amount).Int()
	switch {
	case err != nil:
		return err
	case n == 0:
		return errors.New("insufficient funds")
	case n < 0:
		return errors.New("no such account")
	}
	return nil
}

// recordClickAsWritten is step 12's recordClick: the link's hash, the
// global ranking and the click list in one MULTI/EXEC.
func recordClickAsWritten(ctx context.Context, rdb redis.Cmdable, code string) error {
	_, err := rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.HIncrBy(ctx, "url:"+code, "clicks", 1)
		tx.ZIncrBy(ctx, "urls:popular", 1, code)
		tx.LPush(ctx, "url:"+code+":clicks", time.Now().UnixMilli())
		tx.LTrim(ctx, "url:"+code+":clicks", 0, 999)
		return nil
	})
	return err
}

// recordClick is the cluster-safe version. The link's hash and its click
// list are tagged with the code and change together; the ranking of all
// links cannot share a slot with every link, so it is updated right after
// the transaction, on its own. A crash in between costs the ranking one
// click, and the hash keeps the true count to rebuild it from.
func recordClick(ctx context.Context, rdb redis.Cmdable, code string) error {
	_, err := rdb.TxPipelined(ctx, func(tx redis.Pipeliner) error {
		tx.HIncrBy(ctx, "url:{"+code+"}", "clicks", 1)
		tx.LPush(ctx, "url:{"+code+"}:clicks", time.Now().UnixMilli())
		tx.LTrim(ctx, "url:{"+code+"}:clicks", 0, 999)
		return nil
	})
	if err != nil {
		return err
	}
	return rdb.ZIncrBy(ctx, "urls:popular", 1, code).Err()
}
