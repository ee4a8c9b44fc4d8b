package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Cents is an amount of money in whole cents. Money is never a float: 0.1 +
// 0.2 is not 0.3 in binary floating point, and a bank that loses a cent per
// million transfers is a broken bank. A type of its own also stops the
// tutorial's bug cold: comparing a balance in cents with an amount in
// dollars does not compile when the two have different types.
type Cents int64

// Dollar is 100 cents: write amounts as 25*Dollar.
const Dollar Cents = 100

// String prints cents as dollars: 7500 → "$75.00".
func (c Cents) String() string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	return fmt.Sprintf("%s$%d.%02d", sign, c/100, c%100)
}

// The errors a transfer can end with. Test for them with errors.Is.
var (
	ErrInsufficientFunds = errors.New("insufficient funds")
	ErrNoAccount         = errors.New("no such account")
	// ErrContention means the accounts kept changing under us until we
	// gave up: nothing was transferred, and trying again later is safe.
	ErrContention = errors.New("too much contention")
)

// accountKey is where an account's balance lives, in cents, as the
// tutorial has it: account:alice → 10000 is $100.00.
func accountKey(name string) string { return "account:" + name }

// Bank moves money between accounts whose balances are plain string keys.
type Bank struct {
	rdb *redis.Client
	// MaxAttempts bounds how often a transfer that lost a race is retried.
	MaxAttempts int
	// Backoff is the first pause before a retry; it doubles each attempt,
	// up to MaxBackoff, and a random part of it is taken (jitter) so that
	// the goroutines that collided do not collide again in lockstep.
	Backoff, MaxBackoff time.Duration

	conflicts atomic.Int64
	// afterRead, when set, runs between reading the balances and EXEC:
	// tests use it to let another client cut in at the worst moment.
	afterRead func()
}

// NewBank returns a Bank with retry settings that suit a busy server.
func NewBank(rdb *redis.Client) *Bank {
	return &Bank{rdb: rdb, MaxAttempts: 50, Backoff: time.Millisecond, MaxBackoff: 50 * time.Millisecond}
}

// Conflicts is how many times a transfer lost the race: EXEC did nothing
// because a watched key had changed (redis.TxFailedErr).
func (b *Bank) Conflicts() int64 { return b.conflicts.Load() }

// Open sets an account's balance.
func (b *Bank) Open(ctx context.Context, name string, balance Cents) error {
	return b.rdb.Set(ctx, accountKey(name), int64(balance), 0).Err()
}

// Balance reads an account's balance.
func (b *Bank) Balance(ctx context.Context, name string) (Cents, error) {
	n, err := b.rdb.Get(ctx, accountKey(name)).Int64()
	if errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("%w: %s", ErrNoAccount, name)
	}
	return Cents(n), err
}

// Transfer moves amount from one account to another, all or nothing, and
// never leaves the source account below zero, however many clients
// transfer at the same time.
func (b *Bank) Transfer(ctx context.Context, from, to string, amount Cents) error {
	if err := checkTransfer(from, to, amount); err != nil {
		return err
	}
	fromKey, toKey := accountKey(from), accountKey(to)

	// Optimistic locking: WATCH the two keys, read, decide, then
	// MULTI/EXEC. If another client wrote either key after the WATCH,
	// EXEC does nothing and go-redis returns redis.TxFailedErr.
	attempt := func(tx *redis.Tx) error {
		vals, err := tx.MGet(ctx, fromKey, toKey).Result()
		if err != nil {
			return err
		}
		balance, err := parseBalance(from, vals[0])
		if err != nil {
			return err
		}
		if _, err := parseBalance(to, vals[1]); err != nil {
			return err
		}
		if balance < amount {
			return fmt.Errorf("%w: %s has %v, the transfer needs %v", ErrInsufficientFunds, from, balance, amount)
		}
		if b.afterRead != nil {
			b.afterRead()
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.DecrBy(ctx, fromKey, int64(amount))
			pipe.IncrBy(ctx, toKey, int64(amount))
			return nil
		})
		return err
	}

	backoff := b.Backoff
	for n := 1; ; n++ {
		err := b.rdb.Watch(ctx, attempt, fromKey, toKey)
		if !errors.Is(err, redis.TxFailedErr) {
			return err // nil (done), or a reason that retrying will not fix
		}
		// Someone else changed an account between our read and our EXEC.
		// Nothing was written: read again and decide again, after a pause.
		b.conflicts.Add(1)
		if n >= b.MaxAttempts {
			break
		}
		if err := sleep(ctx, rand.N(backoff)+1); err != nil {
			return err
		}
		backoff = min(2*backoff, b.MaxBackoff)
	}
	return fmt.Errorf("transfer %v from %s to %s: %w: gave up after %d attempts; nothing was transferred, try again", amount, from, to, ErrContention, b.MaxAttempts)
}

// transferScript does the same inside Redis. A script runs alone: no other
// command runs between its GETs and its writes, so there is nothing to
// WATCH and nothing to retry. Lua numbers are doubles, exact for whole
// cents up to 2^53 (90 trillion dollars).
var transferScript = redis.NewScript(`
local from = redis.call('GET', KEYS[1])
local to = redis.call('GET', KEYS[2])
if not from then return {-1, 1} end
if not to then return {-1, 2} end
local amount = tonumber(ARGV[1])
if tonumber(from) < amount then return {0, tonumber(from)} end
redis.call('DECRBY', KEYS[1], amount)
redis.call('INCRBY', KEYS[2], amount)
return {1, 0}
`)

// TransferLua is Transfer as one atomic script: one round trip, no retries.
func (b *Bank) TransferLua(ctx context.Context, from, to string, amount Cents) error {
	if err := checkTransfer(from, to, amount); err != nil {
		return err
	}
	res, err := transferScript.Run(ctx, b.rdb, []string{accountKey(from), accountKey(to)}, int64(amount)).Int64Slice()
	if err != nil {
		return err
	}
	switch res[0] {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("%w: %s has %v, the transfer needs %v", ErrInsufficientFunds, from, Cents(res[1]), amount)
	}
	missing := from // the script says which key it did not find: 1 or 2
	if res[1] == 2 {
		missing = to
	}
	return fmt.Errorf("%w: %s (open it first)", ErrNoAccount, missing)
}

// checkTransfer refuses what no balance can make right.
func checkTransfer(from, to string, amount Cents) error {
	switch {
	case amount <= 0:
		return fmt.Errorf("transfer amount must be positive, got %v", amount)
	case from == to:
		return fmt.Errorf("transfer from %s to itself: pick two different accounts", from)
	}
	return nil
}

// parseBalance reads one MGET value: nil means no account.
func parseBalance(name string, v any) (Cents, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("%w: %s (open it first)", ErrNoAccount, name)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s holds %q, not a balance in cents", accountKey(name), s)
	}
	return Cents(n), nil
}

// sleep waits for d, or less if ctx ends first.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
