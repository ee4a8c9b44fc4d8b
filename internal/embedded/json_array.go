package embedded

import (
	"fmt"
	"strconv"
)

// JSON.ARRAPPEND, JSON.ARRINSERT, JSON.ARRINDEX, JSON.ARRLEN, JSON.ARRPOP
// and JSON.ARRTRIM: arrays.

func jsonArrayCommands() map[string]command {
	return map[string]command{
		"JSON.ARRAPPEND": {arity: -4, run: cmdJSONArrAppend},
		"JSON.ARRINSERT": {arity: -5, run: cmdJSONArrInsert},
		"JSON.ARRINDEX":  {arity: -4, run: cmdJSONArrIndex},
		"JSON.ARRLEN":    {arity: -2, run: cmdJSONArrLen},
		"JSON.ARRPOP":    {arity: -2, run: cmdJSONArrPop},
		"JSON.ARRTRIM":   {arity: 5, run: cmdJSONArrTrim},
	}
}

// parseValues parses JSON arguments, answering the first bad one.
func (x *call) parseValues(args []string) ([]any, bool) {
	items := make([]any, 0, len(args))
	for _, s := range args {
		v, bad := parseValue(s)
		if bad != "" {
			x.c.WriteError(bad)
			return nil, false
		}
		items = append(items, v)
	}
	return items, true
}

func cmdJSONArrAppend(x *call) {
	items, ok := x.parseValues(x.args[2:])
	if !ok {
		return
	}
	x.update(x.args[0], x.args[1], jsonUpdate{is: isArray, notType: "not an array", original: true,
		apply: func(n any) (any, any, string) {
			a := n.(*jsonArray)
			for _, it := range items {
				a.items = append(a.items, deepCopy(it))
			}
			return int64(len(a.items)), nil, ""
		}, write: writeInt})
}

func cmdJSONArrInsert(x *call) {
	idx, err := strconv.Atoi(x.args[2])
	if err != nil {
		x.c.WriteError(msgNotInt)
		return
	}
	items, ok := x.parseValues(x.args[3:])
	if !ok {
		return
	}
	x.update(x.args[0], x.args[1], jsonUpdate{is: isArray, notType: "not an array",
		apply: func(n any) (any, any, string) {
			a := n.(*jsonArray)
			i := idx
			if i < 0 {
				i += len(a.items)
			}
			if i < 0 || i > len(a.items) {
				return nil, nil, "ERR index out of bounds"
			}
			ins := make([]any, 0, len(items))
			for _, it := range items {
				ins = append(ins, deepCopy(it))
			}
			a.items = append(a.items[:i:i], append(ins, a.items[i:]...)...)
			return int64(len(a.items)), nil, ""
		}, write: writeInt})
}

// arrIndexIn is JSON.ARRINDEX on one array, with RedisJSON's
// normalize_arr_indices: a stop of 0 means the end.
func arrIndexIn(a *jsonArray, v any, start, stop int) int {
	n := len(a.items)
	if n == 0 {
		return -1
	}
	switch {
	case start < 0:
		start = max(0, n+start)
	case start > n-1:
		start = n - 1
	}
	switch {
	case stop == 0:
		stop = n
	case stop < 0:
		stop = max(0, n+stop)
	case stop > n:
		stop = n
	}
	for i := start; i < stop; i++ {
		if jsonEqual(a.items[i], v) {
			return i
		}
	}
	return -1
}

func cmdJSONArrIndex(x *call) {
	if len(x.args) > 5 {
		x.c.WriteError(errWrongArgs(x.cmd))
		return
	}
	v, bad := parseValue(x.args[2])
	if bad != "" {
		x.c.WriteError(bad)
		return
	}
	bounds := [2]int{}
	for i, s := range x.args[3:] {
		n, err := strconv.Atoi(s)
		if err != nil {
			x.c.WriteError(msgNotInt)
			return
		}
		bounds[i] = n
	}
	p, doc, exists, ok := x.openJSON(x.args[0], x.args[1])
	if !ok {
		return
	}
	if !exists {
		x.c.WriteError(fmt.Sprintf(msgPathMissing, p.src))
		return
	}
	m := values(doc, p)
	if p.legacy {
		if len(m) == 0 {
			x.c.WriteError(fmt.Sprintf(msgPathMissing, p.norm))
			return
		}
		a, isArr := m[0].(*jsonArray)
		if !isArr {
			x.c.WriteError(msgJSONWrongType("array", m[0]))
			return
		}
		x.c.WriteInt(arrIndexIn(a, v, bounds[0], bounds[1]))
		return
	}
	x.c.WriteLen(len(m))
	for _, n := range m {
		if a, isArr := n.(*jsonArray); isArr {
			x.c.WriteInt(arrIndexIn(a, v, bounds[0], bounds[1]))
		} else {
			x.c.WriteNull()
		}
	}
}

// cmdJSONArrLen: over a legacy path a missing key is nil, a missing path
// and a value that is not an array are errors naming the path as written.
func cmdJSONArrLen(x *call) {
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
			x.c.WriteError(fmt.Sprintf(msgPathMissing, p.src))
			return
		}
		a, isArr := m[0].(*jsonArray)
		if !isArr {
			x.c.WriteError(msgPathMissingOr(p.src, "not an array"))
			return
		}
		x.c.WriteInt(len(a.items))
		return
	}
	x.c.WriteLen(len(m))
	for _, v := range m {
		if a, isArr := v.(*jsonArray); isArr {
			x.c.WriteInt(len(a.items))
		} else {
			x.c.WriteNull()
		}
	}
}

// cmdJSONArrPop pops the last element by default; an index is clamped into
// the array, and an empty array pops nil. The popped value is JSON text,
// over RESP3 too (RedisJSON's default FORMAT STRINGS).
func cmdJSONArrPop(x *call) {
	key, path, idx := x.args[0], ".", int64(-1)
	if len(x.args) > 1 {
		path = x.args[1]
	}
	if len(x.args) > 2 {
		// RedisJSON reads a bad index as -1.
		if i, err := strconv.ParseInt(x.args[2], 10, 64); err == nil {
			idx = i
		}
	}
	x.update(key, path, jsonUpdate{is: isArray, notType: "not an array",
		apply: func(n any) (any, any, string) {
			a := n.(*jsonArray)
			l := int64(len(a.items))
			if l == 0 {
				return nil, nil, ""
			}
			i := idx
			switch {
			case i < 0:
				i = max(0, l+i)
			case i > l-1:
				i = l - 1
			}
			v := a.items[i]
			a.items = append(a.items[:i:i], a.items[i+1:]...)
			return toJSON(v), nil, ""
		}, write: writeBulk})
}

// cmdJSONArrTrim keeps [start, stop] (both inclusive), with RedisJSON's
// normalisation: negative indexes count from the end, stop is clamped to
// the last element, and a start past the end empties the array.
func cmdJSONArrTrim(x *call) {
	start, err1 := strconv.Atoi(x.args[2])
	stop, err2 := strconv.Atoi(x.args[3])
	if err1 != nil || err2 != nil {
		x.c.WriteError(msgNotInt)
		return
	}
	x.update(x.args[0], x.args[1], jsonUpdate{is: isArray, notType: "not an array",
		apply: func(n any) (any, any, string) {
			a := n.(*jsonArray)
			l := len(a.items)
			norm := func(i int) int {
				if i < 0 {
					return max(0, l+i)
				}
				return min(i, l-1)
			}
			e := norm(stop)
			s := e + 1
			if start < l {
				s = norm(start)
			}
			if l == 0 || s > e {
				a.items = []any{}
			} else {
				a.items = append([]any{}, a.items[s:e+1]...)
			}
			return int64(len(a.items)), nil, ""
		}, write: writeInt})
}
