package embedded

import (
	"fmt"
	"strings"
)

// JSON.* with the semantics of RedisJSON, the module Redis 8 ships. The
// commands live in one file per group, each starting with the commands it
// adds: json_set.go (SET, MSET, MERGE), json_get.go (GET, MGET, TYPE, RESP,
// DEBUG), json_del.go (DEL, FORGET, CLEAR), json_scalar.go (NUMINCRBY,
// NUMMULTBY, STRAPPEND, STRLEN, TOGGLE), json_array.go (ARR*) and
// json_object.go (OBJKEYS, OBJLEN). jsonpath.go evaluates paths and
// jsonvalue.go holds the document model.
//
// A JSON document is stored as a miniredis string whose value starts with
// jsonMarker (a prefix no text a client SETs by accident would start with),
// followed by the document in compact JSON. Being a real key, it expires,
// renames, is WATCHed, counted, flushed and scanned like any other; the hook
// makes TYPE answer ReJSON-RL and GET-style string commands answer WRONGTYPE.

func jsonCommands() map[string]command {
	all := map[string]command{}
	for _, group := range []map[string]command{
		jsonSetCommands(), jsonGetCommands(), jsonDelCommands(),
		jsonScalarCommands(), jsonArrayCommands(), jsonObjectCommands(),
	} {
		for name, c := range group {
			all[name] = c
		}
	}
	return all
}

const jsonMarker = "\x00\xffworkbook:ReJSON-RL\x00"

func isJSONValue(v string) bool { return strings.HasPrefix(v, jsonMarker) }

// RedisJSON's error texts (src/manager.rs, redis-module's nonexistent_key).
const (
	msgNoKey       = "ERR could not perform this operation on a key that doesn't exist"
	msgRootOnly    = "ERR new objects must be created at the root"
	msgPathMissing = "ERR Path '%s' does not exist"
	// msgNotJSON answers a JSON command on a key of another type; it has no
	// ERR or WRONGTYPE in front (redis-module's verify_type).
	msgNotJSON = "Existing key has wrong Redis type"
)

// msgPathMissingOr is "ERR Path '$.x' does not exist or not an array".
func msgPathMissingOr(path, or string) string {
	return fmt.Sprintf("ERR Path '%s' does not exist or %s", path, or)
}

func msgJSONWrongType(want string, got any) string {
	return fmt.Sprintf("WRONGTYPE wrong type of path value - expected %s but found %s", want, jsonTypeName(got))
}

// loadJSON reads a JSON key: (nil, false, "") when it does not exist, an
// error reply when it holds another type.
func (x *call) loadJSON(key string) (any, bool, string) {
	r := x.do("GET", key)
	if r == nil {
		return nil, false, ""
	}
	s, ok := asString(r)
	if !ok || !isJSONValue(s) {
		return nil, false, msgNotJSON
	}
	doc, err := parseJSON(s[len(jsonMarker):])
	if err != nil {
		return nil, false, "ERR stored JSON document is corrupt: " + err.Error()
	}
	return doc, true, ""
}

// saveJSON writes a document back, keeping the key's TTL (RedisJSON changes
// the value in place, so a TTL survives JSON.SET).
func (x *call) saveJSON(key string, doc any) {
	x.do("SET", key, jsonMarker+toJSON(doc), "KEEPTTL")
}

// openJSON parses path and loads key's document. ok is false once it has
// answered with an error itself: a bad path, or a key of another type. A
// missing key is no error here (exists is false): each command answers it in
// its own way.
func (x *call) openJSON(key, path string) (p *jsonPath, doc any, exists, ok bool) {
	p, err := parsePath(path)
	if err != nil {
		x.c.WriteError(err.Error())
		return nil, nil, false, false
	}
	doc, exists, e := x.loadJSON(key)
	if e != "" {
		x.c.WriteError(e)
		return nil, nil, false, false
	}
	return p, doc, exists, true
}

// optPath is the optional path argument after the key, or def without one.
func (x *call) optPath(def string) string {
	if len(x.args) > 1 {
		return x.args[1]
	}
	return def
}

// parseValue parses a JSON argument, with RedisJSON's error for bad JSON.
func parseValue(s string) (any, string) {
	v, err := parseJSON(s)
	if err != nil {
		return nil, err.Error()
	}
	return v, ""
}

// values returns the values at p's matches in doc.
func values(doc any, p *jsonPath) []any {
	return evalValues(p.segs, doc, doc)
}

// writeBool writes a RESP3 boolean (RESP2 has none: callers choose).
func writeBool(x *call, b bool) {
	if b {
		x.c.WriteRaw("#t\r\n")
	} else {
		x.c.WriteRaw("#f\r\n")
	}
}

// ---- write commands that visit each match ----

// jsonUpdate describes a write command that changes each match of one
// path of the right type, the way RedisJSON's commands do: a $-path answers
// an array with one reply per match (nil where the type is wrong); a legacy
// path changes every match of the right type and answers for the last one,
// or fails with "does not exist or <notType>" when none has it.
type jsonUpdate struct {
	is      func(v any) bool // the type the command works on
	notType string           // "not an array", for the legacy error
	// original names the path as the client wrote it in the legacy
	// error (JSON.ARRAPPEND) rather than in its $-form.
	original bool
	// apply changes one match, in place or by returning a replacement, and
	// returns its reply; an error reply fails the whole command, which then
	// changes nothing.
	apply func(v any) (reply, repl any, err string)
	write func(x *call, reply any)
}

func (x *call) update(key, path string, u jsonUpdate) {
	p, doc, exists, ok := x.openJSON(key, path)
	if !ok {
		return
	}
	if !exists {
		x.c.WriteError(msgNoKey)
		return
	}
	locs := p.locate(doc)
	replies := make([]any, len(locs))
	hit := make([]bool, len(locs))
	changed := false
	for i, l := range locs {
		v := get(doc, l)
		if !u.is(v) {
			continue
		}
		r, repl, e := u.apply(v)
		if e != "" {
			x.c.WriteError(e)
			return
		}
		if repl != nil {
			doc = put(doc, l, repl)
		}
		replies[i], hit[i], changed = r, true, true
	}
	if changed {
		x.saveJSON(key, doc)
	}
	if p.legacy {
		last := -1
		for i := range locs {
			if hit[i] {
				last = i
			}
		}
		if last < 0 {
			name := p.norm
			if u.original {
				name = p.src
			}
			x.c.WriteError(msgPathMissingOr(name, u.notType))
			return
		}
		if replies[last] == nil {
			x.c.WriteNull()
			return
		}
		u.write(x, replies[last])
		return
	}
	x.c.WriteLen(len(replies))
	for i, r := range replies {
		if !hit[i] || r == nil {
			x.c.WriteNull()
			continue
		}
		u.write(x, r)
	}
}

func writeInt(x *call, v any)  { x.c.WriteInt(int(v.(int64))) }
func writeBulk(x *call, v any) { x.c.WriteBulk(v.(string)) }

func isArray(v any) bool  { _, ok := v.(*jsonArray); return ok }
func isObject(v any) bool { _, ok := v.(*jsonObject); return ok }
func isString(v any) bool { _, ok := v.(string); return ok }
func isBool(v any) bool   { _, ok := v.(bool); return ok }
func isNumber(v any) bool {
	switch v.(type) {
	case int64, float64:
		return true
	}
	return false
}
