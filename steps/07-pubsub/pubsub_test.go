package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, demo(testkit.Context(t), &out, testkit.Client(t)))
	testkit.AssertOutput(t, 7, out.String())
	assertStopped(t, "(*Bus).route")
}

// The Streams version prints exactly the same, although it publishes its
// events before any consumer runs, and leaves no key behind. (Its
// idempotent-production part is checked by TestIdempotentOutput.)
func TestStreamsOutput(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var out bytes.Buffer
	require.NoError(t, streamsDemo(ctx, &out, rdb))
	bus, _, found := strings.Cut(out.String(), idempotentHeading)
	assert.True(t, found, "the idempotent-production part follows")
	testkit.AssertOutput(t, 7, bus)
	assert.Zero(t, rdb.Exists(ctx, streamKey).Val())
	assertStopped(t, "(*StreamBus).Run")
}

// goroutinesIn counts the goroutines that have fn on their stack. It is
// this test's goleak: narrower, as it looks for our goroutine only, not
// the test server's or the client pool's.
func goroutinesIn(fn string) int { return strings.Count(stacks(), fn+"(") }

func stacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

// assertRunning checks that exactly one goroutine runs fn; it proves that
// goroutinesIn finds what assertStopped then finds gone. (A goroutine that
// was started but has not run yet shows only its wrapper, hence the wait.)
func assertRunning(t *testing.T, fn string) {
	t.Helper()
	require.Eventually(t, func() bool { return goroutinesIn(fn) == 1 }, 2*time.Second, time.Millisecond,
		"expected one goroutine running %s:\n%s", fn, stacks())
}

// assertStopped checks that no goroutine runs fn (it may take a moment to
// leave after signalling that it is done).
func assertStopped(t *testing.T, fn string) {
	t.Helper()
	assert.Eventually(t, func() bool { return goroutinesIn(fn) == 0 }, 2*time.Second, 5*time.Millisecond,
		"a goroutine still runs %s", fn)
}

// newTestBus starts a bus whose handler sends every event to the returned
// channel and whose errors go to the returned slice.
func newTestBus(t *testing.T, ctx context.Context, rdb *redis.Client, channel, pattern string) (*Bus, chan Event, *errorLog) {
	t.Helper()
	events := make(chan Event, 100)
	errs := &errorLog{}
	bus := NewBus(rdb)
	bus.OnError = errs.add
	forward := func(_ context.Context, e Event) error { events <- e; return nil }
	if channel != "" {
		require.NoError(t, bus.Handle(channel, forward))
	}
	if pattern != "" {
		require.NoError(t, bus.HandlePattern(pattern, forward))
	}
	require.NoError(t, bus.Start(ctx))
	t.Cleanup(func() { _ = bus.Close() })
	return bus, events, errs
}

type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) add(err error) { l.mu.Lock(); l.errs = append(l.errs, err); l.mu.Unlock() }
func (l *errorLog) all() []error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.errs...)
}

func next(t *testing.T, events <-chan Event) Event {
	t.Helper()
	select {
	case e := <-events:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
		return Event{}
	}
}

// When Start returns, Redis already counts the subscriptions: a PUBLISH
// right after it reaches the bus. PUBSUB NUMSUB/NUMPAT ask Redis itself.
func TestStartWaitsForTheSubscriptionConfirmation(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bus, events, _ := newTestBus(t, ctx, rdb, "t:chan", "t:pat:*")

	subs := rdb.PubSubNumSub(ctx, "t:chan").Val()
	assert.EqualValues(t, 1, subs["t:chan"])
	assert.EqualValues(t, 1, rdb.PubSubNumPat(ctx).Val())

	n, err := bus.Publish(ctx, "t:chan", map[string]int{"n": 1})
	require.NoError(t, err)
	assert.EqualValues(t, 1, n, "one subscriber received it")
	assert.Equal(t, "t:chan", next(t, events).Channel)
}

// Many events in a row all arrive, in the order they were published,
// through the bus's single goroutine.
func TestEventsArriveInOrder(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bus, events, errs := newTestBus(t, ctx, rdb, "t:seq", "")
	for i := range 100 {
		_, err := bus.Publish(ctx, "t:seq", map[string]int{"i": i})
		require.NoError(t, err)
	}
	for i := range 100 {
		var got struct{ I int }
		require.NoError(t, next(t, events).Decode(&got))
		assert.Equal(t, i, got.I)
	}
	assert.Empty(t, errs.all())
}

// The payload is the data plus a UTC RFC 3339 timestamp.
func TestPayloadHasAUTCTimestamp(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	raw := rdb.Subscribe(ctx, signupChannel)
	defer raw.Close()
	_, err := raw.Receive(ctx) // the confirmation
	require.NoError(t, err)

	before := time.Now()
	_, err = NewBus(rdb).Publish(ctx, signupChannel, signup{Email: "a@example.com", Plan: "pro"})
	require.NoError(t, err)
	msg, err := raw.ReceiveMessage(ctx)
	require.NoError(t, err)

	var envelope struct {
		Timestamp string         `json:"timestamp"`
		Data      map[string]any `json:"data"`
	}
	require.NoError(t, json.Unmarshal([]byte(msg.Payload), &envelope))
	assert.Equal(t, map[string]any{"email": "a@example.com", "plan": "pro"}, envelope.Data)
	assert.True(t, strings.HasSuffix(envelope.Timestamp, "Z"), "UTC: %s", envelope.Timestamp)
	ts, err := time.Parse(time.RFC3339Nano, envelope.Timestamp)
	require.NoError(t, err)
	assert.WithinDuration(t, before, ts, 5*time.Second)
}

// Pub/sub is at most once: an event published while nobody listens is
// gone. PUBLISH says so (0 receivers), and a bus started afterwards gets
// the next event first. Pub/sub keeps order per connection, so had the
// first event been delivered, it would have come first.
func TestPubSubDropsEventsNobodyListensTo(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	n, err := NewBus(rdb).Publish(ctx, "t:lost", map[string]string{"which": "before"})
	require.NoError(t, err)
	assert.Zero(t, n, "nobody subscribed: no receiver")

	bus, events, _ := newTestBus(t, ctx, rdb, "t:lost", "")
	_, err = bus.Publish(ctx, "t:lost", map[string]string{"which": "after"})
	require.NoError(t, err)
	var got struct{ Which string }
	require.NoError(t, next(t, events).Decode(&got))
	assert.Equal(t, "after", got.Which)
}

// A channel that matches a plain subscription AND a pattern is delivered
// twice, once per subscription: Redis does not deduplicate.
func TestChannelAndPatternBothDeliver(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bus, events, _ := newTestBus(t, ctx, rdb, orderChannel, orderPattern)
	n, err := bus.Publish(ctx, orderChannel, order{OrderID: 1})
	require.NoError(t, err)
	assert.EqualValues(t, 2, n)
	assert.Equal(t, orderChannel, next(t, events).Channel)
	assert.Equal(t, orderChannel, next(t, events).Channel)
}

// Cancelling Start's context stops the bus's goroutine, as Close does.
func TestBusStopsWhenTheContextIsCancelled(t *testing.T) {
	rdb := testkit.Client(t)
	ctx, cancel := context.WithCancel(testkit.Context(t))
	bus, _, errs := newTestBus(t, ctx, rdb, "t:stop", "")
	assertRunning(t, "(*Bus).route")

	cancel()
	select {
	case <-bus.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the bus did not stop after its context was cancelled")
	}
	assertStopped(t, "(*Bus).route")
	assert.Empty(t, errs.all(), "stopping is not an error")
	require.NoError(t, bus.Close(), "Close after cancellation is harmless")
	// The server notices a closed connection on its own time (over a
	// container's network, a moment later): wait for it, don't race it.
	assert.Eventually(t, func() bool {
		return rdb.PubSubNumSub(testkit.Context(t), "t:stop").Val()["t:stop"] == 0
	}, 2*time.Second, 10*time.Millisecond, "the subscription is gone")
}

func TestBusStopsOnClose(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bus, _, _ := newTestBus(t, ctx, rdb, "t:close", "")
	assertRunning(t, "(*Bus).route")
	require.NoError(t, bus.Close())
	assertStopped(t, "(*Bus).route")
	require.NoError(t, bus.Close(), "a second Close is harmless")
	assert.ErrorContains(t, bus.Start(ctx), "already started")
}

// Handler errors and malformed messages are reported, not swallowed, and
// the bus goes on.
func TestErrorsAreReported(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	events := make(chan Event, 10)
	errs := &errorLog{}
	bus := NewBus(rdb)
	bus.OnError = errs.add
	require.NoError(t, bus.Handle("t:err", func(_ context.Context, e Event) error {
		var o order
		if err := e.Decode(&o); err != nil {
			return err
		}
		if o.OrderID == 13 {
			return errors.New("unlucky order")
		}
		events <- e
		return nil
	}))
	require.NoError(t, bus.Start(ctx))
	defer bus.Close()

	require.NoError(t, rdb.Publish(ctx, "t:err", "not json").Err())
	_, err := bus.Publish(ctx, "t:err", order{OrderID: 13})
	require.NoError(t, err)
	_, err = bus.Publish(ctx, "t:err", order{OrderID: 14})
	require.NoError(t, err)
	next(t, events) // 14: the bus survived both failures

	got := fmt.Sprint(errs.all())
	assert.Contains(t, got, "message on t:err is not an event")
	assert.Contains(t, got, "handler for t:err: unlucky order")
}

func TestMisuseSaysWhatToDo(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	assert.ErrorContains(t, NewBus(rdb).Start(ctx), "call Handle or HandlePattern before Start")

	noop := func(context.Context, Event) error { return nil }
	bus, _, _ := newTestBus(t, ctx, rdb, "t:misuse", "")
	assert.ErrorContains(t, bus.Handle("t:other", noop), "register every handler first")

	fresh := NewBus(rdb)
	require.NoError(t, fresh.Handle("t:a", noop))
	assert.ErrorContains(t, fresh.Handle("t:a", noop), "already has a handler")
	assert.ErrorContains(t, fresh.HandlePattern("t:*", nil), "nil")

	_, err := bus.Publish(ctx, "t:misuse", func() {})
	assert.ErrorContains(t, err, "encoding event data")
}

// startConsumer runs bus.Run as consumer in a goroutine; the returned
// function stops it and returns Run's error.
func startConsumer(t *testing.T, bus *StreamBus, consumer string) func() error {
	t.Helper()
	ctx, cancel := context.WithCancel(testkit.Context(t))
	done := make(chan error, 1)
	go func() { done <- bus.Run(ctx, consumer) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(5 * time.Second):
			t.Fatal("the consumer did not stop")
			return nil
		}
	}
}

func newTestStreamBus(t *testing.T, rdb *redis.Client, events chan Event, fail func(Event) bool) *StreamBus {
	t.Helper()
	bus := NewStreamBus(rdb, "t:stream", "g")
	bus.Block = 50 * time.Millisecond // only how fast a cancelled Run notices
	bus.OnError = func(error) {}
	bus.Handle("c", func(_ context.Context, e Event) error {
		if fail != nil && fail(e) {
			return errors.New("handler failed")
		}
		events <- e
		return nil
	})
	require.NoError(t, bus.CreateGroup(testkit.Context(t)))
	require.NoError(t, bus.CreateGroup(testkit.Context(t)), "creating an existing group is fine")
	return bus
}

func which(t *testing.T, e Event) string {
	t.Helper()
	var v struct{ Which string }
	require.NoError(t, e.Decode(&v))
	return v.Which
}

// The point of Streams: an event published while no consumer runs is
// delivered when one starts, and an acknowledged event is not delivered
// again.
func TestStreamDeliversEventsPublishedWhileNoConsumerRuns(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	events := make(chan Event, 10)
	bus := newTestStreamBus(t, rdb, events, nil)

	stop := startConsumer(t, bus, "w1")
	assertRunning(t, "(*StreamBus).Run")
	_, err := bus.Publish(ctx, "c", map[string]string{"which": "first"})
	require.NoError(t, err)
	assert.Equal(t, "first", which(t, next(t, events)))
	require.NoError(t, stop())
	assertStopped(t, "(*StreamBus).Run")

	// Nobody runs now.
	_, err = bus.Publish(ctx, "c", map[string]string{"which": "while stopped"})
	require.NoError(t, err)

	stop = startConsumer(t, bus, "w1")
	assert.Equal(t, "while stopped", which(t, next(t, events)), "delivered after the restart, and 'first' is not delivered again")
	require.NoError(t, stop())

	pending, err := rdb.XPending(ctx, "t:stream", "g").Result()
	require.NoError(t, err)
	assert.Zero(t, pending.Count, "everything was acknowledged")
}

// An event whose handler failed is not acknowledged; it stays pending
// and is delivered again when the consumer restarts.
func TestStreamRedeliversUnacknowledgedEvents(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	events := make(chan Event, 10)
	var mu sync.Mutex
	failures := 0
	bus := newTestStreamBus(t, rdb, events, func(e Event) bool {
		mu.Lock()
		defer mu.Unlock()
		if which(t, e) == "flaky" && failures == 0 {
			failures++
			return true
		}
		return false
	})

	_, err := bus.Publish(ctx, "c", map[string]string{"which": "flaky"})
	require.NoError(t, err)
	_, err = bus.Publish(ctx, "c", map[string]string{"which": "fine"})
	require.NoError(t, err)

	stop := startConsumer(t, bus, "w1")
	assert.Equal(t, "fine", which(t, next(t, events)), "the flaky one failed")
	require.NoError(t, stop())
	pending, err := rdb.XPending(ctx, "t:stream", "g").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 1, pending.Count, "the failed event is pending")

	stop = startConsumer(t, bus, "w1")
	assert.Equal(t, "flaky", which(t, next(t, events)), "redelivered from the pending list")
	require.NoError(t, stop())
	pending, err = rdb.XPending(ctx, "t:stream", "g").Result()
	require.NoError(t, err)
	assert.Zero(t, pending.Count)
}

func TestStreamRunRefusesBlockZero(t *testing.T) {
	bus := NewStreamBus(testkit.Client(t), "t:stream", "g")
	bus.Block = 0
	assert.ErrorContains(t, bus.Run(testkit.Context(t), "w"), "must be positive")
}

// gate holds back, until release is closed, every write a client sends that
// contains hold (a command name): the server then receives that command
// late, as it might from a slow network. seen is closed at the first held
// write.
type gate struct {
	hold     []byte
	seen     chan struct{}
	seenOnce sync.Once
	release  chan struct{}
}

type gatedConn struct {
	net.Conn
	g *gate
}

func (c *gatedConn) Write(p []byte) (int, error) {
	if !bytes.Contains(bytes.ToLower(p), c.g.hold) {
		return c.Conn.Write(p)
	}
	held := append([]byte(nil), p...)
	c.g.seenOnce.Do(func() { close(c.g.seen) })
	go func() {
		<-c.g.release
		_, _ = c.Conn.Write(held)
	}()
	return len(p), nil
}

// gatedClient is a client to the test server whose connections hold back
// the writes that contain hold.
func gatedClient(t *testing.T, hold string) (*redis.Client, *gate) {
	g := &gate{hold: bytes.ToLower([]byte(hold)), seen: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(func() {
		select {
		case <-g.release:
		default:
			close(g.release)
		}
	})
	rdb := testkit.ClientWith(t, func(o *redis.Options) {
		o.Dialer = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := (&net.Dialer{}).DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &gatedConn{Conn: c, g: g}, nil
		}
	})
	return rdb, g
}

// Start must wait for Redis to confirm the subscriptions, and keep the
// messages that arrive meanwhile. The PSUBSCRIBE is held back on its way to
// the server, so the wait is long for sure: a Start that returned without
// the confirmation returns while the pattern is not subscribed yet. And the
// channel, subscribed already, receives a message during that wait: a Start
// that dropped it would lose an event published after SUBSCRIBE was
// confirmed.
func TestStartWaitsForConfirmationAndKeepsEarlyMessages(t *testing.T) {
	ctx := testkit.Context(t)
	rdb, g := gatedClient(t, "PSUBSCRIBE")
	publisher := testkit.NewClient(t)
	events := make(chan Event, 10)
	bus := NewBus(rdb)
	forward := func(_ context.Context, e Event) error { events <- e; return nil }
	require.NoError(t, bus.Handle("t:early", forward))
	require.NoError(t, bus.HandlePattern("t:late:*", forward))
	t.Cleanup(func() { _ = bus.Close() })

	started := make(chan error, 1)
	go func() { started <- bus.Start(ctx) }()
	select {
	case <-g.seen:
	case <-time.After(10 * time.Second):
		t.Fatal("Start never sent PSUBSCRIBE")
	}
	select {
	case err := <-started:
		t.Fatalf("Start returned (%v) before Redis had even received the PSUBSCRIBE, so before its confirmation", err)
	case <-time.After(200 * time.Millisecond):
	}
	assert.Zero(t, publisher.PubSubNumPat(ctx).Val(), "the pattern is not subscribed yet")

	// The channel is subscribed (confirmed, not yet returned): publish.
	require.Eventually(t, func() bool {
		return publisher.PubSubNumSub(ctx, "t:early").Val()["t:early"] == 1
	}, 10*time.Second, 5*time.Millisecond)
	payload, err := newEvent(map[string]string{"when": "during Start"})
	require.NoError(t, err)
	require.EqualValues(t, 1, publisher.Publish(ctx, "t:early", payload).Val(), "the bus's connection received it")

	close(g.release)
	require.NoError(t, <-started)
	assert.EqualValues(t, 1, publisher.PubSubNumPat(ctx).Val())
	e := next(t, events)
	assert.Equal(t, "t:early", e.Channel, "the message that arrived before Start returned was kept")
	assert.JSONEq(t, `{"when":"during Start"}`, string(e.Data))
}
