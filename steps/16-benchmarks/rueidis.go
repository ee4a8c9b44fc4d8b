package main

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/rueidis"
)

// rueidis is the Redis organisation's other Go client, built for
// throughput: commands are built with a typed builder into a reusable
// form, and every client pipelines by default what its goroutines send at
// the same moment. It is measured here beside go-redis, never used by the
// lessons.

// newRueidis connects rueidis to the server the go-redis options name.
// Client-side caching is off: the benchmark measures commands, and not
// every server offers the tracking that caching needs. ForceSingleClient
// says it is one server: rueidis otherwise asks whether it is a cluster.
func newRueidis(opt *redis.Options) (rueidis.Client, error) {
	return rueidis.NewClient(rueidis.ClientOption{
		InitAddress:       []string{opt.Addr},
		Username:          opt.Username,
		Password:          opt.Password,
		SelectDB:          opt.DB,
		DisableCache:      true,
		ForceSingleClient: true,
		Dialer:            net.Dialer{Timeout: opt.DialTimeout},
	})
}

func runRueidisIndividual(ctx context.Context, c *clients, op operation, n int, _ Options) (time.Duration, error) {
	start := time.Now()
	for i := range n {
		if err := rueidisErr(c.rue.Do(ctx, op.build(c.rue.B(), i)).Error()); err != nil {
			return 0, fmt.Errorf("%s (rueidis): %w", op.Name, err)
		}
	}
	return time.Since(start), nil
}

func runRueidisPipeline(ctx context.Context, c *clients, op operation, n int, o Options) (time.Duration, error) {
	batch := make(rueidis.Commands, 0, o.Pipeline)
	start := time.Now()
	for i := 0; i < n; {
		batch = batch[:0]
		for j := 0; j < o.Pipeline && i < n; j++ {
			batch = append(batch, op.build(c.rue.B(), i))
			i++
		}
		for _, r := range c.rue.DoMulti(ctx, batch...) {
			if err := rueidisErr(r.Error()); err != nil {
				return 0, fmt.Errorf("%s (rueidis): %w", op.Name, err)
			}
		}
	}
	return time.Since(start), nil
}

func runRueidisConcurrent(ctx context.Context, c *clients, op operation, n int, o Options) (time.Duration, error) {
	return fanOut(o.Concurrency, func(w int) error {
		for i := w; i < n; i += o.Concurrency {
			if err := rueidisErr(c.rue.Do(ctx, op.build(c.rue.B(), i)).Error()); err != nil {
				return fmt.Errorf("%s (rueidis): %w", op.Name, err)
			}
		}
		return nil
	})
}

// rueidisErr drops rueidis's nil reply (GET of a key not written yet),
// which is not a failure here.
func rueidisErr(err error) error {
	if rueidis.IsRedisNil(err) {
		return nil
	}
	return err
}
