// Package lesson is the wiring every step's main shares: find a Redis (via
// provision), say which one, run the lesson, and explain any failure with
// the troubleshooting catalogue. Lesson code itself never imports this
// package: it takes a context, an io.Writer and a *redis.Client, so that the
// step's test can run exactly the same function.
//
// A step's program links no container code: it uses REDIS_URL or .env, a
// Redis on 127.0.0.1:6379, redis-server from PATH or the embedded server.
// The runner starts a container when one is wanted and hands it over as
// REDIS_URL.
package lesson

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

// Func is a step's lesson: it writes what the learner should see to out.
type Func func(ctx context.Context, out io.Writer, rdb *redis.Client) error

// Main runs a lesson against the Redis that provision chooses and exits
// non-zero, with an explanation, if anything fails. Ctrl-C (or SIGTERM,
// SIGHUP) cancels the lesson's context; the server is stopped on the way
// out and the exit status says which signal it was. A second Ctrl-C stops
// the program at once.
func Main(run Func) {
	ctx, interrupted := SignalContext()
	srv, rdb, err := Connect(ctx)
	if err != nil {
		exitOnSignal(interrupted)
		Fail(err)
	}
	err = run(ctx, os.Stdout, rdb)
	_ = rdb.Close()
	_ = srv.Close()
	exitOnSignal(interrupted)
	if err != nil {
		Fail(err)
	}
}

// SignalContext is a context that ends at the first SIGINT, SIGTERM or
// SIGHUP, and a function that returns that signal's exit status (128+n), or
// 0 while none came. After the first signal the default action is back, so
// a second Ctrl-C ends the program even if it is stuck.
func SignalContext() (context.Context, func() int) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	code := make(chan int, 1)
	go func() {
		s := <-ch
		signal.Stop(ch)
		n := 2 // SIGINT where signals have no numbers
		if sig, ok := s.(syscall.Signal); ok {
			n = int(sig)
		}
		code <- 128 + n
		cancel()
	}()
	return ctx, func() int {
		select {
		case c := <-code:
			code <- c
			return c
		default:
			return 0
		}
	}
}

func exitOnSignal(interrupted func() int) {
	if c := interrupted(); c != 0 {
		provision.CloseAll()
		os.Exit(c)
	}
}

// Connect finds a Redis, prints the one-line banner on stderr and returns a
// client. Close both when done. For mains that need more than Main offers
// (flags, a server that keeps running); such a main owns its signals.
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
		var unreachable *provision.UnreachableError
		if errors.As(err, &unreachable) {
			e = e.For(unreachable.Via)
		}
		fmt.Fprintf(w, "cause: %s\nfix:   %s\n", e.Cause, e.Fix)
	}
}

// OwnedFunc is a lesson that changes server settings or breaks the server on
// purpose, so it gets a throwaway server of its own, never the learner's.
type OwnedFunc func(ctx context.Context, out io.Writer, srv *provision.Server) error

// MainOwned runs such a lesson on a server from provision.StartOwned; why
// tells the learner, on the banner line, why their own Redis is not used.
// Signals are handled as in Main.
func MainOwned(why string, run OwnedFunc) {
	ctx, interrupted := SignalContext()
	srv, err := provision.StartOwned(ctx, os.Stderr)
	if err != nil {
		exitOnSignal(interrupted)
		Fail(err)
	}
	fmt.Fprintf(os.Stderr, "%s (a throwaway server: %s)\n", srv.Banner(), why)
	err = run(ctx, os.Stdout, srv)
	_ = srv.Close()
	exitOnSignal(interrupted)
	if err != nil {
		Fail(err)
	}
}
