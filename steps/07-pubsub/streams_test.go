package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

// idempotentGolden is the idempotent-production part of `-streams`, as
// Redis 8.6 prints it (the step's own golden file holds the part that
// every server prints alike).
const idempotentGolden = "testdata/idempotent.golden"

// On a server with IDMP the example prints exactly the recorded lines, and
// the chapter shows those lines; on one without, it prints one line that
// names the server and what it lacks, and the step still succeeds.
func TestIdempotentOutput(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	var out bytes.Buffer
	require.NoError(t, idempotentDemo(ctx, &out, rdb))
	assert.Zero(t, rdb.Exists(ctx, ordersKey).Val(), "the example deletes its stream")

	set, err := features.Detect(ctx, rdb, "")
	require.NoError(t, err)
	if !set.Has(features.StreamIdempotence) {
		lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
		require.Len(t, lines, 3, out.String())
		assert.Equal(t, idempotentHeading, "\n"+lines[1]+"\n")
		assert.True(t, strings.HasPrefix(lines[2], "  skipped: no "+string(features.StreamIdempotence)+" on "), lines[2])
		assert.Contains(t, lines[2], set.Reason(features.StreamIdempotence)+"; "+set.Advice(features.StreamIdempotence))
		return
	}
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		require.NoError(t, os.WriteFile(idempotentGolden, out.Bytes(), 0o644))
		t.Logf("rewrote %s", idempotentGolden)
		return
	}
	want, err := os.ReadFile(idempotentGolden)
	require.NoError(t, err)
	assert.Equal(t, string(want), out.String())
}

// The chapter shows the recorded lines, not lines typed by hand.
func TestChapterShowsTheIdempotentOutput(t *testing.T) {
	want, err := os.ReadFile(idempotentGolden)
	require.NoError(t, err)
	chapter, err := os.ReadFile(filepath.Join("..", "..", "docs", "07-pubsub.md"))
	require.NoError(t, err)
	block := "```text\n" + strings.TrimPrefix(string(want), "\n") + "```\n"
	assert.Contains(t, string(chapter), block, "docs/07-pubsub.md should show %s", idempotentGolden)
}

// A retry with the same producer and event IDs adds nothing, even though
// its payload differs (a new timestamp); the consumer group sees the event
// once. Another producer's event with the same event ID is another event.
func TestPublishOnceAddsAnEventOnce(t *testing.T) {
	testkit.Require(t, features.StreamIdempotence)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bus := NewStreamBus(rdb, "t:orders", "g")
	require.NoError(t, bus.CreateGroup(ctx))

	first, err := bus.PublishOnce(ctx, "checkout-1", "order-1", orderChannel, order{OrderID: 1})
	require.NoError(t, err)
	again, err := bus.PublishOnce(ctx, "checkout-1", "order-1", orderChannel, order{OrderID: 1, Total: 2})
	require.NoError(t, err)
	assert.Equal(t, first, again, "a repeat answers the first entry's ID")
	assert.EqualValues(t, 1, rdb.XLen(ctx, "t:orders").Val())

	other, err := bus.PublishOnce(ctx, "checkout-2", "order-1", orderChannel, order{OrderID: 1})
	require.NoError(t, err)
	assert.NotEqual(t, first, other, "event IDs count per producer")

	res, err := rdb.XReadGroup(ctx, &redis.XReadGroupArgs{Group: "g", Consumer: "c", Streams: []string{"t:orders", ">"}, Count: 10, Block: -1}).Result()
	require.NoError(t, err)
	require.Len(t, res, 1)
	assert.Len(t, res[0].Messages, 2, "one entry per producer, none for the retry")

	info, err := rdb.XInfoStream(ctx, "t:orders").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 2, info.IIDsAdded)
	assert.EqualValues(t, 1, info.IIDsDuplicates)
}

// What the chapter says about how long Redis remembers an event ID: 100
// seconds and 100 IDs per producer by default, and XCFGSET changes both.
func TestIdempotenceWindow(t *testing.T) {
	testkit.Require(t, features.StreamIdempotence)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	_, err := NewStreamBus(rdb, "t:orders", "g").PublishOnce(ctx, "p", "e", orderChannel, order{})
	require.NoError(t, err)
	info, err := rdb.XInfoStream(ctx, "t:orders").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 100, info.IDMPDuration)
	assert.EqualValues(t, 100, info.IDMPMaxSize)

	require.NoError(t, rdb.XCfgSet(ctx, &redis.XCfgSetArgs{Stream: "t:orders", Duration: 600, MaxSize: 1000}).Err())
	info, err = rdb.XInfoStream(ctx, "t:orders").Result()
	require.NoError(t, err)
	assert.EqualValues(t, 600, info.IDMPDuration)
	assert.EqualValues(t, 1000, info.IDMPMaxSize)

	// Past IDMP-MAXSIZE newer IDs, an event ID is forgotten: a late retry
	// adds the event again.
	bus := NewStreamBus(rdb, "t:small", "g")
	_, err = bus.PublishOnce(ctx, "p", "e0", orderChannel, order{})
	require.NoError(t, err)
	require.NoError(t, rdb.XCfgSet(ctx, &redis.XCfgSetArgs{Stream: "t:small", MaxSize: 2}).Err())
	ids := map[string]string{}
	for _, e := range []string{"e1", "e2", "e3"} {
		ids[e], err = bus.PublishOnce(ctx, "p", e, orderChannel, order{})
		require.NoError(t, err)
	}
	recent, err := bus.PublishOnce(ctx, "p", "e3", orderChannel, order{})
	require.NoError(t, err)
	assert.Equal(t, ids["e3"], recent, "e3 is among the 2 most recent")
	late, err := bus.PublishOnce(ctx, "p", "e1", orderChannel, order{})
	require.NoError(t, err)
	assert.NotEqual(t, ids["e1"], late, "e1 was forgotten")
	assert.EqualValues(t, 5, rdb.XLen(ctx, "t:small").Val())
}

// IDMPAUTO derives the event ID from the fields and values: the same
// fields, in any order, are one event; our events carry a timestamp, so
// two sends of "the same" event are two events to IDMPAUTO. That is why
// PublishOnce takes an event ID.
func TestIDMPAUTOHashesTheContent(t *testing.T) {
	testkit.Require(t, features.StreamIdempotence)
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	add := func(values ...any) string {
		id, err := rdb.XAdd(ctx, &redis.XAddArgs{Stream: "t:auto", ProducerID: "p", IdempotentAuto: true, Values: values}).Result()
		require.NoError(t, err)
		return id
	}
	first := add("order", "1", "total", "9.99")
	assert.Equal(t, first, add("order", "1", "total", "9.99"))
	assert.Equal(t, first, add("total", "9.99", "order", "1"), "field order does not count")

	a, err := newEvent(order{OrderID: 1})
	require.NoError(t, err)
	b, err := newEvent(order{OrderID: 1})
	require.NoError(t, err)
	require.NotEqual(t, string(a), string(b), "two events with the same data differ by their timestamp")
	assert.NotEqual(t, add("event", a), add("event", b))
	assert.EqualValues(t, 3, rdb.XLen(ctx, "t:auto").Val())
}

// Without IDs PublishOnce refuses, rather than let go-redis send a plain
// XADD that a retry would duplicate.
func TestPublishOnceRefusesEmptyIDs(t *testing.T) {
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	bus := NewStreamBus(rdb, "t:orders", "g")
	for _, ids := range [][2]string{{"", "e"}, {"p", ""}} {
		_, err := bus.PublishOnce(ctx, ids[0], ids[1], orderChannel, order{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), "needs a producer ID and an event ID")
	}
	assert.Zero(t, rdb.Exists(ctx, "t:orders").Val(), "nothing sent")
}

// A server without IDMP refuses the whole XADD: PublishOnce fails and adds
// nothing, so a retry cannot duplicate the event either.
func TestPublishOnceWithoutIDMPAddsNothing(t *testing.T) {
	if testkit.Features(t).Has(features.StreamIdempotence) {
		t.Skipf("skipped: %s has XADD IDMP; the refusal is tested on a server without it (the embedded server, Redis 8.0)", testkit.Features(t).Server)
	}
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	_, err := NewStreamBus(rdb, "t:orders", "g").PublishOnce(ctx, "p", "e", orderChannel, order{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "XADD t:orders IDMP p e: ")
	assert.Zero(t, rdb.Exists(ctx, "t:orders").Val())
}
