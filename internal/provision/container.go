package provision

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	tcredis "github.com/testcontainers/testcontainers-go/modules/redis"
)

// Image is the container image to run: WORKBOOK_REDIS_IMAGE or redis:8.6.
func Image() string {
	if img := strings.TrimSpace(os.Getenv(EnvImage)); img != "" {
		return img
	}
	return DefaultImage
}

// dockerCheck is DockerAvailable, replaceable in tests: testcontainers falls
// back to the default socket whatever DOCKER_HOST says, so a test cannot
// hide Docker any other way.
var dockerCheck = DockerAvailable

// DockerAvailable reports whether a Docker engine answers, within a second.
func DockerAvailable(ctx context.Context) error {
	tclog.SetDefault(tclog.NewNoopLogger()) // testcontainers is chatty; we say what matters ourselves
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return err
	}
	defer provider.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return provider.Health(ctx)
}

// startContainer runs a throwaway Redis container: no persistence (tests and
// demos want a clean server, and it is removed at the end anyway).
func startContainer(ctx context.Context, purpose Purpose, log io.Writer) (*Server, error) {
	if err := dockerCheck(ctx); err != nil {
		return nil, &unavailableError{"no Docker engine answered"}
	}
	image := Image()
	if err := ensureImage(ctx, image, log); err != nil {
		return nil, err
	}
	// A first pull of redis:8.6 can take a while on a slow network; a
	// container that is already there starts in about a second.
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	// The module waits for the "Ready to accept connections" log line, which
	// Redis prints at its default (notice) log level: don't lower it.
	ctr, err := tcredis.Run(ctx, image,
		testcontainers.WithCmdArgs("--save", "", "--appendonly", "no",
			// A throwaway server: lessons and tests may reconfigure it and
			// use DEBUG (Redis 7+ protects both by default).
			"--enable-protected-configs", "yes", "--enable-debug-command", "yes"),
	)
	if err != nil {
		if ctr != nil {
			_ = testcontainers.TerminateContainer(ctr)
		}
		return nil, fmt.Errorf("cannot start a container from image %s: %s", image, firstLine(err.Error()))
	}
	url, err := ctr.ConnectionString(ctx)
	if err == nil {
		err = ping(ctx, url, 10*time.Second)
	}
	srv := &Server{Mode: Container, URL: url, Owned: true, closeFn: func() error {
		return testcontainers.TerminateContainer(ctr)
	}}
	if err == nil {
		err = describe(ctx, srv, "in a container ("+image+")")
	}
	if err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("container from %s started but does not answer: %v", image, err)
	}
	return srv, nil
}

// ensureImage pulls the image if Docker does not have it yet, saying so,
// since a first pull takes a while; an image that cannot be had is reported
// in one line (and auto mode moves on).
func ensureImage(ctx context.Context, image string, log io.Writer) error {
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return err
	}
	defer provider.Close()
	if _, err := provider.Client().ImageInspect(ctx, image); err == nil {
		return nil
	}
	fmt.Fprintf(log, "pulling %s (first time only)...\n", image)
	if err := provider.PullImage(ctx, image); err != nil {
		return fmt.Errorf("image %s is not here and could not be pulled (offline? try `docker pull %s`, or set %s to an image you have)", image, image, EnvImage)
	}
	return nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
