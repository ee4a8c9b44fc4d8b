package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/testkit"
	"github.com/redis-go-workbook/workbook/steps/12-url-shortener/shortener"
)

func TestMain(m *testing.M) { testkit.Main(m) }

func TestOutput(t *testing.T) {
	rdb := testkit.Client(t)
	ctx := testkit.Context(t)
	var out bytes.Buffer
	require.NoError(t, demo(ctx, &out, rdb))
	testkit.AssertOutput(t, 12, out.String())

	// The golden file hides the random codes; here they must be three
	// different 7-character base62 codes, and the custom one "special".
	codes := regexp.MustCompile(`https://sho\.rt/(\S+) →`).FindAllStringSubmatch(out.String(), -1)
	require.Len(t, codes, 4)
	seen := map[string]bool{}
	for _, c := range codes[:3] {
		assert.Regexp(t, `^[0-9A-Za-z]{7}$`, c[1])
		seen[c[1]] = true
	}
	assert.Len(t, seen, 3)
	assert.Equal(t, "special", codes[3][1])

	// The demo leaves nothing behind.
	n, err := rdb.DBSize(ctx).Result()
	require.NoError(t, err)
	assert.Zero(t, n)
}

// A run that stopped half-way leaves "special" taken; the next run starts
// clean instead of failing, and never touches keys outside its prefix.
func TestDemoStartsClean(t *testing.T) {
	rdb := testkit.Client(t)
	ctx := testkit.Context(t)
	leftover := shortener.New(rdb, demoPrefix, demoBase)
	_, err := leftover.Shorten(ctx, "https://example.com/left-over", shortener.Options{Code: "special"})
	require.NoError(t, err)
	require.NoError(t, rdb.Set(ctx, "shortener:url:keep", "not the demo's", 0).Err())

	require.NoError(t, demo(ctx, io.Discard, rdb))
	v, err := rdb.Get(ctx, "shortener:url:keep").Result()
	require.NoError(t, err)
	assert.Equal(t, "not the demo's", v)
}

func TestCut(t *testing.T) {
	assert.Equal(t, "short", cut("short", 10))
	assert.Equal(t, "exactly10!", cut("exactly10!", 10))
	assert.Equal(t, "abc...", cut("abcdef", 3))
}

func TestParseServeFlags(t *testing.T) {
	c, err := parseServeFlags(nil, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, serveConfig{addr: "127.0.0.1:8080", base: "http://127.0.0.1:8080", limit: 60, window: time.Minute}, c)

	c, err = parseServeFlags([]string{"-addr", "127.0.0.1:9999", "-limit", "5", "-window", "10s", "-base", "https://sho.rt"}, io.Discard)
	require.NoError(t, err)
	assert.Equal(t, serveConfig{addr: "127.0.0.1:9999", base: "https://sho.rt", limit: 5, window: 10 * time.Second}, c)

	_, err = parseServeFlags([]string{"-limit", "0"}, io.Discard)
	assert.ErrorContains(t, err, "at least 1 request")
	_, err = parseServeFlags([]string{"extra"}, io.Discard)
	assert.ErrorContains(t, err, `unexpected argument "extra"`)
	_, err = parseServeFlags([]string{"-nope"}, io.Discard)
	assert.Error(t, err)
}

// The serve command end to end: it listens, shortens, redirects, limits,
// and stops cleanly when its context ends.
func TestServe(t *testing.T) {
	rdb := testkit.Client(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(testkit.Context(t))
	defer cancel()

	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, ln, rdb, serveConfig{addr: ln.Addr().String(), base: base, limit: 4, window: time.Minute}, &out)
	}()

	client := &http.Client{Timeout: 5 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Post(base+"/api/shorten", "application/json", strings.NewReader(`{"url": "https://redis.io/docs/"}`))
	require.NoError(t, err)
	var link shortener.Link
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&link))
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	assert.True(t, strings.HasPrefix(link.ShortURL, base+"/"), link.ShortURL)

	resp, err = client.Get(link.ShortURL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusFound, resp.StatusCode)
	assert.Equal(t, "https://redis.io/docs/", resp.Header.Get("Location"))

	statuses := []int{}
	for range 3 {
		resp, err = client.Get(base + "/api/top")
		require.NoError(t, err)
		resp.Body.Close()
		statuses = append(statuses, resp.StatusCode)
	}
	assert.Equal(t, []int{200, 200, 429}, statuses, "the limit of 4 per minute applies")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after its context ended")
	}
	assert.Contains(t, out.String(), "URL shortener on "+base)
	assert.Contains(t, out.String(), "stopped")
}

// syncBuffer is a bytes.Buffer safe for the server goroutine and the test.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A busy HTTP port is reported as that, with advice about -addr, before any
// Redis is looked for: not as a Redis problem from the troubleshooting
// catalogue (whose "address already in use" row is about Redis's port).
func TestServeOnABusyPortSaysSo(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	err = serveMain([]string{"-addr", busy.Addr().String()})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "the HTTP port "+busy.Addr().String()+" is taken")
	assert.Contains(t, err.Error(), "-addr")
	_, known := diagnose.Explain(err)
	assert.False(t, known, "the catalogue would explain %q as a Redis problem", err)
}
