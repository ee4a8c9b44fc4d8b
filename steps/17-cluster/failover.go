package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// clientTimeout bounds each attempt of a command: dialling, writing,
// reading. go-redis's defaults (5 s dial, 3 s read) suit a network; on
// loopback, a node that takes 250 ms is a node in trouble.
const clientTimeout = 250 * time.Millisecond

// failoverClient is the workload's client for part 4, with its retry
// settings spelled out. A command that fails is tried again up to
// MaxRedirects times (a MOVED, a refused connection, CLUSTERDOWN...), each
// attempt bounded by the timeouts, after a pause growing from
// MinRetryBackoff to MaxRetryBackoff: so no command hangs longer than about
// (MaxRedirects+1) × (timeout + backoff), however long the cluster needs.
//
// What bounds the window itself is how soon the client learns the new map
// of slots. A MOVED reply makes go-redis reload it at once; a dead node
// sends no MOVED, it just refuses connections, and go-redis otherwise
// reloads the map only every ClusterStateReloadInterval (60 s by default).
// One second here: the client finds the promoted replica within about a
// second of the promotion.
func failoverClient(c *cluster, edit func(*redis.ClusterOptions)) *redis.ClusterClient {
	opt := &redis.ClusterOptions{
		Addrs:           c.addrs(),
		MaxRedirects:    3,
		MinRetryBackoff: 8 * time.Millisecond,
		MaxRetryBackoff: 256 * time.Millisecond,
		DialTimeout:     clientTimeout,
		ReadTimeout:     clientTimeout,
		WriteTimeout:    clientTimeout,

		ClusterStateReloadInterval: time.Second,
	}
	if edit != nil {
		edit(opt)
	}
	return redis.NewClusterClient(opt)
}

// failover is part 4: SIGKILL a primary while a workload writes and reads,
// watch its replica take over and the client follow, then bring the old
// primary back and watch it rejoin as a replica.
func failover(ctx context.Context, out io.Writer, c *cluster) error {
	fmt.Fprintln(out, "--- 4. Failover ---")
	rdb := failoverClient(c, nil)
	defer rdb.Close()
	// ReadOnly sends reads to replicas (RouteRandomly: to any node of the
	// slot's shard, RouteByLatency: to the closest). They may be a little
	// behind the primary, and they keep answering while it is gone.
	replicas := failoverClient(c, func(o *redis.ClusterOptions) { o.ReadOnly = true })
	defer replicas.Close()

	all, err := shards(ctx, rdb)
	if err != nil {
		return err
	}
	shard := all[1]
	p, _ := primaryOf(shard)
	r, ok := replicaOf(shard)
	if !ok {
		return fmt.Errorf("shard %s has no replica online", slotRanges(shard))
	}
	victim, heir := c.byAddr(nodeAddr(p)), c.byAddr(nodeAddr(r))
	if victim == nil || heir == nil {
		return fmt.Errorf("no process of this step listens on %s or %s", nodeAddr(p), nodeAddr(r))
	}

	// Keys for the readers, on every shard, copied to the replicas before
	// the crash.
	const readKeys = 300
	for i := range readKeys {
		if err := rdb.Set(ctx, "before:"+strconv.Itoa(i), i, 0).Err(); err != nil {
			return fmt.Errorf("SET before:%d: %w", i, err)
		}
	}
	if err := waitFor(ctx, 10*time.Second, "the replica to catch up", func() (bool, error) {
		return caughtUp(ctx, victim.addr(), heir.addr()), nil
	}); err != nil {
		return err
	}

	writers := startWorkload(ctx, rdb, "failover", 4)
	readers := startReaders(ctx, replicas, "before", readKeys, 2)
	stopAll := sync.OnceFunc(func() { writers.Stop(); readers.Stop() })
	defer stopAll()
	if err := waitFor(ctx, 10*time.Second, "the workload to start", func() (bool, error) {
		return writers.writes.Load() >= 200, nil
	}); err != nil {
		return err
	}

	// The crash.
	victim.kill()
	killed := time.Since(writers.start)
	fmt.Fprintf(out, "SIGKILL the primary of slots %s, %s; its replica is %s\n", slotRanges(shard), victim.addr(), heir.addr())

	// The other nodes stop hearing from it; after the node timeout they
	// flag it FAIL, the replica asks the primaries for their votes, wins,
	// and takes over its slots. Poll the replica's own view of its role.
	heirClient := nodeClient(heir.addr())
	defer heirClient.Close()
	if err := waitFor(ctx, 60*time.Second, "the replica to be promoted", func() (bool, error) {
		info, err := heirClient.Info(ctx, "replication").Result()
		return err == nil && infoField(info, "role") == "master", nil
	}); err != nil {
		return err
	}
	promoted := time.Since(writers.start) - killed
	if err := c.waitHealthy(ctx, 60*time.Second); err != nil {
		return err
	}
	// The client has recovered when a write to every shard succeeds
	// through it: it has learned the new map (from a MOVED, or its
	// periodic reload) and reaches the promoted replica.
	probes := make([]string, len(all))
	for i, s := range all {
		slot := int(s.Slots[0].Start)
		probes[i] = "probe:{" + tagsFor(slot, slot)[0] + "}"
	}
	if err := waitFor(ctx, 60*time.Second, "the client to reach every shard again", func() (bool, error) {
		for _, k := range probes {
			if rdb.Set(ctx, k, 1, 0).Err() != nil {
				return false, nil
			}
		}
		return true, nil
	}); err != nil {
		return err
	}
	recovered := time.Since(writers.start) - killed
	if err := afterMigration(ctx, writers, 200); err != nil {
		return err
	}
	stopAll()
	fmt.Fprintf(out, "%s was promoted %s after the kill (node timeout %s, then an election)\n", heir.addr(), promoted.Round(100*time.Millisecond), nodeTimeout)
	fmt.Fprintf(out, "the client wrote to every shard again %s after the kill\n", recovered.Round(100*time.Millisecond))

	errs := slices.Clone(writers.errs)
	fmt.Fprintf(out, "writers: %d writes ok, %d failed", writers.writes.Load(), writers.writeErrors.Load()+writers.readErrors.Load())
	if len(errs) > 0 {
		first, last := errs[0].at-killed, errs[len(errs)-1].at+errs[len(errs)-1].took-killed
		for _, e := range errs {
			first = min(first, e.at-killed)
			last = max(last, e.at+e.took-killed)
		}
		fmt.Fprintf(out, ", all between %s and %s after the kill; the slowest failed command took %s",
			first.Round(100*time.Millisecond), last.Round(100*time.Millisecond), writers.maxErr.Round(10*time.Millisecond))
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "  errors seen: %s\n", errorKinds(errs))
	fmt.Fprintf(out, "readers (ReadOnly, served by replicas): %d reads ok, %d failed\n", readers.ok.Load(), readers.failed.Load())

	checked, lost, err := writers.lost(ctx, rdb)
	if err != nil {
		return err
	}
	// Replication is asynchronous: a write the old primary acknowledged in
	// its last milliseconds, before its replica had it, is gone. WAIT after
	// a write makes it wait for the replica, for writes that must survive.
	fmt.Fprintf(out, "acknowledged writes read back after the failover: %d of %d (%d lost with the primary)\n", checked-lost, checked, lost)

	// Bring the old primary back, on its port, with its nodes.conf. It
	// learns from the others that its slots have a new owner, and becomes
	// that owner's replica: it has no data of its own, so it syncs it all.
	if err := c.restart(ctx, victim); err != nil {
		return err
	}
	back := nodeClient(victim.addr())
	defer back.Close()
	var role, master string
	if err := waitFor(ctx, 60*time.Second, "the old primary to rejoin as a replica", func() (bool, error) {
		info, err := back.Info(ctx, "replication").Result()
		if err != nil {
			return false, nil
		}
		role = infoField(info, "role")
		master = infoField(info, "master_host") + ":" + infoField(info, "master_port")
		return role == "slave" && infoField(info, "master_link_status") == "up", nil
	}); err != nil {
		return err
	}
	if err := c.waitHealthy(ctx, 60*time.Second); err != nil {
		return err
	}
	var n int64
	if err := waitFor(ctx, 30*time.Second, "the old primary to have the new primary's keys", func() (bool, error) {
		mine, err1 := back.DBSize(ctx).Result()
		theirs, err2 := heirClient.DBSize(ctx).Result()
		n = theirs
		return err1 == nil && err2 == nil && mine == theirs, nil
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "restarted %s: it rejoined as a replica (role:%s) of %s, the new primary, and holds the same %d keys\n", victim.addr(), role, master, n)
	return nil
}

// caughtUp reports whether the replica has everything the primary wrote.
func caughtUp(ctx context.Context, primary, replica string) bool {
	offset := func(addr, field string) string {
		rdb := nodeClient(addr)
		defer rdb.Close()
		info, err := rdb.Info(ctx, "replication").Result()
		if err != nil {
			return "?"
		}
		return infoField(info, field)
	}
	want := offset(primary, "master_repl_offset")
	return want != "?" && want == offset(replica, "slave_repl_offset")
}

// errorKinds sums the workload's errors up by kind, most frequent first.
func errorKinds(errs []opError) string {
	if len(errs) == 0 {
		return "none"
	}
	counts := map[string]int{}
	for _, e := range errs {
		counts[errorKind(e.err)]++
	}
	kinds := make([]string, 0, len(counts))
	for k := range counts {
		kinds = append(kinds, k)
	}
	slices.SortFunc(kinds, func(a, b string) int { return counts[b] - counts[a] })
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d× %s", counts[k], k)
	}
	return strings.Join(parts, ", ")
}

func errorKind(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "connection refused"):
		return "connection refused (the dead primary)"
	case strings.HasPrefix(s, "CLUSTERDOWN"):
		return "CLUSTERDOWN (a shard had no primary)"
	case strings.Contains(s, "timeout"):
		return "timeout"
	}
	return s
}

// readers read existing keys at random from several goroutines.
type readers struct {
	ok, failed atomic.Int64
	stop       chan struct{}
	wg         sync.WaitGroup
}

func startReaders(ctx context.Context, rdb *redis.ClusterClient, prefix string, keys, n int) *readers {
	r := &readers{stop: make(chan struct{})}
	for g := range n {
		r.wg.Go(func() {
			for i := g; ; i += n {
				select {
				case <-r.stop:
					return
				case <-ctx.Done():
					return
				default:
				}
				if err := rdb.Get(ctx, prefix+":"+strconv.Itoa(i%keys)).Err(); err != nil {
					r.failed.Add(1)
				} else {
					r.ok.Add(1)
				}
			}
		})
	}
	return r
}

func (r *readers) Stop() { close(r.stop); r.wg.Wait() }
