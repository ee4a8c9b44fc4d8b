package main

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

const exerciseAccounts = "exercise:balances"

func openAccounts(t *testing.T, ctx context.Context, rdb *redis.Client, balances ...any) {
	t.Helper()
	if err := rdb.HSet(ctx, exerciseAccounts, balances...).Err(); err != nil {
		t.Fatal(err)
	}
}

func moveForTest(t *testing.T, ctx context.Context, rdb *redis.Client, from, to string, cents int64) error {
	t.Helper()
	err := MoveCents(ctx, rdb, exerciseAccounts, from, to, cents)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("MoveCents returned %q: the exercise is not done yet. Hint: Bank.Transfer in transfer.go is the model; here both balances are fields of one hash", err)
	}
	return err
}

func wantBalances(t *testing.T, ctx context.Context, rdb *redis.Client, why string, want map[string]string) {
	t.Helper()
	got := rdb.HGetAll(ctx, exerciseAccounts).Val()
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("%s: the balances are %v, want %v", why, got, want)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("%s: the hash holds %v, want only %v: no account may appear out of nowhere", why, got, want)
	}
}

// interferer is a hook that lets another client change alice's balance
// right after MoveCents first reads the balances: the race, made certain.
type interferer struct {
	other *redis.Client
	delta int64
	once  sync.Once
	fired bool
}

func (h *interferer) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *interferer) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		err := next(ctx, cmd)
		switch strings.ToUpper(cmd.Name()) {
		case "HGET", "HMGET", "HGETALL", "HVALS":
			h.once.Do(func() {
				h.fired = true
				_ = h.other.HIncrBy(context.WithoutCancel(ctx), exerciseAccounts, "alice", h.delta).Err()
			})
		}
		return err
	}
}

func (h *interferer) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

func interfere(t *testing.T, rdb *redis.Client, delta int64) *interferer {
	h := &interferer{other: testkit.NewClient(t), delta: delta}
	rdb.AddHook(h)
	return h
}

// A move changes both balances, in whole cents.
func TestExerciseMoveCents(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	openAccounts(t, ctx, rdb, "alice", 10000, "bob", 500)
	if err := moveForTest(t, ctx, rdb, "alice", "bob", 2500); err != nil {
		t.Fatalf("MoveCents(alice → bob, 2500) returned %q, want nil: alice has 10000", err)
	}
	wantBalances(t, ctx, rdb, "after moving 2500 cents from alice to bob", map[string]string{"alice": "7500", "bob": "3000"})
}

// Not enough money, or an account that does not exist: an error that says
// which, and nothing changes.
func TestExerciseMoveCentsRefuses(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	openAccounts(t, ctx, rdb, "alice", 10000, "bob", 500)
	start := map[string]string{"alice": "10000", "bob": "500"}

	err := moveForTest(t, ctx, rdb, "bob", "alice", 501)
	if !errors.Is(err, ErrShortOfFunds) {
		t.Fatalf("MoveCents(bob → alice, 501) with bob at 500 returned %v, want an error wrapping ErrShortOfFunds (fmt.Errorf(\"%%w: ...\", ErrShortOfFunds))", err)
	}
	wantBalances(t, ctx, rdb, "after a refused move", start)

	for _, tc := range [][2]string{{"alice", "carol"}, {"carol", "alice"}} {
		err := moveForTest(t, ctx, rdb, tc[0], tc[1], 100)
		if !errors.Is(err, ErrUnknownAccount) {
			t.Fatalf("MoveCents(%s → %s, 100) where carol has no account returned %v, want an error wrapping ErrUnknownAccount: HMGET answers nil for a missing field; HINCRBY would create carol with the money (or with a debt)", tc[0], tc[1], err)
		}
		wantBalances(t, ctx, rdb, "after a move involving a missing account", start)
	}
	for _, cents := range []int64{0, -100} {
		if err := moveForTest(t, ctx, rdb, "alice", "bob", cents); err == nil {
			t.Fatalf("MoveCents(alice → bob, %d) returned nil, want an error: a negative move takes money from the receiver", cents)
		}
	}
	wantBalances(t, ctx, rdb, "after refused amounts", start)
}

// Another client takes 100 cents from alice between MoveCents's read and
// its write: the move must notice, read again and still be right.
func TestExerciseMoveCentsRetriesAfterAConflict(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	openAccounts(t, ctx, rdb, "alice", 10000, "bob", 500)
	h := interfere(t, rdb, -100)
	err := moveForTest(t, ctx, rdb, "alice", "bob", 2500)
	if !h.fired {
		t.Fatalf("MoveCents never read the balances with HGET or HMGET: it must read them (after WATCH) to know alice can pay")
	}
	if errors.Is(err, redis.TxFailedErr) {
		t.Fatalf("MoveCents returned %q: EXEC failed because another client changed the hash after WATCH, which is what WATCH is for. Nothing was written, so read and decide again: loop while errors.Is(err, redis.TxFailedErr)", err)
	}
	if err != nil {
		t.Fatalf("MoveCents(alice → bob, 2500) after another client took 100 from alice returned %q, want nil (alice still has 9900)", err)
	}
	got := rdb.HGetAll(ctx, exerciseAccounts).Val()
	if got["alice"] == "7500" {
		t.Fatalf("alice's balance is 7500, want 7400: the other client's withdrawal of 100 was overwritten. Writing a balance computed in Go (HSET alice 7500) needs WATCH, so that EXEC fails when the hash changed after the read")
	}
	wantBalances(t, ctx, rdb, "after the move and the other client's withdrawal of 100", map[string]string{"alice": "7400", "bob": "3000"})
}

// Another client takes 500 of alice's 1000 cents while MoveCents decides to
// move 800: on a second look, alice cannot pay.
func TestExerciseMoveCentsNeverOverdraws(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	openAccounts(t, ctx, rdb, "alice", 1000, "bob", 0)
	interfere(t, rdb, -500)
	err := moveForTest(t, ctx, rdb, "alice", "bob", 800)
	got := rdb.HGetAll(ctx, exerciseAccounts).Val()
	if strings.HasPrefix(got["alice"], "-") {
		t.Fatalf("alice's balance is %s: another client took 500 after MoveCents read 1000, and MoveCents took 800 anyway. WATCH the hash before reading it, and write in tx.TxPipelined: EXEC then fails (redis.TxFailedErr) and the retry sees 500", got["alice"])
	}
	if errors.Is(err, redis.TxFailedErr) {
		t.Fatalf("MoveCents returned %q: retry after redis.TxFailedErr (read and decide again) instead of giving up at once", err)
	}
	if !errors.Is(err, ErrShortOfFunds) {
		t.Fatalf("MoveCents(alice → bob, 800) when alice has 500 left returned %v, want ErrShortOfFunds", err)
	}
	wantBalances(t, ctx, rdb, "after the refused move", map[string]string{"alice": "500", "bob": "0"})
}

// Twenty clients each move 100 of alice's 1000 cents at once: exactly ten
// succeed, the rest are refused, and no cent appears or disappears.
func TestExerciseMoveCentsConcurrently(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	openAccounts(t, ctx, rdb, "alice", 1000, "bob", 0)
	var wg sync.WaitGroup
	results := make(chan error, 20)
	for range 20 {
		wg.Go(func() { results <- MoveCents(ctx, rdb, exerciseAccounts, "alice", "bob", 100) })
	}
	wg.Wait()
	close(results)
	ok, short := 0, 0
	for err := range results {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrShortOfFunds):
			short++
		default:
			t.Fatalf("one of 20 concurrent moves returned %q, want nil or ErrShortOfFunds (a lost race, redis.TxFailedErr, is retried, not returned)", err)
		}
	}
	if ok != 10 || short != 10 {
		t.Errorf("20 concurrent moves of 100 from 1000: %d succeeded and %d were refused, want 10 and 10", ok, short)
	}
	wantBalances(t, ctx, rdb, "after 20 concurrent moves of 100 from alice's 1000", map[string]string{"alice": "0", "bob": "1000"})
}
