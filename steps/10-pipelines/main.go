// Step 10: pipelines for speed, transactions for atomicity.
//
// Run it with `make step-10` (or `go run ./steps/10-pipelines`).
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.Main(demo) }
