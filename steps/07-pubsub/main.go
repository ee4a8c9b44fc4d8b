// Step 7: an event bus on pub/sub, and the same bus on a stream.
//
// Run it with `make step-7` (or `go run ./steps/07-pubsub`); add
// `ARGS=-streams` (or `-streams`) for the Streams version.
package main

import (
	"flag"

	"github.com/redis-go-workbook/workbook/internal/lesson"
)

func main() {
	streams := flag.Bool("streams", false, "run the Streams version: events published before the consumer starts are still delivered")
	flag.Parse()
	run := demo
	if *streams {
		run = streamsDemo
	}
	lesson.Main(run)
}
