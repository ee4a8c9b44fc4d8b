package embedded

// JSON.DEL, JSON.FORGET and JSON.CLEAR: removing values and emptying them.

func jsonDelCommands() map[string]command {
	return map[string]command{
		"JSON.DEL":    {arity: -2, run: cmdJSONDel},
		"JSON.FORGET": {arity: -2, run: cmdJSONDel},
		"JSON.CLEAR":  {arity: -2, run: cmdJSONClear},
	}
}

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
	// A match nested in another goes with it; the rest are removed last
	// first, so that array indexes stay valid.
	locs := forUpdate(doc, p.locate(doc))
	for _, l := range locs {
		remove(doc, l)
	}
	switch {
	case len(locs) == 0:
	case isEmptyContainer(doc):
		// A document left as {} or [] goes with its key, as in RedisJSON
		// since 8.0 (MOD-9117).
		x.do("DEL", key)
	default:
		x.saveJSON(key, doc)
	}
	x.c.WriteInt(len(locs))
}

func isEmptyContainer(v any) bool {
	switch t := v.(type) {
	case *jsonObject:
		return len(t.keys) == 0
	case *jsonArray:
		return len(t.items) == 0
	}
	return false
}

// cmdJSONClear empties arrays and objects and sets numbers to 0, and counts
// only the values it changed: an empty array or a 0 is left alone and not
// counted, so a second JSON.CLEAR answers 0. Like RedisJSON, it reads the
// first path only.
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
			if len(v.keys) > 0 {
				v.keys, v.vals = nil, map[string]any{}
				n++
			}
		case *jsonArray:
			if len(v.items) > 0 {
				v.items = []any{}
				n++
			}
		case int64:
			if v != 0 {
				doc = put(doc, l, int64(0))
				n++
			}
		case float64:
			if v != 0 {
				doc = put(doc, l, int64(0))
				n++
			}
		}
	}
	if n > 0 {
		x.saveJSON(key, doc)
	}
	x.c.WriteInt(n)
}
