// Package container plugs container mode into provision: throwaway Redis
// containers through testcontainers-go. Only the runner and the test kit
// import it (for its init function), so a step's program links no Docker,
// testcontainers or OpenTelemetry code:
//
//	import _ "github.com/redis-go-workbook/workbook/internal/provision/container"
package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	tcredis "github.com/testcontainers/testcontainers-go/modules/redis"

	"github.com/redis-go-workbook/workbook/internal/provision"
)

func init() { provision.UseContainers(docker{}) }

// Time limits: auto mode must move on within seconds when Docker cannot
// help, and a genuine first download of redis:8.6 still gets its minutes.
const (
	engineTimeout = 2 * time.Second
	pullTimeout   = 3 * time.Minute
	startTimeout  = time.Minute
)

type docker struct{}

func (docker) Available(ctx context.Context) error { return Available(ctx) }

// Available reports whether a Docker engine answers. DOCKER_HOST, when set,
// is the engine: one that does not answer is reported as such, never
// replaced by the default socket (which testcontainers would try next).
func Available(ctx context.Context) error {
	tclog.SetDefault(tclog.NewNoopLogger()) // testcontainers is chatty; we say what matters ourselves
	ctx, cancel := context.WithTimeout(ctx, engineTimeout)
	defer cancel()
	if host := os.Getenv("DOCKER_HOST"); host != "" {
		cli, err := client.New(client.FromEnv, client.WithAPIVersionNegotiation())
		if err != nil {
			return &provision.UnavailableError{Msg: "DOCKER_HOST=" + host + " is not usable (" + firstLine(err.Error()) + ")", Fix: "correct or unset DOCKER_HOST"}
		}
		defer cli.Close()
		if _, err := cli.Ping(ctx, client.PingOptions{}); err != nil {
			return &provision.UnavailableError{Msg: "no Docker engine answers at DOCKER_HOST=" + host, Fix: "start that engine, or correct or unset DOCKER_HOST"}
		}
		return nil
	}
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return &provision.UnavailableError{Msg: "no Docker engine answered", Fix: "start Docker, or use " + provision.EnvMode + "=binary or embedded"}
	}
	defer provider.Close()
	if err := provider.Health(ctx); err != nil {
		return &provision.UnavailableError{Msg: "no Docker engine answered", Fix: "start Docker, or use " + provision.EnvMode + "=binary or embedded"}
	}
	return nil
}

// CheckImage says whether image is a valid reference and is already here.
// present is false, with no error, for a valid image Docker would have to
// pull first.
func CheckImage(ctx context.Context, image string) (present bool, err error) {
	if err := ValidImage(image); err != nil {
		return false, err
	}
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return false, err
	}
	defer provider.Close()
	ctx, cancel := context.WithTimeout(ctx, engineTimeout)
	defer cancel()
	_, err = provider.Client().ImageInspect(ctx, image)
	return err == nil, nil
}

// ValidImage checks an image reference before Docker sees it: Docker (and
// testcontainers' retries) would otherwise spend minutes on "invalid
// reference format".
func ValidImage(image string) error {
	if _, err := reference.ParseNormalizedNamed(image); err != nil {
		hint := ""
		if image != strings.ToLower(image) {
			hint = " (image names are lower case: " + strings.ToLower(image) + ")"
		}
		return fmt.Errorf("%s=%q is not an image reference: %v%s; use e.g. redis:8.6", provision.EnvImage, image, err, hint)
	}
	return nil
}

// Run starts a throwaway Redis container from image: no persistence, and
// published on 127.0.0.1 only (the server has no password and lets clients
// reconfigure it, so nobody else on the network may reach it).
func (docker) Run(ctx context.Context, image string, log io.Writer) (string, string, func() error, error) {
	if err := ValidImage(image); err != nil {
		return "", "", nil, err
	}
	if err := ensureImage(ctx, image, log); err != nil {
		return "", "", nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	// The module waits for the "Ready to accept connections" log line, which
	// Redis prints at its default (notice) log level: don't lower it.
	ctr, err := tcredis.Run(ctx, image,
		testcontainers.WithCmdArgs("--save", "", "--appendonly", "no",
			// A throwaway server: lessons and tests may reconfigure it and
			// use DEBUG (Redis 7+ protects both by default).
			"--enable-protected-configs", "yes", "--enable-debug-command", "yes"),
		testcontainers.WithHostConfigModifier(loopbackOnly),
	)
	remove := func() error {
		if ctr == nil {
			return nil
		}
		// A fresh context: this also runs on the way out of a cancelled one.
		rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return ctr.Terminate(rctx)
	}
	if err != nil {
		_ = remove()
		return "", "", nil, fmt.Errorf("cannot start a container from image %s: %s", image, firstLine(err.Error()))
	}
	url, err := ctr.ConnectionString(ctx)
	if err != nil {
		_ = remove()
		return "", "", nil, fmt.Errorf("container from %s started but has no address: %s", image, firstLine(err.Error()))
	}
	return url, "in a container (" + image + ")", remove, nil
}

// loopbackOnly publishes Redis's port on 127.0.0.1 only, as the Compose
// file does, instead of Docker's default of every interface.
func loopbackOnly(hc *container.HostConfig) {
	port := network.MustParsePort("6379/tcp")
	if hc.PortBindings == nil {
		hc.PortBindings = network.PortMap{}
	}
	hc.PortBindings[port] = []network.PortBinding{{HostIP: netip.MustParseAddr("127.0.0.1"), HostPort: "0"}}
	hc.PublishAllPorts = false
}

// ensureImage pulls the image if Docker does not have it yet, saying so,
// since a first pull takes a while. One attempt, bounded: an image that
// cannot be had is reported in one line (and auto mode moves on).
func ensureImage(ctx context.Context, image string, log io.Writer) error {
	present, err := CheckImage(ctx, image)
	if err != nil {
		return err
	}
	if present {
		return nil
	}
	provider, err := testcontainers.NewDockerProvider()
	if err != nil {
		return err
	}
	defer provider.Close()
	fmt.Fprintf(log, "pulling %s (first time only)...\n", image)
	ctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	resp, err := provider.Client().ImagePull(ctx, image, client.ImagePullOptions{})
	if err == nil {
		err = resp.Wait(ctx)
		_ = resp.Close()
	}
	if err != nil {
		why := firstLine(err.Error())
		if errors.Is(err, context.DeadlineExceeded) {
			why = "no progress within " + pullTimeout.String()
		}
		return fmt.Errorf("image %s is not here and could not be pulled (%s): try `docker pull %s`, or set %s to an image you have", image, why, image, provision.EnvImage)
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
