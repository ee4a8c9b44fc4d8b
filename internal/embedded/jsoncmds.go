package embedded

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// JSON.* with RedisJSON 2.x semantics.
//
// A JSON document is stored as a miniredis string whose value starts with
// jsonMarker (a prefix no text a client SETs by accident would start with),
// followed by the document in compact JSON. Being a real key, it expires,
// renames, is WATCHed, counted, flushed and scanned like any other; the hook
// makes TYPE answer ReJSON-RL and GET-style string commands answer WRONGTYPE.

const jsonMarker = "\x00\xffworkbook:ReJSON-RL\x00"

func isJSONValue(v string) bool { return strings.HasPrefix(v, jsonMarker) }

const (
	msgNoKey       = "ERR could not perform this operation on a key that doesn't exist"
	msgRootOnly    = "ERR new objects must be created at the root"
	msgPathMissing = "ERR Path '%s' does not exist"
)

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
		return nil, false, msgWrongType
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

// ---- JSON.SET / JSON.MSET / JSON.MERGE ----

func cmdJSONSet(x *call) {
	key, path, val := x.args[0], x.args[1], x.args[2]
	nx, xx := false, false
	for _, o := range x.args[3:] {
		switch strings.ToUpper(o) {
		case "NX":
			nx = true
		case "XX":
			xx = true
		default:
			x.c.WriteError(msgSyntax)
			return
		}
	}
	if nx && xx {
		x.c.WriteError(msgSyntax)
		return
	}
	p, err := parsePath(path)
	if err != nil {
		x.c.WriteError(err.Error())
		return
	}
	v, bad := parseValue(val)
	if bad != "" {
		x.c.WriteError(bad)
		return
	}
	doc, exists, e := x.loadJSON(key)
	if e != "" {
		x.c.WriteError(e)
		return
	}
	newDoc, ok, e := setPath(doc, exists, p, v, nx, xx)
	if e != "" {
		x.c.WriteError(e)
		return
	}
	if !ok {
		x.c.WriteNull()
		return
	}
	x.saveJSON(key, newDoc)
	x.c.WriteOK()
}

// setPath is JSON.SET's logic: replace every match, or add the last key to
// every matching parent object. ok is false when nothing was set (NX/XX
// unmet, or the parent does not exist), which JSON.SET answers with nil.
func setPath(doc any, exists bool, p *jsonPath, v any, nx, xx bool) (any, bool, string) {
	if !exists {
		if !p.isRoot() {
			return nil, false, msgRootOnly
		}
		if xx {
			return nil, false, ""
		}
		return v, true, ""
	}
	if locs := p.locate(doc); len(locs) > 0 {
		if nx {
			return doc, false, ""
		}
		for i, l := range locs {
			nv := v
			if i > 0 {
				nv = deepCopy(v)
			}
			doc = put(doc, l, nv)
		}
		return doc, true, ""
	}
	if xx {
		return doc, false, ""
	}
	// Nothing matched: a new key is added to each object the path's parent
	// matches, if the last step names a key.
	last, ok := p.expr[len(p.expr)-1].(jp.Child)
	if !ok {
		return doc, false, ""
	}
	parent := &jsonPath{legacy: p.legacy, expr: p.expr[:len(p.expr)-1]}
	added := false
	for i, l := range parent.locate(doc) {
		if o, isObj := get(doc, l).(*jsonObject); isObj {
			nv := v
			if i > 0 {
				nv = deepCopy(v)
			}
			o.SetValueForKey(string(last), nv)
			added = true
		}
	}
	return doc, added, ""
}

func cmdJSONMSet(x *call) {
	if len(x.args)%3 != 0 {
		x.c.WriteError(errWrongArgs(x.cmd))
		return
	}
	// Validate and apply to copies first, so that MSET is all or nothing.
	docs := map[string]any{}
	present := map[string]bool{}
	var order []string
	for i := 0; i < len(x.args); i += 3 {
		key := x.args[i]
		p, err := parsePath(x.args[i+1])
		if err != nil {
			x.c.WriteError(err.Error())
			return
		}
		v, bad := parseValue(x.args[i+2])
		if bad != "" {
			x.c.WriteError(bad)
			return
		}
		if _, seen := docs[key]; !seen && !present[key] {
			doc, exists, e := x.loadJSON(key)
			if e != "" {
				x.c.WriteError(e)
				return
			}
			docs[key], present[key] = doc, exists
			order = append(order, key)
		}
		nd, ok, e := setPath(docs[key], present[key], p, v, false, false)
		if e != "" {
			x.c.WriteError(e)
			return
		}
		if ok {
			docs[key], present[key] = nd, true
		}
	}
	for _, k := range order {
		if present[k] {
			x.saveJSON(k, docs[k])
		}
	}
	x.c.WriteOK()
}

// mergePatch applies an RFC 7396 merge patch (what JSON.MERGE does).
func mergePatch(target, patch any) any {
	po, ok := patch.(*jsonObject)
	if !ok {
		return deepCopy(patch)
	}
	to, ok := target.(*jsonObject)
	if !ok {
		to = newObject()
	}
	for _, k := range po.keys {
		pv := po.vals[k]
		if pv == nil {
			to.RemoveValueForKey(k)
			continue
		}
		cur, _ := to.ValueForKey(k)
		to.SetValueForKey(k, mergePatch(cur, pv))
	}
	return to
}

func cmdJSONMerge(x *call) {
	key := x.args[0]
	p, err := parsePath(x.args[1])
	if err != nil {
		x.c.WriteError(err.Error())
		return
	}
	v, bad := parseValue(x.args[2])
	if bad != "" {
		x.c.WriteError(bad)
		return
	}
	doc, exists, e := x.loadJSON(key)
	if e != "" {
		x.c.WriteError(e)
		return
	}
	if !exists {
		if !p.isRoot() {
			x.c.WriteError(msgRootOnly)
			return
		}
		x.saveJSON(key, mergePatch(nil, v))
		x.c.WriteOK()
		return
	}
	locs := p.locate(doc)
	if len(locs) == 0 {
		// A missing last key is added, as with JSON.SET (a null patch adds nothing).
		if v != nil {
			if nd, ok, _ := setPath(doc, true, p, mergePatch(nil, v), false, false); ok {
				doc = nd
			}
		}
	}
	for _, l := range locs {
		if v == nil && len(l) > 0 {
			remove(doc, l)
			continue
		}
		doc = put(doc, l, mergePatch(get(doc, l), v))
	}
	x.saveJSON(key, doc)
	x.c.WriteOK()
}

// ---- JSON.GET / JSON.MGET ----

func cmdJSONGet(x *call) {
	key := x.args[0]
	var f jsonFormat
	var paths []string
	for i := 1; i < len(x.args); i++ {
		a := x.args[i]
		opt := strings.ToUpper(a)
		if (opt == "INDENT" || opt == "NEWLINE" || opt == "SPACE") && i+1 < len(x.args) {
			switch opt {
			case "INDENT":
				f.indent = x.args[i+1]
			case "NEWLINE":
				f.newline = x.args[i+1]
			case "SPACE":
				f.space = x.args[i+1]
			}
			i++
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
	matches := func(p *jsonPath) []any {
		out := []any{}
		for _, l := range p.locate(doc) {
			out = append(out, get(doc, l))
		}
		return out
	}
	var b strings.Builder
	if len(parsed) == 1 {
		p := parsed[0]
		m := matches(p)
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
		m := matches(p)
		if allLegacy {
			if len(m) == 0 {
				x.c.WriteError(fmt.Sprintf(msgPathMissing, p.norm))
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
		locs := p.locate(doc)
		if p.legacy {
			if len(locs) == 0 {
				x.c.WriteNull()
				continue
			}
			x.c.WriteBulk(toJSON(get(doc, locs[0])))
			continue
		}
		m := []any{}
		for _, l := range locs {
			m = append(m, get(doc, l))
		}
		x.c.WriteBulk(toJSON(m))
	}
}

// ---- JSON.DEL / JSON.FORGET / JSON.CLEAR ----

func cmdJSONDel(x *call) {
	key := x.args[0]
	p, doc, exists, ok := x.openJSON(key, x.optPath("$"))
	if !ok {
		return
	}
	if !exists {
		x.c.WriteInt(0)
		return
	}
	if p.isRoot() {
		x.do("DEL", key)
		x.c.WriteInt(1)
		return
	}
	locs := p.locate(doc)
	// Delete the last matches first, so that array indexes stay valid.
	sort.SliceStable(locs, func(i, j int) bool { return docOrderLess(doc, locs[j], locs[i]) })
	for _, l := range locs {
		remove(doc, l)
	}
	if len(locs) > 0 {
		x.saveJSON(key, doc)
	}
	x.c.WriteInt(len(locs))
}

func cmdJSONClear(x *call) {
	key := x.args[0]
	p, doc, exists, ok := x.openJSON(key, x.optPath("$"))
	if !ok {
		return
	}
	if !exists {
		x.c.WriteError(msgNoKey)
		return
	}
	n := 0
	for _, l := range p.locate(doc) {
		switch v := get(doc, l).(type) {
		case *jsonObject:
			v.keys, v.vals = nil, map[string]any{}
			n++
		case *jsonArray:
			v.items = []any{}
			n++
		case int64, float64:
			doc = put(doc, l, int64(0))
			n++
		}
	}
	x.saveJSON(key, doc)
	x.c.WriteInt(n)
}

// ---- commands that act on each match ----

// jsonEach describes a command that visits every match of one path.
type jsonEach struct {
	readOnly bool
	want     string // the JSON type it works on, for WRONGTYPE messages
	notFound string // legacy "no match" error (with %s for the path)
	// apply returns the reply for one match (and may change the node in
	// place, or return a replacement); ok false means the type is wrong.
	apply func(v any) (reply any, repl any, ok bool)
	// write writes one reply item.
	write func(x *call, item any)
}

func (x *call) each(key, path string, e jsonEach) {
	p, doc, exists, ok := x.openJSON(key, path)
	if !ok {
		return
	}
	if !exists {
		if p.legacy && e.readOnly {
			x.c.WriteNull()
		} else {
			x.c.WriteError(msgNoKey)
		}
		return
	}
	locs := p.locate(doc)
	replies := make([]any, len(locs))
	oks := make([]bool, len(locs))
	changed := false
	for i, l := range locs {
		v := get(doc, l)
		r, repl, ok := e.apply(v)
		replies[i], oks[i] = r, ok
		if ok && !e.readOnly {
			if repl != nil {
				doc = put(doc, l, repl)
			}
			changed = true
		}
	}
	if changed {
		x.saveJSON(key, doc)
	}
	if p.legacy {
		if len(locs) == 0 {
			if e.readOnly {
				x.c.WriteNull()
				return
			}
			nf := e.notFound
			if nf == "" {
				nf = msgPathMissing
			}
			x.c.WriteError(fmt.Sprintf(nf, p.norm))
			return
		}
		if !oks[0] {
			x.c.WriteError(msgJSONWrongType(e.want, get(doc, locs[0])))
			return
		}
		e.write(x, replies[0])
		return
	}
	x.c.WriteLen(len(replies))
	for i, r := range replies {
		if !oks[i] || r == nil {
			x.c.WriteNull()
			continue
		}
		e.write(x, r)
	}
}

func writeInt(x *call, v any)  { x.c.WriteInt(int(v.(int64))) }
func writeBulk(x *call, v any) { x.c.WriteBulk(v.(string)) }

func cmdJSONType(x *call) {
	p, doc, exists, ok := x.openJSON(x.args[0], x.optPath("."))
	if !ok {
		return
	}
	if !exists {
		x.c.WriteNull()
		return
	}
	locs := p.locate(doc)
	if p.legacy {
		if len(locs) == 0 {
			x.c.WriteNull()
			return
		}
		x.c.WriteBulk(jsonTypeName(get(doc, locs[0])))
		return
	}
	x.c.WriteLen(len(locs))
	for _, l := range locs {
		x.c.WriteBulk(jsonTypeName(get(doc, l)))
	}
}

// numOp is NUMINCRBY/NUMMULTBY: integer stays integer when both operands
// are integers and the result fits, as in RedisJSON. The replies are JSON
// text: "[3,null]" for $-paths, "3" for legacy ones.
func numOp(x *call, mult bool) {
	arg, bad := parseValue(x.args[2])
	if bad != "" {
		x.c.WriteError(bad)
		return
	}
	switch arg.(type) {
	case int64, float64:
	default:
		x.c.WriteError("ERR expected value at line 1 column 1")
		return
	}
	p, doc, exists, ok := x.openJSON(x.args[0], x.args[1])
	if !ok {
		return
	}
	if !exists {
		x.c.WriteError(msgNoKey)
		return
	}
	locs := p.locate(doc)
	results := []any{}
	changed := false
	for _, l := range locs {
		var r any
		switch a := get(doc, l).(type) {
		case int64:
			if b, ok := arg.(int64); ok {
				if mult {
					if prod := a * b; a == 0 || prod/a == b {
						r = prod
					} else {
						r = float64(a) * float64(b)
					}
				} else {
					if s := a + b; (b > 0 && s < a) || (b < 0 && s > a) {
						r = float64(a) + float64(b)
					} else {
						r = s
					}
				}
			} else {
				r = floatOp(float64(a), arg.(float64), mult)
			}
		case float64:
			b, ok := arg.(float64)
			if !ok {
				b = float64(arg.(int64))
			}
			r = floatOp(a, b, mult)
		}
		if f, ok := r.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			x.c.WriteError("ERR result is not a number or is out of range")
			return
		}
		if r != nil {
			doc = put(doc, l, r)
			changed = true
		}
		results = append(results, r)
	}
	if changed {
		x.saveJSON(x.args[0], doc)
	}
	if !p.legacy {
		x.c.WriteBulk(toJSON(results))
		return
	}
	if len(locs) == 0 {
		x.c.WriteError(fmt.Sprintf("ERR Path '%s' does not exist or does not contains a number", p.norm))
		return
	}
	if results[0] == nil {
		x.c.WriteError(msgJSONWrongType("a number", get(doc, locs[0])))
		return
	}
	x.c.WriteBulk(toJSON(results[0]))
}

func floatOp(a, b float64, mult bool) float64 {
	if mult {
		return a * b
	}
	return a + b
}

func cmdJSONNumIncrBy(x *call) { numOp(x, false) }
func cmdJSONNumMultBy(x *call) { numOp(x, true) }

func cmdJSONStrAppend(x *call) {
	key, path, val := x.args[0], ".", x.args[len(x.args)-1]
	if len(x.args) == 3 {
		path = x.args[1]
	}
	v, bad := parseValue(val)
	if bad != "" {
		x.c.WriteError(bad)
		return
	}
	s, ok := v.(string)
	if !ok {
		x.c.WriteError(msgJSONWrongType("string", v))
		return
	}
	x.each(key, path, jsonEach{want: "string", apply: func(n any) (any, any, bool) {
		cur, ok := n.(string)
		if !ok {
			return nil, nil, false
		}
		return int64(len(cur + s)), cur + s, true
	}, write: writeInt})
}

func cmdJSONStrLen(x *call) {
	x.each(x.args[0], x.optPath("."), jsonEach{readOnly: true, want: "string", apply: func(n any) (any, any, bool) {
		s, ok := n.(string)
		return int64(len(s)), nil, ok
	}, write: writeInt})
}

func cmdJSONArrAppend(x *call) {
	key, path, vals := x.args[0], ".", x.args[1:]
	if len(x.args) >= 3 {
		path, vals = x.args[1], x.args[2:]
	}
	var items []any
	for _, s := range vals {
		v, bad := parseValue(s)
		if bad != "" {
			x.c.WriteError(bad)
			return
		}
		items = append(items, v)
	}
	x.each(key, path, jsonEach{want: "array", apply: func(n any) (any, any, bool) {
		a, ok := n.(*jsonArray)
		if !ok {
			return nil, nil, false
		}
		for _, it := range items {
			a.items = append(a.items, deepCopy(it))
		}
		return int64(len(a.items)), nil, true
	}, write: writeInt})
}

func cmdJSONArrInsert(x *call) {
	idx, err := strconv.Atoi(x.args[2])
	if err != nil {
		x.c.WriteError(msgNotInt)
		return
	}
	var items []any
	for _, s := range x.args[3:] {
		v, bad := parseValue(s)
		if bad != "" {
			x.c.WriteError(bad)
			return
		}
		items = append(items, v)
	}
	rangeErr := false
	x.eachGuarded(&rangeErr, "ERR index out of bounds", jsonEach{want: "array", apply: func(n any) (any, any, bool) {
		a, ok := n.(*jsonArray)
		if !ok {
			return nil, nil, false
		}
		i := idx
		if i < 0 {
			i += len(a.items)
		}
		if i < 0 || i > len(a.items) {
			rangeErr = true
			return nil, nil, false
		}
		var ins []any
		for _, it := range items {
			ins = append(ins, deepCopy(it))
		}
		a.items = append(a.items[:i:i], append(ins, a.items[i:]...)...)
		return int64(len(a.items)), nil, true
	}, write: writeInt})
}

// eachGuarded runs each, unless applying it to a copy of the document set
// *flag: then it answers errMsg and leaves the document untouched (an index
// out of range fails the whole command in RedisJSON).
func (x *call) eachGuarded(flag *bool, errMsg string, e jsonEach) {
	if doc, exists, emsg := x.loadJSON(x.args[0]); emsg == "" && exists {
		if p, err := parsePath(x.args[1]); err == nil {
			cp := deepCopy(doc)
			for _, l := range p.locate(cp) {
				e.apply(get(cp, l))
			}
			if *flag {
				x.c.WriteError(errMsg)
				return
			}
		}
	}
	x.each(x.args[0], x.args[1], e)
}

func cmdJSONArrIndex(x *call) {
	v, bad := parseValue(x.args[2])
	if bad != "" {
		x.c.WriteError(bad)
		return
	}
	start, stop := 0, 0
	var err error
	if len(x.args) > 3 {
		if start, err = strconv.Atoi(x.args[3]); err != nil {
			x.c.WriteError(msgNotInt)
			return
		}
	}
	if len(x.args) > 4 {
		if stop, err = strconv.Atoi(x.args[4]); err != nil {
			x.c.WriteError(msgNotInt)
			return
		}
	}
	x.each(x.args[0], x.args[1], jsonEach{readOnly: true, want: "array", apply: func(n any) (any, any, bool) {
		a, ok := n.(*jsonArray)
		if !ok {
			return nil, nil, false
		}
		l := len(a.items)
		s, e := start, stop
		if s < 0 {
			s += l
		}
		if s < 0 {
			s = 0
		}
		if e <= 0 {
			e += l
			if stop == 0 {
				e = l
			}
		}
		if e > l {
			e = l
		}
		for i := s; i < e; i++ {
			if jsonEqual(a.items[i], v) {
				return int64(i), nil, true
			}
		}
		return int64(-1), nil, true
	}, write: writeInt})
}

func cmdJSONArrLen(x *call) {
	x.each(x.args[0], x.optPath("."), jsonEach{readOnly: true, want: "array", apply: func(n any) (any, any, bool) {
		a, ok := n.(*jsonArray)
		if !ok {
			return nil, nil, false
		}
		return int64(len(a.items)), nil, true
	}, write: writeInt})
}

func cmdJSONArrPop(x *call) {
	key, path, idx := x.args[0], x.optPath("."), -1
	if len(x.args) > 2 {
		i, err := strconv.Atoi(x.args[2])
		if err != nil {
			x.c.WriteError(msgNotInt)
			return
		}
		idx = i
	}
	p, err := parsePath(path)
	if err == nil && p.legacy {
		// A legacy pop of an empty array answers nil, not an error.
		doc, exists, _ := x.loadJSON(key)
		if exists {
			if locs := p.locate(doc); len(locs) > 0 {
				if a, ok := get(doc, locs[0]).(*jsonArray); ok && len(a.items) == 0 {
					x.c.WriteNull()
					return
				}
			}
		}
	}
	x.each(key, path, jsonEach{want: "array", apply: func(n any) (any, any, bool) {
		a, ok := n.(*jsonArray)
		if !ok {
			return nil, nil, false
		}
		if len(a.items) == 0 {
			return nil, nil, true
		}
		i := idx
		if i < 0 {
			i += len(a.items)
		}
		if i < 0 {
			i = 0
		}
		if i >= len(a.items) {
			i = len(a.items) - 1
		}
		v := a.items[i]
		a.items = append(a.items[:i:i], a.items[i+1:]...)
		return toJSON(v), nil, true
	}, write: writeBulk})
}

func cmdJSONArrTrim(x *call) {
	start, err1 := strconv.Atoi(x.args[2])
	stop, err2 := strconv.Atoi(x.args[3])
	if err1 != nil || err2 != nil {
		x.c.WriteError(msgNotInt)
		return
	}
	x.each(x.args[0], x.args[1], jsonEach{want: "array", apply: func(n any) (any, any, bool) {
		a, ok := n.(*jsonArray)
		if !ok {
			return nil, nil, false
		}
		l := len(a.items)
		s, e := start, stop
		if s < 0 {
			s += l
		}
		if e < 0 {
			e += l
		}
		if s < 0 {
			s = 0
		}
		if e >= l {
			e = l - 1
		}
		if l == 0 || s >= l || s > e {
			a.items = []any{}
		} else {
			a.items = append([]any{}, a.items[s:e+1]...)
		}
		return int64(len(a.items)), nil, true
	}, write: writeInt})
}

func cmdJSONObjKeys(x *call) {
	x.each(x.args[0], x.optPath("."), jsonEach{readOnly: true, want: "object", apply: func(n any) (any, any, bool) {
		o, ok := n.(*jsonObject)
		if !ok {
			return nil, nil, false
		}
		return o.Keys(), nil, true
	}, write: func(x *call, v any) { x.c.WriteStrings(v.([]string)) }})
}

func cmdJSONObjLen(x *call) {
	x.each(x.args[0], x.optPath("."), jsonEach{readOnly: true, want: "object", apply: func(n any) (any, any, bool) {
		o, ok := n.(*jsonObject)
		if !ok {
			return nil, nil, false
		}
		return int64(len(o.keys)), nil, true
	}, write: writeInt})
}

func cmdJSONToggle(x *call) {
	p, err := parsePath(x.args[1])
	if err != nil {
		x.c.WriteError(err.Error())
		return
	}
	write := writeInt
	if p.legacy {
		// The legacy reply is the new value as JSON text: "true"/"false".
		write = func(x *call, v any) { x.c.WriteBulk(strconv.FormatBool(v.(int64) == 1)) }
	}
	x.each(x.args[0], x.args[1], jsonEach{want: "boolean", apply: func(n any) (any, any, bool) {
		b, ok := n.(bool)
		if !ok {
			return nil, nil, false
		}
		r := int64(0)
		if !b {
			r = 1
		}
		return r, !b, true
	}, write: write})
}

func cmdJSONResp(x *call) {
	var writeResp func(v any)
	writeResp = func(v any) {
		switch t := v.(type) {
		case nil:
			x.c.WriteNull()
		case bool:
			x.c.WriteInline(strconv.FormatBool(t))
		case int64:
			x.c.WriteInt(int(t))
		case float64:
			x.c.WriteBulk(formatJSONFloat(t))
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
	x.each(x.args[0], x.optPath("."), jsonEach{readOnly: true, apply: func(n any) (any, any, bool) {
		return []any{n}, nil, true
	}, write: func(_ *call, v any) { writeResp(v.([]any)[0]) }})
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
		x.each(x.args[1], path, jsonEach{readOnly: true, apply: func(n any) (any, any, bool) {
			// An estimate: RedisJSON's in-memory tree costs a few times
			// its compact text.
			return int64(len(toJSON(n))*3 + 16), nil, true
		}, write: writeInt})
	case "HELP":
		x.c.WriteStrings([]string{"JSON.DEBUG MEMORY <key> [path] - reports memory usage", "JSON.DEBUG HELP                - this message"})
	default:
		x.c.WriteError("ERR unknown subcommand - try `JSON.DEBUG HELP`")
	}
}

func jsonCommands() map[string]command {
	return map[string]command{
		"JSON.SET":       {arity: -4, run: cmdJSONSet},
		"JSON.GET":       {arity: -2, run: cmdJSONGet},
		"JSON.MGET":      {arity: -3, run: cmdJSONMGet},
		"JSON.MSET":      {arity: -4, run: cmdJSONMSet},
		"JSON.MERGE":     {arity: 4, run: cmdJSONMerge},
		"JSON.DEL":       {arity: -2, run: cmdJSONDel},
		"JSON.FORGET":    {arity: -2, run: cmdJSONDel},
		"JSON.CLEAR":     {arity: -2, run: cmdJSONClear},
		"JSON.TYPE":      {arity: -2, run: cmdJSONType},
		"JSON.NUMINCRBY": {arity: 4, run: cmdJSONNumIncrBy},
		"JSON.NUMMULTBY": {arity: 4, run: cmdJSONNumMultBy},
		"JSON.STRAPPEND": {arity: -3, run: cmdJSONStrAppend},
		"JSON.STRLEN":    {arity: -2, run: cmdJSONStrLen},
		"JSON.ARRAPPEND": {arity: -3, run: cmdJSONArrAppend},
		"JSON.ARRINSERT": {arity: -5, run: cmdJSONArrInsert},
		"JSON.ARRINDEX":  {arity: -4, run: cmdJSONArrIndex},
		"JSON.ARRLEN":    {arity: -2, run: cmdJSONArrLen},
		"JSON.ARRPOP":    {arity: -2, run: cmdJSONArrPop},
		"JSON.ARRTRIM":   {arity: 5, run: cmdJSONArrTrim},
		"JSON.OBJKEYS":   {arity: -2, run: cmdJSONObjKeys},
		"JSON.OBJLEN":    {arity: -2, run: cmdJSONObjLen},
		"JSON.TOGGLE":    {arity: 3, run: cmdJSONToggle},
		"JSON.RESP":      {arity: -2, run: cmdJSONResp},
		"JSON.DEBUG":     {arity: -2, run: cmdJSONDebug},
	}
}
