// Step 4: the core data types — strings, hashes, lists, sets and sorted sets.
//
// Run it with `make step-4` (or `go run ./steps/04-data-types`).
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.Main(dataTypes) }
