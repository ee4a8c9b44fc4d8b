package provision

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/config"
	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/features"
)

// startExplicit uses the server the learner (or CI) named in cfg. A named
// server that does not answer is an error: the learner chose it, so falling
// back would hide the problem.
func startExplicit(ctx context.Context, purpose Purpose, cfg config.Config) (*Server, error) {
	srv := &Server{Mode: URL, URL: cfg.URL(), base: cfg.Options()}
	via := cfg.Via()
	if purpose == ForTests {
		via = EnvTestURL
	}
	// One attempt: the learner's server is either up or it isn't, and a
	// refused connection should be reported at once, not after a wait.
	if err := ping(ctx, srv.Options(), 0); err != nil {
		return nil, &UnreachableError{Target: cfg.RedactedURL(), Via: via, Err: tlsMismatch(ctx, cfg, err)}
	}
	if err := describe(ctx, srv, "at "+cfg.Addr()); err != nil {
		return nil, &UnreachableError{Target: cfg.RedactedURL(), Via: via, Err: err}
	}
	if purpose == ForTests {
		if err := claimForTests(ctx, srv, cfg); err != nil {
			return nil, err
		}
	}
	return srv, nil
}

// notNamed is the error of WORKBOOK_REDIS=url with no server named.
func notNamed(purpose Purpose) error {
	if purpose == ForTests {
		return fmt.Errorf("%s=url but %s is not set: set it to an empty Redis database, e.g. redis://127.0.0.1:6379/15", EnvMode, EnvTestURL)
	}
	return fmt.Errorf("%s=url but neither %s nor %s is set: set one in .env (see .env.example)", EnvMode, config.EnvURL, config.EnvHost)
}

// UnreachableError is a named server that did not answer. Steps and the
// runner's doctor explain Err with the troubleshooting catalogue.
type UnreachableError struct {
	Target string // redacted URL
	// Via is the setting that named the server (REDIS_URL, REDIS_HOST,
	// WORKBOOK_TEST_REDIS_URL...): advice about a password names it.
	Via string
	Err error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cannot reach Redis at %s: %v", e.Target, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// claimForTests makes an explicit server safe for tests. Test packages run in
// parallel processes, so they take turns through a lock file named after the
// server; and they refuse a database that already holds keys, because those
// keys would be someone's data.
func claimForTests(ctx context.Context, srv *Server, cfg config.Config) error {
	sum := sha256.Sum256([]byte(cfg.Addr() + "/" + fmt.Sprint(cfg.DB)))
	// One lock file per server and database, kept together in one folder.
	dir := filepath.Join(os.TempDir(), "workbook-redis-locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("cannot make the lock folder for test packages: %w", err)
	}
	lock := flock.New(filepath.Join(dir, hex.EncodeToString(sum[:8])+".lock"))
	lockCtx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	if ok, err := lock.TryLockContext(lockCtx, 50*time.Millisecond); err != nil || !ok {
		return fmt.Errorf("waiting for other test packages to finish with %s: %v", cfg.RedactedURL(), err)
	}
	rdb := srv.NewClient()
	defer rdb.Close()
	n, err := rdb.DBSize(ctx).Result()
	if err != nil {
		_ = lock.Unlock()
		return err
	}
	if n > 0 {
		_ = lock.Unlock()
		return fmt.Errorf("%s points at database %d of %s, which holds %d keys; tests only run on an empty database so they never touch your data: point it at an empty one (e.g. redis://%s/15) or unset it and let the tests start their own server",
			EnvTestURL, cfg.DB, cfg.Addr(), n, cfg.Addr())
	}
	// The database was empty when we took it, so everything in it now is the
	// tests' own: clean it on the way out and let the next package in. The
	// server itself is still someone else's: tests that change server-wide
	// settings (CONFIG SET maxmemory, maxclients, requirepass...) skip.
	srv.Owned = true
	for _, f := range []features.Feature{features.Config, features.Eviction, features.MaxClients, features.Persistence, features.Slowlog} {
		srv.Features = srv.Features.Withhold(f, "tests change it server-wide, so they only do it on a server they started (unset "+EnvTestURL+")")
	}
	srv.closeFn = func() error {
		c := srv.NewClient()
		defer c.Close()
		err := c.FlushDB(context.Background()).Err()
		_ = lock.Unlock()
		return err
	}
	return nil
}

// findLocal returns a Redis already answering at the default address, which
// is where `make up` publishes it. Only mains look there: tests never use a
// server they did not start or were not pointed at.
// cfg carries the learner's REDIS_PASSWORD and timeouts, if set.
func findLocal(ctx context.Context, cfg config.Config, log io.Writer) *Server {
	cfg = cfg.At(defaultLocalHost, defaultLocalPort)
	opts := cfg.Options()
	opts.DialTimeout, opts.ReadTimeout = 300*time.Millisecond, time.Second
	if err := ping(ctx, opts, 300*time.Millisecond); err != nil {
		if LocalRefusal(err) {
			fmt.Fprintf(log, "a Redis at %s refused the workbook (%v): set REDIS_PASSWORD in .env to use it; trying other sources\n", DefaultLocalAddr, err)
		}
		return nil
	}
	srv := &Server{Mode: URL, URL: cfg.URL(), base: cfg.Options()}
	if describe(ctx, srv, "at "+DefaultLocalAddr+" (found running there)") != nil {
		return nil
	}
	return srv
}

// LocalRefusal is true when the Redis at 127.0.0.1:6379 answered but
// refused the workbook (NOAUTH, WRONGPASS): auto mode then passes it over.
func LocalRefusal(err error) bool {
	var reply redis.Error
	return errors.As(err, &reply)
}

// tlsMismatch turns the slow, vague failure of a TLS handshake with a plain
// Redis into what it is: with rediss:// the client waits for a handshake the
// server never starts. A plain PING on the same address tells.
func tlsMismatch(ctx context.Context, cfg config.Config, err error) error {
	if cfg.Scheme != "rediss" {
		return err
	}
	var reply redis.Error
	if errors.As(err, &reply) {
		return err // the TLS connection worked; the server said something
	}
	if said := PlainGreeting(ctx, cfg.Addr(), time.Second); strings.HasPrefix(said, "+PONG") || strings.HasPrefix(said, "-NOAUTH") {
		return fmt.Errorf("%w: %s uses rediss:// (TLS), but the server at %s speaks plain Redis (it answered a plain PING): use redis://, or the server's TLS port", diagnose.ErrTLSMismatch, cfg.Via(), cfg.Addr())
	}
	return err
}

// PlainGreeting sends a bare PING over a plain TCP connection and returns
// the first reply line ("+PONG", "-NOAUTH ...", "HTTP/1.1 400 ..."), or ""
// if nothing came back within timeout.
func PlainGreeting(ctx context.Context, addr string, timeout time.Duration) string {
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return ""
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(timeout))
	_, _ = conn.Write([]byte("*1\r\n$4\r\nPING\r\n")) // RESP, which every server reads (miniredis has no inline commands)
	line, _ := bufio.NewReader(conn).ReadString('\n')
	return strings.TrimSpace(line)
}
