package embedded

import (
	"strconv"
	"strings"
)

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
