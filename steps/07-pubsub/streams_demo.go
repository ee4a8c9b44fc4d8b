package main

import (
	"context"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// The stream and group of the Streams version. Unlike channels, a stream
// is a key: the lesson deletes it when done.
const (
	streamKey   = "step07:events"
	streamGroup = "notifiers"
	// ordersKey is the stream of the idempotent-production example.
	ordersKey = "step07:orders"
	// idempotentHeading starts that example's part of the output.
	idempotentHeading = "\nIdempotent production (XADD IDMP):\n"
)

// streamsDemo is the same example on a stream, in the order pub/sub
// cannot survive: the events are published BEFORE any consumer runs.
func streamsDemo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	// Start from an empty stream so that every run prints the same.
	if err := rdb.Del(ctx, streamKey).Err(); err != nil {
		return fmt.Errorf("clearing %s: %w", streamKey, err)
	}
	defer rdb.Del(context.WithoutCancel(ctx), streamKey)

	bus := NewStreamBus(rdb, streamKey, streamGroup)
	if err := bus.CreateGroup(ctx); err != nil {
		return err
	}

	// Nobody is reading yet. With pub/sub, these two would be lost.
	err := publishDemoEvents(ctx, func(ctx context.Context, channel string, data any) error {
		_, err := bus.Publish(ctx, channel, data)
		return err
	})
	if err != nil {
		return err
	}

	// Now a consumer starts, and finds both events waiting.
	received := make(chan Event, 2)
	bus.Handle(signupChannel, printSignup(out, received))
	bus.Handle(orderChannel, printOrder(out, received))
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- bus.Run(runCtx, "worker-1") }()

	events, err := collect(ctx, received, 2)
	stop()
	if runErr := <-done; runErr != nil && err == nil {
		err = runErr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nProcessed %d events\n", len(events))
	return idempotentDemo(ctx, out, rdb)
}

// idempotentDemo sends one order the way a producer that retries does:
// twice with the same IDs, then once from another producer. Redis 8.6 adds
// the entry once per producer; a server without IDMP is named, with what
// it lacks, and the rest of the step has run anyway.
func idempotentDemo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	fmt.Fprint(out, idempotentHeading)
	// XADD exists everywhere; only its documented arguments (COMMAND DOCS
	// XADD) say whether it takes IDMP. features.Detect reads them.
	set, err := features.Detect(ctx, rdb, "this server")
	if err != nil {
		return fmt.Errorf("asking the server what it supports: %w", err)
	}
	if !set.Has(features.StreamIdempotence) {
		set.Server = "Redis " + set.Version
		if set.Embedded() {
			set.Server = "the embedded server"
		}
		fmt.Fprintln(out, "  skipped: "+set.Missing(features.StreamIdempotence))
		return nil
	}
	if err := rdb.Del(ctx, ordersKey).Err(); err != nil {
		return fmt.Errorf("clearing %s: %w", ordersKey, err)
	}
	defer rdb.Del(context.WithoutCancel(ctx), ordersKey)

	bus := NewStreamBus(rdb, ordersKey, streamGroup)
	o := order{OrderID: 9001, Total: 149.99, Items: 3}
	seen := map[string]bool{}
	send := func(what, producer string) error {
		id, err := bus.PublishOnce(ctx, producer, "order-9001", orderChannel, o)
		if err != nil {
			return err
		}
		verdict := "added"
		if seen[id] {
			verdict = "the entry added before: nothing added"
		}
		seen[id] = true
		fmt.Fprintf(out, "  %-34s → %s\n", what, verdict)
		return nil
	}
	if err := send("order-9001 from checkout-1", "checkout-1"); err != nil {
		return err
	}
	if err := send("the same again (a retry)", "checkout-1"); err != nil {
		return err
	}
	// Event IDs count per producer: another producer's order-9001 is
	// another event.
	if err := send("order-9001 from checkout-2", "checkout-2"); err != nil {
		return err
	}
	info, err := rdb.XInfoStream(ctx, ordersKey).Result()
	if err != nil {
		return fmt.Errorf("XINFO STREAM %s: %w", ordersKey, err)
	}
	fmt.Fprintf(out, "  entries: %d; XINFO STREAM: iids-added %d, iids-duplicates %d\n",
		info.Length, info.IIDsAdded, info.IIDsDuplicates)
	return nil
}
