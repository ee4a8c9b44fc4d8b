package embedded

import (
	"fmt"
	"path"
	"sort"
	"strconv"
	"strings"
)

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
