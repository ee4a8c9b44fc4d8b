// Step 16 (bonus): the tutorial's benchmark table, measured in Go, beside
// redis-benchmark when it is installed.
//
//	go run ./steps/16-benchmarks                  quick: 2000 commands, 3 runs
//	go run ./steps/16-benchmarks -n 100000 -runs 5  what `make bench` runs
//
// It benchmarks a throwaway server the step starts itself (redis-server
// from PATH, or the embedded server), never yours: the benchmark writes many
// keys, and redis-benchmark's keys have fixed names.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/redis-go-workbook/workbook/internal/lesson"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

func main() {
	o := DefaultOptions()
	flag.IntVar(&o.N, "n", o.N, "commands per run, for each operation and mode")
	flag.IntVar(&o.Runs, "runs", o.Runs, "runs per figure; the table shows the median")
	flag.IntVar(&o.Concurrency, "c", o.Concurrency, "goroutines in the concurrent mode (redis-benchmark -c)")
	flag.StringVar(&o.OutDir, "out", o.OutDir, "directory for benchmarks.csv and benchmarks.svg, relative to the workbook")
	flag.Parse()
	if err := o.Check(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(2)
	}
	// The default "bench" is the workbook's bench/ (git-ignored), wherever
	// the step is run from.
	if root, err := workbook.Root(); err == nil && !filepath.IsAbs(o.OutDir) {
		if rel, err := filepath.Rel(mustGetwd(), filepath.Join(root, o.OutDir)); err == nil {
			o.OutDir = rel
		}
	}

	lesson.MainOwned("the benchmark writes many keys, and redis-benchmark's have fixed names", func(ctx context.Context, out io.Writer, srv *provision.Server) error {
		rdb := srv.NewClient()
		defer rdb.Close()
		_, err := benchmark(ctx, out, rdb, o)
		return err
	})
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}
