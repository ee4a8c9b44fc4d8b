package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// bigKeyspace is enough keys for KEYS to take a noticeable moment, and few
// enough to write in well under a second with pipelines.
const bigKeyspace = 200_000

// keyspace is how many keys the lab writes: the embedded server fills far
// more slowly than Redis, so it gets a tenth.
func (l *lab) keyspace() (int, string) {
	if l.srv.IsEmbedded() {
		return bigKeyspace / 10, " (a tenth of what Redis gets: the embedded server fills slowly)"
	}
	return bigKeyspace, ""
}

// keysVersusScan fills the keyspace, then lists it twice, with KEYS and
// with SCAN, while another client measures how long its PINGs wait.
func keysVersusScan(ctx context.Context, out io.Writer, l *lab) error {
	const prefix = "pit:keys:"
	n, note := l.keyspace()
	if err := populate(ctx, l.rdb, prefix, n); err != nil {
		return err
	}
	defer deleteMatching(ctx, l.rdb, prefix+"*")
	fmt.Fprintf(out, "  %d keys written with MSET, 1000 keys a command, 20 commands a round trip%s\n", n, note)

	probe := l.client()
	defer probe.Close()

	// The pitfall: KEYS walks the whole keyspace in one command. Redis runs
	// one command at a time, so every other client waits until it is done.
	var listed []string
	keys, err := l.measure(ctx, probe, "keys", func() (err error) {
		listed, err = l.rdb.Keys(ctx, prefix+"*").Result()
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "  pitfall: KEYS returned %d keys in one reply\n", len(listed))
	keys.print(out, "KEYS")

	// The fix: SCAN walks the keyspace a page at a time. Each call is short,
	// and other clients' commands run between the calls.
	var found, calls int
	scan, err := l.measure(ctx, probe, "scan", func() (err error) {
		found, calls, err = scanCalls(ctx, l.rdb, prefix+"*")
		return err
	})
	if err != nil {
		return err
	}
	if calls == 1 {
		// The embedded server ignores COUNT: it is not Redis here.
		fmt.Fprintf(out, "  fix:     SCAN returned %d keys in a single call: this server ignores COUNT, so here SCAN blocks as long as KEYS (Redis sends about COUNT keys a call)\n", found)
	} else {
		fmt.Fprintf(out, "  fix:     SCAN returned %d keys, about 1000 a call\n", found)
	}
	scan.print(out, "SCAN")
	if scan.server != "" {
		fmt.Fprintf(out, "  skipped: the server's own timing of each call: %s\n", scan.server)
	}
	return nil
}

// blocking is what one way of listing the keys cost everyone else.
type blocking struct {
	worstWait time.Duration // the longest another client's PING took meanwhile
	longest   time.Duration // the longest single call, timed by the server itself
	server    string        // why the server's timing is missing, if it is
}

func (b blocking) print(out io.Writer, command string) {
	if b.server == "" {
		fmt.Fprintf(out, "           the longest %s call on the server (SLOWLOG): %s\n", command, round(b.longest))
	}
	fmt.Fprintf(out, "           the longest another client's PING waited meanwhile: %s\n", round(b.worstWait))
}

// measure runs work while a probe client PINGs, and, where the server has a
// slow log, has Redis time every command itself: its figures are free of
// this program's own scheduling and garbage collection.
func (l *lab) measure(ctx context.Context, probe *redis.Client, command string, work func() error) (b blocking, err error) {
	if missing := l.missing([]features.Feature{features.Config, features.Slowlog}); missing != "" {
		b.server = missing
		b.worstWait, err = worstWait(ctx, probe, work)
		return b, err
	}
	// Log every command (threshold 0µs), and keep enough entries for all
	// the SCAN calls and PINGs of one run; both settings are put back.
	restoreThreshold, err := l.set(ctx, "slowlog-log-slower-than", "0")
	if err != nil {
		return b, err
	}
	defer restoreInto(&err, restoreThreshold)
	restoreLen, err := l.set(ctx, "slowlog-max-len", "100000")
	if err != nil {
		return b, err
	}
	defer restoreInto(&err, restoreLen)
	if err := l.rdb.SlowLogReset(ctx).Err(); err != nil {
		return b, err
	}
	defer l.rdb.SlowLogReset(context.WithoutCancel(ctx))

	if b.worstWait, err = worstWait(ctx, probe, work); err != nil {
		return b, err
	}
	entries, err := l.rdb.SlowLogGet(ctx, -1).Result()
	if err != nil {
		return b, err
	}
	for _, e := range entries {
		if len(e.Args) > 0 && strings.EqualFold(e.Args[0], command) {
			b.longest = max(b.longest, e.Duration)
		}
	}
	return b, nil
}

// populate writes n keys prefix0..prefix(n-1) with pipelined MSETs.
func populate(ctx context.Context, rdb *redis.Client, prefix string, n int) error {
	pipe := rdb.Pipeline()
	args := make([]any, 0, 2000)
	for i := 0; i < n; i++ {
		args = append(args, prefix+strconv.Itoa(i), "x")
		if len(args) == cap(args) || i == n-1 {
			pipe.MSet(ctx, args...)
			args = make([]any, 0, 2000) // the queued command keeps the old slice
		}
		if pipe.Len() == 20 || i == n-1 {
			if _, err := pipe.Exec(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// scanAll counts the keys matching pattern with SCAN. SCAN may return a key
// more than once (when the table grows or shrinks mid-walk): a set removes
// the repeats.
func scanAll(ctx context.Context, rdb *redis.Client, pattern string) (int, error) {
	n, _, err := scanCalls(ctx, rdb, pattern)
	return n, err
}

// scanCalls is scanAll that also says how many SCAN calls the walk took.
func scanCalls(ctx context.Context, rdb *redis.Client, pattern string) (keys, calls int, err error) {
	seen := make(map[string]struct{})
	var cursor uint64
	for {
		page, next, err := rdb.Scan(ctx, cursor, pattern, 1000).Result()
		if err != nil {
			return 0, calls, err
		}
		calls++
		for _, key := range page {
			seen[key] = struct{}{}
		}
		if cursor = next; cursor == 0 {
			return len(seen), calls, nil
		}
	}
}

// worstWait runs work while probe sends PING after PING, and returns the
// longest any PING took: what a user of your app would feel meanwhile.
func worstWait(ctx context.Context, probe *redis.Client, work func() error) (time.Duration, error) {
	if err := probe.Ping(ctx).Err(); err != nil { // connect before measuring
		return 0, err
	}
	var (
		wg      sync.WaitGroup
		worst   time.Duration
		probeEr error
		stop    = make(chan struct{})
		started = make(chan struct{})
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		close(started)
		for {
			select {
			case <-stop:
				return
			default:
			}
			start := time.Now()
			if err := probe.Ping(ctx).Err(); err != nil {
				probeEr = err
				return
			}
			worst = max(worst, time.Since(start))
		}
	}()
	<-started
	err := work()
	close(stop)
	wg.Wait()
	if err == nil {
		err = probeEr
	}
	return worst, err
}
