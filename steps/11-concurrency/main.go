// Step 11: one client, many goroutines: the pool, errgroup fan-out with a
// deadline, the same work as a pipeline, and pub/sub with a timeout.
//
// Run it with `make step-11` (or `go run ./steps/11-concurrency`).
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.Main(concurrency) }
