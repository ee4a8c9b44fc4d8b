// Package features finds out what a Redis server can do, so that a step or a
// test that needs something the server lacks can say exactly what is missing,
// on which server, and how to get a server that has it.
package features

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Feature is one thing a lesson may need from the server.
type Feature string

const (
	// JSON is Redis 8's native JSON type (JSON.SET, JSON.GET, ...).
	JSON Feature = "JSON documents (JSON.SET, JSON.GET)"
	// HashFieldTTL is per-field expiration in hashes (HEXPIRE, HTTL; Redis 7.4+).
	HashFieldTTL Feature = "hash-field expiration (HEXPIRE, HTTL)"
	// HashFieldEx is Redis 8's HSETEX, HGETEX and HGETDEL.
	HashFieldEx Feature = "Redis 8 hash commands (HSETEX, HGETEX, HGETDEL)"
	// Config is CONFIG GET/SET of the settings the tutorial touches.
	Config Feature = "CONFIG GET/SET"
	// Eviction is a real maxmemory limit with eviction policies and OOM errors.
	Eviction Feature = "maxmemory eviction and OOM errors"
	// MaxClients is a real maxclients limit that refuses extra connections.
	MaxClients Feature = "maxclients limit"
	// Persistence is RDB/AOF persistence to disk (and MISCONF on failure).
	Persistence Feature = "persistence (RDB snapshots, AOF)"
	// Slowlog is SLOWLOG GET/RESET.
	Slowlog Feature = "slow log (SLOWLOG)"
)

// All lists every feature, in the order reports show them.
var All = []Feature{JSON, HashFieldTTL, HashFieldEx, Config, Eviction, MaxClients, Persistence, Slowlog}

// Set is what one server was found to support.
type Set struct {
	// Server names the server for messages, e.g. "Redis 8.0.2 in a container".
	Server string
	// Version is the redis_version the server reports ("8.6.2").
	Version string
	has     map[Feature]bool
	// withheld explains features the server has but the workbook will not
	// use, e.g. CONFIG SET on a server that belongs to the learner.
	withheld map[Feature]string
	embedded bool
}

// Embedded reports whether the server is the workbook's embedded server
// (reached over TCP, e.g. by a step the runner started).
func (s Set) Embedded() bool { return s.embedded }

// NewSet builds a Set by hand: for servers whose abilities are known without
// asking (the embedded server states them itself).
func NewSet(server, version string, have ...Feature) Set {
	s := Set{Server: server, Version: version, has: map[Feature]bool{}}
	for _, f := range have {
		s.has[f] = true
	}
	return s
}

// Has reports whether the server supports f.
func (s Set) Has(f Feature) bool { return s.has[f] }

// With returns a copy of s that also has (or, with ok false, lacks) f.
func (s Set) With(f Feature, ok bool) Set {
	c := s.clone()
	c.has[f] = ok
	return c
}

// Withhold returns a copy of s in which f counts as missing, for the reason
// given (it replaces the usual "how to get it" advice).
func (s Set) Withhold(f Feature, why string) Set {
	c := s.clone()
	c.has[f] = false
	c.withheld[f] = why
	return c
}

func (s Set) clone() Set {
	c := NewSet(s.Server, s.Version)
	c.embedded = s.embedded
	for k, v := range s.has {
		c.has[k] = v
	}
	c.withheld = map[Feature]string{}
	for k, v := range s.withheld {
		c.withheld[k] = v
	}
	return c
}

// Missing explains, in one sentence, why f is not available and how to get
// it. It is what a skipped test and a refusing step print.
func (s Set) Missing(f Feature) string {
	if why, ok := s.withheld[f]; ok {
		return fmt.Sprintf("not using %s on %s: %s", f, s.Server, why)
	}
	advice := howToGet(f)
	if strings.Contains(s.Server, "embedded") {
		// Don't send someone to the server they are already on.
		advice, _, _ = strings.Cut(advice, ", or use the embedded server")
	}
	return fmt.Sprintf("no %s on %s: %s", f, s.Server, advice)
}

func howToGet(f Feature) string {
	switch f {
	case JSON:
		return "run `make up` for Redis 8.6 (JSON is built in), or use the embedded server (WORKBOOK_REDIS=embedded)"
	case HashFieldTTL, HashFieldEx:
		return "run `make up` for Redis 8.6, or use the embedded server (WORKBOOK_REDIS=embedded)"
	case Eviction, MaxClients, Persistence, Config, Slowlog:
		return "the embedded server cannot emulate it honestly; use a real Redis (`make up`, or WORKBOOK_REDIS=binary with redis-server on PATH)"
	}
	return "use Redis 8.6 (`make up`)"
}

// Detect asks a live server what it supports.
func Detect(ctx context.Context, rdb redis.UniversalClient, server string) (Set, error) {
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return Set{}, err
	}
	s := NewSet(server, InfoField(info, "redis_version"))
	s.embedded = InfoField(info, "workbook_embedded") == "1"
	s.has[JSON] = commandExists(ctx, rdb, "json.set")
	s.has[HashFieldTTL] = commandExists(ctx, rdb, "hexpire")
	s.has[HashFieldEx] = commandExists(ctx, rdb, "hsetex") && commandExists(ctx, rdb, "hgetdel")
	if _, err := rdb.ConfigGet(ctx, "maxmemory").Result(); err == nil {
		s.has[Config] = true
		// A real server with CONFIG enforces these limits itself. The
		// workbook's embedded server answers CONFIG too but enforces none of
		// them; it says so with a "workbook_embedded:1" line in INFO server
		// (see internal/embedded/cmd_info.go).
		real := !s.embedded
		s.has[Eviction], s.has[MaxClients], s.has[Persistence] = real, real, real
	}
	if err := rdb.Do(ctx, "SLOWLOG", "LEN").Err(); err == nil {
		s.has[Slowlog] = true
	}
	return s, nil
}

// commandExists calls the command with no arguments: a server that knows it
// answers "wrong number of arguments", one that does not answers "unknown
// command". Unlike COMMAND INFO, this works the same on every server,
// including the embedded one, and never touches a key.
func commandExists(ctx context.Context, rdb redis.UniversalClient, name string) bool {
	var reply redis.Error // a reply from the server, not a network failure
	err := rdb.Do(ctx, name).Err()
	return errors.As(err, &reply) && !strings.Contains(strings.ToLower(err.Error()), "unknown command")
}

// InfoField reads one "name:value" line from an INFO reply.
func InfoField(info, name string) string {
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

// AtLeast reports whether version (e.g. "8.0.2") is at least major.minor.
func AtLeast(version string, major, minor int) bool {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return false
	}
	ma, err1 := strconv.Atoi(parts[0])
	mi, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return ma > major || (ma == major && mi >= minor)
}
