package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"

	"github.com/redis/go-redis/v9"
)

// errNotDone is what the exercise returns until you complete it.
var errNotDone = errors.New("not done yet: complete the exercise in exercise.go")

// ParseRedisURL turns a REDIS_URL such as "redis://user:pw@localhost:6379/0"
// (or "rediss://..." for TLS) into go-redis options, and refuses a URL that
// would only fail later, with an error that says what to change:
//
//   - an empty URL, or one without the redis:// or rediss:// scheme
//     ("localhost:6379" is a common slip): say to start it with redis://;
//   - a port that is not a number from 1 to 65535: say so (mention 65535);
//   - a database outside 0 to 15 (a default Redis has 16): say so
//     (mention 15);
//   - anything else go-redis's redis.ParseURL refuses.
//
// An error never contains the password: error messages end up in logs.
func ParseRedisURL(raw string) (*redis.Options, error) {
	const example = "e.g. redis://localhost:6379/0 or rediss://user:password@host:6380/0"
	if raw == "" {
		return nil, errors.New("REDIS_URL is empty: set it to a URL that starts with redis://, " + example)
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Parse's error quotes the whole URL, password included: keep
		// only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("REDIS_URL is not a valid URL (%v): %s", err, example)
	}
	// Redacted replaces the password with "xxxxx": safe to print.
	shown := u.Redacted()
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("REDIS_URL %s: start it with redis:// (or rediss:// for TLS), %s", shown, example)
	}
	opts, err := redis.ParseURL(raw)
	if err != nil {
		// go-redis's own messages name the option, never the password.
		return nil, fmt.Errorf("REDIS_URL %s: %w", shown, err)
	}
	_, portText, err := net.SplitHostPort(opts.Addr)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL %s: no host:port (%v), %s", shown, err, example)
	}
	if port, err := strconv.Atoi(portText); err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("REDIS_URL %s: port %s: use a port from 1 to 65535", shown, portText)
	}
	if opts.DB < 0 || opts.DB > 15 {
		return nil, fmt.Errorf("REDIS_URL %s: database %d: use a database from 0 to 15 after the last slash", shown, opts.DB)
	}
	return opts, nil
}
