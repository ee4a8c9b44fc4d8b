// Step 13 (bonus): the seven pitfalls, each shown live and then fixed.
//
// Run it with `make step-13` (or `go run ./steps/13-pitfalls`).
//
// Several pitfalls change server settings (maxmemory, the eviction policy,
// AOF) and fill the keyspace on purpose, so this step never runs against
// your own Redis: it starts a throwaway server of its own (a container, else
// redis-server from PATH, else the embedded server) and stops it at the end.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/redis-go-workbook/workbook/internal/lesson"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

func main() {
	ctx := context.Background()
	srv, err := provision.StartOwned(ctx, os.Stderr)
	if err != nil {
		lesson.Fail(err)
	}
	fmt.Fprintln(os.Stderr, srv.Banner()+" (a throwaway server: this step changes its settings)")
	err = pitfalls(ctx, os.Stdout, srv)
	_ = srv.Close()
	if err != nil {
		lesson.Fail(err)
	}
}
