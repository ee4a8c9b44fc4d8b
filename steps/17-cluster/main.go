// Step 17 (bonus): when one Redis is not enough — a real Redis Cluster of
// six redis-server processes, and what changes for the code of steps 4-12.
//
//	go run ./steps/17-cluster
//
// The step starts its own cluster (three primaries, three replicas) and a
// standalone server to compare with, on free loopback ports, each in a
// temporary directory; it stops them and removes the directories when it
// ends, fails or is interrupted with Ctrl-C. It never uses your Redis.
//
// Without redis-server and redis-cli on PATH it says what to install and
// exits with status 0: there is nothing wrong with the learner's code, and
// the embedded server of the other steps cannot be a cluster.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// noRedisServer is what the step says where it cannot run.
const noRedisServer = "This step starts a real Redis Cluster (six redis-server processes) and needs redis-server and redis-cli 7 or newer on PATH; the embedded server of the other steps cannot be a cluster. " +
	"Install Redis 8 (macOS: brew install redis; Debian/Ubuntu: Redis's APT repository, packages.redis.io) " +
	"or put its bin directory on PATH (e.g. PATH=/opt/redis8/bin:$PATH), then run the step again."

func main() { os.Exit(run()) }

// run is main with an exit status, so that its deferred clean-up always
// runs: os.Exit skips deferred calls.
func run() int {
	// Ctrl-C (and a polite kill, or a closed terminal) cancel the
	// context: whatever part is running returns, and the deferred Close
	// stops the nodes and removes their directories. A second Ctrl-C kills
	// the step at once; the nodes then die with it (Linux's parent-death
	// signal, pdeathsig_linux.go), and only their directories are left in
	// the system's temporary directory.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	// A closed pipe (`go run ./steps/17-cluster | head`) would kill the
	// step by SIGPIPE on its next line of output. Ignored, the write fails
	// instead, and a failed write stops the step the same way as Ctrl-C.
	signal.Ignore(syscall.SIGPIPE)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := stopOnError{os.Stdout, cancel}

	// go-redis logs every failed dial while a node is down; the step says
	// what happens itself.
	redis.SetLogger(quiet{})

	server, cli, ok := findRedis()
	if !ok {
		fmt.Fprintln(out, noRedisServer)
		return 0
	}
	c, err := startCluster(ctx, server, cli)
	if err != nil {
		return fail(ctx, fmt.Errorf("starting the cluster: %w", err))
	}
	defer c.Close()
	if err := tour(ctx, out, c); err != nil {
		return fail(ctx, err)
	}
	return 0
}

// findRedis finds redis-server and redis-cli on PATH.
func findRedis() (server, cli string, ok bool) {
	server, err := exec.LookPath("redis-server")
	if err != nil {
		return "", "", false
	}
	cli, err = exec.LookPath("redis-cli")
	if err != nil {
		return "", "", false
	}
	return server, cli, true
}

func fail(ctx context.Context, err error) int {
	if ctx.Err() != nil {
		fmt.Fprintln(os.Stderr, "interrupted: the cluster is stopped and its files removed")
		return 130
	}
	fmt.Fprintln(os.Stderr, "error:", err)
	return 1
}

// tour runs the five parts in order on the step's own cluster.
func tour(ctx context.Context, out io.Writer, c *cluster) error {
	rdb := newClusterClient(c)
	defer rdb.Close()
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return fmt.Errorf("INFO server: %w", err)
	}
	fmt.Fprintf(out, "A Redis Cluster of %d redis-server %s processes on 127.0.0.1, started for this step.\n\n",
		len(c.nodes), infoField(info, "redis_version"))
	parts := []func() error{
		func() error { return slotsAndNodes(ctx, out, rdb) },
		func() error { return crossSlot(ctx, out, rdb) },
		func() error { return reshardLive(ctx, out, c) },
		func() error { return failover(ctx, out, c) },
		func() error { return pipelines(ctx, out, c) },
	}
	for i, part := range parts {
		if i > 0 {
			fmt.Fprintln(out)
		}
		if err := part(); err != nil {
			return err
		}
	}
	return nil
}

// newClusterClient connects to the cluster. The client is given the
// addresses of all six nodes, but one would do: it asks the first that
// answers for the map of slots to nodes (CLUSTER SLOTS) and from then on
// sends each command straight to the primary that owns its key's slot.
func newClusterClient(c *cluster) *redis.ClusterClient {
	return redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.addrs()})
}

// stopOnError is a writer that cancels the step when a write fails.
type stopOnError struct {
	w    io.Writer
	stop context.CancelFunc
}

func (s stopOnError) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		s.stop()
	}
	return n, err
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}
