// Step 9: sessions for web applications, kept in Redis hashes.
//
// Run it with `make step-9` (or `go run ./steps/09-sessions`).
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.Main(demo) }
