package provision

import (
	"context"

	"github.com/redis-go-workbook/workbook/internal/embedded"
)

// startEmbedded runs the in-process server on a free loopback port.
func startEmbedded(_ context.Context) (*Server, error) {
	e, err := embedded.Start("")
	if err != nil {
		return nil, err
	}
	set := e.Features()
	srv := &Server{
		Mode:        Embedded,
		URL:         "redis://" + e.Addr() + "/0",
		Description: "the embedded server (emulating Redis " + set.Version + ")",
		Embedded:    e,
		Owned:       true,
		closeFn:     func() error { e.Close(); return nil },
	}
	set.Server = "the embedded server"
	srv.Features = set
	return srv, nil
}
