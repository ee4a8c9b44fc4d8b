package provision

import (
	"context"

	"github.com/redis-go-workbook/workbook/internal/embedded"
)

// startEmbedded runs the in-process server on a free loopback port.
func startEmbedded(ctx context.Context) (*Server, error) {
	e, err := embedded.Start("")
	if err != nil {
		return nil, err
	}
	srv := &Server{Mode: Embedded, URL: "redis://" + e.Addr() + "/0", Owned: true, closeFn: func() error { e.Close(); return nil }}
	// Asked like any other server, so that "is it the embedded server?" has
	// one answer wherever the server came from.
	if err := describe(ctx, srv, ""); err != nil {
		e.Close()
		return nil, err
	}
	return srv, nil
}
