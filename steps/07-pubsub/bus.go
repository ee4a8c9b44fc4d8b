package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Event is what travels on the bus: the publisher's data, as JSON, and the
// time it was published, in UTC.
type Event struct {
	// Channel is where the event was published (not part of the JSON:
	// Redis tells the subscriber which channel a message came from).
	Channel   string          `json:"-"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
}

// Decode unpacks the event's data into v, a pointer to the handler's own
// type for this kind of event.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("event on %s: decoding %s: %w", e.Channel, e.Data, err)
	}
	return nil
}

// newEvent wraps data with the current time. Times are UTC so that
// publishers in different time zones write comparable timestamps;
// time.Time's JSON form is RFC 3339 (2026-11-26T08:30:00.123456789Z).
func newEvent(data any) ([]byte, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("encoding event data: %w", err)
	}
	return json.Marshal(Event{Timestamp: time.Now().UTC(), Data: raw})
}

// decodeEvent is newEvent's reverse, for a message that came from channel.
func decodeEvent(channel string, payload []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(payload, &e); err != nil {
		return Event{}, fmt.Errorf("message on %s is not an event: %w", channel, err)
	}
	e.Channel = channel
	return e, nil
}

// Handler handles one event. An error is reported to the bus's OnError;
// with pub/sub the event is then gone: nobody will deliver it again.
type Handler func(ctx context.Context, e Event) error

// Bus routes Redis pub/sub messages to handlers, one channel or pattern
// per handler. Register handlers, Start, Publish; Close (or cancel the
// context given to Start) to stop.
type Bus struct {
	rdb *redis.Client
	// OnError receives handler errors and broken connections. By default
	// they are logged.
	OnError func(error)

	mu       sync.Mutex
	channels map[string]Handler
	patterns map[string]Handler
	ps       *redis.PubSub
	started  bool

	stopOnce sync.Once
	stopCtx  func() bool   // stops the context watcher
	quit     chan struct{} // closed when the bus is asked to stop
	done     chan struct{} // closed when the routing goroutine has returned
}

// NewBus returns a bus that publishes and subscribes through rdb.
func NewBus(rdb *redis.Client) *Bus {
	return &Bus{
		rdb:      rdb,
		channels: map[string]Handler{},
		patterns: map[string]Handler{},
		quit:     make(chan struct{}),
		done:     make(chan struct{}),
	}
}

// Handle routes the messages of one channel to h.
func (b *Bus) Handle(channel string, h Handler) error {
	return b.register(b.channels, channel, h)
}

// HandlePattern routes the messages of every channel matching a glob-style
// pattern (events:order:* and the like) to h.
func (b *Bus) HandlePattern(pattern string, h Handler) error {
	return b.register(b.patterns, pattern, h)
}

func (b *Bus) register(into map[string]Handler, name string, h Handler) error {
	if h == nil {
		return fmt.Errorf("bus: the handler for %q is nil", name)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return fmt.Errorf("bus: cannot add %q after Start: register every handler first", name)
	}
	if _, dup := into[name]; dup {
		return fmt.Errorf("bus: %q already has a handler", name)
	}
	into[name] = h
	return nil
}

// Start subscribes to every registered channel and pattern, waits until
// Redis has CONFIRMED each subscription, and only then returns. From that
// moment every event published to those channels reaches the bus: there is
// no gap for a sleep to paper over. Messages are then routed to handlers
// by one goroutine, until ctx is cancelled or Close is called.
func (b *Bus) Start(ctx context.Context) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.started {
		return errors.New("bus: already started")
	}
	if b.stopping() {
		return errors.New("bus: closed: make a new bus with NewBus")
	}
	var channels, patterns []string
	for c := range b.channels {
		channels = append(channels, c)
	}
	for p := range b.patterns {
		patterns = append(patterns, p)
	}
	if len(channels)+len(patterns) == 0 {
		return errors.New("bus: nothing to subscribe to: call Handle or HandlePattern before Start")
	}

	// The subscriber gets a connection of its own, outside the pool: it
	// stays open for as long as the bus listens.
	ps := b.rdb.Subscribe(ctx)
	if err := b.subscribe(ctx, ps, channels, patterns); err != nil {
		_ = ps.Close()
		return err
	}

	// Wait for one confirmation per channel and pattern. Receive returns
	// them as *redis.Subscription. A message that arrives in between
	// (another publisher was faster) is kept, not dropped.
	var early []*redis.Message
	for confirmed := 0; confirmed < len(channels)+len(patterns); {
		reply, err := ps.Receive(ctx)
		if err != nil {
			_ = ps.Close()
			return fmt.Errorf("bus: waiting for the subscription confirmation: %w", err)
		}
		switch r := reply.(type) {
		case *redis.Subscription:
			confirmed++
		case *redis.Message:
			early = append(early, r)
		}
	}

	b.ps, b.started = ps, true
	// Cancelling ctx closes the subscription, which ends the goroutine's
	// blocking read. Without this, a read would wait for the next message.
	b.stopCtx = context.AfterFunc(ctx, b.stop)
	go b.route(context.WithoutCancel(ctx), early)
	return nil
}

func (b *Bus) subscribe(ctx context.Context, ps *redis.PubSub, channels, patterns []string) error {
	if len(channels) > 0 {
		if err := ps.Subscribe(ctx, channels...); err != nil {
			return fmt.Errorf("bus: SUBSCRIBE %v: %w", channels, err)
		}
	}
	if len(patterns) > 0 {
		if err := ps.PSubscribe(ctx, patterns...); err != nil {
			return fmt.Errorf("bus: PSUBSCRIBE %v: %w", patterns, err)
		}
	}
	return nil
}

// route is the bus's one goroutine: it reads messages in the order Redis
// sent them and calls their handlers one at a time.
func (b *Bus) route(ctx context.Context, early []*redis.Message) {
	defer close(b.done)
	for _, msg := range early {
		b.dispatch(ctx, msg)
	}
	for {
		msg, err := b.ps.ReceiveMessage(ctx)
		if err != nil {
			if b.stopping() {
				return // Close or cancellation: not an error.
			}
			// The connection broke. go-redis reconnects and subscribes
			// again on the next read; whatever was published meanwhile
			// is lost (at most once).
			b.report(fmt.Errorf("bus: receiving: %w", err))
			select {
			case <-b.quit:
				return
			case <-time.After(100 * time.Millisecond): // don't spin while Redis is down
			}
			continue
		}
		b.dispatch(ctx, msg)
	}
}

func (b *Bus) dispatch(ctx context.Context, msg *redis.Message) {
	// A message matched by a pattern carries that pattern; a message for a
	// plain subscription does not. A channel with both gets both.
	h, ok := b.channels[msg.Channel]
	if msg.Pattern != "" {
		h, ok = b.patterns[msg.Pattern]
	}
	if !ok {
		return
	}
	e, err := decodeEvent(msg.Channel, []byte(msg.Payload))
	if err != nil {
		b.report(err)
		return
	}
	if err := h(ctx, e); err != nil {
		b.report(fmt.Errorf("bus: handler for %s: %w", msg.Channel, err))
	}
}

func (b *Bus) report(err error) { report(b.OnError, err) }

// report hands err to onError, or logs it when there is none: an event
// that could not be handled must never vanish without a trace.
func report(onError func(error), err error) {
	if onError != nil {
		onError(err)
		return
	}
	slog.Error("event bus", "err", err)
}

// Publish sends data, with a UTC timestamp, to channel. It returns how many
// subscribers received it: 0 means the event is gone, as pub/sub keeps
// nothing for subscribers that are not connected.
func (b *Bus) Publish(ctx context.Context, channel string, data any) (int64, error) {
	payload, err := newEvent(data)
	if err != nil {
		return 0, err
	}
	n, err := b.rdb.Publish(ctx, channel, payload).Result()
	if err != nil {
		return 0, fmt.Errorf("PUBLISH %s: %w", channel, err)
	}
	return n, nil
}

// Close stops the bus and waits until its goroutine has returned, so that
// no handler runs after Close. It is safe to call more than once.
func (b *Bus) Close() error {
	b.mu.Lock()
	started := b.started
	b.mu.Unlock()
	if b.stopCtx != nil {
		b.stopCtx()
	}
	b.stop()
	if started {
		<-b.done
	}
	return nil
}

// Done is closed when the bus's goroutine has returned, after Close or
// the cancellation of Start's context.
func (b *Bus) Done() <-chan struct{} { return b.done }

// stop closes the subscription, once, whether Close or the context asks.
// Closing the connection is what wakes the goroutine from its read.
func (b *Bus) stop() {
	b.stopOnce.Do(func() {
		close(b.quit)
		b.mu.Lock()
		ps := b.ps
		b.mu.Unlock()
		if ps != nil {
			_ = ps.Close()
		}
	})
}

func (b *Bus) stopping() bool {
	select {
	case <-b.quit:
		return true
	default:
		return false
	}
}
