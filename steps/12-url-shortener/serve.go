package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/lesson"
	"github.com/redis-go-workbook/workbook/steps/08-rate-limit/ratelimit"
	"github.com/redis-go-workbook/workbook/steps/12-url-shortener/shortener"
)

// serveConfig is what the serve command's flags set.
type serveConfig struct {
	addr   string
	base   string        // public base URL of short links
	limit  int           // requests per client IP per window
	window time.Duration // the rate limit's window
}

func parseServeFlags(args []string, stderr io.Writer) (serveConfig, error) {
	var c serveConfig
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on (keep 127.0.0.1 unless you mean to expose it)")
	fs.StringVar(&c.base, "base", "", "public base URL of the short links (default: http://ADDR)")
	fs.IntVar(&c.limit, "limit", 60, "requests allowed per client IP per window")
	fs.DurationVar(&c.window, "window", time.Minute, "the rate limit's window")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("serve: unexpected argument %q (flags are -addr, -base, -limit, -window)", fs.Arg(0))
	}
	if c.limit < 1 || c.window < time.Millisecond {
		return c, fmt.Errorf("serve: -limit %d per -window %v: give at least 1 request per 1ms or more", c.limit, c.window)
	}
	if c.base == "" {
		c.base = "http://" + c.addr
	}
	return c, nil
}

// serveMain is `go run ./steps/12-url-shortener serve`: the shortener as a
// web service, until Ctrl-C.
func serveMain(args []string) error {
	cfg, err := parseServeFlags(args, os.Stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// The HTTP port first: if it is taken, say so before looking for a
	// Redis, so that the advice is about the web server, not about Redis.
	ln, err := listen(cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()

	srv, rdb, err := lesson.Connect(ctx)
	if err != nil {
		return err
	}
	defer srv.Close()
	defer rdb.Close()
	return serve(ctx, ln, rdb, cfg, os.Stdout)
}

// listen opens the HTTP port, with advice about -addr when it cannot.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		// Not wrapped: the cause is clear, and the system's wording
		// ("address already in use") would read as a Redis problem to
		// the workbook's troubleshooting catalogue.
		return nil, fmt.Errorf("serve: the HTTP port %s is taken by another program (is the shortener already running in another terminal?): stop it, or pick another port with -addr 127.0.0.1:9090", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("serve: cannot listen for HTTP on %s: %w (check -addr: host:port, e.g. 127.0.0.1:8080)", addr, err)
	}
	return ln, nil
}

// serve runs the API on ln until ctx ends, then shuts down gracefully:
// requests in flight may finish, new ones are refused.
func serve(ctx context.Context, ln net.Listener, rdb *redis.Client, cfg serveConfig, out io.Writer) error {
	s := shortener.New(rdb, "shortener:", cfg.base)
	limiter := ratelimit.New(rdb, "shortener:ratelimit", cfg.limit, cfg.window)
	server := &http.Server{
		Handler: shortener.Handler(s, limiter),
		// Without timeouts, slow or idle clients hold connections forever.
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       time.Minute,
	}

	base := "http://" + ln.Addr().String()
	fmt.Fprintf(out, "URL shortener on %s (%d requests per %v per client; Ctrl-C stops it)\n", base, cfg.limit, cfg.window)
	fmt.Fprintf(out, "Try:\n")
	fmt.Fprintf(out, "  curl -i -X POST %s/api/shorten -d '{\"url\": \"https://redis.io/docs/\"}'\n", base)
	fmt.Fprintf(out, "  curl -i %s/CODE\n", base)
	fmt.Fprintf(out, "  curl %s/api/stats/CODE\n", base)
	fmt.Fprintf(out, "  curl %s/api/top\n", base)

	errc := make(chan error, 1)
	go func() { errc <- server.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	fmt.Fprintln(out, "stopped")
	return nil
}
