package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/keyclaim"
)

// demo is the tutorial's step 10: the benchmark, then the transfer.
func demo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	if err := demoBenchmark(ctx, out, rdb); err != nil {
		return err
	}
	fmt.Fprintln(out)
	return demoTransfer(ctx, out, rdb)
}

// demoTransfer moves money between Alice and Bob, whose balances are kept
// in cents, as the tutorial sets them up.
func demoTransfer(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	bank := NewBank(rdb)
	// This Redis may hold a real application's account:alice: claim the
	// keys first, which stops the step, changing nothing, if either exists
	// and was not written by the workbook (internal/keyclaim).
	if err := keyclaim.Claim(ctx, rdb, "step 10", accountKey("alice"), accountKey("bob")); err != nil {
		return err
	}
	if err := bank.Open(ctx, "alice", 100*Dollar); err != nil {
		return err
	}
	if err := bank.Open(ctx, "bob", 50*Dollar); err != nil {
		return err
	}

	steps := []struct {
		label    string
		transfer func() error
	}{
		{"Transfer $25", func() error { return bank.Transfer(ctx, "alice", "bob", 25*Dollar) }},
		{"Transfer $500 from Bob", func() error { return bank.Transfer(ctx, "bob", "alice", 500*Dollar) }},
		{"Transfer $25 back with a Lua script", func() error { return bank.TransferLua(ctx, "bob", "alice", 25*Dollar) }},
	}
	for _, s := range steps {
		err := s.transfer()
		switch {
		case err == nil:
			fmt.Fprintf(out, "%s: Success\n", s.label)
		case errors.Is(err, ErrInsufficientFunds), errors.Is(err, ErrContention):
			// Refusals the bank expects: say so and go on.
			fmt.Fprintf(out, "%s: Refused: %v\n", s.label, err)
		default:
			return err
		}
		for _, name := range []string{"alice", "bob"} {
			balance, err := bank.Balance(ctx, name)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s: %v\n", title(name), balance)
		}
	}
	fmt.Fprintf(out, "Left %s and %s for you to look at with redis-cli\n", accountKey("alice"), accountKey("bob"))
	return nil
}

func title(name string) string { return string(name[0]-'a'+'A') + name[1:] }
