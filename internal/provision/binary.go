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
	"time"
)

// startBinary starts redis-server from PATH on a free loopback port, in a
// temporary directory, with persistence off. It is stopped by Close, and by
// the kernel if this process dies first (see setParentDeathSignal).
func startBinary(ctx context.Context) (*Server, error) {
	path, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, &unavailableError{"no redis-server on PATH"}
	}
	var lastErr error
	for attempt := 0; attempt < 3; attempt++ { // a free port can be taken between finding and binding it
		srv, err := startBinaryOnce(ctx, path)
		if err == nil {
			return srv, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

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
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
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
		case err := <-exited: // died at start: stop waiting for it
			exited <- err
			cancel()
		case <-pingCtx.Done():
		}
	}()
	if err := ping(pingCtx, url, 10*time.Second); err != nil {
		_ = stop()
		return nil, fmt.Errorf("%s did not start: %v %s", path, err, firstLine(output.String()))
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
