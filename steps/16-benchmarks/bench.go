package main

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// Options say how much to measure and where to write the results.
type Options struct {
	N           int    // commands per measurement
	Runs        int    // measurements per figure; the table shows the median
	Concurrency int    // goroutines in the concurrent mode, and redis-benchmark's -c
	Pipeline    int    // commands per pipeline
	OutDir      string // where benchmarks.csv and benchmarks.svg go
	// RedisBenchmark is the path of redis-benchmark, "" to measure
	// go-redis alone.
	RedisBenchmark string
}

// DefaultOptions keep the step quick: a few seconds in all.
func DefaultOptions() Options {
	o := Options{N: 2000, Runs: 3, Concurrency: 50, Pipeline: 100, OutDir: "bench"}
	if path, err := exec.LookPath("redis-benchmark"); err == nil {
		o.RedisBenchmark = path
	}
	return o
}

// Check says what is wrong with o, in words a learner can act on.
func (o Options) Check() error {
	switch {
	case o.N < 1:
		return fmt.Errorf("-n %d: the number of commands per run must be at least 1", o.N)
	case o.Runs < 1:
		return fmt.Errorf("-runs %d: there must be at least one run", o.Runs)
	case o.Concurrency < 1:
		return fmt.Errorf("-c %d: concurrency must be at least 1", o.Concurrency)
	case o.Pipeline < 1:
		return fmt.Errorf("pipeline size %d must be at least 1", o.Pipeline)
	}
	return nil
}

// result is one row of the table: an operation sent one way by one client.
type result struct {
	Op, Mode, Client string
	Rate             float64 // ops/s, the median of the runs
	// RedisBenchmark is the C client's ops/s on the same server, sending
	// the same way, 0 when it was not measured.
	RedisBenchmark float64
}

// benchmark measures every operation in every mode with every Go client,
// Runs times, with redis-benchmark taking its turn after the Go clients
// (when it is installed), so that all see the same machine at the same
// moment; then it prints the table and writes the CSV and the chart.
func benchmark(ctx context.Context, out io.Writer, rdb *redis.Client, o Options) ([]result, error) {
	if err := o.Check(); err != nil {
		return nil, err
	}
	set, err := features.Detect(ctx, rdb, "this server")
	if err != nil {
		return nil, err
	}
	set.Server = "Redis " + set.Version // "JSON.SET not measured: no JSON ... on Redis 8.6.3: ..."
	var ops []operation
	var skipped []string
	for _, op := range operations(newNames()) {
		if op.Needs != "" && !set.Has(op.Needs) {
			skipped = append(skipped, fmt.Sprintf("%s not measured: %s", op.Name, set.Missing(op.Needs)))
			continue
		}
		ops = append(ops, op)
	}
	var tests []string // the operations redis-benchmark also has
	for _, op := range ops {
		if op.Test != "" {
			tests = append(tests, op.Test)
		}
	}

	c, err := newClients(ctx, rdb, o)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	defer cleanUp(context.WithoutCancel(ctx), rdb, o.RedisBenchmark != "")

	type cell struct{ op, mode, client string }
	goRates := map[cell][]float64{}
	cRates := map[[2]string][]float64{}
	for range o.Runs {
		for _, m := range modes {
			for _, op := range ops {
				for _, w := range m.ways {
					d, err := w.run(ctx, c, op, o.N, o)
					if err != nil {
						return nil, err
					}
					k := cell{op.Name, m.Name, w.Client}
					goRates[k] = append(goRates[k], rate(o.N, d))
				}
			}
			if o.RedisBenchmark == "" || len(tests) == 0 {
				continue
			}
			rates, err := redisBenchmark(ctx, o.RedisBenchmark, rdb.Options(), tests, o.N, m.Flags(o))
			if err != nil {
				return nil, err
			}
			for _, t := range tests {
				cRates[[2]string{t, m.Name}] = append(cRates[[2]string{t, m.Name}], rates[t])
			}
		}
	}

	var results []result
	for _, op := range ops {
		for _, m := range modes {
			for _, w := range m.ways {
				results = append(results, result{
					Op: op.Name, Mode: m.Name, Client: w.Client,
					Rate:           median(goRates[cell{op.Name, m.Name, w.Client}]),
					RedisBenchmark: median(cRates[[2]string{op.Name, m.Name}]),
				})
			}
		}
	}

	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "Redis %s; median of %d runs of %d commands each; concurrent = %d goroutines (redis-benchmark -c %d)\n\n",
		features.InfoField(info, "redis_version"), o.Runs, o.N, o.Concurrency, o.Concurrency)
	printTable(out, results, o.RedisBenchmark != "")
	fmt.Fprintln(out)
	for _, s := range skipped {
		fmt.Fprintln(out, s)
	}
	if o.RedisBenchmark == "" {
		fmt.Fprintln(out, noRedisBenchmark)
	}

	if o.OutDir != "" {
		csvPath := filepath.Join(o.OutDir, "benchmarks.csv")
		svgPath := filepath.Join(o.OutDir, "benchmarks.svg")
		if err := writeCSV(csvPath, results); err != nil {
			return nil, err
		}
		if err := writeSVG(svgPath, results, o); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "CSV:   %s\nchart: %s (open it in a browser)\n", filepath.ToSlash(csvPath), filepath.ToSlash(svgPath))
	}
	return results, nil
}

// cleanUp removes what the benchmark wrote: go-redis's bench:* keys and,
// if it ran, redis-benchmark's: key:<12 digits> (from -r), myhash, mylist
// and myzset. The patterns are exact, so nothing else is touched.
func cleanUp(ctx context.Context, rdb *redis.Client, redisBenchmarkRan bool) {
	patterns := []string{"bench:*"}
	if redisBenchmarkRan {
		patterns = append(patterns, "key:"+strings.Repeat("[0-9]", 12))
		rdb.Unlink(ctx, "myhash", "mylist", "myzset")
	}
	for _, pattern := range patterns {
		iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
		var batch []string
		for iter.Next(ctx) {
			if batch = append(batch, iter.Val()); len(batch) == 1000 {
				rdb.Unlink(ctx, batch...)
				batch = batch[:0]
			}
		}
		if len(batch) > 0 {
			rdb.Unlink(ctx, batch...)
		}
	}
}
