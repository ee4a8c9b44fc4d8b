package embedded

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2/server"
)

// The server-wide commands: statistics, the slow log, COMMAND INFO, HELLO,
// MODULE and DEBUG, and the table of every command this file group
// answers (serverCommands).

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
		"EVAL":         {arity: -3, run: cmdEval},
		"EVAL_RO":      {arity: -3, run: cmdEval},
		"EVALSHA":      {arity: -3, run: cmdEvalSHA},
		"EVALSHA_RO":   {arity: -3, run: cmdEvalSHA},
		"SCRIPT":       {arity: -2, run: cmdScript},
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
