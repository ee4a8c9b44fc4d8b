package provision

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// noRedisServer is the error of a forced binary mode with no redis-server.
var noRedisServer = &UnavailableError{
	Msg: "no redis-server on PATH",
	Fix: "install Redis 8 (`sudo apt install redis-server`, `brew install redis`) or put the directory holding redis-server on PATH; or unset " + EnvMode + " to let the workbook pick another server",
}

// startBinary starts redis-server from PATH on a free loopback port, in a
// temporary directory, with persistence off. It is stopped by Close, and by
// the kernel if this process dies first (see DieWithParent).
func startBinary(ctx context.Context) (*Server, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, noRedisServer
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken between finding and binding it
		srv, err := startBinaryOnce(ctx, path)
		if err == nil {
			return srv, nil
		}
		lastErr = err
		var exited *exitedError
		if errors.As(err, &exited) && !exited.portTaken() {
			break // it will exit the same way on another port
		}
	}
	return nil, lastErr
}

// exitedError is a redis-server that exited before it answered.
type exitedError struct {
	path   string
	err    error // from Wait: the exit status
	output string
}

func (e *exitedError) Error() string {
	msg := fmt.Sprintf("%s exited at once (%v)", e.path, e.err)
	if line := lastLine(e.output); line != "" {
		msg += ", saying: " + line
	}
	return msg + "; run `" + e.path + " --port 6390` yourself to see the whole message"
}

func (e *exitedError) portTaken() bool { return strings.Contains(e.output, "Address already in use") }

func startBinaryOnce(ctx context.Context, path string) (*Server, error) {
	port, err := FreePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "workbook-redis-")
	if err != nil {
		return nil, err
	}
	var output bytes.Buffer
	cmd := exec.Command(path,
		"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
		"--dir", dir, "--save", "", "--appendonly", "no",
		"--loglevel", "warning", "--daemonize", "no",
		// A throwaway server: lessons and tests may reconfigure it and use
		// DEBUG (Redis 7+ protects both by default).
		"--enable-protected-configs", "yes", "--enable-debug-command", "yes")
	cmd.Stdout, cmd.Stderr = &output, &output
	DieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	var exitErr error
	exited := make(chan struct{})
	go func() { exitErr = cmd.Wait(); close(exited) }()
	stop := func() error {
		_ = cmd.Process.Kill()
		<-exited
		return os.RemoveAll(dir)
	}

	url := "redis://127.0.0.1:" + strconv.Itoa(port) + "/0"
	pingCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-exited: // died at start: stop waiting for it
			cancel()
		case <-pingCtx.Done():
		}
	}()
	if err := pingURL(pingCtx, url, 10*time.Second); err != nil {
		select {
		case <-exited:
			_ = os.RemoveAll(dir)
			return nil, &exitedError{path: path, err: exitErr, output: output.String()}
		default:
		}
		_ = stop()
		return nil, fmt.Errorf("%s did not answer on port %d: %v %s", path, port, err, lastLine(output.String()))
	}
	srv := &Server{Mode: Binary, URL: url, Owned: true, closeFn: stop}
	if err := describe(ctx, srv, "from "+path+" on port "+strconv.Itoa(port)); err != nil {
		_ = stop()
		return nil, err
	}
	return srv, nil
}

// FreePort asks the kernel for a free loopback port.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	addr, ok := l.Addr().(*net.TCPAddr)
	if !ok {
		return 0, errors.New("no TCP port")
	}
	return addr.Port, nil
}

// lastLine is the last non-empty line of a program's output, where
// redis-server says why it stopped.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	l := strings.TrimSpace(lines[len(lines)-1])
	if len(l) > 200 {
		l = l[:200] + "…"
	}
	return l
}
