package provision

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Containers starts throwaway Redis containers. Only programs that import
// internal/provision/container have one (the runner, the test kit): a
// step's program stays free of Docker code.
type Containers interface {
	// Available reports, within a second or two, whether a Docker engine
	// answers; an *UnavailableError when there is none.
	Available(ctx context.Context) error
	// Run starts a container from image and returns its URL (loopback only),
	// a description of where it runs, and how to remove it.
	Run(ctx context.Context, image string, log io.Writer) (url, where string, remove func() error, err error)
}

var containers Containers

// UseContainers plugs container mode in. internal/provision/container calls
// it from its init function.
func UseContainers(c Containers) { containers = c }

// CanStartContainers reports whether this program can start containers.
func CanStartContainers() bool { return containers != nil }

// Image is the container image to run: WORKBOOK_REDIS_IMAGE or redis:8.6.
func Image() string {
	if img := strings.TrimSpace(os.Getenv(EnvImage)); img != "" {
		return img
	}
	return DefaultImage
}

// containerOnlyWithRunner is the error of WORKBOOK_REDIS=container in a
// step's program run by hand.
var containerOnlyWithRunner = &UnavailableError{
	Msg: EnvMode + "=container, but a step's program does not start containers (it carries no Docker code)",
	Fix: "run the step through the runner (`go run ./runner run N`), which starts the container and hands it over; or `make up` and unset " + EnvMode + "; or use " + EnvMode + "=binary or embedded",
}

// startContainer runs a throwaway Redis container: no persistence, published
// on 127.0.0.1 only.
func startContainer(ctx context.Context, log io.Writer) (*Server, error) {
	if containers == nil {
		return nil, containerOnlyWithRunner
	}
	if err := containers.Available(ctx); err != nil {
		return nil, err
	}
	image := Image()
	url, where, remove, err := containers.Run(ctx, image, log)
	if err != nil {
		return nil, err
	}
	srv := &Server{Mode: Container, URL: url, Owned: true, closeFn: remove}
	err = pingURL(ctx, url, 10*time.Second)
	if err == nil {
		err = describe(ctx, srv, where)
	}
	if err != nil {
		_ = srv.Close()
		return nil, fmt.Errorf("container from %s started but does not answer: %v", image, err)
	}
	return srv, nil
}
