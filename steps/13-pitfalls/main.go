// Step 13 (bonus): the seven pitfalls, each shown live and then fixed.
//
// Run it with `make step-13` (or `go run ./steps/13-pitfalls`).
//
// Several pitfalls change server settings (maxmemory, the eviction policy,
// AOF) and fill the keyspace on purpose, so this step never runs against
// your own Redis: it starts a throwaway server of its own (redis-server from
// PATH, else the embedded server) and stops it at the end.
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.MainOwned("this step changes its settings", pitfalls) }
