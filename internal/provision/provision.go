// Package provision is the one place that decides which Redis the workbook
// talks to. Every step's main, every test package and the runner ask it, so
// the answer is the same everywhere and always said out loud.
//
// The order, in auto mode:
//
//  1. an explicit server: REDIS_URL/REDIS_HOST for mains and the runner,
//     WORKBOOK_TEST_REDIS_URL for tests (tests never use the learner's .env);
//  2. for mains only, a Redis already answering at 127.0.0.1:6379 (`make up`);
//  3. a Redis container via testcontainers-go, when a Docker engine answers;
//  4. redis-server from PATH, started on a free loopback port;
//  5. the embedded in-process server.
//
// WORKBOOK_REDIS=url|container|binary|embedded forces one mode; a forced mode
// that cannot start is an error, never a silent fallback.
package provision

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/config"
	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/features"
)

// Mode is where a server came from.
type Mode string

const (
	Auto      Mode = "auto"
	URL       Mode = "url"
	Container Mode = "container"
	Binary    Mode = "binary"
	Embedded  Mode = "embedded"
)

// Settings read from the environment.
const (
	EnvMode      = "WORKBOOK_REDIS"          // auto|url|container|binary|embedded
	EnvImage     = "WORKBOOK_REDIS_IMAGE"    // container image, default DefaultImage
	EnvTestURL   = "WORKBOOK_TEST_REDIS_URL" // an explicit, empty server for tests
	DefaultImage = "redis:8.6"
	// DefaultLocalAddr is where `make up` publishes Redis.
	DefaultLocalAddr = defaultLocalHost + ":6379"
	defaultLocalHost = "127.0.0.1"
	defaultLocalPort = 6379
)

// GetRealRedis is the advice every message about a stand-in ends with.
const GetRealRedis = "run `make up` for the real Redis 8.6"

// getThrowawayRedis is the advice for lessons on a throwaway server, which
// never use the learner's (so `make up` would not help them).
const getThrowawayRedis = "start Docker or put redis-server on PATH for a real Redis"

// Purpose says who is asking: a step's main (or the runner), or a test package.
type Purpose int

const (
	ForMain Purpose = iota
	ForTests
)

// Server is a Redis that is ready to use.
type Server struct {
	Mode Mode
	// URL includes the password, if any: hand it to clients, never print it.
	URL string
	// Description says which server this is, e.g. "Redis 8.0.2 in a container (workbook/redis:8-debian)".
	Description string
	// Features is what the server was found to support.
	Features features.Set
	// Embedded is the in-process server in embedded mode, nil otherwise.
	Embedded *embedded.Server
	// Owned is true when the workbook started this server itself, so tests
	// may flush it freely.
	Owned bool

	throwaway bool           // from StartOwned: never the learner's server
	base      *redis.Options // the learner's timeouts and pool size, for an explicit server
	closeFn   func() error
	closeOnce sync.Once
	closeErr  error
}

// Options are go-redis options for this server: a fresh copy each call.
func (s *Server) Options() *redis.Options {
	if s.base != nil {
		o := *s.base
		return &o
	}
	opts, err := redis.ParseURL(s.URL)
	if err != nil {
		panic(fmt.Sprintf("provision: server URL did not parse: %v", err))
	}
	return opts
}

// NewClient returns a new go-redis client for this server. Close it when done.
func (s *Server) NewClient() *redis.Client { return redis.NewClient(s.Options()) }

// Banner is the one line that tells the learner which Redis is in use.
func (s *Server) Banner() string {
	line := "using " + s.Description
	if s.Mode == Embedded || s.Features.Embedded() || !features.AtLeast(s.Features.Version, 8, 0) {
		if s.throwaway {
			line += " — " + getThrowawayRedis
		} else {
			line += " — " + GetRealRedis
		}
	}
	return line
}

// Close stops a server the workbook started; for an explicit server it only
// releases what the workbook held.
// It is safe to call more than once and from several goroutines (a signal
// handler and a deferred Close may race).
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		unregister(s)
		if s.closeFn != nil {
			s.closeErr = s.closeFn()
		}
	})
	return s.closeErr
}

// Start finds or starts a Redis for purpose. log receives one line for each
// source that was tried and passed over (nil to discard).
func Start(ctx context.Context, purpose Purpose, log io.Writer) (*Server, error) {
	if log == nil {
		log = io.Discard
	}
	quietClientLogs()
	mode, err := ModeFromEnv()
	if err != nil {
		return nil, err
	}
	srv, err := start(ctx, purpose, mode, log)
	if err != nil {
		return nil, err
	}
	register(srv)
	return srv, nil
}

// ModeFromEnv reads WORKBOOK_REDIS.
func ModeFromEnv() (Mode, error) {
	v := strings.ToLower(strings.TrimSpace(os.Getenv(EnvMode)))
	switch Mode(v) {
	case "":
		return Auto, nil
	case Auto, URL, Container, Binary, Embedded:
		return Mode(v), nil
	}
	return "", fmt.Errorf("%s=%q is not a mode: use auto, url, container, binary or embedded", EnvMode, v)
}

func start(ctx context.Context, purpose Purpose, mode Mode, log io.Writer) (*Server, error) {
	switch mode {
	case URL:
		cfg, named, err := configuredExplicit(purpose)
		if err != nil {
			return nil, err
		}
		if !named {
			return nil, notNamed(purpose)
		}
		return startExplicit(ctx, purpose, cfg)
	case Container:
		return startContainer(ctx, purpose, log)
	case Binary:
		return startBinary(ctx)
	case Embedded:
		return startEmbedded(ctx)
	}

	// Auto: the first source that works wins; each one passed over is said.
	cfg, named, err := configuredExplicit(purpose)
	if err != nil {
		return nil, err
	}
	if named {
		return startExplicit(ctx, purpose, cfg)
	}
	if purpose == ForMain {
		if srv := findLocal(ctx, cfg, log); srv != nil {
			return srv, nil
		}
	}
	// Each source passed over gets a reason; a source that is simply absent
	// (no Docker, no redis-server) is only named in the final description.
	var absent []string
	var notAvailable *unavailableError
	srv, err := startContainer(ctx, purpose, log)
	if err == nil {
		return srv, nil
	}
	if errors.As(err, &notAvailable) {
		absent = append(absent, "no Docker engine answered")
	} else {
		fmt.Fprintf(log, "container: %v; trying redis-server\n", err)
		absent = append(absent, "no container could be started")
	}
	srv, err = startBinary(ctx)
	if err == nil {
		return srv, nil
	}
	if errors.As(err, &notAvailable) {
		absent = append(absent, "no redis-server on PATH")
	} else {
		fmt.Fprintf(log, "redis-server: %v; using the embedded server\n", err)
		absent = append(absent, "redis-server did not start")
	}
	srv, err = startEmbedded(ctx)
	if srv != nil {
		srv.Description += ": " + strings.Join(absent, ", ")
	}
	return srv, err
}

// unavailableError means a source is simply not there (no Docker engine, no
// redis-server on PATH): worth no line in auto mode, an error when forced.
type unavailableError struct{ msg string }

func (e *unavailableError) Error() string { return e.msg }

// describe names a server for the banner and for feature messages.
func describe(ctx context.Context, srv *Server, where string) error {
	rdb := srv.NewClient()
	defer rdb.Close()
	set, err := features.Detect(ctx, rdb, "")
	if err != nil {
		return err
	}
	srv.Description = fmt.Sprintf("Redis %s %s", set.Version, where)
	if set.Embedded() {
		// e.g. the runner's embedded server, handed to a step as REDIS_URL
		srv.Description = fmt.Sprintf("the embedded server (emulating Redis %s) %s", set.Version, where)
	}
	set.Server = srv.Description
	srv.Features = set
	return nil
}

// ping waits until a server answers PING, for at most within; with within
// 0 it tries once. On failure it returns the server's or the network's own
// error (connection refused, NOAUTH...), not just "deadline exceeded".
func ping(ctx context.Context, url string, within time.Duration) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	opts.MaxRetries = -1
	opts.DialTimeout = 2 * time.Second
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	deadline := time.Now().Add(within)
	for {
		err = rdb.Ping(ctx).Err()
		if err == nil || ctx.Err() != nil || !time.Now().Before(deadline) {
			return err
		}
		var reply redis.Error
		if errors.As(err, &reply) && !strings.HasPrefix(reply.Error(), "LOADING") {
			return err // the server answered: waiting won't change its mind
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// configuredExplicit returns the explicit server's URL for purpose, if any.
func configuredExplicit(purpose Purpose) (config.Config, bool, error) {
	if purpose == ForTests {
		raw := strings.TrimSpace(os.Getenv(EnvTestURL))
		if raw == "" {
			return config.Config{}, false, nil
		}
		cfg, err := config.Parse(func(k string) (string, bool) {
			if k == config.EnvURL {
				return raw, true
			}
			return "", false
		})
		if err != nil {
			return config.Config{}, false, fmt.Errorf("%s: %w", EnvTestURL, err)
		}
		return cfg, true, nil
	}
	cfg, err := config.Load()
	if err != nil {
		return config.Config{}, false, err
	}
	return cfg, cfg.Explicit, nil
}

// StartOwned starts a throwaway server that the workbook owns, never the
// learner's: for lessons that change server settings (maxmemory, maxclients,
// requirepass) or break things on purpose. It tries a container, then
// redis-server, then the embedded server, unless WORKBOOK_REDIS forces
// container, binary or embedded. Close it when done.
func StartOwned(ctx context.Context, log io.Writer) (*Server, error) {
	if log == nil {
		log = io.Discard
	}
	quietClientLogs()
	mode, err := ModeFromEnv()
	if err != nil {
		return nil, err
	}
	var srv *Server
	switch mode {
	case Container, Binary, Embedded:
		srv, err = start(ctx, ForTests, mode, log)
	default:
		// Auto, or URL: the explicit server is the learner's; never this one.
		srv, err = startContainer(ctx, ForTests, log)
		if err != nil {
			srv, err = startBinary(ctx)
		}
		if err != nil {
			srv, err = startEmbedded(ctx)
		}
	}
	if err != nil {
		return nil, err
	}
	srv.throwaway = true
	register(srv)
	return srv, nil
}

// quietClientLogs stops go-redis from logging dial retries on its own: the
// workbook reports one explained error instead of the pool's chatter.
func quietClientLogs() { redis.SetLogger(quiet{}) }

type quiet struct{}

func (quiet) Printf(context.Context, string, ...interface{}) {}
