package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func subscribeForTest(t *testing.T, ctx context.Context, rdb *redis.Client, channels ...string) *redis.PubSub {
	t.Helper()
	ps, err := SubscribeReady(ctx, rdb, channels...)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("SubscribeReady returned %q: the exercise is not done yet. Hint: the lesson's Bus.Start does it: subscribe, then count the *redis.Subscription replies of ps.Receive", err)
	}
	if err != nil {
		t.Fatalf("SubscribeReady(%v) returned the error %q, want a subscription", channels, err)
	}
	if ps == nil {
		t.Fatalf("SubscribeReady(%v) returned nil and no error", channels)
	}
	t.Cleanup(func() { _ = ps.Close() })
	return ps
}

// When SubscribeReady returns, Redis counts the subscriptions, a PUBLISH
// reaches the subscriber, and the first thing the caller receives is that
// message: the confirmations were read already.
func TestExerciseSubscribeReady(t *testing.T) {
	ctx, rdb, publisher := testkit.Context(t), testkit.Client(t), testkit.NewClient(t)
	channels := []string{"exercise:orders", "exercise:signups"}
	ps := subscribeForTest(t, ctx, rdb, channels...)

	// Nothing was read from ps yet: whatever SubscribeReady left unread
	// comes first.
	n, err := publisher.Publish(ctx, "exercise:signups", "alice@example.com").Result()
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	reply, err := ps.Receive(rctx)
	if err != nil {
		t.Fatalf("after SubscribeReady and one PUBLISH (received by %d), Receive returned %v, want the message. (Did SubscribeReady start ps.Channel()? Its goroutine takes the messages; leave reading to the caller)", n, err)
	}
	switch r := reply.(type) {
	case *redis.Subscription:
		t.Fatalf("the caller's first Receive returned the confirmation %q of %s, not the message: SubscribeReady returned before reading Redis's confirmations, so it did not know the subscription was in place (and a PUBLISH sent just then can be missed). Read one *redis.Subscription per channel (%d here) before returning", r.Kind, r.Channel, len(channels))
	case *redis.Message:
		if r.Channel != "exercise:signups" || r.Payload != "alice@example.com" {
			t.Fatalf("the first message is %q on %s, want %q on exercise:signups", r.Payload, r.Channel, "alice@example.com")
		}
	default:
		t.Fatalf("the caller's first Receive returned %T %v, want the published message", r, r)
	}
	if n != 1 {
		t.Errorf("PUBLISH right after SubscribeReady reached %d subscribers, want 1", n)
	}
	subs, err := publisher.PubSubNumSub(ctx, channels...).Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range channels {
		if subs[c] != 1 {
			t.Errorf("PUBSUB NUMSUB %s = %d, want 1: subscribe to every channel given", c, subs[c])
		}
	}
}

// Subscribing to nothing is a mistake, said at once.
func TestExerciseSubscribeReadyNeedsChannels(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	ps, err := SubscribeReady(rctx, rdb)
	if err != nil && strings.Contains(err.Error(), "not done yet") {
		t.Fatalf("SubscribeReady returned %q: the exercise is not done yet", err)
	}
	if err == nil {
		_ = ps.Close()
		t.Fatalf("SubscribeReady with no channels returned a subscription and no error: it would wait for messages that can never come. Return an error saying to name a channel")
	}
	if ps != nil {
		t.Errorf("SubscribeReady with no channels returned an error and a non-nil PubSub: return nil with the error (and close anything you opened)")
	}
}
