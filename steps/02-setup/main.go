// Step 2: the project's configuration, read from .env and the environment.
//
// Run it with `make step-2` (or `go run ./steps/02-setup`).
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.Main(showSetup) }
