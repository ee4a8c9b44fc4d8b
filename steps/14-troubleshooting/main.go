// Step 14 (bonus): the troubleshooting table, reproduced row by row.
//
// Run it with `make step-14` (or `go run ./steps/14-troubleshooting`).
//
// This step sets a password, lowers maxclients and maxmemory and breaks
// background saves on purpose, so it never runs against your own Redis: it
// starts a throwaway server of its own (redis-server from PATH, else the
// embedded server) and stops it at the end.
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.MainOwned("this step breaks it on purpose", troubleshoot) }
