package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// metrics are the five numbers the tutorial says to watch in production.
type metrics struct {
	UsedMemory      int64  // used_memory, bytes
	UsedMemoryHuman string // used_memory_human, e.g. 1.02M
	Clients         int64  // connected_clients
	Hits, Misses    int64  // keyspace_hits, keyspace_misses since the server started
	OpsPerSec       int64  // instantaneous_ops_per_sec, the server's own recent average
	Evicted         int64  // evicted_keys: keys thrown out to stay under maxmemory
}

// hitRatio is hits / (hits + misses), and false when nothing was read yet.
func hitRatio(hits, misses int64) (float64, bool) {
	if hits+misses == 0 {
		return 0, false
	}
	return float64(hits) / float64(hits+misses), true
}

// readMetrics takes the five metrics from INFO. Each section is asked for
// on its own: it is the same work for the server, and older servers (and
// the embedded one) do not accept several sections in one INFO.
func readMetrics(ctx context.Context, rdb *redis.Client) (metrics, error) {
	var all strings.Builder
	for _, section := range []string{"memory", "clients", "stats"} {
		info, err := rdb.Info(ctx, section).Result()
		if err != nil {
			return metrics{}, fmt.Errorf("INFO %s: %w", section, err)
		}
		all.WriteString(info)
	}
	info := all.String()
	num := func(name string) int64 {
		n, _ := strconv.ParseInt(features.InfoField(info, name), 10, 64)
		return n
	}
	return metrics{
		UsedMemory:      num("used_memory"),
		UsedMemoryHuman: features.InfoField(info, "used_memory_human"),
		Clients:         num("connected_clients"),
		Hits:            num("keyspace_hits"),
		Misses:          num("keyspace_misses"),
		OpsPerSec:       num("instantaneous_ops_per_sec"),
		Evicted:         num("evicted_keys"),
	}, nil
}

// ownCommands are what the dashboard itself sends; it leaves them out of
// the slow log it shows, so that watching does not drown what is watched.
var ownCommands = map[string]bool{"info": true, "slowlog": true, "config": true, "client": true, "hello": true, "ping": true}

// slowEntries returns up to n of the newest slow-log entries, leaving out
// the dashboard's own commands.
func slowEntries(ctx context.Context, rdb *redis.Client, n int) ([]redis.SlowLog, error) {
	all, err := rdb.SlowLogGet(ctx, 128).Result()
	if err != nil {
		return nil, fmt.Errorf("SLOWLOG GET: %w", err)
	}
	var kept []redis.SlowLog
	for _, e := range all {
		if len(e.Args) > 0 && !ownCommands[strings.ToLower(e.Args[0])] && len(kept) < n {
			kept = append(kept, e)
		}
	}
	return kept, nil
}

// frame is what one refresh of the dashboard shows.
type frame struct {
	Now, Prev metrics // Prev is the previous refresh, for per-interval figures
	HasPrev   bool
	Slow      []redis.SlowLog
	Threshold string // slowlog-log-slower-than, microseconds
}

// render draws one frame: the five metrics, then the slow log.
func render(out io.Writer, f frame) {
	m := f.Now
	fmt.Fprintf(out, "used memory        %s\n", m.UsedMemoryHuman)
	fmt.Fprintf(out, "connected clients  %d\n", m.Clients)
	ratio := "n/a (no reads yet)"
	if r, ok := hitRatio(m.Hits, m.Misses); ok {
		ratio = fmt.Sprintf("%.1f%% (hits %d, misses %d)", 100*r, m.Hits, m.Misses)
		// The tutorial's rule of thumb: below 90%, TTLs are too short or
		// the data does not fit in memory.
		if r < 0.9 {
			ratio += " — below 90%: TTLs too short, or too little memory?"
		}
	}
	fmt.Fprintf(out, "hit ratio          %s\n", ratio)
	if f.HasPrev {
		if r, ok := hitRatio(m.Hits-f.Prev.Hits, m.Misses-f.Prev.Misses); ok {
			fmt.Fprintf(out, "  since last frame %.1f%%\n", 100*r)
		}
	}
	fmt.Fprintf(out, "ops/s              %d\n", m.OpsPerSec)
	evicted := strconv.FormatInt(m.Evicted, 10)
	if f.HasPrev && m.Evicted > f.Prev.Evicted {
		evicted += fmt.Sprintf(" (+%d since last frame: memory is full)", m.Evicted-f.Prev.Evicted)
	}
	fmt.Fprintf(out, "evicted keys       %s\n", evicted)
	fmt.Fprintf(out, "slow log (commands slower than %s µs, newest first):\n", f.Threshold)
	if len(f.Slow) == 0 {
		fmt.Fprintln(out, "  (empty)")
	}
	for _, e := range f.Slow {
		fmt.Fprintf(out, "  %s  (%s)\n", shorten(strings.Join(e.Args, " "), 60), e.Duration)
	}
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-3] + "..."
}

// readFrame gathers one frame from the server.
func readFrame(ctx context.Context, rdb *redis.Client, prev *metrics) (frame, error) {
	m, err := readMetrics(ctx, rdb)
	if err != nil {
		return frame{}, err
	}
	f := frame{Now: m, Threshold: "?"}
	if prev != nil {
		f.Prev, f.HasPrev = *prev, true
	}
	if v, err := rdb.ConfigGet(ctx, "slowlog-log-slower-than").Result(); err == nil {
		f.Threshold = v["slowlog-log-slower-than"]
	}
	if f.Slow, err = slowEntries(ctx, rdb, 5); err != nil {
		return frame{}, err
	}
	return f, nil
}

// clearScreen moves the cursor home and clears the terminal (ANSI).
const clearScreen = "\033[H\033[2J"

// dashboard redraws the metrics every interval until ctx ends (Ctrl-C),
// or after frames refreshes when frames > 0.
func dashboard(ctx context.Context, out io.Writer, rdb *redis.Client, title string, every time.Duration, frames int) error {
	var prev *metrics
	tick := time.NewTicker(every)
	defer tick.Stop()
	for i := 0; frames <= 0 || i < frames; i++ {
		f, err := readFrame(ctx, rdb, prev)
		if err != nil {
			if ctx.Err() != nil {
				return nil // Ctrl-C while reading: a normal end
			}
			return err
		}
		fmt.Fprint(out, clearScreen)
		fmt.Fprintf(out, "%s — %s, every %s (Ctrl-C to stop)\n\n", title, time.Now().Format("15:04:05"), every)
		render(out, f)
		prev = &f.Now
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
	return nil
}

// monitoring runs a known workload on the step's own server, with every
// command going to the slow log, and prints one frame of the dashboard.
func monitoring(ctx context.Context, out io.Writer, owned *redis.Client, set features.Set) error {
	fmt.Fprintln(out, "--- 5. Monitoring: five metrics and the slow log ---")
	for _, f := range []features.Feature{features.Config, features.Slowlog} {
		if !set.Has(f) {
			fmt.Fprintln(out, set.Missing(f))
			return nil
		}
	}
	// Log every command (0 µs) instead of those over 10 ms, as the
	// tutorial's debugging tip does with 1000 µs. It is a server setting,
	// which is why this runs on the step's own server.
	if err := owned.ConfigSet(ctx, "slowlog-log-slower-than", "0").Err(); err != nil {
		return fmt.Errorf("CONFIG SET slowlog-log-slower-than: %w", err)
	}
	if err := owned.SlowLogReset(ctx).Err(); err != nil {
		return fmt.Errorf("SLOWLOG RESET: %w", err)
	}
	before, err := readMetrics(ctx, owned)
	if err != nil {
		return err
	}
	// The workload: nine products cached, nine reads that hit and one that
	// misses, which is exactly the 90% the tutorial warns at.
	for i := 1; i <= 9; i++ {
		if err := owned.Set(ctx, fmt.Sprintf("%sproduct:%d", appPrefix, i), "{}", time.Minute).Err(); err != nil {
			return err
		}
	}
	for i := 1; i <= 10; i++ {
		if err := owned.Get(ctx, fmt.Sprintf("%sproduct:%d", appPrefix, i)).Err(); err != nil && err != redis.Nil {
			return err
		}
	}
	f, err := readFrame(ctx, owned, nil)
	if err != nil {
		return err
	}
	r, _ := hitRatio(f.Now.Hits-before.Hits, f.Now.Misses-before.Misses)
	fmt.Fprintf(out, "workload: 9 SETs, 10 GETs (9 hits, 1 miss) → hit ratio of the workload %.1f%%\n", 100*r)
	fmt.Fprintln(out, "one frame of the dashboard (`go run ./steps/15-production monitor` redraws it every second):")
	render(out, f)
	return nil
}
