package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// The tutorial's prerequisites: Redis 7.4 at least, 8.6 recommended.
const (
	minimumVersion     = "7.4"
	recommendedVersion = "8.6"
)

// verify is the Go version of `redis-cli ping` followed by `redis-server
// --version`: it checks that the server answers, reads its version, then
// asks what this particular build can do.
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

	// The version does not say what a build contains. Redis 8's JSON and
	// vector sets are modules, and a build may leave them out (Debian's
	// packages have no JSON); a managed service may disable commands.
	// So ask the server itself: MODULE LIST names its modules, COMMAND
	// INFO says whether it knows JSON.SET or HSETEX, COMMAND DOCS XADD
	// whether XADD takes IDMP. features.Detect does those three.
	set, err := features.Detect(ctx, rdb, "this server")
	if err != nil {
		return fmt.Errorf("asking the server what it supports: %w", err)
	}
	fmt.Fprintf(out, "Modules: %s\n", modules(set.Modules))

	v := verdict(set)
	fmt.Fprintln(out, "Verdict:", v.text)
	for _, line := range v.lacks {
		fmt.Fprintln(out, "  - "+line)
	}
	if !v.usable {
		return fmt.Errorf("Redis %s is older than the minimum %s", version, minimumVersion)
	}
	return nil
}

// modules prints MODULE LIST's names, "none", or why there is no list.
func modules(names []string) string {
	switch {
	case names == nil:
		return "unknown (the server refused MODULE LIST)"
	case len(names) == 0:
		return "none"
	}
	return strings.Join(names, ", ")
}

type assessment struct {
	usable bool
	text   string
	// lacks holds one line per missing feature: which step needs it, why
	// this server lacks it and how to get a server that has it.
	lacks []string
}

// neededBy names, for each feature a step uses, the part of the workbook
// that needs it.
var neededBy = []struct {
	feature features.Feature
	part    string
}{
	{features.JSON, "step 6 (JSON documents)"},
	{features.StreamIdempotence, "step 7's idempotent production (XADD IDMP)"},
	{features.HashFieldEx, "step 9's fields that expire on their own (HSETEX, HGETEX, HGETDEL)"},
	{features.Config, "steps 13–15's settings (CONFIG GET/SET)"},
	{features.Slowlog, "steps 13 and 15's slow log"},
	{features.Eviction, "steps 13 and 14's memory limit"},
	{features.MaxClients, "step 14's connection limit"},
	{features.Persistence, "steps 13 and 14's persistence"},
}

// verdict says what a server means for this workbook. The version decides
// only whether the server is usable at all; what each step needs is judged
// by what the server was found to have.
func verdict(set features.Set) assessment {
	version := set.Version
	if !features.AtLeast(version, 7, 4) {
		return assessment{text: "older than the minimum 7.4: upgrade before going on (`make up` starts Redis 8.6)."}
	}
	what := "the recommended version or newer"
	switch {
	case set.Embedded():
		what = "the embedded server (emulating Redis " + version + ")"
	case !features.AtLeast(version, 8, 0):
		what = "above the minimum, but before Redis 8"
	case !features.AtLeast(version, 8, 6):
		what = "Redis 8, below the recommended 8.6"
	}

	// Missing features that share a reason (the embedded server's limits,
	// say) share a line.
	var lines []string
	parts := map[string][]string{}
	for _, n := range neededBy {
		if set.Has(n.feature) {
			continue
		}
		why := set.Reason(n.feature) + "; " + set.Advice(n.feature)
		if _, seen := parts[why]; !seen {
			lines = append(lines, why)
		}
		parts[why] = append(parts[why], n.part)
	}
	if len(lines) == 0 {
		return assessment{usable: true, text: what + ", with everything the workbook uses: every step runs as written."}
	}
	a := assessment{usable: true, text: what + "; every step runs as written except:"}
	for _, why := range lines {
		a.lacks = append(a.lacks, strings.Join(parts[why], ", ")+": "+why)
	}
	return a
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
