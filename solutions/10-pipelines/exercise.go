package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// The errors MoveCents ends with. Test for them with errors.Is.
var (
	ErrShortOfFunds   = errors.New("not enough money in the account")
	ErrUnknownAccount = errors.New("no such account")
)

// moveAttempts bounds how often MoveCents retries after losing a race.
const moveAttempts = 50

// MoveCents moves cents from one account to another. The balances are
// whole cents in ONE hash, at key, one field per account ("alice" →
// "10000" is $100.00).
//
// It is all or nothing, and correct however many clients move money at the
// same time: it never takes an account below zero (ErrShortOfFunds) and
// never loses another client's change. Both accounts must exist
// (ErrUnknownAccount; nothing is created). cents must be positive and the
// accounts different.
//
// Use optimistic locking, as Bank.Transfer does: WATCH the hash, read,
// decide, write in MULTI/EXEC. When EXEC fails because the hash changed
// (redis.TxFailedErr), read and decide again, up to moveAttempts times.
func MoveCents(ctx context.Context, rdb *redis.Client, key, from, to string, cents int64) error {
	if cents <= 0 {
		return fmt.Errorf("move %d cents: the amount must be positive", cents)
	}
	if from == to {
		return fmt.Errorf("move from %s to itself: name two different accounts", from)
	}
	attempt := func(tx *redis.Tx) error {
		// Read after WATCH: if anyone writes the hash from now on, EXEC
		// below does nothing.
		vals, err := tx.HMGet(ctx, key, from, to).Result()
		if err != nil {
			return err
		}
		balance, err := centsOf(from, vals[0])
		if err != nil {
			return err
		}
		if _, err := centsOf(to, vals[1]); err != nil {
			return err
		}
		if balance < cents {
			return fmt.Errorf("%w: %s has %d cents, the move needs %d", ErrShortOfFunds, from, balance, cents)
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.HIncrBy(ctx, key, from, -cents)
			pipe.HIncrBy(ctx, key, to, cents)
			return nil
		})
		return err
	}
	for range moveAttempts {
		err := rdb.Watch(ctx, attempt, key)
		if !errors.Is(err, redis.TxFailedErr) {
			return err // done, or a reason that retrying will not fix
		}
		// Another client changed the hash between our read and our EXEC:
		// nothing was written; read again and decide again.
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return fmt.Errorf("move %d cents from %s to %s: gave up after %d attempts, nothing was moved: %w", cents, from, to, moveAttempts, redis.TxFailedErr)
}

// centsOf reads one HMGET value: nil for a missing field.
func centsOf(account string, v any) (int64, error) {
	s, ok := v.(string)
	if !ok {
		return 0, fmt.Errorf("%w: %s", ErrUnknownAccount, account)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("account %s holds %q, not whole cents", account, s)
	}
	return n, nil
}
