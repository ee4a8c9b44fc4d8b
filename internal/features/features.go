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
	// JSON is Redis 8's native JSON type (JSON.SET, JSON.GET, ...). Redis 8
	// ships it as a module that a build may leave out.
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
	// VectorSets is Redis 8's vector-set type (VADD, VSIM, ...), shipped as
	// the vectorset module.
	VectorSets Feature = "vector sets (VADD, VSIM)"
	// StreamIdempotence is idempotent production into a stream: XADD with
	// IDMP or IDMPAUTO (Redis 8.6+), which adds an entry at most once.
	StreamIdempotence Feature = "idempotent stream production (XADD IDMP, IDMPAUTO)"
)

// All lists every feature, in the order reports show them.
var All = []Feature{JSON, HashFieldTTL, HashFieldEx, Config, Eviction, MaxClients, Persistence, Slowlog, VectorSets, StreamIdempotence}

// origin says where a feature comes from, so that a message about a server
// that lacks it can say why: a module the build left out, or a command that
// a release added.
type origin struct {
	module   string // the name MODULE LIST shows, when a module provides it
	label    string // how a sentence names that module ("the JSON module")
	commands string // the commands a learner would miss, for the message
	since    string // the first Redis release that has it
	// bundledSince is the first release whose official build includes the
	// module (before it, the module was a separate download).
	bundledSince string
	// serverSide features are about the server's own limits and files: the
	// embedded server cannot honestly pretend to have them.
	serverSide bool
}

var origins = map[Feature]origin{
	JSON:              {module: "ReJSON", label: "the JSON module", commands: "JSON.SET", since: "8.0", bundledSince: "8.0"},
	VectorSets:        {module: "vectorset", label: "the vector-set module", commands: "VADD", since: "8.0", bundledSince: "8.0"},
	HashFieldTTL:      {commands: "HEXPIRE", since: "7.4"},
	HashFieldEx:       {commands: "HSETEX and HGETDEL", since: "8.0"},
	StreamIdempotence: {commands: "the IDMP and IDMPAUTO options of XADD", since: "8.6"},
	Config:            {commands: "CONFIG GET", serverSide: true},
	Slowlog:           {commands: "SLOWLOG", serverSide: true},
	Eviction:          {serverSide: true},
	MaxClients:        {serverSide: true},
	Persistence:       {serverSide: true},
}

// Set is what one server was found to support.
type Set struct {
	// Server names the server for messages, e.g. "Redis 8.0.2 in a container".
	Server string
	// Version is the redis_version the server reports ("8.6.2").
	Version string
	// Modules lists the modules MODULE LIST reported ("vectorset",
	// "ReJSON", ...); nil when the server did not answer MODULE LIST.
	Modules []string
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

// Lacks lists, in the order of All, the features of want the server does
// not support (all of All when want is empty).
func (s Set) Lacks(want ...Feature) []Feature {
	if len(want) == 0 {
		want = All
	}
	var out []Feature
	for _, f := range want {
		if !s.Has(f) {
			out = append(out, f)
		}
	}
	return out
}

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
	c.Modules = append([]string(nil), s.Modules...)
	if s.Modules == nil {
		c.Modules = nil
	}
	for k, v := range s.has {
		c.has[k] = v
	}
	c.withheld = map[Feature]string{}
	for k, v := range s.withheld {
		c.withheld[k] = v
	}
	return c
}

// isEmbedded is true for the workbook's embedded server, whether it was
// detected (INFO says so) or described by hand (NewSet("the embedded server", ...)).
func (s Set) isEmbedded() bool {
	return s.embedded || strings.Contains(s.Server, "embedded")
}

// Missing explains, in one sentence, why f is not available and how to get
// it. It is what a skipped test and a refusing step print:
//
//	no <feature> on <server>: <Reason>; <Advice>
//
// (for a withheld feature: "not using <feature> on <server>: <why>").
func (s Set) Missing(f Feature) string {
	if why, ok := s.withheld[f]; ok {
		return fmt.Sprintf("not using %s on %s: %s", f, s.Server, why)
	}
	return fmt.Sprintf("no %s on %s: %s; %s", f, s.Server, s.Reason(f), s.Advice(f))
}

// Reason says why the server lacks f, judged by what the server is and
// what it answered, never by its version alone: "this server was built
// without the JSON module (MODULE LIST: vectorset)". It is ""
// when the server has f.
func (s Set) Reason(f Feature) string {
	if s.Has(f) {
		return ""
	}
	if why, ok := s.withheld[f]; ok {
		return why
	}
	o := origins[f]
	if s.isEmbedded() {
		switch {
		case o.serverSide:
			return "the embedded server cannot emulate it honestly"
		case f == StreamIdempotence:
			return "the embedded server does not emulate the IDMP and IDMPAUTO options of XADD"
		}
		return "the embedded server does not emulate " + string(f)
	}
	version := "this server"
	if s.Version != "" {
		version = "Redis " + s.Version
	}
	switch {
	case o.module != "" && s.Version != "" && !AtLeast(s.Version, major(o.bundledSince), minor(o.bundledSince)):
		return fmt.Sprintf("%s has no %s loaded%s, and Redis %s is the first release that ships it", version, strings.TrimPrefix(o.label, "the "), s.modulesShown(), o.bundledSince)
	case o.module != "":
		return "this server was built without " + o.label + s.modulesShown()
	case o.since != "" && s.Version != "" && !AtLeast(s.Version, major(o.since), minor(o.since)):
		return fmt.Sprintf("%s predates them: Redis %s added %s", version, o.since, o.commands)
	case o.since != "":
		// Recent enough, and still refused: renamed or disabled by whoever
		// runs the server (managed services and proxies do).
		return fmt.Sprintf("this server does not accept %s (added in Redis %s): its operator or a proxy may have disabled them", o.commands, o.since)
	case f == Config || f == Slowlog:
		return "this server refuses " + o.commands + " (managed services often disable it)"
	}
	// Eviction, maxclients, persistence: the workbook sets them up with
	// CONFIG SET, which this server refuses.
	return "the workbook sets it up with CONFIG SET, which this server refuses"
}

// modulesShown is " (MODULE LIST: a, b)" or " (MODULE LIST: none)", or ""
// when the server did not answer MODULE LIST.
func (s Set) modulesShown() string {
	if s.Modules == nil {
		return ""
	}
	if len(s.Modules) == 0 {
		return " (MODULE LIST: none)"
	}
	return " (MODULE LIST: " + strings.Join(s.Modules, ", ") + ")"
}

// Advice says how to get a server that has f, never pointing at the server
// in use: for JSON on a real server, "the official redis:8.6 image has it
// (`make up`), or use the embedded server (WORKBOOK_REDIS=embedded)".
func (s Set) Advice(f Feature) string {
	if why, ok := s.withheld[f]; ok {
		return why
	}
	o := origins[f]
	const real = "use a real Redis (`make up`, or WORKBOOK_REDIS=binary with redis-server on PATH)"
	const embedded = "or use the embedded server (WORKBOOK_REDIS=embedded)"
	switch {
	case s.isEmbedded() && f == StreamIdempotence:
		return "use a real Redis 8.6 (`make up`, or WORKBOOK_REDIS=binary with redis-server 8.6 on PATH)"
	case s.isEmbedded() && (o.serverSide || f == VectorSets):
		return real
	case s.isEmbedded():
		return "use Redis 8.6 (`make up`)"
	case f == JSON:
		return "the official redis:8.6 image has it (`make up`), " + embedded
	case f == VectorSets:
		return "the official redis:8.6 image has it (`make up`)"
	case f == StreamIdempotence:
		return "`make up` runs Redis 8.6"
	case f == HashFieldTTL || f == HashFieldEx:
		return "`make up` runs Redis 8.6, " + embedded
	}
	return "the steps that need it want a Redis you run yourself (`make up`, or WORKBOOK_REDIS=binary with redis-server on PATH)"
}

// Detect asks a live server what it supports: INFO server for its version,
// COMMAND INFO for the commands each feature needs, MODULE LIST for the
// modules it was built with, COMMAND DOCS XADD for the options of XADD.
// Each answer is about this build, whatever its version number says.
func Detect(ctx context.Context, rdb redis.UniversalClient, server string) (Set, error) {
	info, err := rdb.Info(ctx, "server").Result()
	if err != nil {
		return Set{}, err
	}
	s := NewSet(server, InfoField(info, "redis_version"))
	s.embedded = InfoField(info, "workbook_embedded") == "1"
	s.Modules = moduleList(ctx, rdb)
	known := commandsKnown(ctx, rdb, "json.set", "hexpire", "hsetex", "hgetdel", "vadd")
	s.has[JSON] = known["json.set"]
	s.has[HashFieldTTL] = known["hexpire"]
	s.has[HashFieldEx] = known["hsetex"] && known["hgetdel"]
	s.has[VectorSets] = known["vadd"]
	s.has[StreamIdempotence] = xaddHasIDMP(ctx, rdb)
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

// commandsKnown asks COMMAND INFO about names in one round trip: the reply
// holds one entry per name, nil for a command the server does not know. A
// server that refuses COMMAND INFO (an ACL, a proxy) is asked command by
// command instead.
func commandsKnown(ctx context.Context, rdb redis.UniversalClient, names ...string) map[string]bool {
	known := map[string]bool{}
	args := []any{"COMMAND", "INFO"}
	for _, n := range names {
		args = append(args, n)
	}
	reply, err := rdb.Do(ctx, args...).Slice()
	if err == nil && len(reply) == len(names) {
		for i, n := range names {
			known[n] = reply[i] != nil
		}
		return known
	}
	for _, n := range names {
		known[n] = commandExists(ctx, rdb, n)
	}
	return known
}

// commandExists calls the command with no arguments: a server that knows it
// answers "wrong number of arguments", one that does not answers "unknown
// command". It never touches a key.
func commandExists(ctx context.Context, rdb redis.UniversalClient, name string) bool {
	var reply redis.Error // a reply from the server, not a network failure
	err := rdb.Do(ctx, name).Err()
	return errors.As(err, &reply) && !strings.Contains(strings.ToLower(err.Error()), "unknown command")
}

// moduleList returns the names MODULE LIST reports, or nil when the server
// refuses the command. Each entry is a map over RESP3 and a flat
// name/value list over RESP2.
func moduleList(ctx context.Context, rdb redis.UniversalClient) []string {
	reply, err := rdb.Do(ctx, "MODULE", "LIST").Slice()
	if err != nil {
		return nil
	}
	names := []string{}
	for _, m := range reply {
		switch m := m.(type) {
		case map[any]any:
			if n, ok := m["name"].(string); ok {
				names = append(names, n)
			}
		case []any:
			for i := 0; i+1 < len(m); i += 2 {
				if k, _ := m[i].(string); k == "name" {
					if n, ok := m[i+1].(string); ok {
						names = append(names, n)
					}
				}
			}
		}
	}
	return names
}

// xaddHasIDMP reads XADD's documented arguments (COMMAND DOCS XADD) and
// looks for the IDMP token. XADD itself exists everywhere, so the command
// table cannot tell; calling XADD to find out would write to a key.
func xaddHasIDMP(ctx context.Context, rdb redis.UniversalClient) bool {
	reply, err := rdb.Do(ctx, "COMMAND", "DOCS", "XADD").Result()
	if err != nil {
		return false
	}
	return hasToken(reply, "IDMP", 0)
}

// hasToken walks a decoded reply looking for a "token" entry equal to want.
func hasToken(v any, want string, depth int) bool {
	if depth > 16 {
		return false
	}
	switch v := v.(type) {
	case map[any]any:
		if t, ok := v["token"].(string); ok && strings.EqualFold(t, want) {
			return true
		}
		for _, e := range v {
			if hasToken(e, want, depth+1) {
				return true
			}
		}
	case []any:
		for i, e := range v {
			if k, _ := e.(string); k == "token" && i+1 < len(v) {
				if t, _ := v[i+1].(string); strings.EqualFold(t, want) {
					return true
				}
			}
			if hasToken(e, want, depth+1) {
				return true
			}
		}
	}
	return false
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

func major(v string) int { n, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0]); return n }

func minor(v string) int {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(parts[1])
	return n
}
