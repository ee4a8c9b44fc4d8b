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

const usage = "usage: go run ./steps/12-url-shortener [serve [-addr 127.0.0.1:8080] [-limit N] [-window D]]"

func main() {
	args := os.Args[1:]
	if len(args) == 0 {
		lesson.Main(demo)
		return
	}
	switch args[0] {
	case "serve":
	case "help", "-h", "-help", "--help":
		fmt.Println("Step 12: the demo with no argument, or the HTTP service with `serve`.")
		fmt.Println(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "%q is not something step 12 does: give no argument for the demo, or `serve`\n%s\n", args[0], usage)
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
