// Step 1: is a Redis server there, and is it recent enough?
//
// Run it with `make step-1` (or `go run ./steps/01-install`).
package main

import (
	"context"
	"os"

	"github.com/redis-go-workbook/workbook/internal/lesson"
)

func main() {
	ctx := context.Background()
	srv, rdb, err := lesson.Connect(ctx)
	if err != nil {
		printInstallOptions(os.Stderr)
		lesson.Fail(err)
	}
	defer srv.Close()
	defer rdb.Close()
	if err := verify(ctx, os.Stdout, rdb); err != nil {
		printInstallOptions(os.Stderr)
		lesson.Fail(err)
	}
}
