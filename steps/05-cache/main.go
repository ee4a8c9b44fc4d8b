// Step 5: a cache-aside layer in front of a slow function.
//
// Run it with `make step-5` (or `go run ./steps/05-cache`).
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.Main(demo) }
