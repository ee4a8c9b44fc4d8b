package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

// A pitfall is one of the tutorial's seven: shown going wrong, then fixed.
type pitfall struct {
	title string
	needs []features.Feature
	show  func(ctx context.Context, out io.Writer, l *lab) error
}

var all = []pitfall{
	{"KEYS blocks the server; SCAN does not", nil, keysVersusScan},
	{"Strings, bytes and nil: what go-redis hands back", nil, stringsAndBytes},
	{"Cache keys without a TTL", nil, ttlAudit},
	{"One large value instead of a hash", nil, largeValue},
	{"A new client per request instead of one shared pool", nil, clientPerRequest},
	{"Redis as the only copy of the data: AOF everysec vs always", []features.Feature{features.Persistence}, aofPolicies},
	{"No memory limit, or the wrong policy", []features.Feature{features.Eviction}, memoryLimits},
}

// lab is what every pitfall works with: the throwaway server and a client.
type lab struct {
	srv *provision.Server
	rdb *redis.Client
}

// pitfalls shows each pitfall against srv, a server the workbook owns.
func pitfalls(ctx context.Context, out io.Writer, srv *provision.Server) error {
	if !srv.Owned {
		return errors.New("the pitfalls step changes server settings: give it a server the workbook started (provision.StartOwned), never your own")
	}
	l := &lab{srv: srv, rdb: srv.NewClient()}
	defer l.rdb.Close()

	fmt.Fprintln(out, "The tutorial's seven pitfalls, each shown going wrong and then fixed,")
	fmt.Fprintln(out, "measured on a throwaway server.")

	for i, p := range all {
		fmt.Fprintf(out, "\nPitfall %d: %s\n", i+1, p.title)
		if missing := l.missing(p.needs); missing != "" {
			fmt.Fprintf(out, "  skipped: %s\n", missing)
			continue
		}
		if err := p.show(ctx, out, l); err != nil {
			return fmt.Errorf("pitfall %d (%s): %w", i+1, p.title, err)
		}
	}
	return nil
}

// missing says which of needs the server lacks, or "".
func (l *lab) missing(needs []features.Feature) string {
	for _, f := range needs {
		if !l.srv.Features.Has(f) {
			return l.srv.Features.Missing(f)
		}
	}
	return ""
}

// client is one more client to the lab's server.
func (l *lab) client() *redis.Client { return l.srv.NewClient() }

// set changes one server setting and returns the function that puts the
// old value back; callers defer it at once.
func (l *lab) set(ctx context.Context, name, value string) (restore func() error, err error) {
	old, err := l.rdb.ConfigGet(ctx, name).Result()
	if err != nil {
		return nil, fmt.Errorf("CONFIG GET %s: %w", name, err)
	}
	previous, ok := old[name]
	if !ok {
		return nil, fmt.Errorf("CONFIG GET %s: the server has no such setting", name)
	}
	if err := l.rdb.ConfigSet(ctx, name, value).Err(); err != nil {
		return nil, fmt.Errorf("CONFIG SET %s %s: %w", name, value, err)
	}
	return func() error {
		return l.rdb.ConfigSet(context.WithoutCancel(ctx), name, previous).Err()
	}, nil
}

// restoreInto runs restore and keeps its error if there was none before.
func restoreInto(err *error, restore func() error) {
	if e := restore(); e != nil && *err == nil {
		*err = fmt.Errorf("putting the setting back: %w", e)
	}
}

// info reads one numeric field of an INFO section.
func (l *lab) info(ctx context.Context, section, name string) (int64, error) {
	text, err := l.rdb.Info(ctx, section).Result()
	if err != nil {
		return 0, err
	}
	v := features.InfoField(text, name)
	var n int64
	if _, err := fmt.Sscan(v, &n); err != nil {
		return 0, fmt.Errorf("INFO %s: %s is %q, not a number", section, name, v)
	}
	return n, nil
}

// deleteMatching removes every key matching pattern, a page at a time
// (SCAN + UNLINK, never KEYS), and returns how many it removed.
func deleteMatching(ctx context.Context, rdb *redis.Client, pattern string) (int, error) {
	ctx = context.WithoutCancel(ctx) // cleanup runs even after a failure
	removed := 0
	iter := rdb.Scan(ctx, 0, pattern, 1000).Iterator()
	batch := make([]string, 0, 1000)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		n, err := rdb.Unlink(ctx, batch...).Result()
		removed += int(n)
		batch = batch[:0]
		return err
	}
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return removed, err
			}
		}
	}
	if err := iter.Err(); err != nil {
		return removed, err
	}
	return removed, flush()
}

// round makes a duration readable: 12.3ms, 450µs.
func round(d time.Duration) time.Duration {
	switch {
	case d >= time.Millisecond:
		return d.Round(100 * time.Microsecond)
	case d >= time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d
}

// human prints a byte count the way INFO memory does: 1.05M, 912.45K.
func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2fG", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.2fM", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.2fK", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}
