package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// SubscribeReady subscribes to channels and returns only once Redis has
// confirmed every one of them: from then on, every message published to
// them reaches the returned PubSub, and the caller's first Receive returns
// a message, not a leftover confirmation. The caller reads messages
// (ps.ReceiveMessage, or ps.Receive) and closes ps when done.
//
// No channels is an error. On any error nothing is left open.
func SubscribeReady(ctx context.Context, rdb *redis.Client, channels ...string) (*redis.PubSub, error) {
	if len(channels) == 0 {
		return nil, errors.New("subscribe: no channels: name at least one")
	}
	// Subscribe sends SUBSCRIBE and returns at once, without waiting for
	// Redis's answer: until the confirmation arrives, a message published
	// now may be missed.
	ps := rdb.Subscribe(ctx, channels...)
	// Redis confirms each channel with a "subscribe" reply, which Receive
	// returns as a *redis.Subscription. One SUBSCRIBE command is handled
	// whole, so no message can arrive before all its confirmations.
	for confirmed := 0; confirmed < len(channels); {
		reply, err := ps.Receive(ctx)
		if err != nil {
			_ = ps.Close()
			return nil, fmt.Errorf("subscribe %v: waiting for the confirmation: %w", channels, err)
		}
		switch r := reply.(type) {
		case *redis.Subscription:
			confirmed++
		default:
			_ = ps.Close()
			return nil, fmt.Errorf("subscribe %v: expected a confirmation, got %v", channels, r)
		}
	}
	return ps, nil
}
