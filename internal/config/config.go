// Package config reads the workbook's Redis settings from the environment and
// from a .env file, validates them, and turns them into go-redis options.
//
// Every setting has one name, documented in .env.example. A bad value is
// refused with one line that names the variable, the value and the fix; a
// password never appears in any string this package produces.
package config

import (
	"bytes"
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

	// Query is the URL's go-redis options (e.g. protocol=3), kept as given.
	Query string
	// Notes say what was set but is not used, and why (REDIS_HOST beside
	// REDIS_URL...): mains print them, the doctor shows them.
	Notes []string

	via string // the variable that named the server: REDIS_URL, REDIS_HOST or REDIS_PORT
}

// Via is the variable that named the server ("REDIS_URL", "REDIS_HOST" or
// "REDIS_PORT"), or "" when none did.
func (c Config) Via() string { return c.via }

// At is the same settings (password, timeouts...) for another address.
func (c Config) At(host string, port int) Config {
	c.Host, c.Port = host, port
	return c
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
		if err := loadDotEnv(path); err != nil {
			return Config{}, err
		}
		source = "environment and " + path
	}
	cfg, err := Parse(os.LookupEnv)
	cfg.Source = source
	return cfg, err
}

// loadDotEnv sets the variables of .env that the environment does not set.
// A UTF-8 byte-order mark (which some Windows editors write) is skipped: it
// would otherwise become part of the first variable's name.
func loadDotEnv(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	vars, err := godotenv.UnmarshalBytes(data)
	if err != nil {
		return fmt.Errorf("reading %s: %w (fix the line it names, or compare with .env.example)", path, err)
	}
	for k, v := range vars {
		if _, set := os.LookupEnv(k); !set {
			if err := os.Setenv(k, v); err != nil {
				return fmt.Errorf("reading %s: %s: %w", path, k, err)
			}
		}
	}
	return nil
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
		cfg.Explicit, cfg.via = true, EnvURL
		cfg.noteIgnored(get, lookup)
	} else {
		if err := cfg.applyParts(get, lookup); err != nil {
			return Config{}, err
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

// applyParts reads REDIS_HOST, REDIS_PORT, REDIS_DB, REDIS_USERNAME and
// REDIS_PASSWORD. REDIS_HOST may carry a port (localhost:6380) and may be
// an IPv6 address, bracketed or not ([::1], ::1, [::1]:6380).
func (c *Config) applyParts(get func(string) (string, bool), lookup func(string) (string, bool)) error {
	portVar, portVal := "", ""
	if host, ok := get(EnvHost); ok {
		if strings.Contains(host, "://") || strings.ContainsAny(host, "/ @?#") {
			return &Error{Var: EnvHost, Value: host, Fix: "give a host name or IP only, e.g. localhost or localhost:6380; put a full address in REDIS_URL instead"}
		}
		h, p, err := splitHost(host)
		if err != nil {
			return &Error{Var: EnvHost, Value: host, Err: err, Fix: "e.g. localhost, 127.0.0.1:6380 or [::1]:6380"}
		}
		c.Host, c.Explicit, c.via = h, true, EnvHost
		if p != "" {
			portVar, portVal = EnvHost, p
		}
	}
	if v, ok := get(EnvPort); ok {
		if portVar != "" && v != portVal {
			return &Error{Var: EnvPort, Value: v, Err: fmt.Errorf("%s already gives port %s", EnvHost, portVal), Fix: "keep the port in one place: remove it from " + EnvHost + " or unset " + EnvPort}
		}
		portVar, portVal = EnvPort, v
		if !c.Explicit {
			// A port alone names a server on this machine: the one the
			// learner started there (`make up` publishes on REDIS_PORT too).
			c.Explicit, c.via = true, EnvPort
		}
	}
	if portVar != "" {
		port, err := parsePort(portVal)
		if err != nil {
			return &Error{Var: portVar, Value: portVal, Err: err, Fix: "use a number from 1 to 65535, e.g. 6379"}
		}
		c.Port = port
	}
	if v, ok := get(EnvDB); ok {
		db, err := parseDB(v)
		if err != nil {
			return &Error{Var: EnvDB, Value: v, Err: err, Fix: "use a database number from 0 to 15, e.g. 0"}
		}
		c.DB = db
	}
	if v, ok := get(EnvUsername); ok {
		c.Username = v
	}
	if v, ok := lookup(EnvPassword); ok && v != "" {
		c.Password = v
	}
	return nil
}

// splitHost splits "host", "host:port", "[v6]", "[v6]:port" or a bare IPv6
// address into host and port ("" when none was given).
func splitHost(s string) (host, port string, err error) {
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.Index(s, "]")
		if end < 0 {
			return "", "", errors.New("a [ with no ]")
		}
		host, rest := s[1:end], s[end+1:]
		if net.ParseIP(host) == nil {
			return "", "", fmt.Errorf("%q is not an IPv6 address", host)
		}
		if rest == "" {
			return host, "", nil
		}
		if !strings.HasPrefix(rest, ":") {
			return "", "", fmt.Errorf("unexpected %q after the address", rest)
		}
		return host, rest[1:], nil
	case strings.Count(s, ":") > 1:
		if net.ParseIP(s) == nil {
			return "", "", errors.New("not a host, host:port or IPv6 address")
		}
		return s, "", nil // a bare IPv6 address
	case strings.Contains(s, ":"):
		host, port, _ := strings.Cut(s, ":")
		if host == "" {
			return "", "", errors.New("no host before the port")
		}
		return host, port, nil
	}
	return s, "", nil
}

// noteIgnored records the parts (REDIS_HOST...) set beside REDIS_URL that
// disagree with it: REDIS_URL wins, and the learner should know.
func (c *Config) noteIgnored(get func(string) (string, bool), lookup func(string) (string, bool)) {
	var ignored []string
	if v, ok := get(EnvHost); ok && v != c.Host && v != c.Addr() {
		ignored = append(ignored, EnvHost)
	}
	if v, ok := get(EnvPort); ok && v != strconv.Itoa(c.Port) {
		ignored = append(ignored, EnvPort)
	}
	if v, ok := get(EnvDB); ok && v != strconv.Itoa(c.DB) {
		ignored = append(ignored, EnvDB)
	}
	if v, ok := get(EnvUsername); ok && v != c.Username {
		ignored = append(ignored, EnvUsername)
	}
	if v, ok := lookup(EnvPassword); ok && v != "" && v != c.Password {
		ignored = append(ignored, EnvPassword)
	}
	if len(ignored) > 0 {
		c.Notes = append(c.Notes, fmt.Sprintf("%s is set, so %s %s ignored (%s names the whole server, password included): remove %s, or put %s in the URL",
			EnvURL, strings.Join(ignored, ", "), isAre(len(ignored)), EnvURL, them(len(ignored)), them(len(ignored))))
	}
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

func them(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// applyURL takes the address, database and credentials from a redis:// or
// rediss:// URL. go-redis's ParseURL does the parsing; this adds the checks
// and the messages a learner needs.
func (c *Config) applyURL(raw string) error {
	bad := func(err error, fix string) error {
		return &Error{Var: EnvURL, Value: RedactURL(raw), Err: err, Fix: fix}
	}
	const example = "e.g. redis://localhost:6379/0 or rediss://user:password@host:6380/0"
	if i := strings.Index(raw, "://"); i > 0 {
		// '#', '%' or '?' in a password end or break the URL's user part:
		// url.Parse would then blame something else entirely.
		if at := strings.LastIndex(raw, "@"); at > i {
			user := raw[i+3 : at]
			if strings.ContainsAny(user, "#?/") || badEscape(user) {
				return bad(errors.New("its password (or user name) holds a character that must be percent-encoded"),
					"write # as %23, % as %25, ? as %3F and / as %2F in the password, or put the password in REDIS_PASSWORD and the address in REDIS_HOST")
			}
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return bad(errors.New("not a URL"), example)
	}
	if (u.Scheme == "redis" || u.Scheme == "rediss") && u.Host == "" && u.Opaque == "" && strings.HasPrefix(raw, u.Scheme+":/") && !strings.HasPrefix(raw, u.Scheme+"://") {
		return bad(errors.New("it has one slash after the scheme, so it has no host"), "write two: "+u.Scheme+"://"+strings.TrimPrefix(raw, u.Scheme+":/"))
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
	if opts.Protocol != 0 && opts.Protocol != 2 && opts.Protocol != 3 {
		return bad(fmt.Errorf("protocol=%d: Redis speaks RESP2 and RESP3 only", opts.Protocol), "use protocol=2 or protocol=3, or leave it out (go-redis uses RESP3 and falls back to RESP2)")
	}
	c.Scheme, c.Host, c.Port, c.DB = u.Scheme, host, port, opts.DB
	c.Username, c.Password = opts.Username, opts.Password
	c.Query = u.RawQuery
	return nil
}

// badEscape reports a '%' not followed by two hex digits.
func badEscape(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && (i+2 >= len(s) || !isHex(s[i+1]) || !isHex(s[i+2])) {
			return true
		}
	}
	return false
}

func isHex(b byte) bool {
	return ('0' <= b && b <= '9') || ('a' <= b && b <= 'f') || ('A' <= b && b <= 'F')
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
	u := url.URL{Scheme: c.Scheme, Host: c.Addr(), Path: "/" + strconv.Itoa(c.DB), RawQuery: c.Query}
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
// It never panics: should the URL not parse (a bug, not bad input: Parse
// validated it), the options still name the address and credentials.
func (c Config) Options() *redis.Options {
	opts, err := redis.ParseURL(c.URL())
	if err != nil {
		opts = &redis.Options{Addr: c.Addr(), DB: c.DB, Username: c.Username, Password: c.Password}
	}
	// Unset (0) leaves go-redis's default, or the URL's own option.
	for _, o := range []struct {
		dst *time.Duration
		v   time.Duration
	}{{&opts.DialTimeout, c.DialTimeout}, {&opts.ReadTimeout, c.ReadTimeout}, {&opts.WriteTimeout, c.WriteTimeout}} {
		if o.v != 0 {
			*o.dst = o.v
		}
	}
	if c.PoolSize != 0 {
		opts.PoolSize = c.PoolSize
	}
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
