package main

import (
	"context"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"
)

// The stream and group of the Streams version. Unlike channels, a stream
// is a key: the lesson deletes it when done.
const (
	streamKey   = "step07:events"
	streamGroup = "notifiers"
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
	return nil
}
