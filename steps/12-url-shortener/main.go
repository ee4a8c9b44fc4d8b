// Step 12: the capstone, a URL shortener with click analytics.
//
//	make step-12              the demo (or: go run ./steps/12-url-shortener)
//	make step-12 ARGS=serve   the HTTP server on 127.0.0.1:8080
//	make step-12 ARGS="serve -addr 127.0.0.1:9090 -limit 100"
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/redis-go-workbook/workbook/internal/lesson"
)

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		lesson.Main(demo)
		return
	}
	if args[0] != "serve" {
		fmt.Fprintf(os.Stderr, "unknown command %q\nusage: go run ./steps/12-url-shortener [serve [-addr 127.0.0.1:8080] [-limit N] [-window D]]\n", args[0])
		os.Exit(2)
	}
	err := serveMain(args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		lesson.Fail(err)
	}
}
