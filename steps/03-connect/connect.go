package main

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// connect shows the tutorial's three connection patterns with go-redis,
// then reads INFO and the pool's statistics. rdb is the client the workbook
// made for the server in use; its options tell us where that server is.
func connect(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	server := rdb.Options()

	// Pattern 1: a client from options. In go-redis every client is already
	// a pool of connections, safe for many goroutines: there is no separate
	// "direct" connection to manage.
	direct := redis.NewClient(&redis.Options{
		Addr:      server.Addr,
		Username:  server.Username,
		Password:  server.Password,
		DB:        server.DB,
		TLSConfig: server.TLSConfig,
	})
	defer direct.Close()
	if err := ping(ctx, out, "Pattern 1, a client from options:", direct); err != nil {
		return err
	}

	// Pattern 2: the same with the pool sized explicitly. PoolSize caps the
	// connections the client opens; MinIdleConns keeps a few warm.
	pooled := redis.NewClient(&redis.Options{
		Addr:         server.Addr,
		Username:     server.Username,
		Password:     server.Password,
		DB:           server.DB,
		TLSConfig:    server.TLSConfig,
		PoolSize:     20,
		MinIdleConns: 0,
	})
	defer pooled.Close()
	if err := ping(ctx, out, "Pattern 2, a pool of 20:", pooled); err != nil {
		return err
	}

	// Pattern 3: a URL, as twelve-factor apps receive it in REDIS_URL.
	// redis.ParseURL understands redis:// and rediss:// (TLS), a user and
	// password, the database number as the path, and query options such as
	// ?dial_timeout=3s&pool_size=20.
	opts, err := redis.ParseURL(urlFor(server))
	if err != nil {
		return err
	}
	fromURL := redis.NewClient(opts)
	defer fromURL.Close()
	if err := ping(ctx, out, "Pattern 3, from a URL:", fromURL); err != nil {
		return err
	}

	// INFO takes section names and answers "name:value" lines.
	info, err := rdb.Info(ctx, "server", "clients", "memory").Result()
	if err != nil {
		return fmt.Errorf("INFO failed: %w", err)
	}
	fmt.Fprintln(out)
	fmt.Fprintf(out, "Redis version: %s\n", features.InfoField(info, "redis_version"))
	fmt.Fprintf(out, "Connected clients: %s\n", features.InfoField(info, "connected_clients"))
	fmt.Fprintf(out, "Used memory: %s\n", features.InfoField(info, "used_memory_human"))

	return poolStats(ctx, out, pooled)
}

func ping(ctx context.Context, out io.Writer, label string, rdb *redis.Client) error {
	pong, err := rdb.Ping(ctx).Result()
	if err != nil {
		return fmt.Errorf("%s PING failed: %w", label, err)
	}
	fmt.Fprintf(out, "%-35s PING → %s\n", label, pong)
	return nil
}

// poolStats is Go's answer to the tutorial's pool debugging tip: instead of
// peeking at private fields, ask the pool. Ten PINGs one after another need
// one connection: the first PING opens it (a miss), the rest reuse it (hits).
func poolStats(ctx context.Context, out io.Writer, pooled *redis.Client) error {
	before := *pooled.PoolStats()
	for range 10 {
		if err := pooled.Ping(ctx).Err(); err != nil {
			return err
		}
	}
	after := pooled.PoolStats()
	fmt.Fprintln(out)
	fmt.Fprintln(out, "Pool statistics of pattern 2 after 10 more PINGs:")
	fmt.Fprintf(out, "  hits (connection reused):    %d\n", after.Hits-before.Hits)
	fmt.Fprintf(out, "  misses (connection opened):  %d\n", after.Misses-before.Misses)
	fmt.Fprintf(out, "  total connections:           %d\n", after.TotalConns)
	fmt.Fprintf(out, "  idle connections:            %d\n", after.IdleConns)
	fmt.Fprintf(out, "  timeouts waiting for one:    %d\n", after.Timeouts)
	return nil
}

// urlFor writes options back as a redis:// URL (password included, so it
// is for handing to ParseURL, never for printing).
func urlFor(o *redis.Options) string {
	u := url.URL{Scheme: "redis", Host: o.Addr, Path: "/" + strconv.Itoa(o.DB)}
	if o.TLSConfig != nil {
		u.Scheme = "rediss"
	}
	if o.Password != "" {
		u.User = url.UserPassword(o.Username, o.Password)
	} else if o.Username != "" {
		u.User = url.User(o.Username)
	}
	return u.String()
}
