package main

import (
	"context"
	"fmt"
	"io"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// The tutorial's prerequisites: Redis 7.4 at least, 8.6 recommended.
const (
	minimumVersion     = "7.4"
	recommendedVersion = "8.6"
)

// verify is the Go version of `redis-cli ping` followed by `redis-server
// --version`: it checks that the server answers, then reads its version.
func verify(ctx context.Context, out io.Writer, rdb *redis.Client) error {
	// PING is the cheapest round trip there is: if it fails, nothing else
	// will work, and the error says why (refused, timeout, NOAUTH...).
	pong, err := rdb.Ping(ctx).Result()
	if err != nil {
		return fmt.Errorf("PING failed: %w", err)
	}
	fmt.Fprintf(out, "PING → %s\n", pong)

	// INFO server is a block of "name:value" lines; redis_version is one.
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return fmt.Errorf("INFO server failed: %w", err)
	}
	version := features.InfoField(info, "redis_version")
	fmt.Fprintf(out, "Redis version: %s\n", version)
	fmt.Fprintf(out, "Minimum %s, recommended %s\n", minimumVersion, recommendedVersion)

	v := verdict(version)
	fmt.Fprintln(out, "Verdict:", v.text)
	if !v.usable {
		return fmt.Errorf("Redis %s is older than the minimum %s", version, minimumVersion)
	}
	return nil
}

type assessment struct {
	usable bool
	text   string
}

// verdict says what a server version means for this workbook.
func verdict(version string) assessment {
	switch {
	case features.AtLeast(version, 8, 6):
		return assessment{true, "the recommended version or newer: every step of the workbook runs as written."}
	case features.AtLeast(version, 8, 0):
		return assessment{true, "Redis 8: every step runs; 8.6 is the recommended version (`make up` starts it)."}
	case features.AtLeast(version, 7, 4):
		return assessment{true, "above the minimum, but before Redis 8: JSON documents (step 6) and HSETEX/HGETEX/HGETDEL (step 9) need Redis 8 (`make up` starts 8.6)."}
	}
	return assessment{false, "older than the minimum 7.4: upgrade before going on (`make up` starts Redis 8.6)."}
}

// printInstallOptions is what a learner needs when nothing answers.
func printInstallOptions(w io.Writer) {
	fmt.Fprint(w, `
No Redis answered. Any one of these gives you one:
  Docker (all platforms):  make up                  (Redis 8.6 on 127.0.0.1:6379)
  Debian/Ubuntu:           sudo apt-get install redis-server   (see redis.io for 8.x packages)
  macOS (Homebrew):        brew install redis && brew services start redis
  Nothing at all:          unset REDIS_URL and REDIS_HOST, and the workbook starts its
                           embedded server for you
Then check with: redis-cli ping   (expect PONG)
`)
}
