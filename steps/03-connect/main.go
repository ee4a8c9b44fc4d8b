// Step 3: three ways to connect, what the server says about itself, and
// what the connection pool is doing.
//
// Run it with `make step-3` (or `go run ./steps/03-connect`).
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.Main(connect) }
