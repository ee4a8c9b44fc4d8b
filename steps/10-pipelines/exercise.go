package main

import (
	"context"
	"errors"

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
	// TODO(exercise): rdb.Watch(ctx, fn, key) in a loop: fn reads both balances with tx.HMGet, checks them, then tx.TxPipelined the two HINCRBYs; retry on redis.TxFailedErr.
	return errNotDone
}
