package embedded

import (
	"fmt"
	"strconv"
	"strings"
)

// Redis 8 hash-field expiration: HEXPIRE, HPEXPIRE, HEXPIREAT, HPEXPIREAT,
// HTTL, HPTTL, HEXPIRETIME, HPEXPIRETIME, HPERSIST, HSETEX, HGETEX, HGETDEL.
//
// miniredis has some of these, but with gaps that lessons would hit: HEXPIRE
// only takes whole seconds and ignores none of NX/XX/GT/LT's subtleties the
// way Redis does, HDEL leaves a deleted field's TTL behind (so the field,
// once set again, expires unexpectedly), HSET does not clear a field's TTL
// as Redis does, and HGETEX, HGETDEL and the *AT/*TIME commands are absent.
// So all of them are answered here, on top of miniredis's per-field TTL
// store, which they reach through plain commands: HPTTL to read a TTL,
// HSETEX ... PX to set one in milliseconds, HPERSIST to drop one. The reply
// codes and error messages below were checked against Redis 8.6.3.
//
// miniredis keeps a field's TTL as time left rather than as a deadline, so
// HEXPIRETIME would be off by a millisecond now and then; the deadlines this
// code sets are remembered (fieldExp) and preferred when they agree with the
// time left.

const (
	msgFieldsMissing = "ERR Mandatory argument FIELDS is missing or not at the right position"
	msgNumFieldsMust = "ERR The `numfields` parameter must match the number of arguments"
	msgNumFieldsPos  = "ERR Parameter `numFields` should be greater than 0"
	msgExpireNeg     = "ERR invalid expire time, must be >= 0"

	msgNumFieldsPositive = "ERR Number of fields must be a positive integer"
	msgWrongArgsBare     = "ERR wrong number of arguments"
)

// maxExpireMs is Redis's upper bound for a field's expiration (2^48-1 ms).
const maxExpireMs = 1<<48 - 1

// parseFields reads "FIELDS numfields field..." starting at args[i]. With
// pairs, each field is followed by its value. The errors are Redis 8.6's:
// HSETEX and HGETEX (ex) word them differently from HTTL, HPERSIST and
// HGETDEL.
func parseFields(args []string, i int, pairs, ex bool) ([]string, string) {
	if i >= len(args) || strings.ToUpper(args[i]) != "FIELDS" || i+1 >= len(args) {
		return nil, msgFieldsMissing
	}
	n, err := strconv.Atoi(args[i+1])
	if err != nil || n <= 0 {
		if ex {
			return nil, "ERR invalid number of fields"
		}
		return nil, msgNumFieldsPositive
	}
	rest := args[i+2:]
	per := 1
	if pairs {
		per = 2
	}
	switch {
	case len(rest) == n*per:
		return rest, ""
	case !ex:
		return nil, msgNumFieldsMust
	case len(rest) < n*per:
		return nil, msgWrongArgsBare
	default:
		return nil, "ERR unknown argument: " + rest[n*per]
	}
}

// parseExpireArgs reads HEXPIRE's arguments after the key and the time: a
// condition (NX, XX, GT, LT) and FIELDS numfields field..., in any order,
// with Redis 8.6's errors.
func parseExpireArgs(args []string) (cond string, fields []string, e string) {
	seen := false
	for i := 0; i < len(args); {
		switch a := strings.ToUpper(args[i]); a {
		case "NX", "XX", "GT", "LT":
			if cond != "" && cond != a {
				return "", nil, "ERR Multiple condition flags specified"
			}
			cond = a
			i++
		case "FIELDS":
			if seen {
				return "", nil, "ERR FIELDS keyword specified multiple times"
			}
			seen = true
			if i+1 >= len(args) {
				return "", nil, msgWrongArgsBare
			}
			n, err := strconv.Atoi(args[i+1])
			if err != nil || n <= 0 {
				return "", nil, msgNumFieldsPos
			}
			if n > len(args)-i-2 {
				return "", nil, msgWrongArgsBare
			}
			fields = args[i+2 : i+2+n]
			i += 2 + n
		default:
			return "", nil, "ERR unknown argument: " + args[i]
		}
	}
	if !seen {
		return "", nil, msgFieldsMissing
	}
	return cond, fields, ""
}

// nowMs is miniredis's clock (SetTime-aware), in Unix milliseconds.
func (x *call) nowMs() int64 {
	t := asStrings(x.do("TIME"))
	if len(t) != 2 {
		return 0
	}
	sec, _ := strconv.ParseInt(t[0], 10, 64)
	usec, _ := strconv.ParseInt(t[1], 10, 64)
	return sec*1000 + usec/1000
}

// hashKind answers "" for a hash, "none" for a missing key, or the
// WRONGTYPE error.
func (x *call) hashKind(key string) string {
	t, _ := asString(x.do("TYPE", key))
	switch t {
	case "hash":
		return ""
	case "none":
		return "none"
	}
	return msgWrongType
}

// hashOrNone checks that key holds a hash or nothing. ok is false once it
// has answered WRONGTYPE itself; exists says whether the hash is there.
func (x *call) hashOrNone(key string) (exists, ok bool) {
	switch x.hashKind(key) {
	case "":
		return true, true
	case "none":
		return false, true
	}
	x.c.WriteError(msgWrongType)
	return false, false
}

// hashForFields is hashOrNone for the commands that answer one integer per
// field (HEXPIRE, HTTL, HPERSIST...): a missing key answers -2 for each of
// its n fields. ok is false once it has replied.
func (x *call) hashForFields(key string, n int) bool {
	exists, ok := x.hashOrNone(key)
	if ok && !exists {
		writeInts(x, n, -2)
		return false
	}
	return ok
}

// fieldsArg is parseFields on the command's arguments; ok is false once it
// has answered the error itself.
func (x *call) fieldsArg(i int, pairs bool) ([]string, bool) {
	fields, e := parseFields(x.args, i, pairs, x.cmd == "HSETEX" || x.cmd == "HGETEX")
	if e != "" {
		x.c.WriteError(e)
		return nil, false
	}
	return fields, true
}

// fieldTTL is the field's time left in ms: -2 no such field, -1 no TTL.
func (x *call) fieldTTL(key, f string) int64 {
	r, _ := x.do("HPTTL", key, "FIELDS", "1", f).([]any)
	if len(r) != 1 {
		return -2
	}
	return asInt(r[0])
}

func (x *call) fieldExpKey(key, f string) string {
	return fmt.Sprintf("%d\x00%s\x00%s", x.db, key, f)
}

// setFieldExpire gives an existing field a deadline (Unix ms); a deadline
// not in the future deletes the field (and the key with its last field).
func (x *call) setFieldExpire(key, f string, at, now int64) {
	if at <= now {
		x.delField(key, f)
		return
	}
	v, _ := asString(x.do("HGET", key, f))
	x.do("HSETEX", key, "PX", strconv.FormatInt(at-now, 10), "FIELDS", "1", f, v)
	x.s.mu.Lock()
	x.s.fieldExp[x.fieldExpKey(key, f)] = at
	x.s.mu.Unlock()
}

func (x *call) persistFields(key string, fields ...string) {
	args := append([]string{"HPERSIST", key, "FIELDS", strconv.Itoa(len(fields))}, fields...)
	x.do(args...)
	x.s.mu.Lock()
	for _, f := range fields {
		delete(x.s.fieldExp, x.fieldExpKey(key, f))
	}
	x.s.mu.Unlock()
}

func (x *call) delField(key, f string) {
	x.persistFields(key, f)
	x.do("HDEL", key, f)
}

// fieldDeadline is the field's deadline in Unix ms (-2 / -1 as fieldTTL).
func (x *call) fieldDeadline(key, f string, now int64) int64 {
	ttl := x.fieldTTL(key, f)
	if ttl < 0 {
		return ttl
	}
	at := now + ttl
	x.s.mu.Lock()
	known, ok := x.s.fieldExp[x.fieldExpKey(key, f)]
	x.s.mu.Unlock()
	if ok && known-at < 50 && at-known < 50 {
		return known
	}
	return at
}

// cmdHExpire is HEXPIRE, HPEXPIRE, HEXPIREAT and HPEXPIREAT.
func cmdHExpire(x *call) {
	key := x.args[0]
	n, err := strconv.ParseInt(x.args[1], 10, 64)
	if err != nil {
		x.c.WriteError(msgNotInt)
		return
	}
	if n < 0 {
		x.c.WriteError(msgExpireNeg)
		return
	}
	unit := int64(1000)
	if strings.HasPrefix(x.cmd, "HP") {
		unit = 1
	}
	abs := strings.HasSuffix(x.cmd, "AT")
	cond, fields, e := parseExpireArgs(x.args[2:])
	if e != "" {
		x.c.WriteError(e)
		return
	}
	if n > maxExpireMs/unit {
		x.c.WriteError(fmt.Sprintf("ERR invalid expire time in '%s' command", strings.ToLower(x.cmd)))
		return
	}
	now := x.nowMs()
	at := n * unit
	if !abs {
		at += now
	}
	if at > maxExpireMs {
		x.c.WriteError(fmt.Sprintf("ERR invalid expire time in '%s' command", strings.ToLower(x.cmd)))
		return
	}
	if !x.hashForFields(key, len(fields)) {
		return
	}
	x.c.WriteLen(len(fields))
	for _, f := range fields {
		cur := x.fieldDeadline(key, f, now)
		switch {
		case cur == -2:
			x.c.WriteInt(-2)
			continue
		case cond == "NX" && cur != -1,
			cond == "XX" && cur == -1,
			cond == "GT" && (cur == -1 || at <= cur),
			cond == "LT" && cur != -1 && at >= cur:
			x.c.WriteInt(0)
			continue
		}
		if at <= now {
			x.delField(key, f)
			x.c.WriteInt(2)
			continue
		}
		x.setFieldExpire(key, f, at, now)
		x.c.WriteInt(1)
	}
}

func writeInts(x *call, n int, v int) {
	x.c.WriteLen(n)
	for i := 0; i < n; i++ {
		x.c.WriteInt(v)
	}
}

// cmdHTTL is HTTL, HPTTL, HEXPIRETIME and HPEXPIRETIME.
func cmdHTTL(x *call) {
	key := x.args[0]
	fields, ok := x.fieldsArg(1, false)
	if !ok {
		return
	}
	if !x.hashForFields(key, len(fields)) {
		return
	}
	now := x.nowMs()
	x.c.WriteLen(len(fields))
	for _, f := range fields {
		at := x.fieldDeadline(key, f, now)
		if at < 0 {
			x.c.WriteInt(int(at))
			continue
		}
		switch x.cmd {
		case "HTTL": // whole seconds, rounded up, as Redis does
			x.c.WriteInt(int((at - now + 999) / 1000))
		case "HPTTL":
			x.c.WriteInt(int(at - now))
		case "HEXPIRETIME":
			x.c.WriteInt(int(at / 1000))
		case "HPEXPIRETIME":
			x.c.WriteInt(int(at))
		}
	}
}

func cmdHPersist(x *call) {
	key := x.args[0]
	fields, ok := x.fieldsArg(1, false)
	if !ok {
		return
	}
	if !x.hashForFields(key, len(fields)) {
		return
	}
	x.c.WriteLen(len(fields))
	for _, f := range fields {
		switch x.fieldTTL(key, f) {
		case -2:
			x.c.WriteInt(-2)
		case -1:
			x.c.WriteInt(-1)
		default:
			x.persistFields(key, f)
			x.c.WriteInt(1)
		}
	}
}

// expiryOpt is the EX/PX/EXAT/PXAT/KEEPTTL/PERSIST option of HSETEX and
// HGETEX, turned into a deadline.
type expiryOpt struct {
	kind string // "", "EX", "PX", "EXAT", "PXAT", "KEEPTTL", "PERSIST"
	n    int64
}

func (o expiryOpt) deadline(now int64) int64 {
	switch o.kind {
	case "EX":
		return now + o.n*1000
	case "PX":
		return now + o.n
	case "EXAT":
		return o.n * 1000
	case "PXAT":
		return o.n
	}
	return 0
}

// parseExpiry reads HSETEX's or HGETEX's options before FIELDS.
func parseExpiry(x *call, allowed map[string]bool, flags map[string]bool) (expiryOpt, map[string]bool, int, string) {
	var o expiryOpt
	seen := map[string]bool{}
	i := 1
	for i < len(x.args) {
		a := strings.ToUpper(x.args[i])
		if a == "FIELDS" {
			break
		}
		switch {
		case flags[a]:
			if len(seen) > 0 && (seen["FNX"] || seen["FXX"]) {
				return o, nil, 0, "ERR Only one of FXX or FNX arguments can be specified"
			}
			seen[a] = true
			i++
		case allowed[a]:
			if o.kind != "" {
				if x.cmd == "HGETEX" {
					return o, nil, 0, msgFieldsMissing
				}
				return o, nil, 0, "ERR Only one of EX, PX, EXAT, PXAT or KEEPTTL arguments can be specified"
			}
			o.kind = a
			i++
			if a == "KEEPTTL" || a == "PERSIST" {
				continue
			}
			if i >= len(x.args) {
				return o, nil, 0, msgSyntax
			}
			n, err := strconv.ParseInt(x.args[i], 10, 64)
			if err != nil {
				return o, nil, 0, msgNotInt
			}
			if n < 0 {
				return o, nil, 0, msgExpireNeg
			}
			unit := int64(1000)
			if a == "PX" || a == "PXAT" {
				unit = 1
			}
			if n > maxExpireMs/unit {
				return o, nil, 0, fmt.Sprintf("ERR invalid expire time in '%s' command", strings.ToLower(x.cmd))
			}
			o.n = n
			i++
		default:
			return o, nil, 0, msgFieldsMissing
		}
	}
	return o, seen, i, ""
}

func cmdHSetEx(x *call) {
	key := x.args[0]
	o, flags, i, e := parseExpiry(x,
		map[string]bool{"EX": true, "PX": true, "EXAT": true, "PXAT": true, "KEEPTTL": true},
		map[string]bool{"FNX": true, "FXX": true})
	if e != "" {
		x.c.WriteError(e)
		return
	}
	fv, ok := x.fieldsArg(i, true)
	if !ok {
		return
	}
	isHash, ok := x.hashOrNone(key)
	if !ok {
		return
	}
	for j := 0; j < len(fv); j += 2 {
		exists := isHash && x.fieldTTL(key, fv[j]) != -2
		if (flags["FNX"] && exists) || (flags["FXX"] && !exists) {
			x.c.WriteInt(0)
			return
		}
	}
	now := x.nowMs()
	at := o.deadline(now)
	x.do(append([]string{"HSET", key}, fv...)...)
	for j := 0; j < len(fv); j += 2 {
		f := fv[j]
		switch o.kind {
		case "KEEPTTL":
		case "":
			x.persistFields(key, f)
		default:
			x.persistFields(key, f)
			x.setFieldExpire(key, f, at, now)
		}
	}
	x.c.WriteInt(1)
}

func cmdHGetEx(x *call) {
	key := x.args[0]
	o, _, i, e := parseExpiry(x,
		map[string]bool{"EX": true, "PX": true, "EXAT": true, "PXAT": true, "PERSIST": true}, nil)
	if e != "" {
		x.c.WriteError(e)
		return
	}
	fields, ok := x.fieldsArg(i, false)
	if !ok {
		return
	}
	exists, ok := x.hashOrNone(key)
	if !ok {
		return
	}
	x.s.hit(exists)
	now := x.nowMs()
	at := o.deadline(now)
	x.c.WriteLen(len(fields))
	for _, f := range fields {
		r := x.do("HGET", key, f)
		v, ok := asString(r)
		if !ok {
			x.c.WriteNull()
			continue
		}
		x.c.WriteBulk(v)
		switch o.kind {
		case "":
		case "PERSIST":
			x.persistFields(key, f)
		default:
			x.setFieldExpire(key, f, at, now)
		}
	}
}

func cmdHGetDel(x *call) {
	key := x.args[0]
	fields, ok := x.fieldsArg(1, false)
	if !ok {
		return
	}
	exists, ok := x.hashOrNone(key)
	if !ok {
		return
	}
	x.s.hit(exists)
	x.c.WriteLen(len(fields))
	for _, f := range fields {
		v, ok := asString(x.do("HGET", key, f))
		if !ok {
			x.c.WriteNull()
			continue
		}
		x.c.WriteBulk(v)
		x.delField(key, f)
	}
}

// cmdHSet intercepts HSET and HMSET: as in Redis, setting a field drops the
// TTL it had.
func cmdHSet(x *call) {
	reply := x.raw(x.c.Resp3, append([]string{x.cmd}, x.args...)...)
	if len(reply) > 0 && reply[0] != '-' && len(x.args)%2 == 1 {
		var fields []string
		for j := 1; j < len(x.args); j += 2 {
			fields = append(fields, x.args[j])
		}
		x.persistFields(x.args[0], fields...)
	}
	x.c.WriteRaw(string(reply))
}

// cmdHDel intercepts HDEL so that a deleted field's TTL goes with it.
func cmdHDel(x *call) {
	if x.hashKind(x.args[0]) == "" {
		x.persistFields(x.args[0], x.args[1:]...)
	}
	x.forward(append([]string{x.cmd}, x.args...)...)
}

func hashCommands() map[string]command {
	return map[string]command{
		"HEXPIRE":      {arity: -6, run: cmdHExpire},
		"HPEXPIRE":     {arity: -6, run: cmdHExpire},
		"HEXPIREAT":    {arity: -6, run: cmdHExpire},
		"HPEXPIREAT":   {arity: -6, run: cmdHExpire},
		"HTTL":         {arity: -5, run: cmdHTTL},
		"HPTTL":        {arity: -5, run: cmdHTTL},
		"HEXPIRETIME":  {arity: -5, run: cmdHTTL},
		"HPEXPIRETIME": {arity: -5, run: cmdHTTL},
		"HPERSIST":     {arity: -5, run: cmdHPersist},
		"HSETEX":       {arity: -6, run: cmdHSetEx},
		"HGETEX":       {arity: -5, run: cmdHGetEx},
		"HGETDEL":      {arity: -5, run: cmdHGetDel},
		"HSET":         {arity: -4, run: cmdHSet},
		"HMSET":        {arity: -4, run: cmdHSet},
		"HDEL":         {arity: -3, run: cmdHDel},
	}
}
