package container_test

// These tests start real containers (they skip without a Docker engine) and
// a real program that owns one, signalled as a learner's terminal would.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redis-go-workbook/workbook/internal/lesson"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/provision/container"
)

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return c
}

func needDocker(t *testing.T) {
	t.Helper()
	if err := container.Available(ctx(t)); err != nil {
		t.Skipf("skipped: %v (these tests start containers)", err)
	}
	if present, err := container.CheckImage(ctx(t), provision.Image()); err != nil || !present {
		t.Skipf("skipped: the image %s is not here (%v); set %s to a local image", provision.Image(), err, provision.EnvImage)
	}
}

func isolate(t *testing.T) {
	for _, k := range []string{provision.EnvTestURL, "REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	require.NoError(t, err, "docker %v: %s", args, out)
	return strings.TrimSpace(string(out))
}

// containerOn finds the container publishing host port port.
func containerOn(t *testing.T, port string) string {
	t.Helper()
	for _, id := range strings.Fields(docker(t, "ps", "-q")) {
		if strings.Contains(docker(t, "port", id), ":"+port) {
			return id
		}
	}
	t.Fatalf("no running container publishes port %s", port)
	return ""
}

// The throwaway Redis has no password and lets clients reconfigure it: it
// is published on 127.0.0.1 only, as the Compose file does.
func TestContainerIsPublishedOnLoopbackOnly(t *testing.T) {
	needDocker(t)
	isolate(t)
	t.Setenv(provision.EnvMode, "container")
	srv, err := provision.Start(ctx(t), provision.ForTests, nil)
	require.NoError(t, err)
	defer srv.Close()
	require.Equal(t, provision.Container, srv.Mode)
	port := srv.Options().Addr[strings.LastIndex(srv.Options().Addr, ":")+1:]
	id := containerOn(t, port)
	for _, line := range strings.Split(docker(t, "port", id), "\n") {
		assert.Contains(t, line, "-> 127.0.0.1:", "published beyond loopback: %s", line)
	}
	require.NoError(t, srv.Close())
	assert.Empty(t, docker(t, "ps", "-aq", "--filter", "id="+id), "Close removes the container")
}

// An invalid image reference is refused at once, not retried for minutes;
// in auto mode the next source is used.
func TestInvalidImageIsRefusedAtOnce(t *testing.T) {
	if err := container.Available(ctx(t)); err != nil {
		t.Skipf("skipped: %v", err)
	}
	isolate(t)
	t.Setenv(provision.EnvImage, "Redis:8.6")
	t.Setenv(provision.EnvMode, "container")
	_, err := provision.Start(ctx(t), provision.ForTests, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `WORKBOOK_REDIS_IMAGE="Redis:8.6" is not an image reference`)
	assert.Contains(t, err.Error(), "lower case: redis:8.6")

	t.Setenv(provision.EnvMode, "")
	var log bytes.Buffer
	srv, err := provision.Start(ctx(t), provision.ForTests, &log)
	require.NoError(t, err)
	defer srv.Close()
	assert.NotEqual(t, provision.Container, srv.Mode)
	assert.Contains(t, log.String(), "not an image reference")
}

// DOCKER_HOST names the engine: one that does not answer is said, never
// replaced by the default socket.
func TestDockerHostIsHonoured(t *testing.T) {
	t.Setenv("DOCKER_HOST", "tcp://127.0.0.1:1")
	err := container.Available(ctx(t))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no Docker engine answers at DOCKER_HOST=tcp://127.0.0.1:1")
}

const helperEnv = "CONTAINER_TEST_HELPER"

// TestHelperProcess is a program that owns a container, as the runner does:
// it prints the server's address, waits for a signal and cleans up.
func TestHelperProcess(t *testing.T) {
	if os.Getenv(helperEnv) == "" {
		t.Skip("only a helper process for the other tests")
	}
	ctx, interrupted := lesson.SignalContext()
	srv, err := provision.Start(ctx, provision.ForTests, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	fmt.Println(srv.Options().Addr)
	<-ctx.Done()
	provision.CloseAll()
	os.Exit(interrupted())
}

// SIGTERM or SIGINT to a program with a container removes the container.
func TestSignalRemovesTheContainer(t *testing.T) {
	needDocker(t)
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$")
		cmd.Env = append(os.Environ(), helperEnv+"=1", provision.EnvMode+"=container", provision.EnvTestURL+"=")
		out, err := cmd.StdoutPipe()
		require.NoError(t, err)
		var errb bytes.Buffer
		cmd.Stderr = &errb
		require.NoError(t, cmd.Start())
		addr, err := bufio.NewReader(out).ReadString('\n')
		require.NoError(t, err, errb.String())
		addr = strings.TrimSpace(addr)
		id := containerOn(t, addr[strings.LastIndex(addr, ":")+1:])
		require.NoError(t, cmd.Process.Signal(sig))
		err = cmd.Wait()
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "%v: %v %s", sig, err, errb.String())
		assert.Equal(t, 128+int(sig), ee.ExitCode())
		assert.Empty(t, docker(t, "ps", "-aq", "--filter", "id="+id), "%v left container %s behind", sig, id)
	}
}
