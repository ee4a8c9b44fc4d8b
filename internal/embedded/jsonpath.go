package embedded

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ohler55/ojg/jp"
)

// JSONPath evaluation. ojg's jp package parses and locates both dialects'
// paths, including filters with ==, !=, <, <=, >, >=, &&, || and =~, on the
// document model in jsonvalue.go (through jp.Keyed and jp.Indexed). It is
// used to *locate* matches only: each match comes back as a concrete path
// ($.a[2].b), and the commands then read or change the node at that path
// themselves. ojg's own Set/Del are not used because they cannot create a
// missing last key the way JSON.SET does, must not be used through a ".."
// descent, and would replace rather than mutate the pointer nodes.
//
// Two ojg behaviours are corrected here: Locate("$") returns no location (the
// root is returned as the empty path instead), and a filter's matches come
// back in reverse array order (they are sorted back into document order,
// which is what RedisJSON returns).

// jsonPath is a parsed path argument.
type jsonPath struct {
	src    string  // as the client wrote it
	legacy bool    // no leading $: single-value replies
	norm   string  // the $-form, as RedisJSON names it in errors
	expr   jp.Expr // starts with jp.Root
}

func parsePath(p string) (*jsonPath, error) {
	jpth := &jsonPath{src: p}
	switch {
	case strings.HasPrefix(p, "$"):
		jpth.norm = p
	case p == "." || p == "":
		jpth.legacy, jpth.norm = true, "$"
	case strings.HasPrefix(p, ".") || strings.HasPrefix(p, "["):
		jpth.legacy, jpth.norm = true, "$"+p
	default:
		jpth.legacy, jpth.norm = true, "$."+p
	}
	x, err := jp.ParseString(jpth.norm)
	if err != nil {
		return nil, fmt.Errorf("JSON Path error: path error: %s", err)
	}
	if len(x) == 0 {
		x = jp.R()
	}
	if _, ok := x[0].(jp.Root); !ok {
		return nil, fmt.Errorf("JSON Path error: path error: %s must start with $", p)
	}
	jpth.expr = x
	return jpth, nil
}

// loc is a concrete location: a list of jp.Child (object key) and jp.Nth
// (array index) fragments after the root.
type loc []jp.Frag

// isRoot reports whether the path is the root itself.
func (p *jsonPath) isRoot() bool { return len(p.expr) == 1 }

// locate finds every match, in document order.
func (p *jsonPath) locate(doc any) []loc {
	if p.isRoot() {
		return []loc{{}}
	}
	var out []loc
	hasFilter := false
	for _, f := range p.expr {
		if _, ok := f.(*jp.Filter); ok {
			hasFilter = true
		}
	}
	for _, x := range p.expr.Locate(doc, 0) {
		l := loc{}
		for _, f := range x[1:] {
			l = append(l, f)
		}
		out = append(out, l)
	}
	if hasFilter {
		sort.SliceStable(out, func(i, j int) bool { return docOrderLess(doc, out[i], out[j]) })
	}
	return out
}

// docOrderLess compares two locations by their position in the document.
func docOrderLess(doc any, a, b loc) bool {
	node := doc
	for i := 0; i < len(a) && i < len(b); i++ {
		switch fa := a[i].(type) {
		case jp.Nth:
			fb, ok := b[i].(jp.Nth)
			if !ok || fa != fb {
				return ok && fa < fb
			}
		case jp.Child:
			fb, ok := b[i].(jp.Child)
			if !ok {
				return false
			}
			if fa != fb {
				if o, ok := node.(*jsonObject); ok {
					return o.index(string(fa)) < o.index(string(fb))
				}
				return fa < fb
			}
		}
		node = step(node, a[i])
	}
	return len(a) < len(b)
}

// step moves one fragment down from node.
func step(node any, f jp.Frag) any {
	switch t := f.(type) {
	case jp.Child:
		if o, ok := node.(*jsonObject); ok {
			return o.vals[string(t)]
		}
	case jp.Nth:
		if a, ok := node.(*jsonArray); ok {
			i := int(t)
			if i < 0 {
				i += len(a.items)
			}
			return a.ValueAtIndex(i)
		}
	}
	return nil
}

// get returns the node at l.
func get(doc any, l loc) any {
	for _, f := range l {
		doc = step(doc, f)
	}
	return doc
}

// put replaces the node at l (which must exist, or be a new key of an
// existing object) and returns the new root.
func put(doc any, l loc, v any) any {
	if len(l) == 0 {
		return v
	}
	parent := get(doc, l[:len(l)-1])
	switch f := l[len(l)-1].(type) {
	case jp.Child:
		if o, ok := parent.(*jsonObject); ok {
			o.SetValueForKey(string(f), v)
		}
	case jp.Nth:
		if a, ok := parent.(*jsonArray); ok {
			i := int(f)
			if i < 0 {
				i += len(a.items)
			}
			a.SetValueAtIndex(i, v)
		}
	}
	return doc
}

// remove deletes the node at l from its parent.
func remove(doc any, l loc) {
	if len(l) == 0 {
		return
	}
	parent := get(doc, l[:len(l)-1])
	switch f := l[len(l)-1].(type) {
	case jp.Child:
		if o, ok := parent.(*jsonObject); ok {
			o.RemoveValueForKey(string(f))
		}
	case jp.Nth:
		if a, ok := parent.(*jsonArray); ok {
			a.RemoveValueAtIndex(int(f))
		}
	}
}
