package lesson

// Each test runs a real step program: this test binary, started again as a
// helper process whose main is lesson.Main (or MainOwned), with the
// settings a learner might write, against real sockets the test opens.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/embedded"
)

const helperEnv = "LESSON_TEST_HELPER"

// TestHelperProcess is the step program the other tests start.
func TestHelperProcess(t *testing.T) {
	switch os.Getenv(helperEnv) {
	case "main":
		Main(func(ctx context.Context, out io.Writer, rdb *redis.Client) error {
			pong, err := rdb.Ping(ctx).Result()
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "%s from %s\n", pong, rdb.Options().Addr)
			return nil
		})
	case "wait":
		Main(func(ctx context.Context, out io.Writer, rdb *redis.Client) error {
			fmt.Fprintf(out, "ready %s\n", rdb.Options().Addr)
			<-ctx.Done()
			return ctx.Err()
		})
	default:
		t.Skip("only a helper process for the other tests")
	}
	os.Exit(0)
}

type run struct {
	stdout, stderr string
	code           int
}

// step runs the helper with env added to a clean environment, in a
// directory with no .env, and returns what it printed.
func step(t *testing.T, kind string, env ...string) run {
	t.Helper()
	cmd := helper(t, kind, env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return run{out.String(), errb.String(), code}
}

func helper(t *testing.T, kind string, env ...string) *exec.Cmd {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module x\n"), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Dir = dir
	cmd.Env = append([]string{helperEnv + "=" + kind, "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "WORKBOOK_REDIS="}, env...) // auto, unless a test says otherwise
	return cmd
}

// learner is a Redis of the learner's: an embedded server on a free port.
func learner(t *testing.T, opts ...embedded.Option) *embedded.Server {
	t.Helper()
	srv, err := embedded.Start("127.0.0.1:0", opts...)
	require.NoError(t, err)
	t.Cleanup(srv.Close)
	return srv
}

func port(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

// REDIS_HOST may carry a port, and may be an IPv6 address in brackets: no
// panic, and the server named is the one used.
func TestHostWithPortAndIPv6(t *testing.T) {
	srv := learner(t)
	for _, host := range []string{"127.0.0.1:" + port(srv.Addr()), "localhost:" + port(srv.Addr())} {
		r := step(t, "main", "REDIS_HOST="+host, "WORKBOOK_REDIS=")
		require.Equal(t, 0, r.code, "REDIS_HOST=%s: %s", host, r.stderr)
		assert.Contains(t, r.stdout, "PONG from "+host)
		assert.NotContains(t, r.stderr, "panic")
	}

	// [::1]: a loopback IPv6 listener, relaying to the server.
	ln, err := net.Listen("tcp", "[::1]:0")
	if err != nil {
		t.Skipf("skipped the IPv6 half: no IPv6 loopback here (%v)", err)
	}
	t.Cleanup(func() { ln.Close() })
	go relay(ln, srv.Addr())
	p := port(ln.Addr().String())
	for _, env := range [][]string{{"REDIS_HOST=[::1]", "REDIS_PORT=" + p}, {"REDIS_HOST=[::1]:" + p}, {"REDIS_HOST=::1", "REDIS_PORT=" + p}} {
		r := step(t, "main", append(env, "WORKBOOK_REDIS=")...)
		require.Equal(t, 0, r.code, "%v: %s", env, r.stderr)
		assert.Contains(t, r.stdout, "PONG from [::1]:"+p)
	}
}

func relay(ln net.Listener, to string) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		go func() {
			defer c.Close()
			up, err := net.Dial("tcp", to)
			if err != nil {
				return
			}
			defer up.Close()
			go func() { _, _ = io.Copy(up, c) }()
			_, _ = io.Copy(c, up)
		}()
	}
}

// REDIS_PORT alone names a server on this machine; it is not ignored.
func TestPortAlone(t *testing.T) {
	srv := learner(t)
	r := step(t, "main", "REDIS_PORT="+port(srv.Addr()))
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "PONG from localhost:"+port(srv.Addr()))
}

// Parts beside REDIS_URL are not used, and the program says so.
func TestPartsBesideURLAreNamed(t *testing.T) {
	srv := learner(t)
	r := step(t, "main", "REDIS_URL=redis://"+srv.Addr()+"/0", "REDIS_HOST=elsewhere.invalid", "REDIS_PASSWORD=unused")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stderr, "REDIS_URL is set, so REDIS_HOST, REDIS_PASSWORD are ignored")
	assert.NotContains(t, r.stderr, "unused", "the password is never printed")
}

// Settings that cannot work are refused in one line that says how to fix
// them, before any connection.
func TestBadSettingsAreExplained(t *testing.T) {
	srv := learner(t)
	for _, c := range []struct{ env, want string }{
		{"REDIS_URL=redis://:pa#ss@" + srv.Addr() + "/0", "write # as %23"},
		{"REDIS_URL=redis://:100%sure@" + srv.Addr() + "/0", "% as %25"},
		{"REDIS_URL=redis:/" + srv.Addr(), "write two: redis://" + srv.Addr()},
		{"REDIS_URL=redis://" + srv.Addr() + "/0?protocol=9", "use protocol=2 or protocol=3"},
	} {
		r := step(t, "main", c.env)
		assert.Equal(t, 1, r.code, c.env)
		assert.Contains(t, r.stderr, c.want, c.env)
		assert.NotContains(t, r.stderr, "panic", c.env)
	}
}

// rediss:// to a plain server is a TLS mismatch, said as such.
func TestTLSMismatch(t *testing.T) {
	srv := learner(t)
	r := step(t, "main", "REDIS_URL=rediss://"+srv.Addr()+"/0")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "TLS mismatch")
	assert.Contains(t, r.stderr, "use redis://")
	assert.Contains(t, r.stderr, "cause: the client and server disagree about TLS")
}

// An HTTP server on the port, and a server that hangs up at once, get a
// cause that fits them.
func TestNotRedisAndHangUp(t *testing.T) {
	web := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(web.Close)
	r := step(t, "main", "REDIS_URL=redis://"+strings.TrimPrefix(web.URL, "http://")+"/0")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "cause: something that is not Redis listens at that address")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	r = step(t, "main", "REDIS_URL=redis://"+ln.Addr().String()+"/0")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "cause: the server closed the connection: it crashed")
}

// A password missing from REDIS_URL is fixed in REDIS_URL.
func TestAuthAdviceNamesTheURL(t *testing.T) {
	srv := learner(t, embedded.WithPassword("s3cret"))
	r := step(t, "main", "REDIS_URL=redis://"+srv.Addr()+"/0")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "NOAUTH")
	assert.Contains(t, r.stderr, "fix:   put the password in REDIS_URL")
	r = step(t, "main", "REDIS_URL=redis://:wrong@"+srv.Addr()+"/0")
	assert.Contains(t, r.stderr, "fix:   correct the user name and password in REDIS_URL")
	r = step(t, "main", "REDIS_HOST=127.0.0.1", "REDIS_PORT="+port(srv.Addr()))
	assert.Contains(t, r.stderr, "fix:   set REDIS_PASSWORD in .env")
}

// Binary mode with no redis-server, and a redis-server that dies at once.
func TestBinaryModeFailures(t *testing.T) {
	empty := t.TempDir()
	r := step(t, "main", "WORKBOOK_REDIS=binary", "PATH="+empty)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "no redis-server on PATH: install Redis 8")
	assert.Contains(t, r.stderr, "cause: binary mode starts redis-server from PATH")

	fake := filepath.Join(empty, "redis-server")
	require.NoError(t, os.WriteFile(fake, []byte("#!/bin/sh\necho '*** FATAL CONFIG FILE ERROR: Bad directive' >&2\nexit 1\n"), 0o755))
	r = step(t, "main", "WORKBOOK_REDIS=binary", "PATH="+empty+":/usr/bin:/bin")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "exited at once (exit status 1), saying: *** FATAL CONFIG FILE ERROR: Bad directive")
	assert.NotContains(t, r.stderr, "context canceled")
}

// Ctrl-C or SIGTERM ends the lesson through its context: the program
// stops the server it started and exits with the signal's status.
func TestSignalsEndTheLessonAndItsServer(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("skipped: no redis-server on PATH (the check is that the program stops the one it started)")
	}
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		cmd := helper(t, "wait", "WORKBOOK_REDIS=binary")
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		require.NoError(t, cmd.Start())
		line, err := bufio.NewReader(out).ReadString('\n')
		require.NoError(t, err, errb.String())
		addr := strings.TrimSpace(strings.TrimPrefix(line, "ready "))
		require.NoError(t, cmd.Process.Signal(sig))
		err = cmd.Wait()
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "%v: %v %s", sig, err, errb.String())
		assert.Equal(t, 128+int(sig), ee.ExitCode(), "%v: %s", sig, errb.String())
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			t.Errorf("%v: the redis-server on %s outlived the program", sig, addr)
		}
	}
}

// A program that shuts down on its own (step 12's `serve`) gets Ctrl-C to
// itself: it shuts down gracefully and exits 0, every time.
func TestServeShutsDownGracefullyOnCtrlC(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "step12")
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	build := exec.Command("go", "build", "-o", bin, "./steps/12-url-shortener")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building step 12: %v\n%s", err, out)
	}
	for i := 0; i < 3; i++ {
		cmd := exec.Command(bin, "serve", "-addr", "127.0.0.1:0")
		cmd.Dir = t.TempDir()
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "WORKBOOK_REDIS=embedded"}
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		require.NoError(t, cmd.Start())
		line, err := bufio.NewReader(out).ReadString('\n')
		require.NoError(t, err, errb.String())
		require.Contains(t, line, "URL shortener on")
		require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
		go func() { _, _ = io.Copy(io.Discard, out) }()
		assert.NoError(t, cmd.Wait(), "run %d: %s", i+1, errb.String())
	}
}
