// Step 6: JSON documents, read and changed in place by path.
//
// Run it with `make step-6` (or `go run ./steps/06-json`).
package main

import "github.com/redis-go-workbook/workbook/internal/lesson"

func main() { lesson.Main(jsonDocuments) }
