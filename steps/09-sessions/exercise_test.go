package main

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

const exerciseSession = "exercise:session:abc123"

func touchForTest(t *testing.T, ctx context.Context, rdb *redis.Client, ttl time.Duration, now time.Time) bool {
	t.Helper()
	ok, err := Touch(ctx, rdb, exerciseSession, ttl, now)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("Touch returned %q: the exercise is not done yet. Hint: the lesson's touchScript (sessions.go) checks EXISTS and writes inside one script", err)
	}
	if err != nil {
		t.Fatalf("Touch returned the error %q", err)
	}
	return ok
}

func createExerciseSession(t *testing.T, ctx context.Context, rdb *redis.Client, ttl time.Duration) {
	t.Helper()
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, exerciseSession, "user_id", "user:1001", "role", "admin", "last_active", "1")
		p.PExpire(ctx, exerciseSession, ttl)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A live session gets a fresh last_active and its full TTL back, and keeps
// its other fields.
func TestExerciseTouchALiveSession(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	createExerciseSession(t, ctx, rdb, 10*time.Second)
	now := time.UnixMilli(1_767_225_600_123)
	const ttl = 30 * time.Minute

	if !touchForTest(t, ctx, rdb, ttl, now) {
		t.Fatalf("Touch on a live session returned false, want true")
	}
	fields := rdb.HGetAll(ctx, exerciseSession).Val()
	if got, want := fields["last_active"], strconv.FormatInt(now.UnixMilli(), 10); got != want {
		t.Errorf("last_active = %q, want %q (now in Unix milliseconds: now.UnixMilli())", got, want)
	}
	if fields["user_id"] != "user:1001" || fields["role"] != "admin" {
		t.Errorf("after Touch the session is %v: its other fields must stay as they were (HSET one field, not a new hash)", fields)
	}
	if pttl := rdb.PTTL(ctx, exerciseSession).Val(); pttl <= ttl/2 || pttl > ttl {
		t.Errorf("after Touch with ttl %v the session expires in %v: give it the whole ttl again (PEXPIRE key ttl)", ttl, pttl)
	}
}

// A session that is gone stays gone.
func TestExerciseTouchAGoneSession(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	if touchForTest(t, ctx, rdb, 30*time.Minute, time.Now()) {
		t.Errorf("Touch on a session that does not exist returned true, want false")
	}
	if fields := rdb.HGetAll(ctx, exerciseSession).Val(); len(fields) > 0 {
		t.Fatalf("Touch on a session that does not exist created %v (%s): an expired session came back to life, and whoever holds its cookie is logged in again. Write only when the key exists, in the same atomic step as the check",
			fields, ttlText(rdb.PTTL(ctx, exerciseSession).Val()))
	}
}

// expireMidway is a hook that deletes the session right after the first
// command Touch sends on its own (not in a script, not inside MULTI): an
// expiry at the worst moment, made certain.
type expireMidway struct {
	other *redis.Client
	once  sync.Once
	after string // the command after which the session vanished
}

func (h *expireMidway) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *expireMidway) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		switch strings.ToUpper(cmd.Name()) {
		case "EVAL", "EVALSHA", "EVAL_RO", "EVALSHA_RO", "FCALL", "SCRIPT", "HELLO", "CLIENT":
			return err
		}
		if err == nil {
			h.once.Do(func() {
				h.after = strings.ToUpper(cmd.Name())
				_ = h.other.Del(context.WithoutCancel(ctx), exerciseSession).Err()
			})
		}
		return err
	}
}

func (h *expireMidway) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// The session expires between Touch's first command and the next: no
// command after that may bring it back.
func TestExerciseTouchNeverResurrects(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	createExerciseSession(t, ctx, rdb, time.Minute)
	hook := &expireMidway{other: testkit.NewClient(t)}
	rdb.AddHook(hook)

	touchForTest(t, ctx, rdb, 30*time.Minute, time.Now())
	if hook.after == "" {
		return // one atomic step: there was no moment to expire in
	}
	if fields := rdb.HGetAll(ctx, exerciseSession).Val(); len(fields) > 0 {
		t.Fatalf("the session expired right after Touch's %s, and Touch's next command brought it back as %v (%s). A check followed by a write is two steps, and the session can expire in between: do both in one Lua script (as the lesson's touchScript does), or WATCH the key and write inside MULTI/EXEC",
			hook.after, fields, ttlText(rdb.PTTL(ctx, exerciseSession).Val()))
	}
}

// ttlText says what PTTL answered, in words.
func ttlText(pttl time.Duration) string {
	if pttl == -1 {
		return "and no TTL: it never expires"
	}
	return "TTL " + pttl.String()
}
