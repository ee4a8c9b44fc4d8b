// Step 14 (bonus): the troubleshooting table, reproduced row by row.
//
// Run it with `make step-14` (or `go run ./steps/14-troubleshooting`).
//
// This step sets a password, lowers maxclients and maxmemory and breaks
// background saves on purpose, so it never runs against your own Redis: it
// starts a throwaway server of its own (a container, else redis-server from
// PATH, else the embedded server) and stops it at the end.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/lesson"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

func main() {
	ctx := context.Background()
	// go-redis logs failed dials itself; this step shows each error once.
	redis.SetLogger(quiet{})
	srv, err := provision.StartOwned(ctx, os.Stderr)
	if err != nil {
		lesson.Fail(err)
	}
	fmt.Fprintln(os.Stderr, srv.Banner()+" (a throwaway server: this step breaks it on purpose)")
	err = troubleshoot(ctx, os.Stdout, srv)
	_ = srv.Close()
	if err != nil {
		lesson.Fail(err)
	}
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...interface{}) {}
