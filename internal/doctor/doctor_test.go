package doctor

// Every diagnosis here is made by provoking the real failure against a real
// server the test starts itself (never the learner's): a closed port, a
// server that never answers, a wrong password, maxclients, maxmemory with
// noeviction, a failed background save. Where the mode's server cannot do
// it (the embedded server has no CONFIG), the test skips and says why.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/config"
	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/lesson"
	"github.com/redis-go-workbook/workbook/internal/provision"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// owned starts a throwaway server in the mode WORKBOOK_REDIS asks for.
func owned(t *testing.T) *provision.Server {
	t.Helper()
	srv, err := provision.StartOwned(testContext(t), nil)
	if err != nil {
		t.Fatalf("cannot start a server for the test: %v", err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

// ownedWithConfig is owned, skipping when the server cannot change its
// settings (the embedded server).
func ownedWithConfig(t *testing.T, need features.Feature) *provision.Server {
	t.Helper()
	srv := owned(t)
	if !srv.Features.Has(features.Config) || !srv.Features.Has(need) {
		t.Skip("skipped: " + srv.Features.Missing(need))
	}
	return srv
}

func client(t *testing.T, opts *redis.Options) *redis.Client {
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return rdb
}

func target(name string, opts *redis.Options) *provision.Server {
	return provision.Unexamined(name, opts)
}

// find returns the result named name.
func find(t *testing.T, rs []Result, name string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %q line in:\n%s", name, report(rs))
	return Result{}
}

func report(rs []Result) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.String() + "\n")
	}
	return b.String()
}

func wantEntry(t *testing.T, r Result, st Status, entry string) {
	t.Helper()
	if r.Status != st || r.Entry != entry {
		t.Fatalf("want %s with the %q row, got:\n%s", st.Mark(), entry, r)
	}
	e, _ := diagnose.Lookup(entry)
	if r.Fix != e.Fix || !strings.Contains(r.Detail, e.Cause) {
		t.Fatalf("the line must carry the catalogue's cause and fix, got:\n%s", r)
	}
}

func TestClosedPortIsConnectionRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more

	_, rs, ok := Connect(testContext(t), target("a closed port", &redis.Options{Addr: addr}))
	if ok {
		t.Fatal("a closed port must not count as reachable")
	}
	wantEntry(t, find(t, rs, "Reachable"), Fail, "refused")
	if find(t, rs, "Authentication").Status != Info {
		t.Fatal("authentication cannot be judged without a server")
	}
}

func TestServerThatNeverAnswersTimesOut(t *testing.T) {
	// A listener that accepts and never replies: what a firewall that
	// swallows packets, or a wrong port on a busy host, looks like.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	opts := &redis.Options{Addr: l.Addr().String(), ReadTimeout: 200 * time.Millisecond}
	_, rs, ok := Connect(testContext(t), target("a silent server", opts))
	if ok {
		t.Fatal("a server that never answers must not count as reachable")
	}
	wantEntry(t, find(t, rs, "Reachable"), Fail, "timeout")
}

// The learner's timeouts may be an hour: every probe is bounded anyway, so
// the doctor answers about a silent server within seconds.
func TestEveryProbeIsBounded(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	cfg, err := config.Parse(func(k string) (string, bool) {
		v, ok := map[string]string{"REDIS_URL": "redis://" + l.Addr().String() + "/0", "REDIS_DIAL_TIMEOUT": "1h", "REDIS_READ_TIMEOUT": "1h"}[k]
		return v, ok
	})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan []Result, 1)
	go func() { done <- Server(context.Background(), Named(cfg)) }()
	select {
	case rs := <-done:
		wantEntry(t, find(t, rs, "Reachable"), Fail, "timeout")
	case <-time.After(time.Minute): // the bound is a few seconds; this only stops a hang
		t.Fatal("the doctor still waits for a server that never answers")
	}
}

func TestPausedRedisTimesOut(t *testing.T) {
	srv := ownedWithConfig(t, features.Config)
	ctx := testContext(t)
	admin := client(t, srv.Options())
	// CLIENT PAUSE holds every client's commands: the real Redis answer to
	// "the server is there but too slow".
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "1500", "ALL").Err(); err != nil {
		t.Skipf("skipped: this server has no CLIENT PAUSE: %v", err)
	}
	opts := srv.Options()
	opts.ReadTimeout = 200 * time.Millisecond
	_, rs, ok := Connect(ctx, target("a paused Redis", opts))
	if ok {
		t.Fatal("a paused server must time out")
	}
	wantEntry(t, find(t, rs, "Reachable"), Fail, "timeout")
}

// fakeDNS answers every query with "no such domain", on loopback, so the
// test provokes a real resolver failure without any traffic leaving the
// machine.
func fakeDNS(t *testing.T) string {
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			q := buf[:n]
			if len(q) < 12 {
				continue
			}
			// The question ends after its name's zero label and 4 bytes.
			end := 12
			for end < len(q) && q[end] != 0 {
				end += int(q[end]) + 1
			}
			end += 5
			if end > len(q) {
				continue
			}
			reply := append([]byte{q[0], q[1], 0x81, 0x83, 0, 1, 0, 0, 0, 0, 0, 0}, q[12:end]...)
			_, _ = pc.WriteTo(reply, from)
		}
	}()
	return pc.LocalAddr().String()
}

func TestUnknownHostIsDNS(t *testing.T) {
	dns := fakeDNS(t)
	resolver := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", dns)
	}}
	dialer := &net.Dialer{Resolver: resolver, Timeout: 2 * time.Second}
	opts := &redis.Options{Addr: "redis.no-such-host.example:6379", Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return dialer.DialContext(ctx, network, addr)
	}}
	_, rs, ok := Connect(testContext(t), target("a misspelt host", opts))
	if ok {
		t.Fatal("an unknown host must not count as reachable")
	}
	wantEntry(t, find(t, rs, "Reachable"), Fail, "dns")
}

// passwordServers yields servers that require the password "right": the
// embedded server always, and a real one when the mode has CONFIG.
func passwordServers(t *testing.T) map[string]*redis.Options {
	out := map[string]*redis.Options{}
	e, err := embedded.Start("", embedded.WithPassword("right"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	out["embedded"] = &redis.Options{Addr: e.Addr()}

	srv := owned(t)
	// The embedded half is above; a real server sets its password with
	// CONFIG SET requirepass.
	if srv.Mode != provision.Embedded && srv.Features.Has(features.Config) {
		if err := client(t, srv.Options()).ConfigSet(testContext(t), "requirepass", "right").Err(); err != nil {
			t.Fatal(err)
		}
		out[string(srv.Mode)] = srv.Options()
	} else {
		t.Log("the real-server half is skipped: the embedded server sets its password when it starts, as above")
	}
	return out
}

func TestPasswords(t *testing.T) {
	for name, base := range passwordServers(t) {
		t.Run(name, func(t *testing.T) {
			ctx := testContext(t)
			none := *base
			none.Password = ""
			_, rs, ok := Connect(ctx, target(name, &none))
			if ok {
				t.Fatal("no password must fail")
			}
			if r := find(t, rs, "Reachable"); r.Status != OK {
				t.Fatalf("the server answered, so it is reachable: %s", r)
			}
			wantEntry(t, find(t, rs, "Authentication"), Fail, "noauth")

			wrong := *base
			wrong.Password = "wrong"
			_, rs, ok = Connect(ctx, target(name, &wrong))
			if ok {
				t.Fatal("a wrong password must fail")
			}
			wantEntry(t, find(t, rs, "Authentication"), Fail, "wrongpass")

			right := *base
			right.Password = "right"
			rdb, rs, ok := Connect(ctx, target(name, &right))
			if !ok {
				t.Fatalf("the right password must work:\n%s", report(rs))
			}
			rdb.Close()
			if r := find(t, rs, "Authentication"); r.Status != OK || !strings.Contains(r.Detail, "accepted") {
				t.Fatal(r)
			}
		})
	}
}

func TestMaxClientsReached(t *testing.T) {
	srv := ownedWithConfig(t, features.MaxClients)
	ctx := testContext(t)
	admin := client(t, srv.Options())
	if err := admin.Ping(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	// The admin connection is the one client allowed; the doctor's is one
	// too many.
	if err := admin.ConfigSet(ctx, "maxclients", "1").Err(); err != nil {
		t.Fatal(err)
	}
	_, rs, ok := Connect(ctx, target("a full server", srv.Options()))
	if ok {
		t.Fatal("a full server must refuse the doctor")
	}
	wantEntry(t, find(t, rs, "Reachable"), Fail, "maxclients")

	// From inside (the admin connection), the clients line says the same.
	wantEntry(t, Clients(ctx, admin, true), Fail, "maxclients")
}

func TestOutOfMemoryWithNoEviction(t *testing.T) {
	srv := ownedWithConfig(t, features.Eviction)
	ctx := testContext(t)
	rdb := client(t, srv.Options())
	if r := Memory(ctx, rdb); r.Status != OK {
		t.Fatalf("a fresh server has memory to spare: %s", r)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err(); err != nil {
		t.Fatal(err)
	}
	if err := rdb.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil { // one byte: already full
		t.Fatal(err)
	}
	err := rdb.Set(ctx, "doctor:oom", "x", 0).Err()
	if e, ok := diagnose.Explain(err); !ok || e.ID != "oom" {
		t.Fatalf("a write on a full noeviction server: want OOM, got %v", err)
	}
	wantEntry(t, Memory(ctx, rdb), Fail, "oom")
}

// redisServer finds a real redis-server binary for the tests that need to
// start one with their own arguments.
func redisServer(t *testing.T) string {
	if p, err := exec.LookPath("redis-server"); err == nil {
		return p
	}
	if _, err := os.Stat("/opt/redis8/bin/redis-server"); err == nil {
		return "/opt/redis8/bin/redis-server"
	}
	t.Skip("skipped: needs redis-server on PATH (or /opt/redis8/bin) to start one with its own data directory")
	return ""
}

// startRedis runs redis-server with args on a free port and returns a
// client options for it.
func startRedis(t *testing.T, args ...string) *redis.Options {
	path := redisServer(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command(path, append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--appendonly", "no", "--loglevel", "warning"}, args...)...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	opts := &redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", port), MaxRetries: -1}
	rdb := client(t, opts)
	deadline := time.Now().Add(10 * time.Second)
	for rdb.Ping(testContext(t)).Err() != nil {
		if time.Now().After(deadline) {
			t.Fatal("redis-server did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return opts
}

func TestFailedBackgroundSaveIsMISCONF(t *testing.T) {
	// Redis 7+ refuses CONFIG SET dir (a protected setting), so this test
	// starts its own redis-server in a directory it then deletes: the next
	// background save cannot create its file.
	dir := filepath.Join(t.TempDir(), "data")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := startRedis(t, "--dir", dir, "--save", "3600 1")
	ctx := testContext(t)
	rdb := client(t, opts)
	if r := Persistence(ctx, rdb); r.Status != OK || !strings.Contains(r.Detail, "RDB snapshots") {
		t.Fatalf("a healthy server with snapshots: %s", r)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := rdb.BgSave(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, _ := rdb.Info(ctx, "persistence").Result()
		if features.InfoField(p, "rdb_bgsave_in_progress") == "0" && features.InfoField(p, "rdb_last_bgsave_status") == "err" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the background save did not fail:\n%s", p)
		}
		time.Sleep(20 * time.Millisecond)
	}
	err := rdb.Set(ctx, "doctor:misconf", "x", 0).Err()
	if e, ok := diagnose.Explain(err); !ok || e.ID != "misconf" {
		t.Fatalf("a write after a failed save: want MISCONF, got %v", err)
	}
	r := Persistence(ctx, rdb)
	wantEntry(t, r, Fail, "misconf")
	if !strings.Contains(r.Detail, "writes are refused") {
		t.Fatal(r)
	}
}

func TestHealthyServerPassesEveryCheck(t *testing.T) {
	srv := owned(t)
	rs := Server(testContext(t), srv)
	for _, name := range []string{"Reachable", "Authentication", "Latency", "Database"} {
		if r := find(t, rs, name); r.Status != OK {
			t.Errorf("%s on a fresh server: %s", name, r)
		}
	}
	for _, r := range rs {
		if r.Status == Fail {
			t.Errorf("a fresh %s server fails a check: %s", srv.Mode, r)
		}
	}
	if r := find(t, rs, "Latency"); !strings.Contains(r.Detail, "median") || !strings.Contains(r.Detail, "worst") {
		t.Error(r)
	}
	// Each feature line agrees with what the server was found to have.
	for _, f := range []features.Feature{features.JSON, features.HashFieldTTL, features.HashFieldEx} {
		r := find(t, rs, featureName(f))
		if (r.Status == OK) != srv.Features.Has(f) {
			t.Errorf("%s: server has it: %v, line says %s", f, srv.Features.Has(f), r)
		}
	}
}

func TestKeysAlreadyInTheDatabase(t *testing.T) {
	srv := owned(t)
	ctx := testContext(t)
	rdb := client(t, srv.Options())
	tgt := provision.Unexamined("a learner's server", srv.Options())
	if r := Keys(ctx, rdb, tgt); r.Status != OK {
		t.Fatalf("an empty database: %s", r)
	}
	if err := rdb.Set(ctx, "someone:else", "x", 0).Err(); err != nil {
		t.Fatal(err)
	}
	r := Keys(ctx, rdb, tgt)
	if r.Status != Warn || !strings.Contains(r.Detail, "1 keys") || !strings.Contains(r.Fix, "/1") {
		t.Fatalf("a database with someone's key: %s", r)
	}
	tgt.Owned = true
	if r := Keys(ctx, rdb, tgt); r.Status != OK {
		t.Fatalf("the workbook's own server: %s", r)
	}
}

// Errors that steps print (through lesson.Explain) are recognised by the
// catalogue from their text alone, as the runner sees them on stderr. Each
// is provoked for real.
func TestStepErrorsAreRecognisedFromTheirText(t *testing.T) {
	srv := owned(t)
	ctx := testContext(t)
	rdb := client(t, srv.Options())
	cases := map[string]func(t *testing.T) error{
		"wrongtype": func(t *testing.T) error {
			rdb.HSet(ctx, "doctor:h", "f", "v")
			return rdb.Get(ctx, "doctor:h").Err()
		},
		"txfailed": func(t *testing.T) error {
			other := client(t, srv.Options())
			return rdb.Watch(ctx, func(tx *redis.Tx) error {
				// Someone else changes the watched key between WATCH and EXEC.
				other.Set(ctx, "doctor:w", "theirs", 0)
				_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
					p.Set(ctx, "doctor:w", "mine", 0)
					return nil
				})
				return err
			}, "doctor:w")
		},
		"nojson": func(t *testing.T) error {
			if srv.Features.Has(features.JSON) {
				t.Skip("skipped: this server has JSON, so JSON.SET cannot fail as unknown")
			}
			return rdb.Do(ctx, "JSON.SET", "doctor:j", "$", "{}").Err()
		},
		"refused": func(t *testing.T) error {
			// A port that was free a moment ago: another test's server may
			// take it in between, so try again until one really refuses.
			var err error
			for range 5 {
				l, _ := net.Listen("tcp", "127.0.0.1:0")
				addr := l.Addr().String()
				l.Close()
				if err = client(t, &redis.Options{Addr: addr, MaxRetries: -1}).Ping(ctx).Err(); errors.Is(err, syscall.ECONNREFUSED) {
					break
				}
			}
			return err
		},
	}
	for id, provoke := range cases {
		t.Run(id, func(t *testing.T) {
			err := provoke(t)
			if err == nil {
				t.Fatal("the error was not provoked")
			}
			var printed strings.Builder
			lesson.Explain(&printed, fmt.Errorf("step failed: %w", err))
			e, ok := diagnose.ExplainText(printed.String())
			if !ok || e.ID != id {
				t.Fatalf("stderr %q: want the %q row, got %q", printed.String(), id, e.ID)
			}
		})
	}
}

func TestVersionVerdicts(t *testing.T) {
	for v, want := range map[string]Status{"7.0.15": Fail, "7.4.2": Warn, "8.0.2": Warn, "8.6.0": OK, "9.0.0": OK, "": Fail} {
		if got := VersionVerdict(v); got.Status != want {
			t.Errorf("%q: got %s", v, got)
		} else if got.Status != OK && got.Fix == "" {
			t.Errorf("%q: a warning without a fix: %s", v, got)
		}
	}
	if r := VersionVerdict("7.4.2"); !strings.Contains(r.Fix, "JSON") {
		t.Errorf("before Redis 8 the fix names what is missing: %s", r)
	}
}

func TestDotEnv(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	for _, k := range []string{"REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_DB", "REDIS_PASSWORD", "REDIS_USERNAME"} {
		t.Setenv(k, "") // restored after the test...
		os.Unsetenv(k)  // ...but unset during it, so .env is read
	}
	if r, _ := DotEnv(); r.Status != Info {
		t.Fatalf("no .env is fine: %s", r)
	}

	if err := os.WriteFile(filepath.Join(dir, ".env"), []byte("REDIS_PORT=sixthousand\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r, _ := DotEnv()
	if r.Status != Fail || !strings.Contains(r.Detail, "REDIS_PORT") || r.Fix == "" {
		t.Fatalf("a bad port: %s", r)
	}
	os.Unsetenv("REDIS_PORT") // godotenv set it from the file

	// What `cp .env.example .env` gives: a file others may read.
	env := filepath.Join(dir, ".env")
	if err := os.WriteFile(env, []byte("REDIS_URL=redis://:secret@127.0.0.1:6390/2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(env, 0o644); err != nil { // whatever the umask
		t.Fatal(err)
	}
	r, _ = DotEnv()
	os.Unsetenv("REDIS_URL")
	if r.Status != Warn || r.Fix != "chmod 600 .env" || strings.Contains(r.String(), "secret") {
		t.Fatalf("a world-readable .env holding a password: %s", r)
	}

	if err := os.Chmod(env, 0o600); err != nil {
		t.Fatal(err)
	}
	r, cfg := DotEnv()
	os.Unsetenv("REDIS_URL")
	if r.Status != OK || !cfg.Explicit || strings.Contains(r.String(), "secret") {
		t.Fatalf("a valid .env, password hidden: %s", r)
	}

	// REDIS_HOST beside REDIS_URL is not used: the doctor says so.
	if err := os.WriteFile(env, []byte("REDIS_URL=redis://127.0.0.1:6390/2\nREDIS_HOST=elsewhere\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, _ = DotEnv()
	os.Unsetenv("REDIS_URL")
	os.Unsetenv("REDIS_HOST")
	if r.Status != Warn || !strings.Contains(r.Detail, "REDIS_HOST is ignored") {
		t.Fatalf("REDIS_HOST beside REDIS_URL: %s", r)
	}

	// A UTF-8 byte-order mark, as some Windows editors write, is no part of
	// the first variable's name.
	if err := os.WriteFile(env, []byte("\uFEFFREDIS_URL=redis://127.0.0.1:6390/3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, cfg = DotEnv()
	os.Unsetenv("REDIS_URL")
	if r.Status != OK || !cfg.Explicit || cfg.DB != 3 {
		t.Fatalf("a .env starting with a BOM: %s", r)
	}
}

func TestGoVersion(t *testing.T) {
	dir := t.TempDir()
	write := func(v string) {
		if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n\ngo "+v+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("1.21")
	if r := GoVersion(dir); r.Status != OK {
		t.Fatalf("an old go.mod: %s", r)
	}
	write("9.99")
	if r := GoVersion(dir); r.Status != Fail || !strings.Contains(r.Fix, "go.dev/dl") {
		t.Fatalf("a go.mod from the future: %s", r)
	}
}

func TestVersionLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		less bool
	}{{"1.26.8", "1.26.0", false}, {"1.25", "1.26.0", true}, {"1.26", "1.26.0", false}, {"7.0.15", "7.4", true}, {"8.0.2", "7.4", false}} {
		if got := versionLess(c.a, c.b); got != c.less {
			t.Errorf("versionLess(%s, %s) = %v", c.a, c.b, got)
		}
	}
}
