package main

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/testkit"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, connect(testkit.Context(t), &out, testkit.Client(t)))
	testkit.AssertOutput(t, 3, out.String())
	assert.Contains(t, out.String(), "Redis version: "+testkit.Features(t).Version+"\n")
}

// The URL pattern round-trips every option that matters.
func TestURLForRoundTrips(t *testing.T) {
	for _, o := range []*redis.Options{
		{Addr: "127.0.0.1:6379"},
		{Addr: "cache.internal:6380", DB: 3, Password: "p@ss:word/%"},
		{Addr: "h:1", Username: "app", Password: "x"},
	} {
		parsed, err := redis.ParseURL(urlFor(o))
		require.NoError(t, err)
		assert.Equal(t, o.Addr, parsed.Addr)
		assert.Equal(t, o.DB, parsed.DB)
		assert.Equal(t, o.Username, parsed.Username)
		assert.Equal(t, o.Password, parsed.Password)
	}
}

// Sequential commands reuse one connection: the pool opens exactly one.
func TestSequentialCommandsReuseOneConnection(t *testing.T) {
	testkit.Client(t)
	opts := testkit.Server(t).Options()
	opts.PoolSize = 20
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	var out bytes.Buffer
	require.NoError(t, poolStats(testkit.Context(t), &out, rdb))
	assert.Contains(t, out.String(), "misses (connection opened):  1\n")
	assert.Contains(t, out.String(), "hits (connection reused):    9\n")
	assert.Contains(t, out.String(), "total connections:           1\n")
}

// Each pattern's client really is connected when INFO runs: the server
// counts exactly three connections more than before the lesson started
// (this test's own client was counted already). A pattern that never
// connected, or a client closed before INFO, gives a smaller number.
func TestServerSeesTheClients(t *testing.T) {
	testkit.Require(t, features.Config) // the embedded server's INFO clients is not a real count
	ctx, rdb := testkit.Context(t), testkit.Client(t)
	connected := func() int {
		n, err := strconv.Atoi(features.InfoField(rdb.Info(ctx, "clients").Val(), "connected_clients"))
		require.NoError(t, err)
		return n
	}
	// Connections that earlier tests closed may take a moment to leave the
	// server's count: wait until it stops changing.
	before := connected()
	require.Eventually(t, func() bool {
		now := connected()
		steady := now == before
		before = now
		return steady
	}, 10*time.Second, 50*time.Millisecond)

	var out bytes.Buffer
	require.NoError(t, connect(ctx, &out, rdb))
	line := features.InfoField(strings.ReplaceAll(out.String(), ": ", ":"), "Connected clients")
	assert.Equal(t, strconv.Itoa(before+3), line, "the lesson's three clients, on top of the %d before", before)
}
