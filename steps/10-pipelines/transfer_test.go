package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestCentsPrintAsDollars(t *testing.T) {
	for c, want := range map[Cents]string{7500: "$75.00", 5: "$0.05", 0: "$0.00", -5000: "-$50.00", 100*Dollar + 1: "$100.01"} {
		assert.Equal(t, want, c.String())
	}
}

// Each way of transferring, for the tests that hold for both.
func transfers(bank *Bank) map[string]func(context.Context, string, string, Cents) error {
	return map[string]func(context.Context, string, string, Cents) error{
		"watch": bank.Transfer,
		"lua":   bank.TransferLua,
	}
}

func TestInsufficientFundsAreRefused(t *testing.T) {
	for _, name := range []string{"watch", "lua"} {
		t.Run(name, func(t *testing.T) {
			ctx, rdb := testkit.Context(t), testkit.Client(t)
			bank := NewBank(rdb)
			fn := transfers(bank)[name]
			require.NoError(t, bank.Open(ctx, "alice", 100*Dollar))
			require.NoError(t, bank.Open(ctx, "bob", 50*Dollar))

			err := fn(ctx, "alice", "bob", 100*Dollar+1)
			assert.ErrorIs(t, err, ErrInsufficientFunds)
			assert.EqualError(t, err, "insufficient funds: alice has $100.00, the transfer needs $100.01")
			assertBalances(t, bank, map[string]Cents{"alice": 100 * Dollar, "bob": 50 * Dollar})

			// Exactly the whole balance is fine.
			require.NoError(t, fn(ctx, "alice", "bob", 100*Dollar))
			assertBalances(t, bank, map[string]Cents{"alice": 0, "bob": 150 * Dollar})
		})
	}
}

func TestBadTransfersAreRefused(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bank := NewBank(rdb)
	require.NoError(t, bank.Open(ctx, "alice", 100*Dollar))
	for name, fn := range transfers(bank) {
		assert.ErrorContains(t, fn(ctx, "alice", "bob", 0), "must be positive", name)
		assert.ErrorContains(t, fn(ctx, "alice", "bob", -1*Dollar), "must be positive", name)
		assert.ErrorContains(t, fn(ctx, "alice", "alice", Dollar), "to itself", name)
		err := fn(ctx, "alice", "nobody", Dollar)
		assert.ErrorIs(t, err, ErrNoAccount, name)
		assert.ErrorContains(t, err, "nobody", name)
		err = fn(ctx, "nobody", "alice", Dollar)
		assert.ErrorIs(t, err, ErrNoAccount, name)
		assert.ErrorContains(t, err, "nobody", name)
	}
	// Nothing moved, and no account was created by a refused transfer.
	assertBalances(t, bank, map[string]Cents{"alice": 100 * Dollar})
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Equal(t, int64(1), n)
}

// The same interleaving that overdraws without WATCH: here the second
// transfer's write makes the first one's EXEC fail, the first one reads
// again, and now refuses. The retry path, made certain.
func TestTransferRetriesWhenAnotherClientCutsIn(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bank := NewBank(rdb)
	require.NoError(t, bank.Open(ctx, "alice", 100*Dollar))
	require.NoError(t, bank.Open(ctx, "bob", 0))

	other := NewBank(testkit.NewClient(t))
	var cutIns int
	bank.afterRead = func() {
		if cutIns == 0 {
			require.NoError(t, other.Transfer(ctx, "alice", "bob", 75*Dollar))
		}
		cutIns++
	}
	err := bank.Transfer(ctx, "alice", "bob", 75*Dollar)
	assert.ErrorIs(t, err, ErrInsufficientFunds)
	assert.EqualError(t, err, "insufficient funds: alice has $25.00, the transfer needs $75.00")
	assert.Equal(t, int64(1), bank.Conflicts(), "EXEC failed once (redis.TxFailedErr) and the transfer started over")
	assert.Equal(t, 1, cutIns, "the second attempt refused before writing")
	assertBalances(t, bank, map[string]Cents{"alice": 25 * Dollar, "bob": 75 * Dollar})
}

func TestTransferGivesUpAfterMaxAttempts(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bank := NewBank(rdb)
	bank.MaxAttempts = 3
	require.NoError(t, bank.Open(ctx, "alice", 100*Dollar))
	require.NoError(t, bank.Open(ctx, "bob", 0))
	other := testkit.NewClient(t)
	// Someone touches Bob's account every time: no attempt can commit.
	bank.afterRead = func() { require.NoError(t, other.IncrBy(ctx, accountKey("bob"), 0).Err()) }

	err := bank.Transfer(ctx, "alice", "bob", Dollar)
	assert.ErrorIs(t, err, ErrContention)
	assert.ErrorContains(t, err, "gave up after 3 attempts")
	assert.Equal(t, int64(3), bank.Conflicts())
	assertBalances(t, bank, map[string]Cents{"alice": 100 * Dollar, "bob": 0})

	// And a context that ends stops the waiting between attempts at once.
	bank.MaxAttempts, bank.Backoff, bank.MaxBackoff = 100, time.Minute, time.Minute
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	assert.ErrorIs(t, bank.Transfer(short, "alice", "bob", Dollar), context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

// The invariant under contention: 1,000 random transfers among 10 accounts
// from 32 goroutines. At every moment the total is the same and no balance
// is negative, and at the end too.
func TestInvariantUnderContention(t *testing.T) {
	for _, name := range []string{"watch", "lua"} {
		t.Run(name, func(t *testing.T) {
			bank := NewBank(testkit.Client(t))
			moved := contention(t, bank, transfers(bank)[name])
			t.Logf("%d transfers went through; %d attempts lost a race and were retried", moved, bank.Conflicts())
			if name == "watch" {
				// The test must prove the retry path ran, not only that
				// the end state is right.
				assert.Positive(t, bank.Conflicts(), "no transfer ever lost a race: the contention test did not contend")
			} else {
				assert.Zero(t, bank.Conflicts(), "a script never needs a retry")
			}
		})
	}
}

func contention(t *testing.T, bank *Bank, transfer func(context.Context, string, string, Cents) error) int {
	const accounts, workers, count = 10, 32, 1000
	const opening = 100 * Dollar
	ctx := testkit.Context(t)
	names := make([]string, accounts)
	keys := make([]string, accounts)
	for i := range names {
		names[i] = fmt.Sprint("acct", i)
		keys[i] = accountKey(names[i])
		require.NoError(t, bank.Open(ctx, names[i], opening))
	}
	const total = accounts * opening

	type job struct {
		from, to string
		amount   Cents
	}
	rng := rand.New(rand.NewPCG(10, 32)) // the same transfers every run
	jobs := make(chan job, count)
	for range count {
		from, to := rng.IntN(accounts), rng.IntN(accounts-1)
		if to >= from {
			to++ // any account but from
		}
		jobs <- job{names[from], names[to], Cents(1 + rng.IntN(int(40*Dollar)))}
	}
	close(jobs)

	// A watcher reads all balances at once (MGET is atomic) while the
	// transfers run: each snapshot must add up and have no negative balance.
	done := make(chan struct{})
	watcher := testkit.NewClient(t)
	var snapshots atomic.Int64
	var watching sync.WaitGroup
	watching.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			vals, err := watcher.MGet(ctx, keys...).Result()
			if err != nil {
				t.Errorf("watcher: %v", err)
				return
			}
			checkSnapshot(t, vals, total)
			snapshots.Add(1)
		}
	})

	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for j := range jobs {
				err := transfer(ctx, j.from, j.to, j.amount)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrInsufficientFunds):
					refused.Add(1)
				default:
					t.Errorf("transfer %v from %s to %s: %v", j.amount, j.from, j.to, err)
				}
			}
		})
	}
	wg.Wait()
	close(done)
	watching.Wait()

	vals, err := watcher.MGet(ctx, keys...).Result()
	require.NoError(t, err)
	checkSnapshot(t, vals, total)
	assert.Equal(t, int64(count), ok.Load()+refused.Load())
	assert.Greater(t, ok.Load(), int64(count/2), "most transfers should go through")
	assert.Positive(t, refused.Load(), "some transfers should meet an empty account")
	assert.Positive(t, snapshots.Load())
	return int(ok.Load())
}

func checkSnapshot(t *testing.T, vals []any, total Cents) {
	var sum Cents
	for i, v := range vals {
		c, err := parseBalance(fmt.Sprint("acct", i), v)
		if err != nil {
			t.Errorf("snapshot: %v", err)
			return
		}
		if c < 0 {
			t.Errorf("acct%d is negative: %v", i, c)
		}
		sum += c
	}
	if sum != total {
		t.Errorf("money was created or lost: the accounts hold %v, not %v", sum, total)
	}
}

func assertBalances(t *testing.T, bank *Bank, want map[string]Cents) {
	t.Helper()
	ctx := testkit.Context(t)
	for name, w := range want {
		got, err := bank.Balance(ctx, name)
		require.NoError(t, err)
		assert.Equal(t, w, got, name)
	}
}
