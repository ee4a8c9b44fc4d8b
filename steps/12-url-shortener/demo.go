package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/steps/12-url-shortener/shortener"
)

// The demo keeps its keys apart from the server's (serve uses
// "shortener:"), and removes them when it is done.
const (
	demoPrefix = "shortener-demo:"
	demoBase   = "https://sho.rt"
)

// demo is the tutorial's demo: three links and a custom one, 15, 8 and 22
// clicks, the first link's stats, the top list and the memory it all takes.
func demo(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	// An earlier run that stopped half-way may have left keys (and the
	// custom code "special") behind: start clean.
	if _, err := cleanup(ctx, rdb, demoPrefix); err != nil {
		return err
	}
	s := shortener.New(rdb, demoPrefix, demoBase)

	fmt.Fprintln(out, "=== URL Shortener Demo ===")
	fmt.Fprintln(out)
	urls := []string{
		"https://example.com/very/long/path/to/article/about/python",
		"https://example.com/another/long/url/for/testing",
		"https://example.com/redis/documentation/getting-started",
	}
	var created []shortener.Link
	for _, u := range urls {
		link, err := s.Shorten(ctx, u, shortener.Options{})
		if err != nil {
			return err
		}
		created = append(created, link)
		fmt.Fprintf(out, "Shortened: %s → %s\n", link.ShortURL, cut(u, 50))
	}

	custom, err := s.Shorten(ctx, "https://example.com/special", shortener.Options{Code: "special"})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Custom: %s → %s\n", custom.ShortURL, custom.LongURL)
	// A taken code is refused, never silently replaced.
	_, err = s.Shorten(ctx, "https://example.com/impostor", shortener.Options{Code: "special"})
	if !errors.Is(err, shortener.ErrCodeTaken) {
		return fmt.Errorf("a second claim of \"special\" should be refused, got %v", err)
	}
	fmt.Fprintf(out, "Custom again: refused (%s)\n", shortener.ErrCodeTaken)

	fmt.Fprintln(out, "\n--- Simulating clicks ---")
	total := 0
	for i, clicks := range []int{15, 8, 22} {
		for range clicks {
			if _, err := s.Resolve(ctx, created[i].Code); err != nil {
				return err
			}
		}
		total += clicks
	}
	fmt.Fprintf(out, "%d clicks on %d links\n", total, len(created))

	fmt.Fprintln(out, "\n--- Analytics ---")
	stats, err := s.Stats(ctx, created[0].Code)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "URL: %s\n", cut(stats.LongURL, 50))
	fmt.Fprintf(out, "Total clicks: %d\n", stats.Clicks)
	fmt.Fprintf(out, "Recent clicks returned: %d, newest first\n", len(stats.RecentClicks))

	fmt.Fprintln(out, "\n--- Top URLs ---")
	top, err := s.Top(ctx, 5)
	if err != nil {
		return err
	}
	for i, r := range top {
		fmt.Fprintf(out, " %d. %s: %d clicks → %s\n", i+1, r.Code, r.Clicks, cut(r.LongURL, 40))
	}

	fmt.Fprintln(out, "\n--- Redis Memory ---")
	info, err := rdb.Info(ctx, "memory").Result()
	if err != nil {
		return fmt.Errorf("INFO memory: %w", err)
	}
	fmt.Fprintf(out, "Used memory: %s\n", features.InfoField(info, "used_memory_human"))
	fmt.Fprintf(out, "Peak memory: %s\n", features.InfoField(info, "used_memory_peak_human"))
	// The tutorial printed DBSIZE, which counts every key in the database;
	// these are the demo's own: 4 links, 3 click lists and the ranking.
	keys, err := countKeys(ctx, rdb, demoPrefix)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Total keys: %d\n", keys)

	removed, err := cleanup(ctx, rdb, demoPrefix)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nCleaned up %d keys (`make step-12 ARGS=serve` keeps its links)\n", removed)
	return nil
}

// cut shortens s to n characters, marking the cut with "...".
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// countKeys counts the keys under prefix with SCAN (never KEYS).
func countKeys(ctx context.Context, rdb *redis.Client, prefix string) (int, error) {
	seen := map[string]bool{} // SCAN may return a key twice
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		seen[iter.Val()] = true
	}
	if err := iter.Err(); err != nil {
		return 0, fmt.Errorf("SCAN: %w", err)
	}
	return len(seen), nil
}

// cleanup unlinks the keys under prefix and returns how many it removed.
func cleanup(ctx context.Context, rdb *redis.Client, prefix string) (int64, error) {
	var keys []string
	iter := rdb.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return 0, fmt.Errorf("SCAN: %w", err)
	}
	var removed int64
	for len(keys) > 0 {
		n := min(len(keys), 100)
		r, err := rdb.Unlink(ctx, keys[:n]...).Result()
		if err != nil {
			return removed, fmt.Errorf("UNLINK: %w", err)
		}
		removed += r
		keys = keys[n:]
	}
	return removed, nil
}
