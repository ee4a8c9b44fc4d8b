// Step 7: an event bus on pub/sub, and the same bus on a stream.
//
// Run it with `make step-7` (or `go run ./steps/07-pubsub`); add
// `ARGS=-streams` (or `-streams`) for the Streams version.
package main

import (
	"context"
	"flag"
	"os"

	"github.com/redis-go-workbook/workbook/internal/lesson"
)

func main() {
	streams := flag.Bool("streams", false, "run the Streams version: events published before the consumer starts are still delivered")
	flag.Parse()
	run := demo
	if *streams {
		run = streamsDemo
	}
	ctx := context.Background()
	srv, rdb, err := lesson.Connect(ctx)
	if err != nil {
		lesson.Fail(err)
	}
	err = run(ctx, os.Stdout, rdb)
	_ = rdb.Close()
	_ = srv.Close()
	if err != nil {
		lesson.Fail(err)
	}
}
