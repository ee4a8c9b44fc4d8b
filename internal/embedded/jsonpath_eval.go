package embedded

import (
	"regexp"
	"sort"
	"strings"
)

// Evaluating a parsed JSONPath (jsonpath.go) against a document, and
// reading or changing the document at the locations found.

// pathStep is one step of a concrete location: an object key, or an array
// index when index >= 0.
type pathStep struct {
	key   string
	index int
}

// loc is a concrete location, from the root.
type loc []pathStep

func keyStep(k string) pathStep { return pathStep{key: k, index: -1} }

// locate finds every match, in RedisJSON's order.
func (p *jsonPath) locate(doc any) []loc {
	var out []loc
	evalSegs(p.segs, doc, doc, nil, func(l loc, _ any) { out = append(out, append(loc(nil), l...)) })
	return out
}

// values returns the matched values themselves (for filter terms).
func evalValues(segs []pathSeg, node, root any) []any {
	var out []any
	evalSegs(segs, node, root, nil, func(_ loc, v any) { out = append(out, v) })
	return out
}

// evalSegs applies segs to node (at location at) and calls emit for each
// match. at is reused between calls: emit copies it if it keeps it.
func evalSegs(segs []pathSeg, node, root any, at loc, emit func(loc, any)) {
	if len(segs) == 0 {
		emit(at, node)
		return
	}
	s, rest := segs[0], segs[1:]
	switch s.kind {
	case segKeys:
		if o, ok := node.(*jsonObject); ok {
			for _, k := range s.keys {
				if v, ok := o.vals[k]; ok {
					evalSegs(rest, v, root, append(at, keyStep(k)), emit)
				}
			}
		}
	case segWild:
		eachChild(node, func(st pathStep, v any) { evalSegs(rest, v, root, append(at, st), emit) })
	case segIndexes:
		if a, ok := node.(*jsonArray); ok {
			n := len(a.items)
			for _, i := range s.idx {
				if i = absIndex(i, n); i < n {
					evalSegs(rest, a.items[i], root, append(at, pathStep{index: i}), emit)
				}
			}
		}
	case segSlice:
		if a, ok := node.(*jsonArray); ok {
			n := len(a.items)
			start, end := 0, n
			if s.slice.hasStart {
				start = absIndex(s.slice.start, n)
			}
			if s.slice.hasEnd {
				end = absIndex(s.slice.end, n)
			}
			for i := start; i < end; i += s.slice.step {
				evalSegs(rest, a.items[i], root, append(at, pathStep{index: i}), emit)
			}
		}
	case segFilter:
		switch node.(type) {
		case *jsonObject, *jsonArray:
			eachChild(node, func(st pathStep, v any) {
				if s.filter.match(v, root) {
					evalSegs(rest, v, root, append(at, st), emit)
				}
			})
		default:
			if s.filter.match(node, root) {
				evalSegs(rest, node, root, at, emit)
			}
		}
	case segScan:
		evalSegs(rest, node, root, at, emit)
		scan(rest, node, root, at, emit)
	}
}

// scan applies segs below node, at every depth, parents before children.
func scan(segs []pathSeg, node, root any, at loc, emit func(loc, any)) {
	eachChild(node, func(st pathStep, v any) {
		child := append(at, st)
		evalSegs(segs, v, root, child, emit)
		scan(segs, v, root, child, emit)
	})
}

func eachChild(node any, f func(pathStep, any)) {
	switch t := node.(type) {
	case *jsonObject:
		for _, k := range t.keys {
			f(keyStep(k), t.vals[k])
		}
	case *jsonArray:
		for i, v := range t.items {
			f(pathStep{index: i}, v)
		}
	}
}

// absIndex is RedisJSON's calc_abs_index: a negative index counts from the
// end and stops at 0; a positive one stops at n (which matches nothing).
func absIndex(i, n int) int {
	if i >= 0 {
		if i > n {
			return n
		}
		return i
	}
	if i += n; i < 0 {
		return 0
	}
	return i
}

func (f *filterExpr) match(v, root any) bool {
	for _, group := range f.or {
		all := true
		for _, t := range group {
			if !t.match(v, root) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

func (t *filterTest) match(v, root any) bool {
	if t.sub != nil {
		return t.sub.match(v, root) != t.not
	}
	l, lok := t.left.eval(v, root)
	if t.op == "" {
		return lok
	}
	r, rok := t.right.eval(v, root)
	switch t.op {
	case "==":
		return lok && rok && filterEqual(l, r, t.left.kind != termLiteral && t.right.kind != termLiteral)
	case "!=":
		return !(lok && rok && filterEqual(l, r, t.left.kind != termLiteral && t.right.kind != termLiteral))
	case "=~":
		s, ok := l.(string)
		if !lok || !rok || !ok || t.left.kind == termLiteral {
			return false
		}
		re := t.right.re
		if re == nil {
			pat, ok := r.(string)
			if !ok || t.right.kind == termLiteral {
				return false
			}
			var err error
			if re, err = regexp.Compile(pat); err != nil {
				return false
			}
		}
		return re.MatchString(s)
	}
	c, ok := filterCompare(l, r)
	if !lok || !rok || !ok {
		return false
	}
	switch t.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// eval is a term's value; ok is false when a path term matches nothing or
// several values (RedisJSON's Invalid).
func (t *filterTerm) eval(v, root any) (any, bool) {
	switch t.kind {
	case termLiteral:
		return t.value, true
	case termRoot:
		v = root
	}
	if len(t.path) == 0 {
		return v, true
	}
	m := evalValues(t.path, v, root)
	if len(m) != 1 {
		return nil, false
	}
	return m[0], true
}

// filterCompare orders two scalars of one kind (numbers, strings,
// booleans, nulls); ok is false when they cannot be compared.
func filterCompare(a, b any) (int, bool) {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpOrdered(x, y), true
		case float64:
			return cmpOrdered(float64(x), y), true
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return cmpOrdered(x, float64(y)), true
		case float64:
			return cmpOrdered(x, y), true
		}
	case string:
		if y, ok := b.(string); ok {
			return strings.Compare(x, y), true
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0, true
			case !x:
				return -1, true
			}
			return 1, true
		}
	case nil:
		if b == nil {
			return 0, true
		}
	}
	return 0, false
}

func cmpOrdered[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// filterEqual is ==: two document values are compared whole (arrays and
// objects too), anything else as scalars.
func filterEqual(a, b any, bothDoc bool) bool {
	if bothDoc {
		return jsonEqual(a, b)
	}
	c, ok := filterCompare(a, b)
	return ok && c == 0
}

// ---- reading and changing a document at a location ----

// step moves one location step down from node.
func step(node any, s pathStep) any {
	if s.index >= 0 {
		if a, ok := node.(*jsonArray); ok {
			return a.ValueAtIndex(s.index)
		}
		return nil
	}
	if o, ok := node.(*jsonObject); ok {
		return o.vals[s.key]
	}
	return nil
}

// get returns the node at l.
func get(doc any, l loc) any {
	for _, s := range l {
		doc = step(doc, s)
	}
	return doc
}

// put replaces the node at l (which must exist, or be a new key of an
// existing object) and returns the new root.
func put(doc any, l loc, v any) any {
	if len(l) == 0 {
		return v
	}
	parent, last := get(doc, l[:len(l)-1]), l[len(l)-1]
	if last.index >= 0 {
		if a, ok := parent.(*jsonArray); ok {
			a.SetValueAtIndex(last.index, v)
		}
	} else if o, ok := parent.(*jsonObject); ok {
		o.SetValueForKey(last.key, v)
	}
	return doc
}

// remove deletes the node at l from its parent.
func remove(doc any, l loc) {
	if len(l) == 0 {
		return
	}
	parent, last := get(doc, l[:len(l)-1]), l[len(l)-1]
	if last.index >= 0 {
		if a, ok := parent.(*jsonArray); ok {
			a.RemoveValueAtIndex(last.index)
		}
	} else if o, ok := parent.(*jsonObject); ok {
		o.RemoveValueForKey(last.key)
	}
}

// forUpdate orders locations the way RedisJSON changes them in place
// (prepare_paths_for_updating): each location nested in another match is
// dropped (deleting or replacing the outer node covers it), and the rest
// come last-first, so that removing an array element leaves the indexes
// still to visit valid.
func forUpdate(doc any, locs []loc) []loc {
	if len(locs) < 2 {
		return locs
	}
	var out []loc
	for i, l := range locs {
		nested := false
		for j, m := range locs {
			if i != j && len(m) < len(l) && isPrefix(m, l) {
				nested = true
				break
			}
			if j < i && len(m) == len(l) && isPrefix(m, l) {
				nested = true // the same location twice
				break
			}
		}
		if !nested {
			out = append(out, l)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return docOrderLess(doc, out[j], out[i]) })
	return out
}

// docOrderLess compares two locations by their position in the document.
func docOrderLess(doc any, a, b loc) bool {
	node := doc
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if a[i].index >= 0 || b[i].index >= 0 {
				return a[i].index < b[i].index
			}
			if o, ok := node.(*jsonObject); ok {
				return o.index(a[i].key) < o.index(b[i].key)
			}
			return a[i].key < b[i].key
		}
		node = step(node, a[i])
	}
	return len(a) < len(b)
}

func isPrefix(p, l loc) bool {
	for i := range p {
		if p[i] != l[i] {
			return false
		}
	}
	return true
}
