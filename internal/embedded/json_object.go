package embedded

// JSON.OBJKEYS and JSON.OBJLEN: objects.

func jsonObjectCommands() map[string]command {
	return map[string]command{
		"JSON.OBJKEYS": {arity: -2, run: cmdJSONObjKeys},
		"JSON.OBJLEN":  {arity: -2, run: cmdJSONObjLen},
	}
}

// cmdJSONObjKeys: over a $-path, an array of key lists (nil where a match
// is not an object); over a legacy path the first match's keys, nil for a
// missing key or path, an error for a match that is not an object.
func cmdJSONObjKeys(x *call) {
	p, doc, exists, ok := x.openJSON(x.args[0], x.optPath("."))
	if !ok {
		return
	}
	if !exists {
		if p.legacy {
			x.c.WriteNull()
		} else {
			x.c.WriteError(msgNoKey)
		}
		return
	}
	m := values(doc, p)
	if p.legacy {
		if len(m) == 0 {
			x.c.WriteNull()
			return
		}
		o, isObj := m[0].(*jsonObject)
		if !isObj {
			x.c.WriteError(msgPathMissingOr(p.norm, "not an object"))
			return
		}
		x.c.WriteStrings(o.Keys())
		return
	}
	x.c.WriteLen(len(m))
	for _, v := range m {
		if o, isObj := v.(*jsonObject); isObj {
			x.c.WriteStrings(o.Keys())
		} else {
			x.c.WriteNull()
		}
	}
}

// cmdJSONObjLen: RedisJSON answers a $-path on a missing key with "Path
// ... does not exist or not an object", and a legacy path with nil.
func cmdJSONObjLen(x *call) {
	p, doc, exists, ok := x.openJSON(x.args[0], x.optPath("."))
	if !ok {
		return
	}
	if !exists {
		if p.legacy {
			x.c.WriteNull()
		} else {
			x.c.WriteError(msgPathMissingOr(p.norm, "not an object"))
		}
		return
	}
	m := values(doc, p)
	if p.legacy {
		if len(m) == 0 {
			x.c.WriteNull()
			return
		}
		o, isObj := m[0].(*jsonObject)
		if !isObj {
			x.c.WriteError(msgJSONWrongType("object", m[0]))
			return
		}
		x.c.WriteInt(len(o.keys))
		return
	}
	x.c.WriteLen(len(m))
	for _, v := range m {
		if o, isObj := v.(*jsonObject); isObj {
			x.c.WriteInt(len(o.keys))
		} else {
			x.c.WriteNull()
		}
	}
}
