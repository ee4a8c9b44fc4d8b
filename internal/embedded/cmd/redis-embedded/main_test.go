package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestServesOverTCP starts the standalone server as `main` would, talks to
// it over TCP both with go-redis and with raw RESP (what redis-cli sends),
// then stops it as Ctrl-C would.
func TestServesOverTCP(t *testing.T) {
	outR, outW := io.Pipe()
	stop := make(chan os.Signal, 1)
	done := make(chan int, 1)
	go func() { done <- run([]string{"-addr", "127.0.0.1:0"}, outW, io.Discard, stop) }()

	line, err := bufio.NewReader(outR).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go io.Copy(io.Discard, outR)
	m := regexp.MustCompile(`listening on (127\.0\.0\.1:(\d+)); connect with: redis-cli -p (\d+)`).FindStringSubmatch(line)
	if m == nil || m[2] != m[3] {
		t.Fatalf("startup line %q does not say where to connect", line)
	}
	addr := m[1]

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	rdb := redis.NewClient(&redis.Options{Addr: addr})
	defer rdb.Close()
	if err := rdb.Do(ctx, "JSON.SET", "doc", "$", `{"b":1,"a":[1,2]}`).Err(); err != nil {
		t.Fatal(err)
	}
	if v, _ := rdb.Do(ctx, "JSON.GET", "doc").Text(); v != `{"b":1,"a":[1,2]}` {
		t.Errorf("JSON.GET = %s", v)
	}

	// Raw RESP2, as redis-cli speaks it.
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(3 * time.Second))
	r := bufio.NewReader(conn)
	send := func(cmd string, wantLines ...string) {
		t.Helper()
		var b strings.Builder
		args := strings.Fields(cmd)
		b.WriteString("*" + itoa(len(args)) + "\r\n")
		for _, a := range args {
			b.WriteString("$" + itoa(len(a)) + "\r\n" + a + "\r\n")
		}
		if _, err := conn.Write([]byte(b.String())); err != nil {
			t.Fatal(err)
		}
		for _, want := range wantLines {
			got, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("%s: %v", cmd, err)
			}
			if strings.TrimRight(got, "\r\n") != want {
				t.Errorf("%s: got line %q, want %q", cmd, got, want)
			}
		}
	}
	send("PING", "+PONG")
	send("JSON.ARRAPPEND doc $.a 3", "*1", ":3")
	send("JSON.GET doc .a", "$7", "[1,2,3]")
	send("TYPE doc", "+ReJSON-RL")
	send("HSETEX h EX 100 FIELDS 1 f v", ":1")
	send("HTTL h FIELDS 2 f g", "*2", ":100", ":-2")
	send("OBJECT ENCODING h", "$10", "listpackex")

	stop <- os.Interrupt
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("exit code %d after Ctrl-C", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server did not stop on Ctrl-C")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestRefusesNonLoopback(t *testing.T) {
	var errOut strings.Builder
	code := run([]string{"-addr", "0.0.0.0:0"}, io.Discard, &errOut, nil)
	if code != 2 || !strings.Contains(errOut.String(), "not a loopback address") {
		t.Errorf("-addr 0.0.0.0:0: exit %d, %q; want a refusal", code, errOut.String())
	}
	code = run([]string{"-addr", ":6379"}, io.Discard, &errOut, nil)
	if code != 2 {
		t.Errorf("-addr :6379 (every interface) was not refused")
	}
	code = run([]string{"-addr", "nonsense"}, io.Discard, &errOut, nil)
	if code != 2 {
		t.Errorf("-addr nonsense: exit %d", code)
	}
}
