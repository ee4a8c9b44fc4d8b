package embedded_test

import (
	"bufio"
	"io"
	"net"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis-go-workbook/workbook/internal/embedded"
)

// Malformed input, sent as real bytes over a TCP socket: the server answers
// as Redis 8.6.3 does (checked with the same bytes) and lives on.

// rawConn is a client that speaks bytes.
type rawConn struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func dialRaw(t *testing.T, srv *embedded.Server) *rawConn {
	t.Helper()
	nc, err := net.Dial("tcp", srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	return &rawConn{t: t, nc: nc, r: bufio.NewReader(nc)}
}

func (c *rawConn) send(s string) {
	c.t.Helper()
	if _, err := c.nc.Write([]byte(s)); err != nil {
		c.t.Fatal(err)
	}
}

// expect reads exactly the reply lines want.
func (c *rawConn) expect(want ...string) {
	c.t.Helper()
	for _, w := range want {
		line, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("want %q, got error %v", w, err)
		}
		if strings.TrimSuffix(line, "\r\n") != w {
			c.t.Fatalf("want %q, got %q", w, line)
		}
	}
}

// expectClosed checks that the server closed the connection.
func (c *rawConn) expectClosed() {
	c.t.Helper()
	rest, err := io.ReadAll(c.r)
	if err != nil || len(rest) != 0 {
		c.t.Fatalf("want the connection closed, got %q (%v)", rest, err)
	}
}

func rawServer(t *testing.T) *embedded.Server {
	srv, err := embedded.Start("", embedded.WithLogger(t.Logf))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func TestEmptyAndNegativeArraysAreIgnored(t *testing.T) {
	c := dialRaw(t, rawServer(t))
	c.send("*0\r\n*-1\r\n*-5\r\nPING\r\n")
	c.expect("+PONG")
}

func TestATopLevelBulkLineIsAnInlineCommand(t *testing.T) {
	c := dialRaw(t, rawServer(t))
	c.send("$9223372036854775807\r\nPING\r\n")
	c.expect("-ERR unknown command '$9223372036854775807'", "+PONG")
}

func TestInlineCommands(t *testing.T) {
	c := dialRaw(t, rawServer(t))
	c.send("PING\r\nSET greeting \"hello world\"\r\nGET greeting\nECHO 'it''s'\r\n")
	c.expect("+PONG", "+OK", "$11", "hello world", "-ERR Protocol error: unbalanced quotes in request")
	c.expectClosed()
}

func TestOversizedLengthsCloseTheConnection(t *testing.T) {
	srv := rawServer(t)
	for _, tc := range []struct{ send, want string }{
		{"*1\r\n$999999999999\r\nPING\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*1\r\n$-1\r\nPING\r\n", "-ERR Protocol error: invalid bulk length"},
		{"*99999999999\r\nPING\r\n", "-ERR Protocol error: invalid multibulk length"},
		{"*2\r\nxx\r\n", "-ERR Protocol error: expected '$', got 'x'"},
	} {
		c := dialRaw(t, srv)
		c.send(tc.send)
		c.expect(tc.want)
		c.expectClosed()
	}
	// The server lives on.
	c := dialRaw(t, srv)
	c.send("PING\r\n")
	c.expect("+PONG")
}

// A client that declares a 512 MB argument and sends a few bytes costs the
// server what it sent, not what it declared.
func TestDeclaredLengthsAreNotAllocated(t *testing.T) {
	srv := rawServer(t)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var conns []*rawConn
	for i := 0; i < 8; i++ {
		c := dialRaw(t, srv)
		c.send("*2\r\n$3\r\nSET\r\n$536870912\r\nabc")
		conns = append(conns, c)
	}
	// Let the server read what was sent: a PING on another connection is
	// answered after the accepts above (one goroutine each, so give them
	// the time a reply round trip takes, several times).
	probe := dialRaw(t, srv)
	for i := 0; i < 20; i++ {
		probe.send("PING\r\n")
		probe.expect("+PONG")
	}
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 64<<20 {
		t.Errorf("the heap grew by %d MB for 8 clients that each declared 512 MB and sent 3 bytes", grew>>20)
	}
	for _, c := range conns {
		c.nc.Close()
	}
}

func TestAPanickingCommandAnswersAnError(t *testing.T) {
	c := dialRaw(t, rawServer(t))
	c.send("DEBUG PANIC\r\nPING\r\n")
	line, err := c.r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "-ERR the embedded server failed running 'debug'") {
		t.Fatalf("want an error reply, got %q (%v)", line, err)
	}
	c.expect("+PONG")
	// Inside MULTI too.
	c.send("MULTI\r\nDEBUG PANIC\r\nPING\r\nEXEC\r\n")
	c.expect("+OK", "+QUEUED", "+QUEUED", "*2")
	line, _ = c.r.ReadString('\n')
	if !strings.HasPrefix(line, "-ERR the embedded server failed") {
		t.Fatalf("want the panic as EXEC's first reply, got %q", line)
	}
	c.expect("+PONG")
}

// A blocking command called from a script does not wait (as in Redis), and
// so does not wedge the server.
func TestBlockingCommandsInScriptsDoNotWait(t *testing.T) {
	c := dialRaw(t, rawServer(t))
	c.send("EVAL \"return redis.call('BLPOP', KEYS[1], 0)\" 1 nolist\r\nPING\r\n")
	c.expect("$-1", "+PONG")
	c.send("RPUSH l a\r\nEVAL \"return redis.call('BLPOP', KEYS[1], 0)\" 1 l\r\n")
	c.expect(":1", "*2", "$1", "l", "$1", "a")
}

// A script that runs too long makes other clients wait BUSY, and SCRIPT
// KILL stops it, even one that never calls Redis.
func TestSlowScriptsAnswerBusyAndCanBeKilled(t *testing.T) {
	srv := rawServer(t)
	a, b := dialRaw(t, srv), dialRaw(t, srv)
	b.send("CONFIG SET busy-reply-threshold 50\r\n")
	b.expect("+OK")
	a.send("EVAL \"while true do end\" 0\r\n")
	// Until the script runs (and has run 50 ms), PING may still pass.
	for {
		b.send("PING\r\n")
		line, err := b.r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "-BUSY Redis is busy running a script.") {
			break
		}
		if line != "+PONG\r\n" {
			t.Fatalf("want +PONG or BUSY, got %q", line)
		}
	}
	b.send("SCRIPT KILL\r\n")
	b.expect("+OK")
	line, err := a.r.ReadString('\n')
	if err != nil || !strings.Contains(line, "Script killed by user with SCRIPT KILL") {
		t.Fatalf("the script's client: want the kill error, got %q (%v)", line, err)
	}
	b.send("PING\r\nSCRIPT KILL\r\n")
	b.expect("+PONG", "-NOTBUSY No scripts in execution right now.")
}

// What Redis 8.6 has and the embedded server does not emulate says so,
// rather than "unknown command".
func TestCommandsItDoesNotEmulate(t *testing.T) {
	c := dialRaw(t, rawServer(t))
	for _, tc := range []struct{ send, want string }{
		{"BITFIELD k GET u8 0\r\n", "-ERR the embedded server does not emulate 'bitfield' (Redis 8.6 has it): run a real Redis, e.g. `make up`"},
		{"VADD vs VALUES 2 1 2 a\r\n", "-ERR the embedded server does not emulate 'vadd' (Redis 8.6 has it): run a real Redis, e.g. `make up`"},
		{"vsim vs ELE a\r\n", "-ERR the embedded server does not emulate 'vsim' (Redis 8.6 has it): run a real Redis, e.g. `make up`"},
		{"XAUTOCLAIM s g c 0 (0-1\r\n", "-ERR the embedded server does not emulate XAUTOCLAIM with an exclusive start ID ('(0-1') (Redis 8.6 has it): run a real Redis, e.g. `make up`"},
		{"NOSUCHCOMMAND a b\r\n", "-ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'a' 'b' "},
	} {
		c.send(tc.send)
		c.expect(tc.want)
	}
}

// A script that has written cannot be killed (Redis's UNKILLABLE): it would
// leave half its writes done.
func TestAScriptThatWroteIsUnkillable(t *testing.T) {
	srv := rawServer(t)
	a, b := dialRaw(t, srv), dialRaw(t, srv)
	// A SCRIPT KILL sent before the script is busy waits until it is, as
	// in Redis: by then the script has written.
	b.send("CONFIG SET busy-reply-threshold 50\r\n")
	b.expect("+OK")
	// The script writes, then runs for 3 s of the server's clock: the
	// SCRIPT KILLs sent meanwhile must be refused.
	a.send("EVAL \"redis.call('SET', KEYS[1], 'x') local t0 = tonumber(redis.call('TIME')[1]) while tonumber(redis.call('TIME')[1]) - t0 < 3 do end return 1\" 1 k\r\n")
	for {
		b.send("SCRIPT KILL\r\n")
		line, err := b.r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(line, "-UNKILLABLE Sorry the script already executed write commands") {
			break
		}
		if line != "-NOTBUSY No scripts in execution right now.\r\n" {
			t.Fatalf("want NOTBUSY (not started yet) or UNKILLABLE, got %q", line)
		}
	}
	a.expect(":1")
}

// A client that hangs up while blocked does not leave the server waiting
// for it: its BLPOP ends, and the list's next element goes to a live client.
func TestAClientGoneWhileBlockedIsForgotten(t *testing.T) {
	srv := rawServer(t)
	gone, live, pusher := dialRaw(t, srv), dialRaw(t, srv), dialRaw(t, srv)
	gone.send("BLPOP q 0\r\n")
	// CLIENT LIST shows a client's last command: wait until it says blpop.
	waitFor(t, pusher, "CLIENT LIST\r\n", "cmd=blpop")
	gone.nc.Close()
	waitFor(t, pusher, "CLIENT LIST\r\n", "", "cmd=blpop")
	live.send("BLPOP q 0\r\n")
	waitFor(t, pusher, "CLIENT LIST\r\n", "cmd=blpop")
	pusher.send("RPUSH q x\r\n")
	pusher.expect(":1")
	live.expect("*2", "$1", "q", "$1", "x")
}

// waitFor sends cmd (whose reply is one bulk string) until the reply
// contains want and not wantNot.
func waitFor(t *testing.T, c *rawConn, cmd, want string, wantNot ...string) {
	t.Helper()
	for i := 0; i < 2000; i++ {
		c.send(cmd)
		head, err := c.r.ReadString('\n')
		if err != nil || !strings.HasPrefix(head, "$") {
			t.Fatalf("%q: %q %v", cmd, head, err)
		}
		n, _ := strconv.Atoi(strings.TrimSpace(head[1:]))
		body := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, body); err != nil {
			t.Fatal(err)
		}
		ok := strings.Contains(string(body), want)
		for _, w := range wantNot {
			ok = ok && !strings.Contains(string(body), w)
		}
		if ok {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("%q never answered with %q (and without %q)", cmd, want, wantNot)
}

// MULTI as Redis 8.6.3 answers the same bytes: errors at queueing time abort
// EXEC, a nested MULTI or a WATCH inside MULTI are refused without aborting,
// and a blocking command inside MULTI does not wait.
func TestTransactionsAsRedisAnswersThem(t *testing.T) {
	c := dialRaw(t, rawServer(t))
	c.send("MULTI\r\nMULTI\r\nWATCH x\r\nEXEC\r\n")
	c.expect("+OK", "-ERR MULTI calls can not be nested", "-ERR WATCH inside MULTI is not allowed", "*0")
	c.send("MULTI\r\nFOO\r\nSET a\r\nPING\r\nEXEC\r\n")
	c.expect("+OK", "-ERR unknown command 'FOO'", "-ERR wrong number of arguments for 'set' command", "+QUEUED",
		"-EXECABORT Transaction discarded because of previous errors.")
	c.send("MULTI\r\nBLPOP nolist 0\r\nSELECT 1\r\nSET a 1\r\nEXEC\r\nGET a\r\nSELECT 0\r\nGET a\r\n")
	c.expect("+OK", "+QUEUED", "+QUEUED", "+QUEUED", "*3", "*-1", "+OK", "+OK", "$1", "1", "+OK", "$-1")
	c.send("EXEC\r\nDISCARD\r\n")
	c.expect("-ERR EXEC without MULTI", "-ERR DISCARD without MULTI")
	// WATCH: a key changed after WATCH (here by the same client, which
	// Redis counts too) makes EXEC answer nil.
	c.send("WATCH w\r\nSET w changed\r\nMULTI\r\nPING\r\nEXEC\r\n")
	c.expect("+OK", "+OK", "+OK", "+QUEUED", "*-1")
}
