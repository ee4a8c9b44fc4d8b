package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// noRedisBenchmark is the line printed where the comparison cannot run.
const noRedisBenchmark = "redis-benchmark (the C client that comes with Redis) is not on PATH, so go-redis is measured alone: " +
	"install Redis (brew install redis; Redis's APT repository) or put its bin directory on PATH (e.g. PATH=/opt/redis8/bin:$PATH)"

// redisBenchmark runs redis-benchmark once against the same server, with
// the same number of commands, keyspace and payload as the Go side, and
// returns requests per second by test name (SET, GET, ...).
func redisBenchmark(ctx context.Context, path string, opts *redis.Options, tests []string, n int, flags []string) (map[string]float64, error) {
	host, port, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("redis-benchmark needs a host:port address, not %q", opts.Addr)
	}
	args := []string{
		"-h", host, "-p", port,
		"-n", strconv.Itoa(n), "-r", strconv.Itoa(keyspace), "-d", strconv.Itoa(len(value)),
		"-t", strings.ToLower(strings.Join(tests, ",")),
		"--csv", "-q",
	}
	if opts.DB != 0 {
		args = append(args, "--dbnum", strconv.Itoa(opts.DB))
	}
	if opts.Password != "" {
		args = append(args, "-a", opts.Password)
	}
	args = append(args, flags...)
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("redis-benchmark %s: %w: %s", strings.Join(flags, " "), err, strings.TrimSpace(stderr.String()))
	}
	return parseRedisBenchmarkCSV(stdout.String())
}

// parseRedisBenchmarkCSV reads `redis-benchmark --csv` output:
//
//	"test","rps","avg_latency_ms",...
//	"SET","34722.22","0.026",...
func parseRedisBenchmarkCSV(s string) (map[string]float64, error) {
	rows, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("reading redis-benchmark's CSV: %w", err)
	}
	if len(rows) < 2 || len(rows[0]) < 2 || rows[0][0] != "test" || rows[0][1] != "rps" {
		return nil, fmt.Errorf("redis-benchmark's CSV has no \"test\",\"rps\" header: %q", s)
	}
	rates := map[string]float64{}
	for _, row := range rows[1:] {
		if len(row) < 2 {
			return nil, fmt.Errorf("short row in redis-benchmark's CSV: %q", row)
		}
		r, err := strconv.ParseFloat(row[1], 64)
		if err != nil {
			return nil, fmt.Errorf("redis-benchmark's rate for %s is %q, not a number", row[0], row[1])
		}
		rates[row[0]] = r
	}
	return rates, nil
}
