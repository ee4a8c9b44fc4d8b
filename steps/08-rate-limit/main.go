// Step 8: a sliding-window rate limiter on a sorted set, checked and
// recorded atomically by one Lua script.
//
// Run it with `make step-8` (or `go run ./steps/08-rate-limit`).
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.Main(demo) }
