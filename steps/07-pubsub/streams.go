package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// StreamBus is the same bus on a Redis Stream. Where pub/sub hands a
// message to whoever is listening right now and forgets it, a stream
// KEEPS every event; a consumer group remembers, per group, which events
// were delivered, and, per consumer, which were delivered but not yet
// acknowledged. An event published while no consumer runs waits for one;
// an event whose handler failed is delivered again. That is at-least-once
// delivery: handlers must cope with seeing an event twice.
type StreamBus struct {
	rdb    *redis.Client
	stream string
	group  string
	// Block bounds one XREADGROUP wait for new events. It returns at once
	// when an event arrives; the bound is how long Run takes to notice
	// that its context was cancelled.
	Block time.Duration
	// OnError receives handler errors and entries that are not events.
	// By default they are logged.
	OnError func(error)

	handlers map[string]Handler
}

// NewStreamBus returns a bus on the stream key, read by the consumer
// group group.
func NewStreamBus(rdb *redis.Client, stream, group string) *StreamBus {
	return &StreamBus{rdb: rdb, stream: stream, group: group, Block: time.Second, handlers: map[string]Handler{}}
}

// Handle routes the events published to channel to h.
func (b *StreamBus) Handle(channel string, h Handler) { b.handlers[channel] = h }

// CreateGroup creates the consumer group (and the stream, if needed),
// starting at the stream's first entry ("0"), so that events added before
// the group existed are delivered too. A group that exists already is left
// as it is: every consumer may call CreateGroup at start-up.
func (b *StreamBus) CreateGroup(ctx context.Context) error {
	err := b.rdb.XGroupCreateMkStream(ctx, b.stream, b.group, "0").Err()
	if err != nil && !strings.HasPrefix(err.Error(), "BUSYGROUP") {
		return fmt.Errorf("XGROUP CREATE %s %s: %w", b.stream, b.group, err)
	}
	return nil
}

// Publish appends an event to the stream (XADD) and returns its ID. The
// stream's channel field plays the part of the pub/sub channel.
func (b *StreamBus) Publish(ctx context.Context, channel string, data any) (string, error) {
	payload, err := newEvent(data)
	if err != nil {
		return "", err
	}
	id, err := b.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream: b.stream,
		Values: []any{"channel", channel, "event", payload},
	}).Result()
	if err != nil {
		return "", fmt.Errorf("XADD %s: %w", b.stream, err)
	}
	return id, nil
}

// PublishOnce is Publish for a producer that may send the same event
// twice. A producer whose XADD timed out cannot tell whether the entry was
// added, so it sends it again; plain XADD would then add it twice. With
// IDMP (Redis 8.6+) the producer names itself and the event, and Redis
// remembers, per producer, the event IDs it has added: a repeat adds
// nothing and answers the ID of the entry added the first time. Only the
// two IDs count, not the payload, so a retry may carry a fresh timestamp.
// Redis forgets an event ID after a while (by default 100 seconds, or
// beyond the producer's 100 most recent IDs; XCFGSET changes both), which
// bounds how late a retry may come.
func (b *StreamBus) PublishOnce(ctx context.Context, producer, eventID, channel string, data any) (string, error) {
	// go-redis leaves IDMP out when either ID is empty, and the XADD would
	// then quietly be an ordinary one: refuse instead.
	if producer == "" || eventID == "" {
		return "", fmt.Errorf("stream bus: PublishOnce needs a producer ID and an event ID (got %q and %q)", producer, eventID)
	}
	payload, err := newEvent(data)
	if err != nil {
		return "", err
	}
	id, err := b.rdb.XAdd(ctx, &redis.XAddArgs{
		Stream:       b.stream,
		ProducerID:   producer, // XADD key IDMP producer eventID * field value ...
		IdempotentID: eventID,
		Values:       []any{"channel", channel, "event", payload},
	}).Result()
	if err != nil {
		// A server without IDMP refuses the whole command (Redis 8.0:
		// "Invalid stream ID"): nothing was added.
		return "", fmt.Errorf("XADD %s IDMP %s %s: %w", b.stream, producer, eventID, err)
	}
	return id, nil
}

// Run reads events as consumer and calls their handlers, until ctx is
// cancelled. An event is acknowledged (XACK) only after its handler
// returned nil; a failed one stays pending, and Run delivers it again the
// next time this consumer starts.
func (b *StreamBus) Run(ctx context.Context, consumer string) error {
	if b.Block <= 0 {
		return fmt.Errorf("stream bus: Block is %v; it must be positive (XREADGROUP BLOCK 0 waits forever and Run could never stop)", b.Block)
	}
	// First the events this consumer was given before and never
	// acknowledged (it crashed, or a handler failed): reading from an ID
	// returns the consumer's own pending entries after that ID. When none
	// are left, switch to ">": events never delivered to anyone in the
	// group.
	next := "0"
	for ctx.Err() == nil {
		args := &redis.XReadGroupArgs{
			Group:    b.group,
			Consumer: consumer,
			Streams:  []string{b.stream, next},
			Count:    10,
			Block:    b.Block,
		}
		if next != ">" {
			args.Block = -1 // history: answer at once, never block
		}
		res, err := b.rdb.XReadGroup(ctx, args).Result()
		if errors.Is(err, redis.Nil) {
			continue // the block timed out with nothing new
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("XREADGROUP %s %s: %w", b.stream, b.group, err)
		}
		var msgs []redis.XMessage
		if len(res) > 0 {
			msgs = res[0].Messages
		}
		if next != ">" {
			if len(msgs) == 0 {
				next = ">"
				continue
			}
			next = msgs[len(msgs)-1].ID
		}
		for _, m := range msgs {
			if err := b.handle(ctx, m); err != nil {
				// Not acknowledged: it stays pending for a retry.
				report(b.OnError, fmt.Errorf("stream bus: entry %s: %w", m.ID, err))
				continue
			}
			// Handled is handled: acknowledge it even if Run is being
			// cancelled right now, or it would be delivered again.
			if err := b.rdb.XAck(context.WithoutCancel(ctx), b.stream, b.group, m.ID).Err(); err != nil {
				return fmt.Errorf("XACK %s %s %s: %w", b.stream, b.group, m.ID, err)
			}
		}
	}
	return nil
}

// handle decodes one stream entry into an Event and calls its handler.
// An entry with no handler, or that is not an event, is reported and
// acknowledged: retrying it could never succeed.
func (b *StreamBus) handle(ctx context.Context, m redis.XMessage) error {
	channel, _ := m.Values["channel"].(string)
	payload, _ := m.Values["event"].(string)
	h, ok := b.handlers[channel]
	if !ok {
		report(b.OnError, fmt.Errorf("stream bus: entry %s: no handler for channel %q (acknowledged, skipped)", m.ID, channel))
		return nil
	}
	e, err := decodeEvent(channel, []byte(payload))
	if err != nil {
		report(b.OnError, fmt.Errorf("stream bus: entry %s: %w (acknowledged, skipped)", m.ID, err))
		return nil
	}
	return h(ctx, e)
}
