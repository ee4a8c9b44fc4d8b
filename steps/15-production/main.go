// Step 15 (bonus): production tips — key naming, small-hash encoding, Lua
// compare-and-swap, a real Sentinel failover, and a monitoring dashboard.
//
//	go run ./steps/15-production            all five tips, once (the failover stops once a new master is elected)
//	go run ./steps/15-production sentinel   only the failover demo, in full: the old master's return too (about 25 s)
//	go run ./steps/15-production monitor    a live dashboard of your server (Ctrl-C stops it)
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/redis-go-workbook/workbook/internal/lesson"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

func main() {
	// Ctrl-C (or SIGTERM) cancels the context, so every server and process
	// the step started is stopped on the way out.
	ctx, interrupted := lesson.SignalContext()

	// go-redis logs every failed dial while the master is down; the demo
	// says what happens itself.
	provision.QuietClientLogs()

	what := "tips"
	if len(os.Args) > 1 {
		what = os.Args[1]
	}
	var err error
	switch what {
	case "tips":
		err = withServer(ctx, func(srv *provision.Server) error {
			rdb := srv.NewClient()
			defer rdb.Close()
			return tips(ctx, os.Stdout, rdb)
		})
	case "sentinel":
		withRejoin = true // the whole demonstration, the old master's return included
		err = sentinelFailover(ctx, os.Stdout)
	case "monitor":
		err = withServer(ctx, func(srv *provision.Server) error {
			rdb := srv.NewClient()
			defer rdb.Close()
			return dashboard(ctx, os.Stdout, rdb, "Redis dashboard", time.Second, 0)
		})
	default:
		err = fmt.Errorf("unknown command %q: use no argument (all tips), `sentinel` or `monitor`", what)
	}
	if err != nil && ctx.Err() == nil {
		lesson.Fail(err)
	}
	if code := interrupted(); code != 0 {
		os.Exit(code)
	}
}

// withServer connects as every step does (and says which Redis) and runs fn.
func withServer(ctx context.Context, fn func(*provision.Server) error) error {
	srv, rdb, err := lesson.Connect(ctx)
	if err != nil {
		return err
	}
	_ = rdb.Close()
	defer srv.Close()
	return fn(srv)
}
