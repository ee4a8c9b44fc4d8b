package embedded

import (
	"fmt"
	"github.com/alicebob/miniredis/v2/server"
	"os"
	"path"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"time"
)

// What the steps read from the server: INFO, CONFIG, SLOWLOG, OBJECT
// ENCODING, CLIENT LIST/INFO/ID, MODULE LIST, DEBUG SLEEP; and the
// interceptions that make JSON keys look like RedisJSON's to string
// commands, TYPE, MGET and SCAN ... TYPE.

// ---- statistics ----

type stats struct {
	commands     int64
	hits, misses int64
	ring         [16]int64 // commands per 100 ms bucket
	ringAt       [16]int64 // which bucket each slot holds
}

func (st *stats) init() {
	for i := range st.ringAt {
		st.ringAt[i] = -1
	}
}

func (st *stats) tick(now time.Time) {
	b := now.UnixMilli() / 100
	i := b % int64(len(st.ring))
	if st.ringAt[i] != b {
		st.ring[i], st.ringAt[i] = 0, b
	}
	st.ring[i]++
}

// opsPerSec is the number of commands in the last full second, as Redis's
// instantaneous_ops_per_sec samples it.
func (st *stats) opsPerSec(now time.Time) int64 {
	cur := now.UnixMilli() / 100
	var n int64
	for i := range st.ring {
		if b := st.ringAt[i]; b >= cur-10 && b < cur {
			n += st.ring[i]
		}
	}
	return n
}

// hit counts a keyspace hit or miss.
func (s *Server) hit(found bool) {
	s.mu.Lock()
	if found {
		s.stats.hits++
	} else {
		s.stats.misses++
	}
	s.mu.Unlock()
}

// readCmds are miniredis's read commands whose first argument is a key:
// the hook counts keyspace hits and misses for them.
var readCmds = map[string]bool{
	"HGET": true, "HMGET": true, "HGETALL": true, "HEXISTS": true, "HLEN": true, "HKEYS": true,
	"HVALS": true, "HSTRLEN": true, "HRANDFIELD": true, "LRANGE": true, "LINDEX": true, "LLEN": true,
	"LPOS": true, "SMEMBERS": true, "SISMEMBER": true, "SMISMEMBER": true, "SCARD": true,
	"SRANDMEMBER": true, "ZRANGE": true, "ZSCORE": true, "ZMSCORE": true, "ZCARD": true, "ZRANK": true,
	"ZREVRANK": true, "ZREVRANGE": true, "ZRANGEBYSCORE": true, "ZREVRANGEBYSCORE": true,
	"ZCOUNT": true, "XRANGE": true, "XREVRANGE": true, "XLEN": true, "PFCOUNT": true,
	"GEOPOS": true, "GEODIST": true, "GEOSEARCH": true, "GETBIT": true, "BITCOUNT": true,
}

// countRead counts a keyspace hit or miss for a read command on key.
func (s *Server) countRead(db int, key string) {
	x := &call{s: s, db: db}
	s.hit(asInt(x.do("EXISTS", key)) == 1)
}

// ---- slow log ----

type slowEntry struct {
	id     int64
	at     time.Time
	micros int64
	args   []string
	addr   string
	name   string
}

// noSlowlog are commands Redis never puts in the slow log (EXEC's commands
// are logged one by one there; AUTH would leak a password).
var noSlowlog = map[string]bool{"EXEC": true, "AUTH": true, "HELLO": true, "MULTI": true, "DISCARD": true}

func (s *Server) logIfSlow(cl *client, c *server.Peer, cmd string, args []string, d time.Duration) {
	if noSlowlog[cmd] {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	limit, _ := strconv.ParseInt(s.config["slowlog-log-slower-than"], 10, 64)
	if limit < 0 || d.Microseconds() < limit {
		return
	}
	max, _ := strconv.Atoi(s.config["slowlog-max-len"])
	// Redis keeps at most 32 arguments of at most 128 bytes each.
	all := append([]string{cmd}, args...)
	var kept []string
	for i, a := range all {
		if i == 31 && len(all) > 32 {
			kept = append(kept, fmt.Sprintf("... (%d more arguments)", len(all)-31))
			break
		}
		if len(a) > 128 {
			a = fmt.Sprintf("%s... (%d more bytes)", a[:128], len(a)-128)
		}
		kept = append(kept, a)
	}
	// Redis logs argv as the client sent it; the hook only sees the name
	// upper-cased, so it is logged in lower case, as go-redis sends it.
	kept[0] = strings.ToLower(kept[0])
	e := slowEntry{id: s.slowID, at: time.Now(), micros: d.Microseconds(), args: kept}
	if cl != nil {
		e.addr = cl.addr
	}
	e.name = c.ClientName
	s.slowID++
	s.slowlog = append([]slowEntry{e}, s.slowlog...)
	if max >= 0 && len(s.slowlog) > max {
		s.slowlog = s.slowlog[:max]
	}
}

func cmdSlowlog(x *call) {
	s := x.s
	switch strings.ToUpper(x.args[0]) {
	case "GET":
		n := 10
		if len(x.args) > 1 {
			v, err := strconv.Atoi(x.args[1])
			if err != nil || v < -1 {
				x.c.WriteError("ERR count should be greater than or equal to -1")
				return
			}
			n = v
		}
		s.mu.Lock()
		entries := s.slowlog
		if n >= 0 && n < len(entries) {
			entries = entries[:n]
		}
		entries = append([]slowEntry(nil), entries...)
		s.mu.Unlock()
		x.c.WriteLen(len(entries))
		for _, e := range entries {
			x.c.WriteLen(6)
			x.c.WriteInt(int(e.id))
			x.c.WriteInt(int(e.at.Unix()))
			x.c.WriteInt(int(e.micros))
			x.c.WriteStrings(e.args)
			x.c.WriteBulk(e.addr)
			x.c.WriteBulk(e.name)
		}
	case "LEN":
		s.mu.Lock()
		n := len(s.slowlog)
		s.mu.Unlock()
		x.c.WriteInt(n)
	case "RESET":
		s.mu.Lock()
		s.slowlog = nil
		s.mu.Unlock()
		x.c.WriteOK()
	case "HELP":
		x.c.WriteStrings([]string{
			"SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"GET [<count>]", "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
			"LEN", "    Return the length of the slowlog.",
			"RESET", "    Reset the slowlog.",
		})
	default:
		x.c.WriteError(fmt.Sprintf("ERR unknown subcommand '%s'. Try SLOWLOG HELP.", x.args[0]))
	}
}

// ---- CONFIG ----

// defaultConfig holds the settings the tutorial reads or changes, with
// Redis 8's defaults. They are stored and reported, and the ones the
// embedded server can honour take effect (slowlog-*, the *-listpack-*
// thresholds OBJECT ENCODING uses); maxmemory, maxmemory-policy,
// maxclients, appendonly and save are accepted but NOT enforced: the
// embedded server never evicts, never refuses a client and never writes to
// disk. features.Set says so (no Eviction, MaxClients or Persistence), and
// INFO carries workbook_embedded:1 so features.Detect can tell.
func defaultConfig() map[string]string {
	return map[string]string{
		"maxmemory":                 "0",
		"maxmemory-policy":          "noeviction",
		"maxmemory-samples":         "5",
		"maxclients":                "10000",
		"slowlog-log-slower-than":   "10000",
		"slowlog-max-len":           "128",
		"appendonly":                "no",
		"appendfsync":               "everysec",
		"appendfilename":            "appendonly.aof",
		"save":                      "3600 1 300 100 60 10000",
		"dbfilename":                "dump.rdb",
		"dir":                       ".",
		"hash-max-listpack-entries": "512", // 128 before Redis 8
		"hash-max-listpack-value":   "64",
		"hash-max-ziplist-entries":  "512",
		"hash-max-ziplist-value":    "64",
		"list-max-listpack-size":    "-2",
		"list-compress-depth":       "0",
		"set-max-intset-entries":    "512",
		"set-max-listpack-entries":  "128",
		"set-max-listpack-value":    "64",
		"zset-max-listpack-entries": "128",
		"zset-max-listpack-value":   "64",
		"timeout":                   "0",
		"tcp-keepalive":             "300",
		"databases":                 "16",
		"hz":                        "10",
		"notify-keyspace-events":    "",
		"lazyfree-lazy-eviction":    "no",
		"lfu-log-factor":            "10",
		"lfu-decay-time":            "1",
		"loglevel":                  "notice",
		"protected-mode":            "yes",
		"io-threads":                "1",
		"latency-tracking":          "yes",
		"latency-monitor-threshold": "0",
		"maxmemory-clients":         "0",
		"active-expire-effort":      "1",
		"lua-time-limit":            "5000",
		"busy-reply-threshold":      "5000",
	}
}

var memoryConfigs = map[string]bool{"maxmemory": true, "maxmemory-clients": true}

var intConfigs = map[string]bool{
	"maxclients": true, "slowlog-log-slower-than": true, "slowlog-max-len": true,
	"hash-max-listpack-entries": true, "hash-max-listpack-value": true, "hash-max-ziplist-entries": true,
	"hash-max-ziplist-value": true, "list-max-listpack-size": true, "list-compress-depth": true,
	"set-max-intset-entries": true, "set-max-listpack-entries": true, "set-max-listpack-value": true,
	"zset-max-listpack-entries": true, "zset-max-listpack-value": true, "timeout": true,
	"tcp-keepalive": true, "hz": true, "maxmemory-samples": true, "lfu-log-factor": true,
	"lfu-decay-time": true, "latency-monitor-threshold": true, "active-expire-effort": true,
	"lua-time-limit": true, "busy-reply-threshold": true,
}

var enumConfigs = map[string][]string{
	"maxmemory-policy":       {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"},
	"appendonly":             {"yes", "no"},
	"appendfsync":            {"always", "everysec", "no"},
	"lazyfree-lazy-eviction": {"yes", "no"},
	"protected-mode":         {"yes", "no"},
	"latency-tracking":       {"yes", "no"},
	"loglevel":               {"debug", "verbose", "notice", "warning", "nothing"},
}

// parseMemory reads Redis's memory values: 100, 100b, 1k, 1kb, 1m, 1mb, 1g, 1gb.
func parseMemory(v string) (int64, bool) {
	l := strings.ToLower(v)
	mult := int64(1)
	for _, u := range []struct {
		suf string
		m   int64
	}{{"kb", 1024}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}} {
		if strings.HasSuffix(l, u.suf) {
			l, mult = strings.TrimSuffix(l, u.suf), u.m
			break
		}
	}
	n, err := strconv.ParseInt(l, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n * mult, true
}

func cmdConfig(x *call) {
	s := x.s
	switch sub := strings.ToUpper(x.args[0]); sub {
	case "GET":
		if len(x.args) < 2 {
			x.c.WriteError(errWrongArgs("config|get"))
			return
		}
		s.mu.Lock()
		found := map[string]string{}
		for _, pat := range x.args[1:] {
			pat = strings.ToLower(pat)
			for k, v := range s.config {
				if ok, _ := path.Match(pat, k); ok {
					found[k] = v
				}
			}
		}
		s.mu.Unlock()
		keys := make([]string, 0, len(found))
		for k := range found {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		x.c.WriteMapLen(len(keys))
		for _, k := range keys {
			x.c.WriteBulk(k)
			x.c.WriteBulk(found[k])
		}
	case "SET":
		if len(x.args) < 3 || len(x.args)%2 == 0 {
			x.c.WriteError(errWrongArgs("config|set"))
			return
		}
		updates := map[string]string{}
		for i := 1; i < len(x.args); i += 2 {
			k, v := strings.ToLower(x.args[i]), x.args[i+1]
			s.mu.Lock()
			_, known := s.config[k]
			s.mu.Unlock()
			if !known {
				x.c.WriteError(fmt.Sprintf("ERR Unknown option or number of arguments for CONFIG SET - '%s'", x.args[i]))
				return
			}
			fail := func(why string) {
				x.c.WriteError(fmt.Sprintf("ERR CONFIG SET failed (possibly related to argument '%s') - %s", k, why))
			}
			switch {
			case memoryConfigs[k]:
				n, ok := parseMemory(v)
				if !ok {
					fail("argument must be a memory value")
					return
				}
				v = strconv.FormatInt(n, 10)
			case intConfigs[k]:
				if _, err := strconv.ParseInt(v, 10, 64); err != nil {
					fail("argument couldn't be parsed into an integer")
					return
				}
			case enumConfigs[k] != nil:
				ok := false
				for _, e := range enumConfigs[k] {
					if strings.EqualFold(e, v) {
						ok, v = true, e
					}
				}
				if !ok {
					fail("argument(s) must be one of the following: " + strings.Join(enumConfigs[k], ", "))
					return
				}
			}
			updates[k] = v
		}
		s.mu.Lock()
		for k, v := range updates {
			s.config[k] = v
			// The listpack and ziplist names are aliases in Redis.
			if strings.HasPrefix(k, "hash-max-") {
				alias := strings.Replace(k, "listpack", "ziplist", 1)
				if alias == k {
					alias = strings.Replace(k, "ziplist", "listpack", 1)
				}
				s.config[alias] = v
			}
		}
		s.mu.Unlock()
		x.c.WriteOK()
	case "RESETSTAT":
		s.mu.Lock()
		s.stats = stats{}
		s.stats.init()
		s.mu.Unlock()
		x.c.WriteOK()
	case "REWRITE":
		x.c.WriteError("ERR The server is running without a config file")
	case "HELP":
		x.c.WriteStrings([]string{
			"CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
			"GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
			"SET <directive> <value>", "    Set the configuration <directive> to <value>.",
			"RESETSTAT", "    Reset statistics reported by the INFO command.",
		})
	default:
		x.c.WriteError(fmt.Sprintf("ERR unknown subcommand '%s'. Try CONFIG HELP.", x.args[0]))
	}
}

func (s *Server) configInt(name string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n, _ := strconv.ParseInt(s.config[name], 10, 64)
	return n
}

// ---- INFO ----

func bytesToHuman(n int64) string {
	f := float64(n)
	switch {
	case f < 1024:
		return fmt.Sprintf("%dB", n)
	case f < 1024*1024:
		return fmt.Sprintf("%.2fK", f/1024)
	case f < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", f/(1024*1024))
	default:
		return fmt.Sprintf("%.2fG", f/(1024*1024*1024))
	}
}

// baseMemory is what an empty Redis 8 reports as used_memory (about 1 MB).
const baseMemory = 1_000_000

type dbInfo struct {
	db, keys, expires int
	bytes             int64
}

// keyspace counts keys, keys with a TTL and (an estimate of) their memory
// in every database that has keys.
func (x *call) keyspace() []dbInfo {
	var out []dbInfo
	for db := 0; db < 16; db++ {
		y := &call{s: x.s, db: db}
		n := int(asInt(y.do("DBSIZE")))
		if n == 0 {
			continue
		}
		info := dbInfo{db: db, keys: n}
		keys := asStrings(y.do("KEYS", "*"))
		// Look at every key of a small database, a sample of a big one.
		sample := keys
		if len(sample) > 500 {
			sample = sample[:500]
		}
		var bytes int64
		exp := 0
		for _, k := range sample {
			if asInt(y.do("PTTL", k)) >= 0 {
				exp++
			}
			n, _ := y.memUsage(k)
			bytes += n
		}
		if len(sample) > 0 && len(sample) < len(keys) {
			exp = exp * len(keys) / len(sample)
			bytes = bytes * int64(len(keys)) / int64(len(sample))
		}
		info.expires, info.bytes = exp, bytes
		out = append(out, info)
	}
	return out
}

var defaultSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}

func cmdInfo(x *call) {
	s := x.s
	want := map[string]bool{}
	if len(x.args) == 0 {
		for _, sec := range defaultSections {
			want[sec] = true
		}
	}
	for _, a := range x.args {
		switch a = strings.ToLower(a); a {
		case "all", "everything", "default":
			for _, sec := range defaultSections {
				want[sec] = true
			}
			if a != "default" {
				want["commandstats"] = true
				want["latencystats"] = true
			}
		default:
			want[a] = true
		}
	}
	now := time.Now()
	var ks []dbInfo
	if want["memory"] || want["keyspace"] {
		ks = x.keyspace()
	}
	used := int64(baseMemory)
	for _, d := range ks {
		used += d.bytes
	}
	s.mu.Lock()
	if used > s.peakUsed {
		s.peakUsed = used
	}
	peak := s.peakUsed
	st := s.stats
	nclients := len(s.clients)
	conns := s.nextID
	cfg := map[string]string{}
	for k, v := range s.config {
		cfg[k] = v
	}
	s.mu.Unlock()

	var b strings.Builder
	section := func(name string, lines ...string) {
		if !want[strings.ToLower(name)] {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + name + "\r\n")
		for _, l := range lines {
			b.WriteString(l + "\r\n")
		}
	}
	port := ""
	if i := strings.LastIndex(s.Addr(), ":"); i >= 0 {
		port = s.Addr()[i+1:]
	}
	up := int64(now.Sub(s.started).Seconds())
	section("Server",
		"redis_version:"+Version,
		"redis_git_sha1:00000000",
		"redis_git_dirty:0",
		"redis_build_id:0",
		"redis_mode:standalone",
		"os:"+runtime.GOOS+" "+runtime.GOARCH,
		"arch_bits:64",
		"monotonic_clock:POSIX clock_gettime",
		"multiplexing_api:go",
		"atomicvar_api:go",
		"gcc_version:0.0.0",
		"process_id:"+strconv.Itoa(os.Getpid()),
		"process_supervised:no",
		"run_id:"+s.runID,
		"tcp_port:"+port,
		fmt.Sprintf("server_time_usec:%d", now.UnixMicro()),
		fmt.Sprintf("uptime_in_seconds:%d", up),
		fmt.Sprintf("uptime_in_days:%d", up/86400),
		"hz:"+cfg["hz"],
		"configured_hz:"+cfg["hz"],
		"executable:",
		"config_file:",
		"io_threads_active:0",
		"listener0:name=tcp,bind="+strings.TrimSuffix(s.Addr(), ":"+port)+",port="+port,
		// The marker tools use to know this is not a real Redis (see
		// features.Detect): limits and persistence are not enforced.
		"workbook_embedded:1",
	)
	section("Clients",
		fmt.Sprintf("connected_clients:%d", nclients),
		"cluster_connections:0",
		"maxclients:"+cfg["maxclients"],
		"client_recent_max_input_buffer:0",
		"client_recent_max_output_buffer:0",
		"blocked_clients:0",
		"tracking_clients:0",
		"pubsub_clients:0",
		"watching_clients:0",
		"clients_in_timeout_table:0",
		"total_watched_keys:0",
		"total_blocking_keys:0",
	)
	maxmem, _ := strconv.ParseInt(cfg["maxmemory"], 10, 64)
	section("Memory",
		fmt.Sprintf("used_memory:%d", used),
		"used_memory_human:"+bytesToHuman(used),
		fmt.Sprintf("used_memory_rss:%d", used),
		"used_memory_rss_human:"+bytesToHuman(used),
		fmt.Sprintf("used_memory_peak:%d", peak),
		"used_memory_peak_human:"+bytesToHuman(peak),
		fmt.Sprintf("used_memory_peak_perc:%.2f%%", float64(used)*100/float64(peak)),
		fmt.Sprintf("used_memory_overhead:%d", baseMemory),
		fmt.Sprintf("used_memory_startup:%d", baseMemory),
		fmt.Sprintf("used_memory_dataset:%d", used-baseMemory),
		fmt.Sprintf("maxmemory:%d", maxmem),
		"maxmemory_human:"+bytesToHuman(maxmem),
		"maxmemory_policy:"+cfg["maxmemory-policy"],
		"mem_fragmentation_ratio:1.00",
		"mem_allocator:go",
		"lazyfree_pending_objects:0",
	)
	aof := "0"
	if cfg["appendonly"] == "yes" {
		aof = "1"
	}
	section("Persistence",
		"loading:0",
		"async_loading:0",
		"rdb_changes_since_last_save:0",
		"rdb_bgsave_in_progress:0",
		fmt.Sprintf("rdb_last_save_time:%d", s.started.Unix()),
		"rdb_last_bgsave_status:ok",
		"aof_enabled:"+aof,
		"aof_rewrite_in_progress:0",
		"aof_last_write_status:ok",
	)
	section("Stats",
		fmt.Sprintf("total_connections_received:%d", conns),
		fmt.Sprintf("total_commands_processed:%d", st.commands),
		fmt.Sprintf("instantaneous_ops_per_sec:%d", st.opsPerSec(now)),
		"total_net_input_bytes:0",
		"total_net_output_bytes:0",
		"instantaneous_input_kbps:0.00",
		"instantaneous_output_kbps:0.00",
		"rejected_connections:0",
		"sync_full:0",
		"expired_keys:0",
		"evicted_keys:0",
		"evicted_clients:0",
		fmt.Sprintf("keyspace_hits:%d", st.hits),
		fmt.Sprintf("keyspace_misses:%d", st.misses),
		"pubsub_channels:0",
		"pubsub_patterns:0",
		"latest_fork_usec:0",
		"total_active_defrag_time:0",
	)
	section("Replication", "role:master", "connected_slaves:0", "master_repl_offset:0")
	section("CPU", "used_cpu_sys:0.000000", "used_cpu_user:0.000000")
	section("Modules", "module:name=ReJSON,ver=80600,api=1,filters=0,usedby=[],using=[],options=[handle-io-errors]")
	section("Errorstats")
	section("Cluster", "cluster_enabled:0")
	var kl []string
	for _, d := range ks {
		kl = append(kl, fmt.Sprintf("db%d:keys=%d,expires=%d,avg_ttl=0,subexpiry=0", d.db, d.keys, d.expires))
	}
	section("Keyspace", kl...)
	x.c.WriteBulk(b.String())
}

// ---- OBJECT ENCODING ----

func cmdObject(x *call) {
	key := x.args[1]
	t, _ := asString(x.do("TYPE", key))
	if t == "none" {
		x.c.WriteNull()
		return
	}
	x.c.WriteBulk(x.encoding(key, t))
}

// encoding is what OBJECT ENCODING answers for a key of type t, following
// Redis's conversion thresholds (the *-max-listpack-* settings). Unlike
// Redis, it is worked out from the current contents, so a hash that shrinks
// back under the threshold reports listpack again; Redis never converts
// back.
func (x *call) encoding(key, t string) string {
	cfg := func(name string) int { return int(x.s.configInt(name)) }
	switch t {
	case "string":
		v, _ := asString(x.do("GET", key))
		switch {
		case isJSONValue(v):
			return "raw"
		case isCanonicalInt(v):
			return "int"
		case len(v) <= 44:
			return "embstr"
		}
		return "raw"
	case "hash":
		n := int(asInt(x.do("HLEN", key)))
		if n > cfg("hash-max-listpack-entries") || !allShort(asStrings(x.do("HGETALL", key)), cfg("hash-max-listpack-value")) {
			return "hashtable"
		}
		fields := asStrings(x.do("HKEYS", key))
		ttl, _ := x.do(append([]string{"HPTTL", key, "FIELDS", strconv.Itoa(len(fields))}, fields...)...).([]any)
		for _, r := range ttl {
			if asInt(r) >= 0 {
				return "listpackex"
			}
		}
		return "listpack"
	case "list":
		items := asStrings(x.do("LRANGE", key, "0", "-1"))
		size := 7
		for _, it := range items {
			size += len(it) + 2
		}
		limit := cfg("list-max-listpack-size")
		if (limit < 0 && size > 4096<<(-limit-1)) || (limit > 0 && len(items) > limit) {
			return "quicklist"
		}
		return "listpack"
	case "set":
		members := asStrings(x.do("SMEMBERS", key))
		ints := true
		for _, m := range members {
			ints = ints && isCanonicalInt(m)
		}
		switch {
		case ints && len(members) <= cfg("set-max-intset-entries"):
			return "intset"
		case len(members) <= cfg("set-max-listpack-entries") && allShort(members, cfg("set-max-listpack-value")):
			return "listpack"
		}
		return "hashtable"
	case "zset":
		members := asStrings(x.do("ZRANGE", key, "0", "-1"))
		if len(members) <= cfg("zset-max-listpack-entries") && allShort(members, cfg("zset-max-listpack-value")) {
			return "listpack"
		}
		return "skiplist"
	case "stream":
		return "stream"
	}
	return "raw"
}

func allShort(vals []string, max int) bool {
	for _, v := range vals {
		if len(v) > max {
			return false
		}
	}
	return true
}

// isCanonicalInt is Redis's test for storing a string as an integer.
func isCanonicalInt(v string) bool {
	if len(v) == 0 || len(v) > 20 {
		return false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	return err == nil && strconv.FormatInt(n, 10) == v
}

// ---- MEMORY USAGE ----

// sdsAlloc approximates what Redis allocates for a string of n bytes
// (header and terminator, rounded up to jemalloc's 8-byte classes).
func sdsAlloc(n int) int64 {
	return int64((n + 3 + 7) / 8 * 8)
}

// listpackBytes approximates a listpack holding these entries.
func listpackBytes(entries []string) int64 {
	n := int64(7)
	for _, e := range entries {
		if isCanonicalInt(e) {
			n += 3
		} else {
			n += int64(len(e)) + 2
		}
	}
	return (n + 7) / 8 * 8
}

// dictBytes approximates a dict of n entries (buckets plus dictEntry).
func dictBytes(n int) int64 {
	buckets := 4
	for buckets < n {
		buckets *= 2
	}
	return int64(buckets*8 + n*24 + 56)
}

// memUsage estimates MEMORY USAGE the way Redis adds it up: the key, the
// object header, and the encoding's own structures, so that a hash that
// crosses hash-max-listpack-entries costs visibly more per field, as it does
// in Redis. (miniredis's own MEMORY USAGE measures Go structures instead.)
func (x *call) memUsage(key string) (int64, bool) {
	t, _ := asString(x.do("TYPE", key))
	base := int64(16+24) + sdsAlloc(len(key))
	switch t {
	case "none":
		return 0, false
	case "string":
		v, _ := asString(x.do("GET", key))
		switch {
		case isJSONValue(v):
			// RedisJSON's tree costs a few times the compact text.
			return base + int64(len(v)-len(jsonMarker))*3 + 24, true
		case isCanonicalInt(v):
			return base, true
		default:
			return base + sdsAlloc(len(v)), true
		}
	case "hash":
		kv := asStrings(x.do("HGETALL", key))
		if x.encoding(key, "hash") != "hashtable" {
			return base + listpackBytes(kv), true
		}
		n := base + dictBytes(len(kv)/2)
		for _, s := range kv {
			n += sdsAlloc(len(s))
		}
		return n, true
	case "list":
		items := asStrings(x.do("LRANGE", key, "0", "-1"))
		if x.encoding(key, "list") == "listpack" {
			return base + listpackBytes(items), true
		}
		return base + 48 + listpackBytes(items) + int64(len(items)/128+1)*40, true
	case "set":
		members := asStrings(x.do("SMEMBERS", key))
		switch x.encoding(key, "set") {
		case "intset":
			return base + 8 + int64(len(members))*8, true
		case "listpack":
			return base + listpackBytes(members), true
		}
		n := base + dictBytes(len(members))
		for _, m := range members {
			n += sdsAlloc(len(m))
		}
		return n, true
	case "zset":
		members := asStrings(x.do("ZRANGE", key, "0", "-1"))
		if x.encoding(key, "zset") == "listpack" {
			return base + listpackBytes(members) + int64(len(members))*9, true
		}
		n := base + dictBytes(len(members)) + 32
		for _, m := range members {
			n += sdsAlloc(len(m)) + 40
		}
		return n, true
	default:
		r := x.do("MEMORY", "USAGE", key)
		return asInt(r), !isErr(r) && r != nil
	}
}

func cmdMemory(x *call) {
	if strings.ToUpper(x.args[0]) != "USAGE" {
		x.forward(append([]string{"MEMORY"}, x.args...)...)
		return
	}
	if len(x.args) < 2 {
		x.c.WriteError(errWrongArgs("memory|usage"))
		return
	}
	rest := x.args[2:]
	if len(rest) != 0 && (len(rest) != 2 || !strings.EqualFold(rest[0], "SAMPLES")) {
		x.c.WriteError(msgSyntax)
		return
	}
	if len(rest) == 2 {
		if _, err := strconv.Atoi(rest[1]); err != nil {
			x.c.WriteError(msgNotInt)
			return
		}
	}
	n, ok := x.memUsage(x.args[1])
	if !ok {
		x.c.WriteNull()
		return
	}
	x.c.WriteInt(int(n))
}

// ---- CLIENT ----

func (s *Server) clientLine(c *server.Peer, cl *client, db int) string {
	now := time.Now()
	resp := 2
	if c.Resp3 {
		resp = 3
	}
	return fmt.Sprintf("id=%d addr=%s laddr=%s fd=%d name=%s age=%d idle=%d flags=N db=%d sub=0 psub=0 ssub=0 multi=-1 watch=0 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 oll=0 omem=0 tot-mem=20480 events=r cmd=%s user=default redir=-1 resp=%d lib-name=%s lib-ver=%s io-thread=0",
		cl.id, cl.addr, cl.laddr, cl.id+7, c.ClientName, int(now.Sub(cl.created).Seconds()), int(now.Sub(cl.last).Seconds()),
		db, cl.lastCmd, resp, cl.libName, cl.libVer)
}

func cmdClient(x *call) {
	s := x.s
	me := s.client(x.c)
	switch strings.ToUpper(x.args[0]) {
	case "LIST":
		type line struct {
			id   int64
			text string
		}
		var lines []line
		s.mu.Lock()
		for p, cl := range s.clients {
			lines = append(lines, line{cl.id, s.clientLine(p, cl, cl.db)})
		}
		s.mu.Unlock()
		sort.Slice(lines, func(i, j int) bool { return lines[i].id < lines[j].id })
		var b strings.Builder
		for _, l := range lines {
			b.WriteString(l.text + "\n")
		}
		x.c.WriteBulk(b.String())
	case "INFO":
		if me == nil {
			x.c.WriteBulk("id=0 addr=internal name=" + x.c.ClientName + "\n")
			return
		}
		s.mu.Lock()
		l := s.clientLine(x.c, me, x.db)
		s.mu.Unlock()
		x.c.WriteBulk(l + "\n")
	case "ID":
		if me == nil {
			x.c.WriteInt(0)
			return
		}
		x.c.WriteInt(int(me.id))
	case "SETINFO":
		if len(x.args) != 3 {
			x.c.WriteError(errWrongArgs("client|setinfo"))
			return
		}
		if me != nil {
			s.mu.Lock()
			switch strings.ToUpper(x.args[1]) {
			case "LIB-NAME":
				me.libName = x.args[2]
			case "LIB-VER":
				me.libVer = x.args[2]
			default:
				s.mu.Unlock()
				x.c.WriteError(fmt.Sprintf("ERR Unrecognized option '%s'", x.args[1]))
				return
			}
			s.mu.Unlock()
		}
		x.c.WriteOK()
	}
}

// ---- COMMAND INFO ----

// keylessCmds take no key (COMMAND INFO reports 0 0 0 for them).
var keylessCmds = map[string]bool{
	"INFO": true, "CONFIG": true, "SLOWLOG": true, "CLIENT": true, "MODULE": true, "DEBUG": true,
	"TIME": true, "SAVE": true, "BGSAVE": true, "BGREWRITEAOF": true, "SCAN": true, "OBJECT": true, "MEMORY": true,
}

var readOnlyJSON = map[string]bool{
	"JSON.GET": true, "JSON.MGET": true, "JSON.TYPE": true, "JSON.STRLEN": true, "JSON.ARRLEN": true,
	"JSON.ARRINDEX": true, "JSON.OBJKEYS": true, "JSON.OBJLEN": true, "JSON.RESP": true, "JSON.DEBUG": true,
}

// cmdCommandInfo answers COMMAND INFO, which miniredis does not (it answers
// its whole command table whatever the arguments). Tools use it to find
// out whether a server knows JSON.SET.
func cmdCommandInfo(x *call) {
	names := x.args[1:]
	x.c.WriteLen(len(names))
	for _, n := range names {
		up := strings.ToUpper(n)
		spec, mine := x.s.cmds[up]
		if !mine && !x.s.srv.IsRegisteredCommand(up) {
			x.c.WriteNull()
			continue
		}
		arity, flag, acl := -1, "write", "@write"
		if mine {
			arity = spec.arity
		}
		if readOnlyJSON[up] || x.s.srv.IsReadOnlyCommand(up) {
			flag, acl = "readonly", "@read"
		}
		first, last, step := 1, 1, 1
		switch {
		case keylessCmds[up]:
			first, last, step = 0, 0, 0
		case up == "JSON.MGET":
			last = -2
		case up == "JSON.MSET":
			last, step = -1, 3
		}
		cats := []string{acl, "@slow"}
		if strings.HasPrefix(up, "JSON.") {
			cats = append([]string{"@json"}, cats...)
		}
		x.c.WriteLen(10)
		x.c.WriteBulk(strings.ToLower(n))
		x.c.WriteInt(arity)
		x.c.WriteSetLen(1)
		x.c.WriteInline(flag)
		x.c.WriteInt(first)
		x.c.WriteInt(last)
		x.c.WriteInt(step)
		x.c.WriteSetLen(len(cats))
		for _, c := range cats {
			x.c.WriteInline(c)
		}
		x.c.WriteLen(0) // tips
		x.c.WriteLen(0) // key specs
		x.c.WriteLen(0) // subcommands
	}
}

// ---- HELLO ----

// cmdHello replaces miniredis's HELLO, which reports version 8.4.0 and
// drops SETNAME (so go-redis's ClientName option never reached CLIENT LIST).
func cmdHello(x *call) {
	version := 2
	if x.c.Resp3 {
		version = 3
	}
	args := x.args
	if len(args) > 0 {
		v, err := strconv.Atoi(args[0])
		if err != nil {
			x.c.WriteError("ERR Protocol version is not an integer or out of range")
			return
		}
		if v != 2 && v != 3 {
			x.c.WriteError("NOPROTO unsupported protocol version")
			return
		}
		version, args = v, args[1:]
	}
	var user, pass, name string
	checkAuth, setName := false, false
	for len(args) > 0 {
		switch strings.ToUpper(args[0]) {
		case "AUTH":
			if len(args) < 3 {
				x.c.WriteError(fmt.Sprintf("ERR Syntax error in HELLO option '%s'", args[0]))
				return
			}
			user, pass, args, checkAuth = args[1], args[2], args[3:], true
		case "SETNAME":
			if len(args) < 2 {
				x.c.WriteError(fmt.Sprintf("ERR Syntax error in HELLO option '%s'", args[0]))
				return
			}
			name, args, setName = args[1], args[2:], true
		default:
			x.c.WriteError(fmt.Sprintf("ERR Syntax error in HELLO option '%s'", args[0]))
			return
		}
	}
	if checkAuth && !(x.s.password == "" && user == "default") {
		if user != "default" || pass != x.s.password {
			x.c.WriteError("WRONGPASS invalid username-password pair or user is disabled.")
			return
		}
		if x.conn != nil {
			x.conn.authenticate()
		}
	} else if x.s.password != "" && x.conn != nil && !x.conn.authed {
		x.c.WriteError("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
		return
	}
	if setName {
		if strings.ContainsAny(name, " \n\r\t") {
			x.c.WriteError("ERR Client names cannot contain spaces, newlines or special characters.")
			return
		}
		x.c.ClientName = name
	}
	x.c.Resp3 = version == 3
	id := 0
	if cl := x.s.client(x.c); cl != nil {
		id = int(cl.id)
	}
	x.c.WriteMapLen(7)
	x.c.WriteBulk("server")
	x.c.WriteBulk("redis")
	x.c.WriteBulk("version")
	x.c.WriteBulk(Version)
	x.c.WriteBulk("proto")
	x.c.WriteInt(version)
	x.c.WriteBulk("id")
	x.c.WriteInt(id)
	x.c.WriteBulk("mode")
	x.c.WriteBulk("standalone")
	x.c.WriteBulk("role")
	x.c.WriteBulk("master")
	x.c.WriteBulk("modules")
	writeModules(x)
}

// writeModules lists Redis 8's bundled JSON as the ReJSON module.
func writeModules(x *call) {
	x.c.WriteLen(1)
	x.c.WriteMapLen(4)
	x.c.WriteBulk("name")
	x.c.WriteBulk("ReJSON")
	x.c.WriteBulk("ver")
	x.c.WriteInt(80600)
	x.c.WriteBulk("path")
	x.c.WriteBulk("")
	x.c.WriteBulk("args")
	x.c.WriteLen(0)
}

// ---- MODULE, DEBUG ----

func cmdModule(x *call) {
	switch strings.ToUpper(x.args[0]) {
	case "LIST":
		writeModules(x)
	default:
		x.c.WriteError("ERR the embedded server cannot load modules; JSON is built in")
	}
}

func cmdDebug(x *call) {
	if strings.ToUpper(x.args[0]) == "PANIC" {
		// Redis crashes on DEBUG PANIC; here the command's panic is caught
		// like any other (conn.safely): the client gets an error, the
		// server and the program it runs in go on.
		panic("DEBUG PANIC")
	}
	if strings.ToUpper(x.args[0]) == "SLEEP" && len(x.args) == 2 {
		secs, err := strconv.ParseFloat(x.args[1], 64)
		if err != nil {
			x.c.WriteError("ERR value is not a valid float")
			return
		}
		// The server lock is held, so every client waits, as with Redis.
		time.Sleep(time.Duration(secs * float64(time.Second)))
		x.c.WriteOK()
		return
	}
	x.c.WriteError("ERR the embedded server supports only DEBUG SLEEP <seconds> and DEBUG PANIC")
}

// ---- JSON keys seen by other commands ----

// cmdStringGuard answers WRONGTYPE when a string command meets a JSON key,
// and otherwise lets miniredis answer.
func cmdStringGuard(x *call) {
	v, isStr := asString(x.do("GET", x.args[0]))
	if isStr && isJSONValue(v) {
		if x.cmd == "GET" || x.cmd == "GETEX" || x.cmd == "GETDEL" {
			x.s.hit(true)
		}
		x.c.WriteError(msgWrongType)
		return
	}
	if x.cmd == "GET" || x.cmd == "GETEX" || x.cmd == "GETDEL" || x.cmd == "STRLEN" || x.cmd == "GETRANGE" {
		x.s.hit(isStr)
	}
	x.forward(append([]string{x.cmd}, x.args...)...)
}

// cmdMGet answers nil for JSON keys, as for any non-string key.
func cmdMGet(x *call) {
	x.c.WriteLen(len(x.args))
	for _, k := range x.args {
		v, ok := asString(x.do("GET", k))
		x.s.hit(ok)
		if !ok || isJSONValue(v) {
			x.c.WriteNull()
			continue
		}
		x.c.WriteBulk(v)
	}
}

func cmdType(x *call) {
	t, _ := asString(x.do("TYPE", x.args[0]))
	if t == "string" {
		if v, _ := asString(x.do("GET", x.args[0])); isJSONValue(v) {
			t = "ReJSON-RL"
		}
	}
	x.c.WriteInline(t)
}

// scanWalk is one SCAN iteration in progress: a snapshot of the database's
// keys, and which of them the walk's MATCH and TYPE select.
type scanWalk struct {
	db   int
	keys []string
	want []bool
	pos  int
	used time.Time
}

// maxScanWalks bounds the walks kept for clients that never finish theirs.
const maxScanWalks = 256

// cmdScan pages through the keys as Redis does, COUNT keys visited per
// call (miniredis answers every key at once, whatever COUNT says, and the
// lessons count the calls a walk takes). Like Redis, a page holds only the
// visited keys that match, so it may be empty before the walk is over. The
// walk goes over a snapshot taken at cursor 0: every key present
// throughout is returned exactly once, which is Redis's guarantee.
func cmdScan(x *call) {
	cursor, err := strconv.ParseUint(x.args[0], 10, 64)
	if err != nil {
		x.c.WriteError("ERR invalid cursor")
		return
	}
	match, typ, count := "*", "", 10
	for i := 1; i < len(x.args); i++ {
		opt := strings.ToUpper(x.args[i])
		if i+1 >= len(x.args) || (opt != "MATCH" && opt != "COUNT" && opt != "TYPE") {
			x.c.WriteError(msgSyntax)
			return
		}
		i++
		switch opt {
		case "MATCH":
			match = x.args[i]
		case "TYPE":
			typ = strings.ToLower(x.args[i])
		case "COUNT":
			n, err := strconv.Atoi(x.args[i])
			if err != nil {
				x.c.WriteError(msgNotInt)
				return
			}
			if n < 1 {
				x.c.WriteError(msgSyntax)
				return
			}
			count = n
		}
	}
	s := x.s
	var w *scanWalk
	if cursor != 0 {
		s.mu.Lock()
		w = s.scans[cursor]
		delete(s.scans, cursor)
		s.mu.Unlock()
		if w == nil || w.db != x.db {
			// An unknown (or finished) cursor ends the walk.
			x.c.WriteLen(2)
			x.c.WriteBulk("0")
			x.c.WriteLen(0)
			return
		}
	} else {
		keys := asStrings(x.do("KEYS", "*"))
		sort.Strings(keys)
		ok := x.matchingKeys(match, typ)
		w = &scanWalk{db: x.db, keys: keys, want: make([]bool, len(keys))}
		for i, k := range keys {
			w.want[i] = ok[k]
		}
	}
	end := min(w.pos+count, len(w.keys))
	page := []string{}
	for i := w.pos; i < end; i++ {
		if w.want[i] {
			page = append(page, w.keys[i])
		}
	}
	w.pos, w.used = end, time.Now()
	next := "0"
	if end < len(w.keys) {
		s.mu.Lock()
		if len(s.scans) >= maxScanWalks {
			var oldest uint64
			for id, o := range s.scans {
				if oldest == 0 || o.used.Before(s.scans[oldest].used) {
					oldest = id
				}
			}
			delete(s.scans, oldest)
		}
		s.scanID++
		s.scans[s.scanID] = w
		next = strconv.FormatUint(s.scanID, 10)
		s.mu.Unlock()
	}
	x.c.WriteLen(2)
	x.c.WriteBulk(next)
	x.c.WriteStrings(page)
}

// matchingKeys is the set of keys SCAN's MATCH and TYPE select, using
// miniredis's glob matching; JSON keys are told apart from strings here.
func (x *call) matchingKeys(match, typ string) map[string]bool {
	args := []string{"SCAN", "0", "MATCH", match}
	if typ == "rejson-rl" {
		args = append(args, "TYPE", "string")
	} else if typ != "" {
		args = append(args, "TYPE", typ)
	}
	out := map[string]bool{}
	r, _ := x.do(args...).([]any)
	if len(r) != 2 {
		return out
	}
	for _, k := range asStrings(r[1]) {
		if typ == "rejson-rl" || typ == "string" {
			v, _ := asString(x.do("GET", k))
			if isJSONValue(v) != (typ == "rejson-rl") {
				continue
			}
		}
		out[k] = true
	}
	return out
}

// cmdNoPersistence answers the persistence commands: the embedded server
// keeps data in memory only, and says so rather than "unknown command".
func cmdNoPersistence(x *call) {
	x.c.WriteError(fmt.Sprintf("ERR %s: the embedded server keeps its data in memory only and cannot persist it; use a real Redis (`make up`) for persistence", x.cmd))
}

// cmdTime answers the wall clock: miniredis's own clock moves in steps
// (see advanceClock).
func cmdTime(x *call) {
	now := time.Now()
	x.c.WriteLen(2)
	x.c.WriteBulk(strconv.FormatInt(now.Unix(), 10))
	x.c.WriteBulk(strconv.FormatInt(int64(now.Nanosecond()/1000), 10))
}

// cmdTTL rounds the time left to the nearest second, as Redis does
// (miniredis truncates: TTL right after EXPIRE k 100 would say 99).
func cmdTTL(x *call) {
	r := x.do("PTTL", x.args[0])
	if isErr(r) {
		x.forward("TTL", x.args[0])
		return
	}
	ms := asInt(r)
	if ms < 0 {
		x.c.WriteInt(int(ms))
		return
	}
	x.c.WriteInt(int((ms + 500) / 1000))
}

func serverCommands() map[string]command {
	sub := func(names ...string) func([]string) bool {
		return func(args []string) bool {
			if len(args) == 0 {
				return true
			}
			for _, n := range names {
				if strings.EqualFold(args[0], n) {
					return false
				}
			}
			return true
		}
	}
	cmds := map[string]command{
		"INFO":         {arity: -1, run: cmdInfo},
		"CONFIG":       {arity: -2, run: cmdConfig},
		"SLOWLOG":      {arity: -2, run: cmdSlowlog},
		"OBJECT":       {arity: 3, run: cmdObject, pass: sub("ENCODING")},
		"CLIENT":       {arity: -2, run: cmdClient, pass: sub("LIST", "INFO", "ID", "SETINFO")},
		"MODULE":       {arity: -2, run: cmdModule},
		"MEMORY":       {arity: -2, run: cmdMemory},
		"HELLO":        {arity: -1, run: cmdHello, connection: true},
		"COMMAND":      {arity: -1, run: cmdCommandInfo, pass: sub("INFO")},
		"DEBUG":        {arity: -2, run: cmdDebug},
		"MGET":         {arity: -2, run: cmdMGet},
		"TYPE":         {arity: 2, run: cmdType},
		"TTL":          {arity: 2, run: cmdTTL},
		"TIME":         {arity: 1, run: cmdTime},
		"SAVE":         {arity: 1, run: cmdNoPersistence},
		"BGSAVE":       {arity: -1, run: cmdNoPersistence},
		"BGREWRITEAOF": {arity: 1, run: cmdNoPersistence},
		"SCAN":         {arity: -2, run: cmdScan},
		"XAUTOCLAIM": {arity: -6, run: cmdXAutoClaim, pass: func(args []string) bool {
			return len(args) < 5 || !strings.HasPrefix(args[4], "(")
		}},
		"SET": {arity: -3, run: cmdStringGuard, pass: func(args []string) bool {
			for _, a := range args[min(2, len(args)):] {
				if strings.EqualFold(a, "GET") {
					return false
				}
			}
			return true
		}},
	}
	// Their real arities, so that COMMAND INFO and arity errors match Redis.
	for n, arity := range map[string]int{"GET": 2, "GETDEL": 2, "GETEX": -2, "GETRANGE": 4, "SUBSTR": 4,
		"STRLEN": 2, "APPEND": 3, "SETRANGE": 4, "INCR": 2, "INCRBY": 3, "DECR": 2, "DECRBY": 3,
		"INCRBYFLOAT": 3, "GETSET": 3, "GETBIT": 3, "SETBIT": 4, "BITCOUNT": -2, "BITPOS": -3} {
		cmds[n] = command{arity: arity, run: cmdStringGuard}
	}
	return cmds
}
