package embedded

import (
	"bytes"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// What the steps read from keys and the keyspace beyond miniredis: the
// interceptions that make JSON keys look like RedisJSON's to string
// commands, TYPE, MGET and SCAN ... TYPE; SCAN's pages; TTL's rounding;
// TIME; the persistence commands refused clearly.

// ---- JSON keys seen by other commands ----

// cmdStringGuard answers WRONGTYPE when a string command meets a JSON key,
// and otherwise lets miniredis answer.
// incrCmds fail on any value that is not a number, a JSON document too.
var incrCmds = map[string]bool{"INCR": true, "INCRBY": true, "DECR": true, "DECRBY": true, "INCRBYFLOAT": true}

func cmdStringGuard(x *call) {
	if x.cmd == "GET" {
		// One dispatch: GET's own reply says whether it is a JSON document.
		out := x.raw(x.c.Resp3, "GET", x.args[0])
		isStr := len(out) > 0 && out[0] == '$' && !bytes.HasPrefix(out, []byte("$-1"))
		if isStr {
			if body := out[bytes.IndexByte(out, '\n')+1:]; isJSONValue(string(body[:min(len(body), len(jsonMarker))])) {
				x.s.hit(true)
				x.c.WriteError(msgWrongType)
				return
			}
		}
		if out[0] != '-' {
			x.s.hit(isStr)
		}
		x.c.WriteRaw(string(out))
		return
	}
	if incrCmds[x.cmd] {
		// Optimistic: a JSON document is no integer, so miniredis refuses
		// to count on one; only then is the key looked at.
		out := x.raw(x.c.Resp3, append([]string{x.cmd}, x.args...)...)
		if out[0] == '-' {
			if v, ok := asString(x.do("GET", x.args[0])); ok && isJSONValue(v) {
				x.c.WriteError(msgWrongType)
				return
			}
		}
		x.c.WriteRaw(string(out))
		return
	}
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
