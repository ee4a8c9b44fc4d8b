// Package testkit gives every test package one Redis of its own, chosen by
// the provision package, and a clean database for every test.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { testkit.Main(m) }
//
// and in a test:
//
//	rdb := testkit.Client(t)            // flushed, closed after the test
//	testkit.Require(t, features.JSON)   // skip, saying why, if the server lacks JSON
//
// Tests in a package share the server, so they must not call t.Parallel.
package testkit

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/provision"
	// Tests may run on a throwaway container (WORKBOOK_REDIS=container, or
	// auto mode with Docker): the test kit links container mode in.
	_ "github.com/redis-go-workbook/workbook/internal/provision/container"
)

var server *provision.Server

// Main starts the package's server, runs the tests and stops the server.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse() // testing.Verbose needs the flags parsed
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	srv, err := provision.Start(ctx, provision.ForTests, os.Stderr)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "testkit: no Redis for the tests: %v\n", err)
		return 2
	}
	server = srv
	defer srv.Close()
	// Ctrl-C or a kill must not leave a container or redis-server behind:
	// the test binary owns its signals, and removes its server first.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(sig)
	go func() {
		s := <-sig
		_ = srv.Close()
		code := 130
		if n, ok := s.(syscall.Signal); ok {
			code = 128 + int(n)
		}
		os.Exit(code)
	}()
	if testing.Verbose() {
		fmt.Fprintf(os.Stderr, "testkit: %s\n", srv.Banner())
	}
	return m.Run()
}

// Server is the package's server.
func Server(t testing.TB) *provision.Server {
	t.Helper()
	if server == nil {
		t.Fatal("testkit: no server: call testkit.Main(m) from TestMain")
	}
	return server
}

// Client returns a client to the package's server, on a database emptied
// for this test. The client is closed when the test ends.
func Client(t testing.TB) *redis.Client {
	t.Helper()
	rdb := newClient(t, nil)
	if err := rdb.FlushDB(Context(t)).Err(); err != nil {
		t.Fatalf("testkit: cannot empty the test database: %v", err)
	}
	return rdb
}

// NewClient returns one more client to the same database, without flushing:
// for tests that need several connections (pub/sub, contention).
func NewClient(t testing.TB) *redis.Client {
	t.Helper()
	return newClient(t, nil)
}

// ClientWith is Client with options changed by edit (pool size, timeouts).
// The database is emptied through another client, so that the one returned
// starts unused: tests read its pool statistics.
func ClientWith(t testing.TB, edit func(*redis.Options)) *redis.Client {
	t.Helper()
	Client(t)
	return newClient(t, edit)
}

func newClient(t testing.TB, edit func(*redis.Options)) *redis.Client {
	t.Helper()
	srv := Server(t)
	if !srv.Owned {
		t.Fatal("testkit: refusing to use a server the tests do not own")
	}
	opts := srv.Options()
	if edit != nil {
		edit(opts)
	}
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

// Context is a context that ends with the test (or after a minute).
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// Features is what the package's server supports.
func Features(t testing.TB) features.Set { return Server(t).Features }

// Require skips the test, naming the feature, the server and how to get one
// that has it, when the server lacks any of want.
func Require(t testing.TB, want ...features.Feature) {
	t.Helper()
	set := Features(t)
	for _, f := range want {
		if !set.Has(f) {
			t.Skip("skipped: " + set.Missing(f))
		}
	}
}

// Mode is the provisioning mode in use.
func Mode(t testing.TB) provision.Mode { return Server(t).Mode }

// Embedded reports whether the tests run on the workbook's embedded server.
func Embedded(t testing.TB) bool { return Server(t).IsEmbedded() }
