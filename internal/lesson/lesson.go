// Package lesson is the wiring every step's main shares: find a Redis (via
// provision), say which one, run the lesson, and explain any failure with
// the troubleshooting catalogue. Lesson code itself never imports this
// package: it takes a context, an io.Writer and a *redis.Client, so that the
// step's test can run exactly the same function.
package lesson

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

// Func is a step's lesson: it writes what the learner should see to out.
type Func func(ctx context.Context, out io.Writer, rdb *redis.Client) error

// Main runs a lesson against the Redis that provision chooses and exits
// non-zero, with an explanation, if anything fails.
func Main(run Func) {
	ctx := context.Background()
	srv, rdb, err := Connect(ctx)
	if err != nil {
		Fail(err)
	}
	err = run(ctx, os.Stdout, rdb)
	_ = rdb.Close()
	_ = srv.Close()
	if err != nil {
		Fail(err)
	}
}

// Connect finds a Redis, prints the one-line banner on stderr and returns a
// client. Close both when done. For mains that need more than Main offers
// (flags, a server that keeps running).
func Connect(ctx context.Context) (*provision.Server, *redis.Client, error) {
	srv, err := provision.Start(ctx, provision.ForMain, os.Stderr)
	if err != nil {
		return nil, nil, err
	}
	fmt.Fprintln(os.Stderr, srv.Banner())
	return srv, srv.NewClient(), nil
}

// Fail prints err, and the catalogue's cause and fix when it knows the
// error, on stderr, stops any server the workbook started, and exits 1.
func Fail(err error) {
	Explain(os.Stderr, err)
	provision.CloseAll()
	os.Exit(1)
}

// Explain writes err with its cause and fix, when the catalogue knows it.
func Explain(w io.Writer, err error) {
	fmt.Fprintf(w, "error: %v\n", err)
	if e, ok := diagnose.Explain(err); ok {
		fmt.Fprintf(w, "cause: %s\nfix:   %s\n", e.Cause, e.Fix)
	}
}

// OwnedFunc is a lesson that changes server settings or breaks the server on
// purpose, so it gets a throwaway server of its own, never the learner's.
type OwnedFunc func(ctx context.Context, out io.Writer, srv *provision.Server) error

// MainOwned runs such a lesson on a server from provision.StartOwned; why
// tells the learner, on the banner line, why their own Redis is not used.
func MainOwned(why string, run OwnedFunc) {
	ctx := context.Background()
	srv, err := provision.StartOwned(ctx, os.Stderr)
	if err != nil {
		Fail(err)
	}
	fmt.Fprintf(os.Stderr, "%s (a throwaway server: %s)\n", srv.Banner(), why)
	err = run(ctx, os.Stdout, srv)
	_ = srv.Close()
	if err != nil {
		Fail(err)
	}
}
