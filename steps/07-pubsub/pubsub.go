package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"
)

// The tutorial's two channels. Channels are not keys: nothing is stored,
// so there is nothing to clean up afterwards.
const (
	signupChannel = "events:user:signup"
	orderChannel  = "events:order:placed"
	// The order handler listens to every order event through a pattern.
	orderPattern = "events:order:*"
)

// The events' data, as the handlers decode it.
type signup struct {
	Email string `json:"email"`
	Plan  string `json:"plan"`
}

type order struct {
	OrderID int     `json:"order_id"`
	Total   float64 `json:"total"`
	Items   int     `json:"items"`
}

// How long the lesson waits for its own two events before it gives up.
const eventTimeout = 5 * time.Second

// printSignup and printOrder are the handlers: decode, print, and hand
// the event to received, which the lesson waits on instead of sleeping.
func printSignup(out io.Writer, received chan<- Event) Handler {
	return func(ctx context.Context, e Event) error {
		var s signup
		if err := e.Decode(&s); err != nil {
			return err
		}
		fmt.Fprintf(out, "[USER] New signup: %s\n", s.Email)
		received <- e
		return nil
	}
}

func printOrder(out io.Writer, received chan<- Event) Handler {
	return func(ctx context.Context, e Event) error {
		var o order
		if err := e.Decode(&o); err != nil {
			return err
		}
		fmt.Fprintf(out, "[ORDER] New order #%d: $%.2f\n", o.OrderID, o.Total)
		received <- e
		return nil
	}
}

// publishDemoEvents publishes the tutorial's two events with publish,
// which is either bus's Publish.
func publishDemoEvents(ctx context.Context, publish func(ctx context.Context, channel string, data any) error) error {
	if err := publish(ctx, signupChannel, signup{Email: "alice@example.com", Plan: "pro"}); err != nil {
		return err
	}
	return publish(ctx, orderChannel, order{OrderID: 9001, Total: 149.99, Items: 3})
}

// demo is the tutorial's usage example on pub/sub.
func demo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	received := make(chan Event, 2)
	bus := NewBus(rdb)
	if err := bus.Handle(signupChannel, printSignup(out, received)); err != nil {
		return err
	}
	if err := bus.HandlePattern(orderPattern, printOrder(out, received)); err != nil {
		return err
	}

	// Start returns once Redis has confirmed both subscriptions: the
	// events below cannot be published before anyone listens.
	if err := bus.Start(ctx); err != nil {
		return err
	}
	defer bus.Close()

	err := publishDemoEvents(ctx, func(ctx context.Context, channel string, data any) error {
		n, err := bus.Publish(ctx, channel, data)
		if err == nil && n == 0 {
			err = fmt.Errorf("nobody received the event on %s", channel)
		}
		return err
	})
	if err != nil {
		return err
	}

	events, err := collect(ctx, received, 2)
	if err != nil {
		return err
	}
	// Close waits for the bus's goroutine: after it, no handler runs.
	if err := bus.Close(); err != nil {
		return err
	}
	fmt.Fprintf(out, "\nProcessed %d events\n", len(events))
	return nil
}

// collect waits until n events arrived on received, or gives up after
// eventTimeout with an error that says how many came.
func collect(ctx context.Context, received <-chan Event, n int) ([]Event, error) {
	timeout := time.NewTimer(eventTimeout)
	defer timeout.Stop()
	var events []Event
	for len(events) < n {
		select {
		case e := <-received:
			events = append(events, e)
		case <-timeout.C:
			return events, fmt.Errorf("only %d of %d events were handled within %v", len(events), n, eventTimeout)
		case <-ctx.Done():
			return events, ctx.Err()
		}
	}
	return events, nil
}
