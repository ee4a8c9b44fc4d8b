package diagnose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Errors as go-redis and the Go runtime really produce them. Errors that
// need a live server are provoked against one by step 14 and the runner's
// doctor; here the catalogue's matching and order are pinned down.
func TestExplain(t *testing.T) {
	_, dialErr := net.Dial("tcp", "127.0.0.1:1")
	require.Error(t, dialErr)

	for _, tc := range []struct {
		err  error
		want string
	}{
		{dialErr, "refused"},
		{fmt.Errorf("PING failed: %w", dialErr), "refused"},
		{&net.DNSError{Err: "no such host", Name: "redis.example", IsNotFound: true}, "dns"},
		{errors.New("NOAUTH Authentication required."), "noauth"},
		{errors.New("WRONGPASS invalid username-password pair or user is disabled."), "wrongpass"},
		{errors.New("WRONGTYPE Operation against a key holding the wrong kind of value"), "wrongtype"},
		{errors.New("ERR max number of clients reached"), "maxclients"},
		{fmt.Errorf("ERR max number of clients reached (the server hung up: %w)", io.EOF), "maxclients"},
		{context.DeadlineExceeded, "timeout"},
		{&net.OpError{Op: "read", Err: syscall.EPIPE}, "hungup"},
		{io.EOF, "hungup"},
		{errors.New("OOM command not allowed when used memory > 'maxmemory'."), "oom"},
		{redis.TxFailedErr, "txfailed"},
		{errors.New("NOPERM User app has no permissions to run the 'flushdb' command"), "noperm"},
		{errors.New("READONLY You can't write against a read only replica."), "readonly"},
		{errors.New("LOADING Redis is loading the dataset in memory"), "loading"},
		{errors.New("BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE."), "busy"},
		{errors.New("tls: first record does not look like a TLS handshake"), "tls"},
		{fmt.Errorf("%w: REDIS_URL uses rediss://", ErrTLSMismatch), "tls"},
		{errors.New(`can't parse map reply: "HTTP/1.1 400 Bad Request"`), "notredis"},
		{errors.New(`WORKBOOK_REDIS_IMAGE="Redis:8.6" is not an image reference: invalid reference format`), "image"},
		{errors.New("image redis:8.6 is not here and could not be pulled (offline?)"), "image"},
		{errors.New("embedded Redis: cannot listen on 127.0.0.1:6379: listen tcp 127.0.0.1:6379: bind: address already in use"), "addrinuse"},
		{errors.New("go: go.mod requires go >= 1.26.0 (running go 1.22.1; GOTOOLCHAIN=local)"), "gotoolchain"},
		{errors.New("MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk."), "misconf"},
		{errors.New("ERR unknown command 'JSON.SET', with args beginning with: 'k' '$' '{}'"), "nojson"},
		{errors.New("ERR unknown command 'HGETEX', with args beginning with:"), "unknowncmd"},
		{errors.New("main.go:5:2: no required module provides package github.com/redis/go-redis/v9"), "nomodule"},
		{errors.New("redis: can't marshal map[string]string (implement encoding.BinaryMarshaler)"), "marshal"},
	} {
		e, ok := Explain(tc.err)
		if assert.True(t, ok, "%v", tc.err) {
			assert.Equal(t, tc.want, e.ID, "%v", tc.err)
			assert.NotEmpty(t, e.Cause)
			assert.NotEmpty(t, e.Fix)
		}
	}
	_, ok := Explain(errors.New("something nobody has seen"))
	assert.False(t, ok)
	_, ok = Explain(nil)
	assert.False(t, ok)
}

// A program's own usage message is no sign of an old server: only Redis's
// quoted "unknown command 'X'" is.
func TestUnknownCommandIsRedissOnly(t *testing.T) {
	_, ok := ExplainText("unknown command \"help\"\nusage: go run ./steps/12-url-shortener [serve]\n")
	assert.False(t, ok, "a step's usage message")
	e, ok := ExplainText("error: ERR unknown command 'HGETEX', with args beginning with: 'k'")
	require.True(t, ok)
	assert.Equal(t, "unknowncmd", e.ID)
}

// Advice about a password names the setting that holds it.
func TestPasswordAdviceFollowsTheSetting(t *testing.T) {
	for _, id := range []string{"noauth", "wrongpass"} {
		e, _ := Lookup(id)
		assert.Contains(t, e.For("").Fix, "REDIS_PASSWORD", id)
		assert.Contains(t, e.For("REDIS_URL").Fix, "in REDIS_URL", id)
		assert.Contains(t, e.For("WORKBOOK_TEST_REDIS_URL").Fix, "in WORKBOOK_TEST_REDIS_URL", id)
		assert.Equal(t, e.Fix, e.For("REDIS_HOST").Fix, id)
	}
}

func TestExplainTextAndLookup(t *testing.T) {
	e, ok := ExplainText("error: dial tcp 127.0.0.1:6379: connect: connection refused\n")
	require.True(t, ok)
	assert.Equal(t, "refused", e.ID)
	byID, ok := Lookup("refused")
	require.True(t, ok)
	assert.Equal(t, e.Fix, byID.Fix)
	ids := map[string]bool{}
	for _, e := range Catalogue {
		assert.False(t, ids[e.ID], "duplicate ID %s", e.ID)
		ids[e.ID] = true
	}
}
