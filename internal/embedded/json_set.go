package embedded

import "strings"

// JSON.SET, JSON.MSET and JSON.MERGE: writing documents and values in them.

func jsonSetCommands() map[string]command {
	return map[string]command{
		"JSON.SET":   {arity: -4, run: cmdJSONSet},
		"JSON.MSET":  {arity: -4, run: cmdJSONMSet},
		"JSON.MERGE": {arity: -4, run: cmdJSONMerge},
	}
}

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

// setPath is JSON.SET's logic (RedisJSON's find_paths and find_add_paths):
// replace every match, or else add the path's last key to each object its
// parent matches. ok is false when nothing was set (NX or XX unmet, or no
// parent found), which JSON.SET answers with nil.
func setPath(doc any, exists bool, p *jsonPath, v any, nx, xx bool) (any, bool, string) {
	if !exists {
		if !p.isRoot() {
			return nil, false, msgRootOnly
		}
		return v, !xx, ""
	}
	if p.isRoot() {
		return v, !nx, ""
	}
	if !nx {
		if locs := forUpdate(doc, p.locate(doc)); len(locs) > 0 {
			for i, l := range locs {
				nv := v
				if i > 0 {
					nv = deepCopy(v)
				}
				doc = put(doc, l, nv)
			}
			return doc, true, ""
		}
	}
	if xx {
		return doc, false, ""
	}
	return addPath(doc, p, v)
}

// addPath creates the missing last key of a static path in every object
// its parent matches (RedisJSON's find_add_paths). A missing array index
// cannot be created.
func addPath(doc any, p *jsonPath, v any) (any, bool, string) {
	if !p.static() {
		return doc, false, "Err wrong static path"
	}
	last := p.segs[len(p.segs)-1]
	if last.kind == segIndexes {
		if len(p.locate(doc)) == 0 {
			return doc, false, "ERR array index out of range"
		}
		return doc, false, "" // NX on an element that exists
	}
	parent := &jsonPath{segs: p.segs[:len(p.segs)-1]}
	added := false
	for i, l := range parent.locate(doc) {
		o, isObj := get(doc, l).(*jsonObject)
		if !isObj {
			continue
		}
		if _, has := o.vals[last.keys[0]]; has {
			continue
		}
		nv := v
		if i > 0 {
			nv = deepCopy(v)
		}
		o.SetValueForKey(last.keys[0], nv)
		added = true
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

// mergePatch applies an RFC 7396 merge patch (what JSON.MERGE does to each
// match).
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
	if len(x.args) > 3 {
		x.c.WriteError(msgSyntax)
		return
	}
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
		// Nothing to merge with: the document is stored as given.
		x.saveJSON(key, v)
		x.c.WriteOK()
		return
	}
	locs := p.locate(doc)
	if len(locs) == 0 {
		// A missing last key is added with the value as given; a missing
		// parent leaves nothing to update.
		nd, ok, e := addPath(doc, p, v)
		if e != "" {
			x.c.WriteError(e)
			return
		}
		if !ok {
			x.c.WriteNull()
			return
		}
		doc = nd
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
