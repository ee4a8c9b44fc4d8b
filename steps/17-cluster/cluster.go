package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// nodeTimeout is how long a node may stay silent before the others call it
// failed and its replica takes over. Production uses 15 s; 2 s keeps the
// failover demo short and still leaves a busy laptop room to breathe.
const nodeTimeout = 2 * time.Second

// node is one redis-server process of the cluster, with a directory of its
// own: its nodes.conf (the cluster's view of itself, which Redis rewrites)
// and its log live there, and survive a restart of the process.
type node struct {
	port    int // clients
	busPort int // the cluster bus: nodes gossip and vote on it
	dir     string
	cmd     *exec.Cmd
	output  *bytes.Buffer // what redis-server printed before its log opened
	exited  chan struct{}
}

func (n *node) addr() string { return "127.0.0.1:" + strconv.Itoa(n.port) }

// alive reports whether the process is running.
func (n *node) alive() bool {
	if n == nil || n.cmd == nil {
		return false
	}
	select {
	case <-n.exited:
		return false
	default:
		return true
	}
}

// kill stops the process at once, as a crash or a pulled cable would: no
// shutdown, no goodbye to its replica.
func (n *node) kill() {
	if !n.alive() {
		return
	}
	killProcess(n.cmd)
	<-n.exited
}

// cluster is six nodes, three primaries and three replicas, and a seventh,
// standalone server to compare with. Everything lives under one temporary
// directory, and Close removes it.
type cluster struct {
	server, cli string // paths of redis-server and redis-cli
	dir         string
	nodes       []*node
	single      *node

	closeOnce sync.Once
}

// addrs are the nodes' addresses: what a ClusterClient is given. Any one
// would do (the client asks it for the rest), several survive a dead one.
func (c *cluster) addrs() []string {
	addrs := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		addrs[i] = n.addr()
	}
	return addrs
}

// byAddr finds the node listening on addr.
func (c *cluster) byAddr(addr string) *node {
	for _, n := range c.nodes {
		if n.addr() == addr {
			return n
		}
	}
	return nil
}

// Close stops every process the step started and removes their
// directories. It is safe to call more than once.
func (c *cluster) Close() {
	c.closeOnce.Do(func() {
		for _, n := range c.nodes {
			n.kill()
		}
		c.single.kill()
		// A forked child that was still writing can make the first
		// attempt fail; it is gone a moment later.
		_ = waitFor(context.Background(), 5*time.Second, "removing "+c.dir, func() (bool, error) {
			return os.RemoveAll(c.dir) == nil, nil
		})
	})
}

// startCluster starts six nodes, joins them with redis-cli and waits until
// every node says cluster_state:ok and every replica has its primary's data.
func startCluster(ctx context.Context, server, cli string) (_ *cluster, err error) {
	dir, err := os.MkdirTemp("", "workbook-cluster-")
	if err != nil {
		return nil, err
	}
	c := &cluster{server: server, cli: cli, dir: dir}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	for i := range 6 {
		n, err := c.newNode(fmt.Sprintf("node-%d", i+1))
		if err != nil {
			return nil, err
		}
		c.nodes = append(c.nodes, n)
		if err := c.start(ctx, n, clusterArgs(n)...); err != nil {
			return nil, err
		}
	}
	// redis-cli hands the 16,384 slots out in three ranges to three of the
	// nodes and makes each of the other three a replica of one of them.
	create := append([]string{"--cluster", "create"}, c.addrs()...)
	create = append(create, "--cluster-replicas", "1", "--cluster-yes")
	if out, err := c.redisCLI(ctx, create...); err != nil {
		return nil, fmt.Errorf("redis-cli --cluster create: %w\n%s", err, out)
	}
	if err := c.waitHealthy(ctx, 30*time.Second); err != nil {
		return nil, err
	}
	// The comparison server of part 5: the same binary, no cluster.
	if c.single, err = c.newNode("single"); err != nil {
		return nil, err
	}
	if err := c.start(ctx, c.single, baseArgs(c.single)...); err != nil {
		return nil, err
	}
	return c, nil
}

// newNode picks two free loopback ports and makes the node's directory.
func (c *cluster) newNode(name string) (*node, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	bus, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(c.dir, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return nil, err
	}
	return &node{port: port, busPort: bus, dir: dir}, nil
}

// baseArgs: loopback only, no persistence, logs in the node's directory.
func baseArgs(n *node) []string {
	return []string{
		"--port", strconv.Itoa(n.port), "--bind", "127.0.0.1",
		"--dir", n.dir, "--logfile", filepath.Join(n.dir, "redis.log"),
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		// A primary waits 5 s by default before it streams its data to a
		// new replica, in case more replicas turn up to share the
		// transfer. Here each primary has one: send at once.
		"--repl-diskless-sync-delay", "0",
	}
}

// clusterArgs adds cluster mode. The bus port is given explicitly (the
// default, port+10000, may be taken). A replica validity factor of 0 lets
// any replica be promoted however long it lost touch with its primary:
// right for a demo, a trade of safety for availability in production.
func clusterArgs(n *node) []string {
	return append(baseArgs(n),
		"--cluster-enabled", "yes",
		"--cluster-port", strconv.Itoa(n.busPort),
		"--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", strconv.FormatInt(nodeTimeout.Milliseconds(), 10),
		"--cluster-replica-validity-factor", "0",
	)
}

// start runs redis-server for n and waits until it answers PING.
func (c *cluster) start(ctx context.Context, n *node, args ...string) error {
	n.cmd = exec.Command(c.server, args...)
	n.output = &bytes.Buffer{}
	n.cmd.Stdout, n.cmd.Stderr = n.output, n.output
	n.exited = make(chan struct{})
	ownProcess(n.cmd)
	if err := n.cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server on %s: %w", n.addr(), err)
	}
	go func() { _ = n.cmd.Wait(); close(n.exited) }()
	rdb := nodeClient(n.addr())
	defer rdb.Close()
	err := waitFor(ctx, 10*time.Second, "redis-server on "+n.addr()+" to answer", func() (bool, error) {
		if !n.alive() {
			return false, fmt.Errorf("redis-server on %s exited at start: %s", n.addr(), logTail(n))
		}
		return rdb.Ping(ctx).Err() == nil, nil
	})
	if err != nil {
		n.kill()
	}
	return err
}

// restart starts a node that was killed, on the same ports and with the same
// directory: its nodes.conf tells it which cluster it belongs to.
func (c *cluster) restart(ctx context.Context, n *node) error {
	return c.start(ctx, n, clusterArgs(n)...)
}

// redisCLI runs redis-cli and returns what it printed.
func (c *cluster) redisCLI(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, c.cli, args...)
	ownProcess(cmd)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// waitHealthy waits until every running node says cluster_state:ok and
// every replica's link to its primary is up (it has the data).
func (c *cluster) waitHealthy(ctx context.Context, within time.Duration) error {
	var last string
	err := waitFor(ctx, within, "the cluster to be healthy", func() (bool, error) {
		for _, n := range c.nodes {
			if !n.alive() {
				continue
			}
			ok, why := nodeHealthy(ctx, n.addr())
			if !ok {
				last = n.addr() + ": " + why
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		return fmt.Errorf("%w (%s)", err, last)
	}
	return nil
}

// nodeHealthy asks one node for its view of the cluster and its replication.
func nodeHealthy(ctx context.Context, addr string) (bool, string) {
	rdb := nodeClient(addr)
	defer rdb.Close()
	info, err := rdb.ClusterInfo(ctx).Result()
	if err != nil {
		return false, err.Error()
	}
	if state := infoField(info, "cluster_state"); state != "ok" {
		return false, "cluster_state:" + state
	}
	repl, err := rdb.Info(ctx, "replication").Result()
	if err != nil {
		return false, err.Error()
	}
	if infoField(repl, "role") == "slave" && infoField(repl, "master_link_status") != "up" {
		return false, "replica not in sync with its primary yet"
	}
	return true, ""
}

// nodeClient is a plain client to one node, for questions about that node
// itself (CLUSTER INFO, INFO, ROLE): no retries, short timeouts.
func nodeClient(addr string) *redis.Client {
	return redis.NewClient(&redis.Options{
		Addr: addr, MaxRetries: -1,
		DialTimeout: 500 * time.Millisecond, ReadTimeout: time.Second, WriteTimeout: time.Second,
	})
}

// infoField reads "name:value" from an INFO or CLUSTER INFO reply.
func infoField(info, name string) string {
	for line := range strings.SplitSeq(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// shards is CLUSTER SHARDS in slot order: shard 1 holds the lowest slots.
func shards(ctx context.Context, rdb *redis.ClusterClient) ([]redis.ClusterShard, error) {
	all, err := rdb.ClusterShards(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("CLUSTER SHARDS: %w", err)
	}
	// A shard whose slots all moved away is still listed, with none.
	all = slices.DeleteFunc(all, func(s redis.ClusterShard) bool { return len(s.Slots) == 0 })
	slices.SortFunc(all, func(a, b redis.ClusterShard) int { return int(a.Slots[0].Start - b.Slots[0].Start) })
	return all, nil
}

// primaryOf is a shard's primary, as the cluster sees it now.
func primaryOf(s redis.ClusterShard) (redis.Node, bool) {
	for _, n := range s.Nodes {
		if n.Role == "master" {
			return n, true
		}
	}
	return redis.Node{}, false
}

// replicaOf is a shard's first replica that is not failed.
func replicaOf(s redis.ClusterShard) (redis.Node, bool) {
	for _, n := range s.Nodes {
		if n.Role == "replica" && n.Health != "failed" {
			return n, true
		}
	}
	return redis.Node{}, false
}

func nodeAddr(n redis.Node) string { return net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10)) }

// slotCount is how many slots a shard serves.
func slotCount(s redis.ClusterShard) int64 {
	var n int64
	for _, r := range s.Slots {
		n += r.End - r.Start + 1
	}
	return n
}

// slotRanges prints a shard's ranges: "0-5460" or "100-5460 10923-11022".
func slotRanges(s redis.ClusterShard) string {
	parts := make([]string, len(s.Slots))
	for i, r := range s.Slots {
		parts[i] = fmt.Sprintf("%d-%d", r.Start, r.End)
	}
	return strings.Join(parts, " ")
}

// logTail is the end of a node's log, to explain a failure. A bad option
// is reported on the process's output, before the log file is opened.
func logTail(n *node) string {
	b, _ := os.ReadFile(filepath.Join(n.dir, "redis.log"))
	if n.output != nil && n.output.Len() > 0 {
		b = append(n.output.Bytes(), b...)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-10):], "\n")
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitFor polls cond every 20 ms until it is true, it fails, or within has
// passed: a bounded wait on the real state, never a fixed sleep.
func waitFor(ctx context.Context, within time.Duration, what string, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	for {
		ok, err := cond()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			if errors.Is(context.Cause(ctx), context.Canceled) {
				return ctx.Err()
			}
			return fmt.Errorf("gave up waiting for %s after %s", what, within)
		case <-time.After(20 * time.Millisecond):
		}
	}
}
