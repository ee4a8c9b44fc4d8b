package main

import (
	"context"
	"errors"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// tutorialTransfer is the tutorial's transfer_funds, ported as it is. The
// balance is read in cents (10000 for $100) and compared with the amount in
// dollars (150.0): 10000 < 150 is false, so the check passes however large
// the amount is, as long as it is under a hundredth of the balance's number.
func tutorialTransfer(ctx context.Context, rdb *redis.Client, from, to string, amount float64) bool {
	err := rdb.Watch(ctx, func(tx *redis.Tx) error {
		s, _ := tx.Get(ctx, from).Result()
		balance, _ := strconv.ParseFloat(s, 64)
		if balance < amount { // cents < dollars: the bug
			return errRefused
		}
		_, err := tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.DecrBy(ctx, from, int64(amount*100))
			pipe.IncrBy(ctx, to, int64(amount*100))
			return nil
		})
		return err
	}, from, to)
	return err == nil
}

// errRefused stands for the tutorial's `return False`.
var errRefused = errors.New("refused")

func TestTutorialTransferOverdraws(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	require.NoError(t, rdb.Set(ctx, "account:alice", 10000, 0).Err()) // $100.00
	require.NoError(t, rdb.Set(ctx, "account:bob", 5000, 0).Err())

	assert.True(t, tutorialTransfer(ctx, rdb, "account:alice", "account:bob", 150), "the tutorial's check let $150 leave a $100 account")
	balance, err := rdb.Get(ctx, "account:alice").Int64()
	require.NoError(t, err)
	assert.Equal(t, int64(-5000), balance, "Alice is $50 overdrawn")

	// The Go version refuses, and its types would not let the mistake compile.
	bank := NewBank(rdb)
	require.NoError(t, bank.Open(ctx, "carol", 100*Dollar))
	require.NoError(t, bank.Open(ctx, "dave", 0))
	assert.ErrorIs(t, bank.Transfer(ctx, "carol", "dave", 150*Dollar), ErrInsufficientFunds)
}

// noWatchTransfer checks the balance and then writes in MULTI/EXEC, but
// without WATCH: MULTI/EXEC makes the writes atomic, not the check before
// them. between runs where another client can cut in.
func noWatchTransfer(ctx context.Context, rdb *redis.Client, from, to string, amount Cents, between func()) error {
	balance, err := rdb.Get(ctx, accountKey(from)).Int64()
	if err != nil {
		return err
	}
	if Cents(balance) < amount {
		return ErrInsufficientFunds
	}
	between()
	_, err = rdb.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.DecrBy(ctx, accountKey(from), int64(amount))
		pipe.IncrBy(ctx, accountKey(to), int64(amount))
		return nil
	})
	return err
}

// Two $75 transfers from Alice's $100, the second landing between the first
// one's check and its writes: both pass the check, Alice ends at -$50.
func TestTransferWithoutWatchOverdraws(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bank := NewBank(rdb)
	require.NoError(t, bank.Open(ctx, "alice", 100*Dollar))
	require.NoError(t, bank.Open(ctx, "bob", 0))

	err := noWatchTransfer(ctx, rdb, "alice", "bob", 75*Dollar, func() {
		require.NoError(t, noWatchTransfer(ctx, rdb, "alice", "bob", 75*Dollar, func() {}))
	})
	require.NoError(t, err)
	balance, err := bank.Balance(ctx, "alice")
	require.NoError(t, err)
	assert.Equal(t, -50*Dollar, balance)
}
