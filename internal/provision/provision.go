// Package provision is the one place that decides which Redis the workbook
// talks to. Every step's main, every test package and the runner ask it, so
// the answer is the same everywhere and always said out loud.
//
// The order, in auto mode:
//
//  1. an explicit server: REDIS_URL/REDIS_HOST for mains and the runner,
//     WORKBOOK_TEST_REDIS_URL for tests (tests never use the learner's .env);
//  2. for mains only, a Redis already answering at 127.0.0.1:6379 (`make up`);
//  3. a Redis container, when the program can start containers and a Docker
//     engine answers (see below);
//  4. redis-server from PATH, started on a free loopback port;
//  5. the embedded in-process server.
//
// WORKBOOK_REDIS=url|container|binary|embedded forces one mode; a forced mode
// that cannot start is an error, never a silent fallback.
//
// Containers: a step's program links no Docker code, so it never starts a
// container itself. The runner and the test kit import
// internal/provision/container, which plugs container mode in (UseContainers);
// the runner then hands a step its server as REDIS_URL with WORKBOOK_REDIS=url.
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
	// EnvThrowawayURL hands a program a throwaway server that its caller
	// started for it and will discard (e.g. a container the runner owns).
	// StartOwned uses it instead of starting one: the bonus steps, which
	// change settings and break things, may have it; nothing else reads it.
	EnvThrowawayURL = "WORKBOOK_THROWAWAY_REDIS_URL"
	// DefaultLocalAddr is where `make up` publishes Redis.
	DefaultLocalAddr = defaultLocalHost + ":6379"
	defaultLocalHost = "127.0.0.1"
	defaultLocalPort = 6379
)

// GetRealRedis is the advice every message about a stand-in ends with.
const GetRealRedis = "run `make up` for the real Redis 8.6"

// getThrowawayRedis is the advice for lessons on a throwaway server, which
// never use the learner's (so `make up` would not help them).
const getThrowawayRedis = "put redis-server on PATH for a real Redis"

// Purpose says who is asking: a step's main (or the runner), or a test package.
type Purpose int

const (
	ForMain Purpose = iota
	ForTests
)

// Server is a Redis that is ready to use: the one description of "a server"
// that steps, tests, the runner and the doctor share.
type Server struct {
	Mode Mode
	// URL includes the password, if any: hand it to clients, never print it.
	URL string
	// Description says which server this is, e.g. "Redis 8.6.3 in a container (redis:8.6)".
	Description string
	// Features is what the server was found to support (empty until it
	// answered: see Described).
	Features features.Set
	// Owned is true when the workbook started this server itself, so tests
	// may flush it freely.
	Owned bool

	throwaway bool           // from StartOwned: never the learner's server
	base      *redis.Options // the learner's timeouts and pool size, for an explicit server
	closeFn   func() error
	closeOnce sync.Once
	closeErr  error
}

// Unexamined is a server known only by its options and a description, not
// asked anything yet (it may not answer at all): what the doctor examines
// when the settings name a server that provision could not use.
func Unexamined(description string, opts *redis.Options) *Server {
	o := *opts
	return &Server{Mode: URL, URL: "redis://" + o.Addr, Description: description, base: &o}
}

// IsEmbedded is the one way to ask whether this is the workbook's embedded
// server, whether it runs in this process or was handed over by URL: the
// server says so itself (INFO server has workbook_embedded:1).
func (s *Server) IsEmbedded() bool { return s.Features.Embedded() }

// Described reports whether the server answered and its features are known.
func (s *Server) Described() bool { return s.Features.Version != "" }

// Throwaway reports whether the server came from StartOwned.
func (s *Server) Throwaway() bool { return s.throwaway }

// Options are go-redis options for this server: a fresh copy each call.
func (s *Server) Options() *redis.Options {
	if s.base != nil {
		o := *s.base
		return &o
	}
	opts, err := redis.ParseURL(s.URL)
	if err != nil {
		// Every URL here was built by this package or validated by config.
		return &redis.Options{Addr: "invalid-url.invalid:0"}
	}
	return opts
}

// NewClient returns a new go-redis client for this server. Close it when done.
func (s *Server) NewClient() *redis.Client { return redis.NewClient(s.Options()) }

// Banner is the one line that tells the learner which Redis is in use.
func (s *Server) Banner() string {
	line := "using " + s.Description
	if s.IsEmbedded() || !features.AtLeast(s.Features.Version, 8, 0) {
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
// It is safe to call more than once and from several goroutines: a second
// caller waits until the first is done, and the server stays registered
// until it is really gone, so CloseAll on a signal path waits for it too.
func (s *Server) Close() error {
	s.closeOnce.Do(func() {
		if s.closeFn != nil {
			s.closeErr = s.closeFn()
		}
		unregister(s)
	})
	return s.closeErr
}

// Start finds or starts a Redis for purpose. log receives one line for each
// source that was tried and passed over, and any note about the settings
// (nil to discard).
func Start(ctx context.Context, purpose Purpose, log io.Writer) (*Server, error) {
	if log == nil {
		log = io.Discard
	}
	QuietClientLogs()
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
		cfg, named, err := configuredExplicit(purpose, log)
		if err != nil {
			return nil, err
		}
		if !named {
			return nil, notNamed(purpose)
		}
		return startExplicit(ctx, purpose, cfg)
	case Container:
		return startContainer(ctx, log)
	case Binary:
		return startBinary(ctx)
	case Embedded:
		return startEmbedded(ctx)
	}

	// Auto: the first source that works wins; each one passed over is said.
	cfg, named, err := configuredExplicit(purpose, log)
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
	return startThrowaway(ctx, log)
}

// startThrowaway tries a container (when this program can start one), then
// redis-server, then the embedded server. Each source passed over gets a
// line in log; a source that is simply absent (no Docker, no redis-server)
// is only named in the embedded server's description.
func startThrowaway(ctx context.Context, log io.Writer) (*Server, error) {
	var absent []string
	var notAvailable *UnavailableError
	if containers != nil {
		srv, err := startContainer(ctx, log)
		if err == nil {
			return srv, nil
		}
		if errors.As(err, &notAvailable) {
			absent = append(absent, notAvailable.Msg)
		} else {
			fmt.Fprintf(log, "container: %v; trying redis-server\n", err)
			absent = append(absent, "no container could be started")
		}
	}
	srv, err := startBinary(ctx)
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

// UnavailableError means a source is simply not there (no Docker engine, no
// redis-server on PATH): worth no line in auto mode, an error when forced.
type UnavailableError struct {
	Msg string // what is missing, e.g. "no redis-server on PATH"
	Fix string // what to do when the mode was forced
}

func (e *UnavailableError) Error() string {
	if e.Fix == "" {
		return e.Msg
	}
	return e.Msg + ": " + e.Fix
}

// describe names a server for the banner and for feature messages.
func describe(ctx context.Context, srv *Server, where string) error {
	rdb := srv.NewClient()
	defer rdb.Close()
	set, err := features.Detect(ctx, rdb, "")
	if err != nil {
		return err
	}
	srv.Description = strings.TrimSpace(fmt.Sprintf("Redis %s %s", set.Version, where))
	if set.Embedded() {
		// e.g. the runner's embedded server, handed to a step as REDIS_URL
		srv.Description = strings.TrimSpace(fmt.Sprintf("the embedded server (emulating Redis %s) %s", set.Version, where))
	}
	set.Server = srv.Description
	srv.Features = set
	return nil
}

// ping waits until a server answers PING, for at most within; with within
// 0 it tries once. On failure it returns the server's or the network's own
// error (connection refused, NOAUTH...), not just "deadline exceeded".
func ping(ctx context.Context, opts *redis.Options, within time.Duration) error {
	o := *opts
	o.MaxRetries = -1
	o.DialerRetries = 1 // go-redis dials 5 times by default: one honest attempt per PING
	o.DialTimeout = min(nonZero(o.DialTimeout, 2*time.Second), 2*time.Second)
	o.ReadTimeout = min(nonZero(o.ReadTimeout, 3*time.Second), 3*time.Second)
	o.WriteTimeout = o.ReadTimeout
	o.PoolSize = 1
	rdb := redis.NewClient(&o)
	defer rdb.Close()
	deadline := time.Now().Add(within)
	for {
		err := rdb.Ping(ctx).Err()
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

func nonZero(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func pingURL(ctx context.Context, url string, within time.Duration) error {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return err
	}
	return ping(ctx, opts, within)
}

// configuredExplicit returns the explicit server's settings for purpose, if
// any; notes about the settings (what is ignored and why) go to log.
func configuredExplicit(purpose Purpose, log io.Writer) (config.Config, bool, error) {
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
	for _, n := range cfg.Notes {
		fmt.Fprintln(log, "note:", n)
	}
	return cfg, cfg.Explicit, nil
}

// StartOwned starts a throwaway server that the workbook owns, never the
// learner's: for lessons that change server settings (maxmemory, maxclients,
// requirepass) or break things on purpose. In order: the server its caller
// handed it in WORKBOOK_THROWAWAY_REDIS_URL, a container (only where
// containers are plugged in), redis-server, the embedded server; or the one
// WORKBOOK_REDIS forces (container, binary or embedded). Close it when done.
func StartOwned(ctx context.Context, log io.Writer) (*Server, error) {
	if log == nil {
		log = io.Discard
	}
	QuietClientLogs()
	mode, err := ModeFromEnv()
	if err != nil {
		return nil, err
	}
	var srv *Server
	switch {
	case os.Getenv(EnvThrowawayURL) != "":
		srv, err = handedThrowaway(ctx)
	case mode == Container && containers == nil:
		// A step's program run by hand with WORKBOOK_REDIS=container: it
		// cannot start one, and a real Redis beats the embedded one.
		srv, err = startThrowaway(ctx, log)
	case mode == Container || mode == Binary || mode == Embedded:
		srv, err = start(ctx, ForTests, mode, log)
	default:
		// Auto, or URL: the explicit server is the learner's; never this one.
		srv, err = startThrowaway(ctx, log)
	}
	if err != nil {
		return nil, err
	}
	srv.throwaway = true
	register(srv)
	return srv, nil
}

// handedThrowaway is the server in WORKBOOK_THROWAWAY_REDIS_URL. Its caller
// owns it (and stops it): Close releases nothing.
func handedThrowaway(ctx context.Context) (*Server, error) {
	raw := strings.TrimSpace(os.Getenv(EnvThrowawayURL))
	cfg, err := config.Parse(func(k string) (string, bool) {
		if k == config.EnvURL {
			return raw, true
		}
		return "", false
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvThrowawayURL, err)
	}
	srv := &Server{Mode: URL, URL: cfg.URL(), Owned: true, base: cfg.Options()}
	if err := ping(ctx, srv.Options(), 5*time.Second); err != nil {
		return nil, &UnreachableError{Target: cfg.RedactedURL(), Via: EnvThrowawayURL, Err: err}
	}
	if err := describe(ctx, srv, "at "+cfg.Addr()+" (a throwaway server handed over in "+EnvThrowawayURL+")"); err != nil {
		return nil, &UnreachableError{Target: cfg.RedactedURL(), Via: EnvThrowawayURL, Err: err}
	}
	return srv, nil
}

// QuietClientLogs stops go-redis from logging dial retries on its own: the
// workbook reports one explained error instead of the pool's chatter. It is
// the workbook's one no-op logger.
func QuietClientLogs() { redis.SetLogger(quiet{}) }

type quiet struct{}

func (quiet) Printf(context.Context, string, ...interface{}) {}
