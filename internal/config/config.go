// Package config reads the workbook's Redis settings from the environment and
// from a .env file, validates them, and turns them into go-redis options.
//
// Every setting has one name, documented in .env.example. A bad value is
// refused with one line that names the variable, the value and the fix; a
// password never appears in any string this package produces.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/joho/godotenv"
	"github.com/redis/go-redis/v9"
)

// Environment variables read by Load. They are exported so that tests, the
// runner and the docs name them the same way.
const (
	EnvURL          = "REDIS_URL"
	EnvHost         = "REDIS_HOST"
	EnvPort         = "REDIS_PORT"
	EnvDB           = "REDIS_DB"
	EnvUsername     = "REDIS_USERNAME"
	EnvPassword     = "REDIS_PASSWORD"
	EnvDialTimeout  = "REDIS_DIAL_TIMEOUT"
	EnvReadTimeout  = "REDIS_READ_TIMEOUT"
	EnvWriteTimeout = "REDIS_WRITE_TIMEOUT"
	EnvPoolSize     = "REDIS_POOL_SIZE"
)

// Defaults match go-redis's own, so a learner who sets nothing gets what the
// client would do anyway.
const (
	DefaultHost = "localhost"
	DefaultPort = 6379
)

// Config is the validated connection configuration.
type Config struct {
	// Explicit reports whether REDIS_URL or REDIS_HOST was set: only then
	// does the workbook treat the server as one the learner chose.
	Explicit bool
	// Source says where the settings came from, e.g. ".env" or "environment".
	Source string

	Scheme   string // "redis" or "rediss" (TLS)
	Host     string
	Port     int
	DB       int
	Username string
	Password string

	DialTimeout  time.Duration // 0 means go-redis's default (5s)
	ReadTimeout  time.Duration // 0 means go-redis's default (3s)
	WriteTimeout time.Duration // 0 means go-redis's default (ReadTimeout)
	PoolSize     int           // 0 means go-redis's default (10 per CPU)
}

// Error is a configuration error: which variable, what was wrong, how to fix it.
type Error struct {
	Var   string
	Value string // already redacted where it could hold a secret
	Fix   string
	Err   error
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s=%q is not valid", e.Var, e.Value)
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if e.Fix != "" {
		msg += " (" + e.Fix + ")"
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads .env (from the current directory or the nearest parent holding
// go.mod) without overriding variables already set in the environment, then
// parses the environment. A missing .env is fine; a malformed one is an error.
func Load() (Config, error) {
	source := "environment"
	if path, ok := FindDotEnv(); ok {
		if err := godotenv.Load(path); err != nil {
			return Config{}, fmt.Errorf("reading %s: %w (fix the line it names, or compare with .env.example)", path, err)
		}
		source = "environment and " + path
	}
	cfg, err := Parse(os.LookupEnv)
	cfg.Source = source
	return cfg, err
}

// FindDotEnv looks for .env in the working directory and its parents, up to
// and including the directory that holds go.mod.
func FindDotEnv() (string, bool) {
	dir, err := os.Getwd()
	if err != nil {
		return "", false
	}
	for {
		p := filepath.Join(dir, ".env")
		if st, err := os.Stat(p); err == nil && !st.IsDir() {
			return p, true
		}
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return "", false
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

// Parse builds a Config from variables looked up with lookup (os.LookupEnv in
// production, a map in tests). It never panics, whatever the input.
func Parse(lookup func(string) (string, bool)) (Config, error) {
	get := func(name string) (string, bool) {
		v, ok := lookup(name)
		v = strings.TrimSpace(v)
		return v, ok && v != ""
	}
	cfg := Config{Scheme: "redis", Host: DefaultHost, Port: DefaultPort}

	if raw, ok := get(EnvURL); ok {
		if err := cfg.applyURL(raw); err != nil {
			return Config{}, err
		}
		cfg.Explicit = true
	} else {
		if host, ok := get(EnvHost); ok {
			if strings.ContainsAny(host, "/ @") || strings.Contains(host, "://") {
				return Config{}, &Error{Var: EnvHost, Value: host, Fix: "give a host name or IP only, e.g. localhost; put a full address in REDIS_URL instead"}
			}
			cfg.Host = host
			cfg.Explicit = true
		}
		if v, ok := get(EnvPort); ok {
			port, err := parsePort(v)
			if err != nil {
				return Config{}, &Error{Var: EnvPort, Value: v, Err: err, Fix: "use a number from 1 to 65535, e.g. 6379"}
			}
			cfg.Port = port
		}
		if v, ok := get(EnvDB); ok {
			db, err := parseDB(v)
			if err != nil {
				return Config{}, &Error{Var: EnvDB, Value: v, Err: err, Fix: "use a database number from 0 to 15, e.g. 0"}
			}
			cfg.DB = db
		}
		if v, ok := get(EnvUsername); ok {
			cfg.Username = v
		}
		if v, ok := lookup(EnvPassword); ok && v != "" {
			cfg.Password = v
		}
	}

	durations := []struct {
		name string
		dst  *time.Duration
	}{{EnvDialTimeout, &cfg.DialTimeout}, {EnvReadTimeout, &cfg.ReadTimeout}, {EnvWriteTimeout, &cfg.WriteTimeout}}
	for _, d := range durations {
		v, ok := get(d.name)
		if !ok {
			continue
		}
		dur, err := time.ParseDuration(v)
		if err != nil || dur <= 0 || dur > time.Hour {
			if err == nil {
				err = errors.New("must be more than 0 and at most 1h")
			}
			return Config{}, &Error{Var: d.name, Value: v, Err: unquote(err), Fix: "use a Go duration such as 500ms, 3s or 1m"}
		}
		*d.dst = dur
	}
	if v, ok := get(EnvPoolSize); ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return Config{}, &Error{Var: EnvPoolSize, Value: v, Err: errors.New("must be a whole number from 1 to 10000"), Fix: "e.g. 20; leave it unset for go-redis's default of 10 per CPU"}
		}
		cfg.PoolSize = n
	}
	return cfg, nil
}

// applyURL takes the address, database and credentials from a redis:// or
// rediss:// URL. go-redis's ParseURL does the parsing; this adds the checks
// and the messages a learner needs.
func (c *Config) applyURL(raw string) error {
	bad := func(err error, fix string) error {
		return &Error{Var: EnvURL, Value: RedactURL(raw), Err: err, Fix: fix}
	}
	const example = "e.g. redis://localhost:6379/0 or rediss://user:password@host:6380/0"
	u, err := url.Parse(raw)
	if err != nil {
		return bad(errors.New("not a URL"), example)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		if u.Scheme == "" {
			return bad(errors.New("it has no scheme"), "start it with redis:// (or rediss:// for TLS), "+example)
		}
		return bad(fmt.Errorf("unknown scheme %q", u.Scheme), "use redis:// or rediss:// (TLS), "+example)
	}
	if u.Port() != "" {
		if _, err := parsePort(u.Port()); err != nil {
			return bad(fmt.Errorf("port %s: %w", u.Port(), err), "use a port from 1 to 65535")
		}
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		return bad(errors.New(strings.TrimPrefix(err.Error(), "redis: ")), example)
	}
	host, portStr, err := net.SplitHostPort(opts.Addr)
	if err != nil || host == "" {
		return bad(errors.New("it has no host"), example)
	}
	port, err := parsePort(portStr)
	if err != nil {
		return bad(fmt.Errorf("port %s: %w", portStr, err), "use a port from 1 to 65535")
	}
	if opts.DB < 0 || opts.DB > 15 {
		return bad(fmt.Errorf("database %d is out of range", opts.DB), "use a database number from 0 to 15 after the last slash")
	}
	c.Scheme, c.Host, c.Port, c.DB = u.Scheme, host, port, opts.DB
	c.Username, c.Password = opts.Username, opts.Password
	return nil
}

func parsePort(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errors.New("not a number")
	}
	if n < 1 || n > 65535 {
		return 0, errors.New("out of range")
	}
	return n, nil
}

func parseDB(v string) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errors.New("not a number")
	}
	if n < 0 {
		return 0, errors.New("negative")
	}
	if n > 15 {
		return 0, errors.New("above 15, the highest database a default Redis has")
	}
	return n, nil
}

func unquote(err error) error {
	// time.ParseDuration quotes the whole input again; the Error already does.
	msg := err.Error()
	if i := strings.Index(msg, " \""); i >= 0 {
		msg = msg[:i]
	}
	return errors.New(strings.TrimPrefix(msg, "time: "))
}

// Addr is host:port, as go-redis wants it.
func (c Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

// URL is the full redis:// URL, password included: for handing to a client,
// never for printing (use String or RedactedURL).
func (c Config) URL() string {
	u := url.URL{Scheme: c.Scheme, Host: c.Addr(), Path: "/" + strconv.Itoa(c.DB)}
	switch {
	case c.Username != "" && c.Password != "":
		u.User = url.UserPassword(c.Username, c.Password)
	case c.Password != "":
		u.User = url.UserPassword("", c.Password)
	case c.Username != "":
		u.User = url.User(c.Username)
	}
	return u.String()
}

// RedactedURL is URL with the password replaced by "xxxxx".
func (c Config) RedactedURL() string { return RedactURL(c.URL()) }

// String is safe to print: the password is redacted.
func (c Config) String() string { return c.RedactedURL() }

// GoString keeps %#v from printing the password too.
func (c Config) GoString() string { return "config.Config{" + c.RedactedURL() + "}" }

// Options turns the configuration into go-redis options. It goes through
// redis.ParseURL so that TLS and credentials are handled exactly as go-redis
// documents them.
func (c Config) Options() *redis.Options {
	opts, err := redis.ParseURL(c.URL())
	if err != nil {
		// c was validated by Parse; a failure here is a bug, not bad input.
		panic(fmt.Sprintf("config: validated URL did not parse: %v", err))
	}
	opts.DialTimeout = c.DialTimeout
	opts.ReadTimeout = c.ReadTimeout
	opts.WriteTimeout = c.WriteTimeout
	opts.PoolSize = c.PoolSize
	return opts
}

// RedactURL hides the password in a Redis URL. Input that does not parse is
// redacted as a whole after the scheme, since it may still hold a secret.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if i := strings.Index(raw, "://"); i >= 0 && strings.Contains(raw[i:], "@") {
			return raw[:i+3] + "xxxxx@" + raw[strings.LastIndex(raw, "@")+1:]
		}
		return raw
	}
	return u.Redacted()
}
