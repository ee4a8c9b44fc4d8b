package embedded

import (
	"fmt"
	"strings"
)

// JSON.GET, JSON.MGET, JSON.TYPE, JSON.RESP and JSON.DEBUG: reading
// documents.

func jsonGetCommands() map[string]command {
	return map[string]command{
		"JSON.GET":   {arity: -2, run: cmdJSONGet},
		"JSON.MGET":  {arity: -3, run: cmdJSONMGet},
		"JSON.TYPE":  {arity: -2, run: cmdJSONType},
		"JSON.RESP":  {arity: -2, run: cmdJSONResp},
		"JSON.DEBUG": {arity: -2, run: cmdJSONDebug},
	}
}

// JSON.GET's FORMAT over RESP3: STRING (the default) answers JSON text as
// over RESP2; EXPAND answers every value as RESP3 data (maps, arrays,
// doubles, booleans); EXPAND1 expands the matches but keeps arrays and
// objects as JSON text.
const (
	formatString = iota
	formatExpand1
	formatExpand
)

func cmdJSONGet(x *call) {
	key := x.args[0]
	var f jsonFormat
	format := formatString
	var paths []string
	for i := 1; i < len(x.args); i++ {
		a := x.args[i]
		opt := strings.ToUpper(a)
		if (opt == "INDENT" || opt == "NEWLINE" || opt == "SPACE" || opt == "FORMAT") && i+1 < len(x.args) {
			i++
			switch opt {
			case "INDENT":
				f.indent = x.args[i]
			case "NEWLINE":
				f.newline = x.args[i]
			case "SPACE":
				f.space = x.args[i]
			case "FORMAT":
				if !x.c.Resp3 && len(paths) == 0 {
					x.c.WriteError("ERR FORMAT argument is not supported on RESP2")
					return
				}
				switch strings.ToUpper(x.args[i]) {
				case "STRING":
					format = formatString
				case "EXPAND1":
					format = formatExpand1
				case "EXPAND":
					format = formatExpand
				default:
					x.c.WriteError("ERR wrong reply format")
					return
				}
			}
			continue
		}
		if opt == "NOESCAPE" {
			continue
		}
		paths = append(paths, a)
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	parsed := make([]*jsonPath, len(paths))
	allLegacy := true
	for i, s := range paths {
		p, err := parsePath(s)
		if err != nil {
			x.c.WriteError(err.Error())
			return
		}
		parsed[i] = p
		allLegacy = allLegacy && p.legacy
	}
	doc, exists, e := x.loadJSON(key)
	if e != "" {
		x.c.WriteError(e)
		return
	}
	x.s.hit(exists)
	if !exists {
		x.c.WriteNull()
		return
	}
	if x.c.Resp3 && format != formatString {
		// An array per path, of the matches.
		x.c.WriteLen(len(parsed))
		for _, p := range parsed {
			m := values(doc, p)
			x.c.WriteLen(len(m))
			for _, v := range m {
				writeResp3Value(x, v, format == formatExpand, f)
			}
		}
		return
	}
	var b strings.Builder
	if len(parsed) == 1 {
		p := parsed[0]
		m := values(doc, p)
		if p.legacy {
			if len(m) == 0 {
				x.c.WriteError(fmt.Sprintf(msgPathMissing, p.norm))
				return
			}
			writeJSON(&b, m[0], f, 0)
		} else {
			writeJSON(&b, m, f, 0)
		}
		x.c.WriteBulk(b.String())
		return
	}
	// Several paths: an object keyed by path; values are single values when
	// every path is legacy, arrays of matches otherwise.
	out := newObject()
	for _, p := range parsed {
		m := values(doc, p)
		if allLegacy {
			if len(m) == 0 {
				x.c.WriteError(fmt.Sprintf(msgPathMissing, p.src))
				return
			}
			out.SetValueForKey(p.src, m[0])
		} else {
			out.SetValueForKey(p.src, m)
		}
	}
	writeJSON(&b, out, f, 0)
	x.c.WriteBulk(b.String())
}

// writeResp3Value writes one value as JSON.GET FORMAT EXPAND (or EXPAND1,
// where arrays and objects stay JSON text) does.
func writeResp3Value(x *call, v any, expand bool, f jsonFormat) {
	switch t := v.(type) {
	case nil:
		x.c.WriteNull()
	case bool:
		writeBool(x, t)
	case int64:
		x.c.WriteInt(int(t))
	case float64:
		x.c.WriteFloat(t)
	case string:
		if expand {
			x.c.WriteBulk(t)
			return
		}
		var b strings.Builder
		writeJSON(&b, t, f, 0)
		x.c.WriteBulk(b.String())
	case *jsonArray:
		if !expand {
			var b strings.Builder
			writeJSON(&b, t, f, 0)
			x.c.WriteBulk(b.String())
			return
		}
		x.c.WriteLen(len(t.items))
		for _, it := range t.items {
			writeResp3Value(x, it, expand, f)
		}
	case *jsonObject:
		if !expand {
			var b strings.Builder
			writeJSON(&b, t, f, 0)
			x.c.WriteBulk(b.String())
			return
		}
		x.c.WriteMapLen(len(t.keys))
		for _, k := range t.keys {
			x.c.WriteBulk(k)
			writeResp3Value(x, t.vals[k], expand, f)
		}
	}
}

func cmdJSONMGet(x *call) {
	keys, path := x.args[:len(x.args)-1], x.args[len(x.args)-1]
	p, err := parsePath(path)
	if err != nil {
		x.c.WriteError(err.Error())
		return
	}
	x.c.WriteLen(len(keys))
	for _, k := range keys {
		doc, exists, e := x.loadJSON(k)
		x.s.hit(exists)
		if !exists || e != "" {
			x.c.WriteNull()
			continue
		}
		m := values(doc, p)
		if p.legacy {
			if len(m) == 0 {
				x.c.WriteNull()
				continue
			}
			x.c.WriteBulk(toJSON(m[0]))
			continue
		}
		x.c.WriteBulk(toJSON(m))
	}
}

// cmdJSONType answers a type name for a legacy path, an array of them for
// a $-path; over RESP3, RedisJSON wraps either reply in one more array.
func cmdJSONType(x *call) {
	p, doc, exists, ok := x.openJSON(x.args[0], x.optPath("."))
	if !ok {
		return
	}
	if x.c.Resp3 {
		x.c.WriteLen(1)
	}
	if !exists {
		x.c.WriteNull()
		return
	}
	m := values(doc, p)
	if p.legacy {
		if len(m) == 0 {
			x.c.WriteNull()
			return
		}
		x.c.WriteBulk(jsonTypeName(m[0]))
		return
	}
	x.c.WriteLen(len(m))
	for _, v := range m {
		x.c.WriteBulk(jsonTypeName(v))
	}
}

// cmdJSONResp writes values in RedisJSON's RESP form: "[" and "{" open
// arrays and objects, booleans are simple strings, doubles are RESP
// doubles (bulk strings over RESP2).
func cmdJSONResp(x *call) {
	p, doc, exists, ok := x.openJSON(x.args[0], x.optPath("."))
	if !ok {
		return
	}
	if !exists {
		x.c.WriteNull()
		return
	}
	var writeResp func(v any)
	writeResp = func(v any) {
		switch t := v.(type) {
		case nil:
			x.c.WriteNull()
		case bool:
			x.c.WriteInline(fmt.Sprint(t))
		case int64:
			x.c.WriteInt(int(t))
		case float64:
			x.c.WriteFloat(t)
		case string:
			x.c.WriteBulk(t)
		case *jsonArray:
			x.c.WriteLen(len(t.items) + 1)
			x.c.WriteInline("[")
			for _, it := range t.items {
				writeResp(it)
			}
		case *jsonObject:
			x.c.WriteLen(2*len(t.keys) + 1)
			x.c.WriteInline("{")
			for _, k := range t.keys {
				x.c.WriteBulk(k)
				writeResp(t.vals[k])
			}
		}
	}
	m := values(doc, p)
	if p.legacy {
		if len(m) == 0 {
			x.c.WriteError(fmt.Sprintf(msgPathMissing, p.norm))
			return
		}
		writeResp(m[0])
		return
	}
	x.c.WriteLen(len(m))
	for _, v := range m {
		writeResp(v)
	}
}

func cmdJSONDebug(x *call) {
	switch strings.ToUpper(x.args[0]) {
	case "MEMORY":
		if len(x.args) < 2 {
			x.c.WriteError(errWrongArgs("json.debug|memory"))
			return
		}
		path := "."
		if len(x.args) > 2 {
			path = x.args[2]
		}
		p, doc, exists, ok := x.openJSON(x.args[1], path)
		if !ok {
			return
		}
		// An estimate: RedisJSON's in-memory tree costs a few times its
		// compact text.
		size := func(v any) int { return len(toJSON(v))*3 + 16 }
		m := []any{}
		if exists {
			m = values(doc, p)
		}
		if p.legacy {
			switch {
			case !exists:
				x.c.WriteInt(0)
			case len(m) == 0:
				x.c.WriteError(fmt.Sprintf(msgPathMissing, p.norm))
			default:
				x.c.WriteInt(size(m[0]))
			}
			return
		}
		x.c.WriteLen(len(m))
		for _, v := range m {
			x.c.WriteInt(size(v))
		}
	case "HELP":
		x.c.WriteStrings([]string{"MEMORY <key> [path] - reports memory usage", "HELP                - this message"})
	default:
		x.c.WriteError("ERR unknown subcommand - try `JSON.DEBUG HELP`")
	}
}
