package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
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

// demoPassword is the password the NOAUTH and WRONGPASS rows set for a
// moment on the throwaway server.
const demoPassword = "s3cret-for-step-14"

// connectionRefused dials a port nothing listens on.
func connectionRefused(ctx context.Context, _ *lab) (error, error) {
	// Ask the OS for a free loopback port, then close it again: for the next
	// moment nothing listens there, just like a Redis that is not running.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()

	// go-redis retries a failed dial 5 times, 100ms apart, before giving
	// up; once is enough to see the error.
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1})
	defer rdb.Close()
	return rdb.Ping(ctx).Err(), nil
}

// noPassword sets a password on the server, then connects without one.
func noPassword(ctx context.Context, l *lab) (got error, err error) {
	restore, err := l.set(ctx, "requirepass", demoPassword)
	if err != nil {
		return nil, err
	}
	defer restoreInto(&err, restore)

	rdb := l.client(func(o *redis.Options) { o.Password = "" })
	defer rdb.Close()
	return rdb.Ping(ctx).Err(), nil
}

// wrongPassword sets a password on the server, then connects with another.
func wrongPassword(ctx context.Context, l *lab) (got error, err error) {
	restore, err := l.set(ctx, "requirepass", demoPassword)
	if err != nil {
		return nil, err
	}
	defer restoreInto(&err, restore)

	rdb := l.client(func(o *redis.Options) { o.Password = "not-the-password" })
	defer rdb.Close()
	return rdb.Ping(ctx).Err(), nil
}

// wrongType stores a hash, then reads it with GET, a string command.
func wrongType(ctx context.Context, l *lab) (error, error) {
	const key = "trouble:user:1"
	defer l.cleanup(ctx, key)
	if err := l.admin.HSet(ctx, key, "name", "Ada").Err(); err != nil {
		return nil, err
	}
	return l.admin.Get(ctx, key).Err(), nil
}

// tooManyClients lowers maxclients to just above the connections already
// open, then opens new ones until the server refuses.
func tooManyClients(ctx context.Context, l *lab) (got error, err error) {
	connected, err := l.infoField(ctx, "clients", "connected_clients")
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(connected)
	if err != nil {
		return nil, fmt.Errorf("connected_clients %q: %w", connected, err)
	}
	restore, err := l.set(ctx, "maxclients", strconv.Itoa(n+2))
	if err != nil {
		return nil, err
	}
	defer restoreInto(&err, restore)

	// Each client here is one connection, like code that creates a client
	// per request and never closes it.
	var clients []*redis.Client
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	for range 10 {
		c := l.client(func(o *redis.Options) { o.PoolSize = 1 })
		clients = append(clients, c)
		if err := c.Ping(ctx).Err(); err != nil {
			// Redis greets a connection over the limit with its error and
			// hangs up. go-redis reads that greeting as the answer to its
			// opening HELLO, takes any error there for "HELLO not supported"
			// and carries on, so what reaches you is the hang-up: EOF or a
			// broken pipe. A plain TCP connection reads the real reason.
			said, readErr := greeting(ctx, l.srv.Options().Addr)
			if readErr != nil {
				return nil, fmt.Errorf("go-redis said %v, and the server's greeting could not be read: %w", err, readErr)
			}
			return &hungUp{err: err, said: said}, nil
		}
	}
	return nil, errors.New("10 more connections were accepted")
}

// hungUp is a connection the server closed, with what it said first.
type hungUp struct {
	err  error  // what go-redis returned
	said string // the server's own message
}

func (h *hungUp) Error() string {
	return h.err.Error() + "\nthe server's own message, read on a plain TCP connection: " + h.said
}

func (h *hungUp) Unwrap() error { return h.err }

// greeting connects without speaking and reads the first line the server
// sends: a server over maxclients sends its error at once.
func greeting(ctx context.Context, addr string) (string, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetReadDeadline(time.Now().Add(time.Second)); err != nil {
		return "", err
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return "", err
	}
	// RESP marks an error reply with a leading "-".
	return strings.TrimPrefix(strings.TrimSpace(line), "-"), nil
}

// readTimeout pauses the server's writes for longer than the client is
// willing to wait for an answer.
func readTimeout(ctx context.Context, l *lab) (got error, err error) {
	const key = "trouble:slow"
	rdb := l.client(func(o *redis.Options) { o.ReadTimeout = 100 * time.Millisecond })
	defer rdb.Close()
	// Connect first, so that the timeout below is the command's, not the
	// connection handshake's.
	if err := warmUp(ctx, rdb); err != nil {
		return nil, err
	}

	// CLIENT PAUSE ... WRITE holds every write command for 2 seconds: a
	// stand-in for an overloaded server or a slow command running first.
	// Reads (and CLIENT UNPAUSE) still run, so the pause can be lifted early.
	if err := l.admin.Do(ctx, "CLIENT", "PAUSE", 2000, "WRITE").Err(); err != nil {
		if strings.Contains(strings.ToLower(err.Error()), "unknown") {
			return nil, &skipped{fmt.Sprintf("CLIENT PAUSE is not available on %s: %s", l.srv.Features.Server, useRealRedis)}
		}
		return nil, err
	}
	defer func() {
		if e := l.admin.Do(context.WithoutCancel(ctx), "CLIENT", "UNPAUSE").Err(); e != nil && err == nil {
			err = e
		}
		l.cleanup(ctx, key)
	}()
	return rdb.Set(ctx, key, "v", 0).Err(), nil
}

// warmUp opens rdb's connection with a PING. On a busy machine even a PING
// can outlast a 100ms read timeout, so it gets a few tries.
func warmUp(ctx context.Context, rdb *redis.Client) (err error) {
	for range 5 {
		if err = rdb.Ping(ctx).Err(); err == nil {
			return nil
		}
	}
	return err
}

// outOfMemory sets maxmemory a little above what the server uses, with the
// noeviction policy, and writes until Redis refuses.
func outOfMemory(ctx context.Context, l *lab) (got error, err error) {
	used, err := l.infoField(ctx, "memory", "used_memory")
	if err != nil {
		return nil, err
	}
	n, err := strconv.ParseInt(used, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("used_memory %q: %w", used, err)
	}
	restorePolicy, err := l.set(ctx, "maxmemory-policy", "noeviction")
	if err != nil {
		return nil, err
	}
	defer restoreInto(&err, restorePolicy)
	restoreLimit, err := l.set(ctx, "maxmemory", strconv.FormatInt(n+1<<20, 10))
	if err != nil {
		return nil, err
	}
	defer restoreInto(&err, restoreLimit) // runs first: the limit goes before the policy

	value := strings.Repeat("x", 128<<10)
	var keys []string
	defer func() { l.cleanup(ctx, keys...) }()
	for i := range 64 { // 8 MB at most: well past the 1 MB of headroom
		key := fmt.Sprintf("trouble:oom:%d", i)
		keys = append(keys, key)
		if err := l.admin.Set(ctx, key, value, 0).Err(); err != nil {
			return err, nil
		}
	}
	return nil, errors.New("8 MB were written without reaching maxmemory")
}

// transactionFailed reads a watched key, lets another client change it,
// then tries to write: EXEC refuses, and go-redis returns redis.TxFailedErr.
func transactionFailed(ctx context.Context, l *lab) (got error, err error) {
	const key = "trouble:stock"
	defer l.cleanup(ctx, key)
	if err := l.admin.Set(ctx, key, 10, 0).Err(); err != nil {
		return nil, err
	}
	rdb := l.client(nil)
	defer rdb.Close()
	other := l.client(nil)
	defer other.Close()

	got = rdb.Watch(ctx, func(tx *redis.Tx) error {
		stock, err := tx.Get(ctx, key).Int()
		if err != nil {
			return err
		}
		// Another client writes between our read and our EXEC.
		if err := other.Set(ctx, key, 99, 0).Err(); err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
			pipe.Set(ctx, key, stock-1, 0)
			return nil
		})
		return err
	}, key)
	return got, nil
}

// misconf makes a background save fail, then writes. Redis refuses writes
// while its last save failed (stop-writes-on-bgsave-error yes, the default)
// and save points are configured.
//
// The save is broken by putting a directory where the snapshot file should
// go: renaming the finished snapshot onto a directory fails, even for root.
// That needs the server's data directory on this machine, so it runs on a
// server started from redis-server here; `dir` itself is a protected setting
// (Redis 7+) that CONFIG SET refuses to change.
func misconf(ctx context.Context, l *lab) (got error, err error) {
	if l.srv.Mode != provision.Binary {
		return nil, &skipped{fmt.Sprintf("breaking a save needs the server's data directory on this machine, and %s keeps it out of reach (CONFIG SET dir is protected since Redis 7): run this step with redis-server on PATH and WORKBOOK_REDIS=binary", l.srv.Features.Server)}
	}
	dir, err := l.admin.ConfigGet(ctx, "dir").Result()
	if err != nil {
		return nil, err
	}
	file, err := l.admin.ConfigGet(ctx, "dbfilename").Result()
	if err != nil {
		return nil, err
	}
	snapshot := filepath.Join(dir["dir"], file["dbfilename"])

	// MISCONF only applies when save points exist; the throwaway server
	// starts with none. An hour and one change: it never fires by itself here.
	restoreSave, err := l.set(ctx, "save", "3600 1")
	if err != nil {
		return nil, err
	}
	defer restoreInto(&err, restoreSave)
	restoreStop, err := l.set(ctx, "stop-writes-on-bgsave-error", "yes")
	if err != nil {
		return nil, err
	}
	defer restoreInto(&err, restoreStop)

	if err := os.RemoveAll(snapshot); err != nil {
		return nil, err
	}
	if err := os.Mkdir(snapshot, 0o755); err != nil {
		return nil, err
	}
	defer func() {
		// The fix, for real: clear the obstacle and save successfully,
		// which lets writes through again.
		if e := os.Remove(snapshot); e != nil && err == nil {
			err = e
		}
		if e := l.save(context.WithoutCancel(ctx), "ok"); e != nil && err == nil {
			err = e
		}
	}()
	if err := l.save(ctx, "err"); err != nil {
		return nil, err
	}
	const key = "trouble:after-misconf"
	defer l.cleanup(ctx, key)
	return l.admin.Set(ctx, key, "v", 0).Err(), nil
}

// save runs BGSAVE and waits until it has finished with the status want
// ("ok" or "err").
func (l *lab) save(ctx context.Context, want string) error {
	if err := l.admin.BgSave(ctx).Err(); err != nil {
		return fmt.Errorf("BGSAVE: %w", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		info, err := l.admin.Info(ctx, "persistence").Result()
		if err != nil {
			return err
		}
		status := features.InfoField(info, "rdb_last_bgsave_status")
		if features.InfoField(info, "rdb_bgsave_in_progress") == "0" && status == want {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("BGSAVE did not end with status %q (last status %q)", want, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// noJSON sends JSON.SET to the server. Redis 8 builds with the bundled
// modules know it; a build without them (or Redis 7 without RedisJSON) does not.
func noJSON(ctx context.Context, l *lab) (error, error) {
	if l.srv.Features.Has(features.JSON) {
		return nil, &skipped{fmt.Sprintf("%s has JSON, so JSON.SET works here: this row only happens on a server without it (Redis 8 built without its modules, or Redis 7 without RedisJSON)", l.srv.Features.Server)}
	}
	const key = "trouble:doc"
	defer l.cleanup(ctx, key)
	return l.admin.Do(ctx, "JSON.SET", key, "$", `{"name":"Ada"}`).Err(), nil
}

// missingModule builds a tiny program that imports go-redis from a module
// whose go.mod does not require it: Go's ModuleNotFoundError. It runs the go
// tool offline, in a temporary directory.
func missingModule(ctx context.Context, _ *lab) (error, error) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		return nil, &skipped{"the go tool is not on PATH"}
	}
	dir, err := os.MkdirTemp("", "step14-nomodule-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	files := map[string]string{
		"go.mod": "module example.com/forgot\n\ngo 1.22\n",
		"main.go": `package main

import "github.com/redis/go-redis/v9"

func main() { _ = redis.NewClient(&redis.Options{}) }
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return nil, err
		}
	}
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", os.DevNull, ".")
	cmd.Dir = dir
	// Offline and exactly as written: no proxy, no toolchain download, no
	// workspace, and none of your GOFLAGS (-mod=mod would try to download).
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOTOOLCHAIN=local", "GOWORK=off", "GOFLAGS=")
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil, errors.New("the build succeeded")
	}
	return fmt.Errorf("go build: %s", strings.TrimSpace(string(out))), nil
}

// cannotMarshal passes a Go map to SET. go-redis turns strings, numbers,
// []byte, time.Time and encoding.BinaryMarshaler into Redis strings; a map
// or a struct is none of those, and go-redis refuses before sending anything.
func cannotMarshal(ctx context.Context, l *lab) (error, error) {
	profile := map[string]string{"name": "Ada", "role": "admin"}
	return l.admin.Set(ctx, "trouble:profile", profile, 0).Err(), nil
}
