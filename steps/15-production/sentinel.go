package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

// masterName is the name the sentinels know the master by; clients ask
// the sentinels for it by this name, never by address.
const masterName = "workbook"

// Sentinel timings, far shorter than production's (30 s and 3 min) so that
// the demo takes seconds: a master that does not answer for 500 ms is
// considered down, and a failover that stalls is retried after 2×5 s.
const (
	downAfter       = 500 * time.Millisecond
	failoverTimeout = 5 * time.Second
)

// withRejoin makes the demo go on after the failover: the old master comes
// back and the sentinels turn it into a replica, about 15 s more. The step's
// default run stops before that; `go run ./steps/15-production sentinel`
// shows it all.
var withRejoin = false

// noRedisServer is the one line printed where the demo cannot run.
const noRedisServer = "Sentinel demo skipped: it starts a master, a replica and three sentinels as redis-server processes, and no redis-server is on PATH. " +
	"Install Redis (brew install redis; Redis's APT repository) or put its bin directory on PATH (e.g. PATH=/opt/redis8/bin:$PATH), " +
	"or run the same topology in Docker: docker-compose --profile sentinel up -d"

// instance is one redis-server process on a loopback port.
type instance struct {
	name   string
	port   int
	cmd    *exec.Cmd
	log    *bytes.Buffer
	exited chan struct{}
}

func (i *instance) addr() string { return "127.0.0.1:" + strconv.Itoa(i.port) }

// kill stops the process at once, as a crash or a pulled cable would.
func (i *instance) kill() {
	if i == nil || i.cmd.Process == nil {
		return
	}
	_ = i.cmd.Process.Kill()
	<-i.exited
}

// topology is a master, its replica and three sentinels watching them.
type topology struct {
	path      string // redis-server
	dir       string
	master    *instance
	replica   *instance
	sentinels []*instance
}

// sentinelAddrs are the addresses a client is given: the sentinels', never
// the master's, which changes on failover.
func (t *topology) sentinelAddrs() []string {
	addrs := make([]string, len(t.sentinels))
	for i, s := range t.sentinels {
		addrs[i] = s.addr()
	}
	return addrs
}

// Close stops every process and removes the working directory.
func (t *topology) Close() {
	for _, s := range t.sentinels {
		s.kill()
	}
	t.replica.kill()
	t.master.kill()
	_ = os.RemoveAll(t.dir)
}

// startTopology starts the five processes and waits until the sentinels
// know the master, the replica and each other: only then can they agree
// that the master is down and elect one of them to run the failover.
func startTopology(ctx context.Context, path string) (_ *topology, err error) {
	dir, err := os.MkdirTemp("", "workbook-sentinel-")
	if err != nil {
		return nil, err
	}
	t := &topology{path: path, dir: dir}
	defer func() {
		if err != nil {
			t.Close()
		}
	}()
	if t.master, err = t.startServer(ctx, "master"); err != nil {
		return nil, err
	}
	if t.replica, err = t.startServer(ctx, "replica", "--replicaof", "127.0.0.1", strconv.Itoa(t.master.port)); err != nil {
		return nil, err
	}
	if err := waitFor(ctx, 20*time.Second, "the replica to sync", func() (bool, error) {
		return replicaInSync(ctx, t.replica.addr())
	}); err != nil {
		return nil, err
	}
	for i := range 3 {
		s, err := t.startSentinel(ctx, i+1)
		if err != nil {
			return nil, err
		}
		t.sentinels = append(t.sentinels, s)
	}
	for _, s := range t.sentinels {
		if err := waitFor(ctx, 30*time.Second, "sentinel "+s.name+" to see the replica and the other sentinels", func() (bool, error) {
			return sentinelReady(ctx, s.addr(), len(t.sentinels)-1)
		}); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// logTail is the end of a sentinel's log, to explain a failure.
func (t *topology) logTail(s *instance) string {
	b, _ := os.ReadFile(filepath.Join(t.dir, s.name+".log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-25):], "\n")
}

// startServer starts a plain redis-server: no persistence, loopback only.
func (t *topology) startServer(ctx context.Context, name string, args ...string) (*instance, error) {
	port, err := provision.FreePort()
	if err != nil {
		return nil, err
	}
	args = append([]string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", t.dir, "--dbfilename", name + ".rdb", "--save", "", "--appendonly", "no",
		"--loglevel", "warning", "--daemonize", "no",
	}, args...)
	return t.start(ctx, name, port, args)
}

// startSentinel starts redis-server in sentinel mode. A sentinel rewrites
// its configuration file as it learns about the others, so each one gets a
// file of its own.
func (t *topology) startSentinel(ctx context.Context, n int) (*instance, error) {
	port, err := provision.FreePort()
	if err != nil {
		return nil, err
	}
	conf := filepath.Join(t.dir, fmt.Sprintf("sentinel-%d.conf", n))
	body := fmt.Sprintf(`port %d
bind 127.0.0.1
daemonize no
loglevel notice
logfile %s
dir %s
sentinel monitor %s 127.0.0.1 %d 2
sentinel down-after-milliseconds %s %d
sentinel failover-timeout %s %d
sentinel parallel-syncs %s 1
`, port, filepath.Join(t.dir, fmt.Sprintf("sentinel-%d.log", n)), t.dir, masterName, t.master.port, masterName, downAfter.Milliseconds(), masterName, failoverTimeout.Milliseconds(), masterName)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		return nil, err
	}
	return t.start(ctx, "sentinel-"+strconv.Itoa(n), port, []string{conf, "--sentinel"})
}

func (t *topology) start(ctx context.Context, name string, port int, args []string) (*instance, error) {
	inst := &instance{name: name, port: port, log: &bytes.Buffer{}, exited: make(chan struct{})}
	inst.cmd = exec.Command(t.path, args...)
	inst.cmd.Stdout, inst.cmd.Stderr = inst.log, inst.log
	provision.DieWithParent(inst.cmd) // killed with the step, even if it is killed itself
	if err := inst.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	go func() { _ = inst.cmd.Wait(); close(inst.exited) }()
	rdb := redis.NewClient(&redis.Options{Addr: inst.addr(), MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	defer rdb.Close()
	err := waitFor(ctx, 10*time.Second, name+" to answer", func() (bool, error) {
		select {
		case <-inst.exited:
			return false, fmt.Errorf("%s exited at start: %s", name, strings.TrimSpace(inst.log.String()))
		default:
		}
		return rdb.Ping(ctx).Err() == nil, nil
	})
	if err != nil {
		inst.kill()
		return nil, err
	}
	return inst, nil
}

// replicaInSync reports whether the server at addr is a replica whose link
// to its master is up.
func replicaInSync(ctx context.Context, addr string) (bool, error) {
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer rdb.Close()
	info, err := rdb.Info(ctx, "replication").Result()
	if err != nil {
		return false, nil // not up yet
	}
	return features.InfoField(info, "role") == "slave" && features.InfoField(info, "master_link_status") == "up", nil
}

// sentinelReady reports whether a sentinel knows a healthy replica and
// `others` other sentinels.
func sentinelReady(ctx context.Context, addr string, others int) (bool, error) {
	s := redis.NewSentinelClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer s.Close()
	replicas, err := s.Replicas(ctx, masterName).Result()
	if err != nil || len(replicas) == 0 {
		return false, nil
	}
	if flags := replicas[0]["flags"]; strings.Contains(flags, "down") || strings.Contains(flags, "disconnected") {
		return false, nil
	}
	sentinels, err := s.Sentinels(ctx, masterName).Result()
	return err == nil && len(sentinels) >= others, nil
}

// sentinelFailover is the demo: write through a failover client, read from
// the replica, kill the master, and keep writing until the sentinels have
// promoted the replica; then bring the old master back and watch it
// rejoin as a replica.
func sentinelFailover(ctx context.Context, out io.Writer) error {
	fmt.Fprintln(out, "--- 4. Sentinel: a real failover ---")
	path, err := exec.LookPath("redis-server")
	if err != nil {
		fmt.Fprintln(out, noRedisServer)
		return nil
	}
	t, err := startTopology(ctx, path)
	if err != nil {
		return fmt.Errorf("starting the Sentinel topology: %w", err)
	}
	defer t.Close()
	fmt.Fprintf(out, "started master %s, replica %s, sentinels %s\n", t.master.addr(), t.replica.addr(), strings.Join(t.sentinelAddrs(), " "))

	// The failover client is given the sentinels and the master's name.
	// Each new connection asks a sentinel where the master is now, and the
	// client listens for the sentinels' +switch-master announcement to drop
	// connections to a master that was replaced.
	master := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:    masterName,
		SentinelAddrs: t.sentinelAddrs(),
		DialTimeout:   300 * time.Millisecond,
		ReadTimeout:   300 * time.Millisecond,
		WriteTimeout:  300 * time.Millisecond,
	})
	defer master.Close()

	key := appPrefix + "ha:orders"
	if err := master.Set(ctx, key, 1, 0).Err(); err != nil {
		return fmt.Errorf("SET through the failover client: %w", err)
	}
	// Replication is asynchronous: SET returns before the replica has the
	// write. WAIT blocks until one replica acknowledged it, so this write
	// survives the failover below; without it, it might not.
	acked, err := master.Wait(ctx, 1, 2*time.Second).Result()
	if err != nil {
		return fmt.Errorf("WAIT: %w", err)
	}
	fmt.Fprintf(out, "SET %s 1 through the failover client; WAIT 1 → %d replica has it\n", key, acked)

	// ReplicaOnly makes a failover client that connects to replicas only:
	// reads that may be a little stale, taken off the master.
	if err := readFromReplica(ctx, out, t, key, "1"); err != nil {
		return err
	}

	// Now the crash. SIGKILL: no shutdown, no goodbye to the replica.
	oldMaster := t.master.addr()
	t.master.kill()
	fmt.Fprintf(out, "killed the master %s (SIGKILL)\n", oldMaster)

	// Keep writing. Until the sentinels agree the master is down (500 ms
	// without an answer, confirmed by 2 of 3), elect a leader and promote
	// the replica, every write fails; then the client finds the new master.
	// Retrying INCR is safe here because each failure is a refused
	// connection or a READONLY reply: nothing was applied. A write whose
	// reply was lost may have been applied, and a retried INCR would then
	// count twice; prefer writes that can be repeated (SET to a value).
	start := time.Now()
	var n int64
	err = waitFor(ctx, 60*time.Second, "a write to succeed after the failover", func() (bool, error) {
		var err error
		n, err = master.Incr(ctx, key).Result()
		return err == nil, nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "writes failed for %s, then INCR %s → %d: the write made before the crash survived\n", time.Since(start).Round(100*time.Millisecond), key, n)

	// The sentinel that ran the failover tells the others through the
	// hello channel; until they have all heard, one of them can still
	// hand out the old address. Wait until they all name the same master.
	var newMaster string
	for _, s := range t.sentinels {
		var says string
		if err := waitFor(ctx, 30*time.Second, "sentinel "+s.name+" to learn the new master", func() (bool, error) {
			c := redis.NewSentinelClient(&redis.Options{Addr: s.addr(), MaxRetries: -1})
			defer c.Close()
			addr, err := c.GetMasterAddrByName(ctx, masterName).Result()
			if err != nil {
				says = err.Error()
				return false, nil
			}
			says = net.JoinHostPort(addr[0], addr[1])
			return says != oldMaster && (newMaster == "" || says == newMaster), nil
		}); err != nil {
			return fmt.Errorf("%w (it says %s); its log:\n%s", err, says, t.logTail(s))
		}
		newMaster = says
	}
	fmt.Fprintf(out, "all %d sentinels name the new master %s, the former replica: %v\n", len(t.sentinels), newMaster, newMaster == t.replica.addr())
	if !withRejoin {
		fmt.Fprintln(out, "(`go run ./steps/15-production sentinel` goes on: the old master comes back and rejoins as a replica, about 15 s more)")
		return nil
	}

	// Bring the old master back on its old port. It starts as a master
	// with an empty dataset; the sentinels see it and turn it into a
	// replica of the new master, which then sends it the data.
	port := t.master.port
	t.master = t.replica // the roles have swapped
	if t.replica, err = t.start(ctx, "old-master", port, []string{
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", t.dir, "--save", "", "--appendonly", "no", "--loglevel", "warning",
	}); err != nil {
		return err
	}
	// A sentinel does not convert an instance the moment it sees it claim
	// to be a master: it waits until the claim has stood for about 8 s
	// (four hello periods), so as not to act on one that is flapping. For
	// that long, a stale master accepts writes the new master never sees.
	fmt.Fprintf(out, "restarted the old master %s, empty and claiming to be a master; the sentinels give it about 8 s before they convert it...\n", t.replica.addr())
	if err := waitFor(ctx, 60*time.Second, "the old master to rejoin as a replica", func() (bool, error) {
		return replicaInSync(ctx, t.replica.addr())
	}); err != nil {
		return err
	}
	fmt.Fprintf(out, "the sentinels made %s a replica of %s, which sent it the data\n", t.replica.addr(), newMaster)
	return readFromReplica(ctx, out, t, key, strconv.FormatInt(n, 10))
}

// readFromReplica reads key through a ReplicaOnly failover client until
// the replica has the expected value (replication is asynchronous), and
// shows that the answer came from a replica.
func readFromReplica(ctx context.Context, out io.Writer, t *topology, key, want string) error {
	replica := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:    masterName,
		SentinelAddrs: t.sentinelAddrs(),
		ReplicaOnly:   true,
	})
	defer replica.Close()
	var got, role string
	err := waitFor(ctx, 10*time.Second, "the replica to have "+key+"="+want, func() (bool, error) {
		v, err := replica.Get(ctx, key).Result()
		if err != nil {
			return false, nil
		}
		info, err := replica.Info(ctx, "replication").Result()
		if err != nil {
			return false, nil
		}
		got, role = v, features.InfoField(info, "role")
		return got == want && role == "slave", nil
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "GET %s through a ReplicaOnly client → %s (answered by a server with role:%s)\n", key, got, role)
	return nil
}

// waitFor polls cond every 50 ms until it is true, it fails, or within
// has passed.
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
			return fmt.Errorf("gave up waiting for %s after %s", what, within)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
