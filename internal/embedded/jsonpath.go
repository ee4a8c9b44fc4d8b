package embedded

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// JSONPath as RedisJSON evaluates it (its json_path crate: grammar.pest and
// json_path.rs). A path is parsed once into segments, then evaluated against
// a document into concrete locations ($.a[2].b), in the order RedisJSON
// returns matches: document order, a ".." descent visiting a node before its
// children. The commands then read or change the node at each location.
//
// What the grammar allows, and a general-purpose JSONPath library may not:
// a dot before a bracket ($.arr.[1], $.[-1]), filters without parentheses
// ([?@.a>1]), and filter terms taken from the root ($.items[?(@.price >
// $.limit)]). A negative index is counted from the end and clamped to the
// first element; an index past the end matches nothing.

// jsonPath is a parsed path argument.
type jsonPath struct {
	src    string    // as the client wrote it
	legacy bool      // no leading $: single-value replies
	norm   string    // the $-form, as RedisJSON names it in errors
	segs   []pathSeg // after the root
}

type segKind uint8

const (
	segKeys    segKind = iota // .name, ['a'], ['a','b']
	segWild                   // .*, [*]
	segIndexes                // [0], [0,-1]
	segSlice                  // [start:end:step]
	segFilter                 // [?(...)]
	segScan                   // .. (the segment after it is applied at every depth)
)

type pathSeg struct {
	kind   segKind
	keys   []string
	idx    []int
	slice  sliceSpec
	filter *filterExpr
}

// sliceSpec is [start:end:step]; a missing start is 0, a missing end the
// array's length.
type sliceSpec struct {
	start, end, step int
	hasStart, hasEnd bool
}

// static reports whether the path names at most one location: only keys
// and single indexes (RedisJSON's Query::is_static). JSON.SET can create a
// missing last key only at a static path.
func (p *jsonPath) static() bool {
	for _, s := range p.segs {
		switch s.kind {
		case segKeys:
			if len(s.keys) != 1 {
				return false
			}
		case segIndexes:
			if len(s.idx) != 1 {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// isRoot reports whether the path is the root itself.
func (p *jsonPath) isRoot() bool { return len(p.segs) == 0 }

func parsePath(s string) (*jsonPath, error) {
	p := &jsonPath{src: s}
	switch {
	case strings.HasPrefix(s, "$"):
		p.norm = s
	case s == "." || s == "":
		p.legacy, p.norm = true, "$"
	case strings.HasPrefix(s, "."):
		p.legacy, p.norm = true, "$"+s
	default:
		p.legacy, p.norm = true, "$."+s
	}
	ps := &pathParser{s: p.norm}
	ps.pos = 1 // the $
	segs, err := ps.elements(true)
	if err == nil && ps.pos < len(ps.s) {
		err = ps.fail("unexpected character %q", ps.s[ps.pos])
	}
	if err != nil {
		return nil, err
	}
	p.segs = segs
	return p, nil
}

// ---- parsing ----

type pathParser struct {
	s   string
	pos int
}

func (ps *pathParser) fail(format string, args ...any) error {
	return fmt.Errorf("JSON Path error: path error: Error occurred at position %d, %s", ps.pos, fmt.Sprintf(format, args...))
}

func (ps *pathParser) ws() {
	for ps.pos < len(ps.s) && ps.s[ps.pos] == ' ' {
		ps.pos++
	}
}

func (ps *pathParser) peek(t string) bool { return strings.HasPrefix(ps.s[ps.pos:], t) }

func (ps *pathParser) eat(t string) bool {
	if ps.peek(t) {
		ps.pos += len(t)
		return true
	}
	return false
}

func isLiteralByte(c byte) bool {
	switch {
	case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c >= 0x80:
		return true
	}
	return strings.IndexByte("-_`~+#%$^/:", c) >= 0
}

func (ps *pathParser) literal() (string, bool) {
	start := ps.pos
	for ps.pos < len(ps.s) && isLiteralByte(ps.s[ps.pos]) {
		ps.pos++
	}
	return ps.s[start:ps.pos], ps.pos > start
}

// elements parses the segments after $ or @; first allows a bare literal
// or * right after it ($foo, @*), as the grammar's first_element does.
func (ps *pathParser) elements(first bool) ([]pathSeg, error) {
	var segs []pathSeg
	for {
		ps.ws()
		if ps.pos >= len(ps.s) {
			return segs, nil
		}
		switch {
		case ps.eat(".."):
			segs = append(segs, pathSeg{kind: segScan})
			ps.ws()
			switch {
			case ps.eat("*"):
				segs = append(segs, pathSeg{kind: segWild})
			case ps.peek("["):
				s, err := ps.bracket()
				if err != nil {
					return nil, err
				}
				segs = append(segs, s)
			default:
				lit, ok := ps.literal()
				if !ok {
					return nil, ps.fail("expected a key, * or [ after ..")
				}
				segs = append(segs, pathSeg{kind: segKeys, keys: []string{lit}})
			}
		case ps.eat("."):
			ps.ws()
			switch {
			case ps.eat("*"):
				segs = append(segs, pathSeg{kind: segWild})
			case ps.peek("["):
				s, err := ps.bracket()
				if err != nil {
					return nil, err
				}
				segs = append(segs, s)
			default:
				lit, ok := ps.literal()
				if !ok {
					return nil, ps.fail("expected a key, * or [ after .")
				}
				segs = append(segs, pathSeg{kind: segKeys, keys: []string{lit}})
			}
		case ps.peek("["):
			s, err := ps.bracket()
			if err != nil {
				return nil, err
			}
			segs = append(segs, s)
		case first && ps.eat("*"):
			segs = append(segs, pathSeg{kind: segWild})
		default:
			if first {
				if lit, ok := ps.literal(); ok {
					segs = append(segs, pathSeg{kind: segKeys, keys: []string{lit}})
					break
				}
			}
			return segs, nil // the caller decides what may follow
		}
		first = false
	}
}

// bracket parses [...]: indexes, a slice, quoted keys, * or a filter.
func (ps *pathParser) bracket() (pathSeg, error) {
	ps.pos++ // [
	ps.ws()
	var seg pathSeg
	switch {
	case ps.eat("*"):
		seg = pathSeg{kind: segWild}
	case ps.eat("?"):
		f, err := ps.filter()
		if err != nil {
			return seg, err
		}
		seg = pathSeg{kind: segFilter, filter: f}
	case ps.peek("'") || ps.peek(`"`):
		seg.kind = segKeys
		for {
			k, err := ps.quoted()
			if err != nil {
				return seg, err
			}
			seg.keys = append(seg.keys, k)
			ps.ws()
			if !ps.eat(",") {
				break
			}
			ps.ws()
		}
	default:
		var err error
		if seg, err = ps.numbers(); err != nil {
			return seg, err
		}
	}
	ps.ws()
	if !ps.eat("]") {
		return seg, ps.fail("expected ]")
	}
	return seg, nil
}

// numbers parses an index list or a slice.
func (ps *pathParser) numbers() (pathSeg, error) {
	first, hasFirst, err := ps.optInt()
	if err != nil {
		return pathSeg{}, err
	}
	ps.ws()
	if ps.eat(":") {
		sl := sliceSpec{start: first, hasStart: hasFirst, step: 1}
		ps.ws()
		if sl.end, sl.hasEnd, err = ps.optInt(); err != nil {
			return pathSeg{}, err
		}
		ps.ws()
		if ps.eat(":") {
			ps.ws()
			step, has, err := ps.optInt()
			if err != nil {
				return pathSeg{}, err
			}
			if has {
				if step < 1 {
					return pathSeg{}, ps.fail("a slice step must be a positive number")
				}
				sl.step = step
			}
		}
		return pathSeg{kind: segSlice, slice: sl}, nil
	}
	if !hasFirst {
		return pathSeg{}, ps.fail("expected an index, a slice, a quoted key, * or ?")
	}
	seg := pathSeg{kind: segIndexes, idx: []int{first}}
	for ps.eat(",") {
		ps.ws()
		n, has, err := ps.optInt()
		if err != nil {
			return seg, err
		}
		if !has {
			return seg, ps.fail("expected an index")
		}
		seg.idx = append(seg.idx, n)
		ps.ws()
	}
	return seg, nil
}

func (ps *pathParser) optInt() (int, bool, error) {
	start := ps.pos
	if ps.pos < len(ps.s) && ps.s[ps.pos] == '-' {
		ps.pos++
	}
	digits := ps.pos
	for ps.pos < len(ps.s) && ps.s[ps.pos] >= '0' && ps.s[ps.pos] <= '9' {
		ps.pos++
	}
	if ps.pos == digits {
		ps.pos = start
		return 0, false, nil
	}
	n, err := strconv.Atoi(ps.s[start:ps.pos])
	if err != nil {
		// Saturate, as RedisJSON does for an index too large for 64 bits.
		if ps.s[start] == '-' {
			n = -int(^uint(0) >> 1)
		} else {
			n = int(^uint(0) >> 1)
		}
	}
	return n, true, nil
}

// quoted parses a '...' or "..." string; a backslash escapes the quote or
// a backslash.
func (ps *pathParser) quoted() (string, error) {
	if !ps.peek("'") && !ps.peek(`"`) {
		return "", ps.fail("expected a quoted string")
	}
	q := ps.s[ps.pos]
	ps.pos++
	var b strings.Builder
	for ps.pos < len(ps.s) {
		c := ps.s[ps.pos]
		switch {
		case c == q:
			ps.pos++
			return b.String(), nil
		case c == '\\' && ps.pos+1 < len(ps.s) && (ps.s[ps.pos+1] == q || ps.s[ps.pos+1] == '\\'):
			b.WriteByte(ps.s[ps.pos+1])
			ps.pos += 2
		default:
			b.WriteByte(c)
			ps.pos++
		}
	}
	return "", ps.fail("unterminated string")
}

// ---- filters ----

// filterExpr is a filter: terms joined by && (binding tighter) and ||.
type filterExpr struct {
	or [][]*filterTest // any group whose tests all hold
}

// filterTest is one test: "term op term", a lone term (true when it
// evaluates to a value), a negation or a parenthesised filter.
type filterTest struct {
	not         bool
	sub         *filterExpr
	left, right *filterTerm
	op          string
}

type termKind uint8

const (
	termCurrent termKind = iota // @...
	termRoot                    // $...
	termLiteral
)

type filterTerm struct {
	kind  termKind
	path  []pathSeg
	value any // a literal: int64, float64, string, bool or nil
	re    *regexp.Regexp
}

func (ps *pathParser) filter() (*filterExpr, error) {
	f := &filterExpr{}
	group := []*filterTest{}
	for {
		ps.ws()
		t, err := ps.test()
		if err != nil {
			return nil, err
		}
		group = append(group, t)
		ps.ws()
		switch {
		case ps.eat("&&"):
		case ps.eat("||"):
			f.or = append(f.or, group)
			group = []*filterTest{}
		default:
			f.or = append(f.or, group)
			return f, nil
		}
	}
}

func (ps *pathParser) test() (*filterTest, error) {
	if ps.eat("!") {
		ps.ws()
		t, err := ps.test()
		if err != nil {
			return nil, err
		}
		return &filterTest{not: true, sub: &filterExpr{or: [][]*filterTest{{t}}}}, nil
	}
	if ps.peek("(") {
		save := ps.pos
		ps.pos++
		sub, err := ps.filter()
		ps.ws()
		if err == nil && ps.eat(")") {
			return &filterTest{sub: sub}, nil
		}
		ps.pos = save
		return nil, ps.fail("unbalanced parenthesis in a filter")
	}
	left, err := ps.term()
	if err != nil {
		return nil, err
	}
	t := &filterTest{left: left}
	ps.ws()
	for _, op := range []string{">=", "<=", "==", "!=", "=~", ">", "<"} {
		if ps.eat(op) {
			t.op = op
			break
		}
	}
	if t.op == "" {
		return t, nil
	}
	ps.ws()
	if t.right, err = ps.term(); err != nil {
		return nil, err
	}
	if t.op == "=~" && t.right.kind == termLiteral {
		if s, ok := t.right.value.(string); ok {
			t.right.re, _ = regexp.Compile(s) // a bad pattern matches nothing, as in RedisJSON
		}
	}
	return t, nil
}

func (ps *pathParser) term() (*filterTerm, error) {
	switch {
	case ps.eat("@"):
		segs, err := ps.elements(true)
		return &filterTerm{kind: termCurrent, path: segs}, err
	case ps.eat("$"):
		segs, err := ps.elements(true)
		return &filterTerm{kind: termRoot, path: segs}, err
	case ps.peek("'") || ps.peek(`"`):
		s, err := ps.quoted()
		return &filterTerm{kind: termLiteral, value: s}, err
	case ps.eat("true"):
		return &filterTerm{kind: termLiteral, value: true}, nil
	case ps.eat("false"):
		return &filterTerm{kind: termLiteral, value: false}, nil
	case ps.eat("null"):
		return &filterTerm{kind: termLiteral, value: nil}, nil
	}
	start := ps.pos
	if _, ok, _ := ps.optInt(); ok {
		if ps.pos+1 < len(ps.s) && ps.s[ps.pos] == '.' && ps.s[ps.pos+1] >= '0' && ps.s[ps.pos+1] <= '9' {
			ps.pos++
			for ps.pos < len(ps.s) && ps.s[ps.pos] >= '0' && ps.s[ps.pos] <= '9' {
				ps.pos++
			}
		}
		lit := ps.s[start:ps.pos]
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return &filterTerm{kind: termLiteral, value: n}, nil
		}
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil {
			return nil, ps.fail("bad number %s", lit)
		}
		return &filterTerm{kind: termLiteral, value: f}, nil
	}
	return nil, ps.fail("expected @, $, a number, a string, true, false or null in a filter")
}
