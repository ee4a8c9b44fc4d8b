package embedded

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"
)

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
