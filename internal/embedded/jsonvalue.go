package embedded

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The JSON document model. RedisJSON keeps object keys in insertion order and
// tells integers from floats (JSON.TYPE answers "integer" or "number"), and a
// Go map[string]any loses the first while encoding/json loses the second, so
// documents are held in these types:
//
//	nil, bool, int64, float64, string, *jsonObject, *jsonArray
//
// Objects and arrays are pointers, so they are mutated in place once a path
// (jsonpath.go) has located them.

// jsonObject is an object that remembers the order its keys were added in.
type jsonObject struct {
	keys []string
	vals map[string]any
}

func newObject() *jsonObject { return &jsonObject{vals: map[string]any{}} }

// ValueForKey returns the value of a key.
func (o *jsonObject) ValueForKey(k string) (any, bool) { v, ok := o.vals[k]; return v, ok }

// SetValueForKey sets a key: a new key goes last, as in RedisJSON.
func (o *jsonObject) SetValueForKey(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

// RemoveValueForKey removes a key the way RedisJSON's objects do: the last
// key moves into its place, so {"a","b","c"} without "a" is {"c","b"}
// (RedisJSON's tests/pytest/test.py testDelCommand shows it).
func (o *jsonObject) RemoveValueForKey(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, kk := range o.keys {
		if kk == k {
			last := len(o.keys) - 1
			o.keys[i] = o.keys[last]
			o.keys = o.keys[:last]
			break
		}
	}
}

// Keys returns the keys in order.
func (o *jsonObject) Keys() []string { return append([]string(nil), o.keys...) }

func (o *jsonObject) index(k string) int {
	for i, kk := range o.keys {
		if kk == k {
			return i
		}
	}
	return -1
}

// jsonArray is an array mutated in place (a Go slice inside an interface
// could not be appended to through a located path).
type jsonArray struct{ items []any }

// ValueAtIndex returns an element, nil out of range.
func (a *jsonArray) ValueAtIndex(i int) any {
	if i < 0 || i >= len(a.items) {
		return nil
	}
	return a.items[i]
}

// SetValueAtIndex replaces an element in range.
func (a *jsonArray) SetValueAtIndex(i int, v any) {
	if i >= 0 && i < len(a.items) {
		a.items[i] = v
	}
}

// Size is the number of elements.
func (a *jsonArray) Size() int { return len(a.items) }

// RemoveValueAtIndex removes an element in range.
func (a *jsonArray) RemoveValueAtIndex(i int) {
	if i >= 0 && i < len(a.items) {
		a.items = append(a.items[:i:i], a.items[i+1:]...)
	}
}

// jsonTypeName is what JSON.TYPE answers.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int64:
		return "integer"
	case float64:
		return "number"
	case string:
		return "string"
	case *jsonObject:
		return "object"
	case *jsonArray:
		return "array"
	}
	return "unknown"
}

// deepCopy copies a value so that one document never shares a node with
// another (JSON.SET of a value into two places, JSON.MERGE, ...).
func deepCopy(v any) any {
	switch t := v.(type) {
	case *jsonObject:
		c := &jsonObject{keys: append([]string(nil), t.keys...), vals: make(map[string]any, len(t.vals))}
		for k, vv := range t.vals {
			c.vals[k] = deepCopy(vv)
		}
		return c
	case *jsonArray:
		c := &jsonArray{items: make([]any, len(t.items))}
		for i, vv := range t.items {
			c.items[i] = deepCopy(vv)
		}
		return c
	}
	return v
}

// jsonEqual compares two values as JSON.ARRINDEX does (RedisJSON's
// is_equal): an integer never equals a float, so 3 is not 3.0.
func jsonEqual(a, b any) bool {
	switch x := a.(type) {
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && x == y
	case *jsonObject:
		y, ok := b.(*jsonObject)
		if !ok || len(x.keys) != len(y.keys) {
			return false
		}
		for k, v := range x.vals {
			w, ok := y.vals[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	case *jsonArray:
		y, ok := b.(*jsonArray)
		if !ok || len(x.items) != len(y.items) {
			return false
		}
		for i := range x.items {
			if !jsonEqual(x.items[i], y.items[i]) {
				return false
			}
		}
		return true
	}
	return a == b
}

// ---- parsing ----

// jsonSyntaxError carries a message in the words RedisJSON uses (they come
// from Rust's serde_json: "expected value at line 1 column 2").
type jsonSyntaxError struct{ msg string }

func (e *jsonSyntaxError) Error() string { return e.msg }

type jsonParser struct {
	s   string
	pos int
}

// parseJSON parses one JSON text into the document model.
func parseJSON(s string) (any, error) {
	p := &jsonParser{s: s}
	p.ws()
	v, err := p.value(0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos < len(p.s) {
		return nil, p.fail("trailing characters")
	}
	return v, nil
}

func (p *jsonParser) fail(what string) error {
	line, col := 1, 0
	end := p.pos + 1
	if end > len(p.s) {
		end = len(p.s)
	}
	for _, r := range p.s[:end] {
		if r == '\n' {
			line, col = line+1, 0
		} else {
			col++
		}
	}
	return &jsonSyntaxError{fmt.Sprintf("%s at line %d column %d", what, line, col)}
}

func (p *jsonParser) ws() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, error) {
	if depth > 128 {
		return nil, p.fail("recursion limit exceeded")
	}
	if p.pos >= len(p.s) {
		return nil, p.fail("EOF while parsing a value")
	}
	switch c := p.s[p.pos]; {
	case c == '{':
		p.pos++
		o := newObject()
		p.ws()
		if p.pos < len(p.s) && p.s[p.pos] == '}' {
			p.pos++
			return o, nil
		}
		for {
			p.ws()
			if p.pos >= len(p.s) {
				return nil, p.fail("EOF while parsing an object")
			}
			if p.s[p.pos] != '"' {
				return nil, p.fail("key must be a string")
			}
			k, err := p.str()
			if err != nil {
				return nil, err
			}
			p.ws()
			if p.pos >= len(p.s) {
				return nil, p.fail("EOF while parsing an object")
			}
			if p.s[p.pos] != ':' {
				return nil, p.fail("expected `:`")
			}
			p.pos++
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			o.SetValueForKey(k, v)
			p.ws()
			if p.pos >= len(p.s) {
				return nil, p.fail("EOF while parsing an object")
			}
			switch p.s[p.pos] {
			case ',':
				p.pos++
			case '}':
				p.pos++
				return o, nil
			default:
				return nil, p.fail("expected `,` or `}`")
			}
		}
	case c == '[':
		p.pos++
		a := &jsonArray{items: []any{}}
		p.ws()
		if p.pos < len(p.s) && p.s[p.pos] == ']' {
			p.pos++
			return a, nil
		}
		for {
			p.ws()
			v, err := p.value(depth + 1)
			if err != nil {
				return nil, err
			}
			a.items = append(a.items, v)
			p.ws()
			if p.pos >= len(p.s) {
				return nil, p.fail("EOF while parsing a list")
			}
			switch p.s[p.pos] {
			case ',':
				p.pos++
			case ']':
				p.pos++
				return a, nil
			default:
				return nil, p.fail("expected `,` or `]`")
			}
		}
	case c == '"':
		return p.str()
	case c == 't' && strings.HasPrefix(p.s[p.pos:], "true"):
		p.pos += 4
		return true, nil
	case c == 'f' && strings.HasPrefix(p.s[p.pos:], "false"):
		p.pos += 5
		return false, nil
	case c == 'n' && strings.HasPrefix(p.s[p.pos:], "null"):
		p.pos += 4
		return nil, nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.num()
	}
	return nil, p.fail("expected value")
}

func (p *jsonParser) num() (any, error) {
	start := p.pos
	isFloat := false
	if p.s[p.pos] == '-' {
		p.pos++
	}
	digits := func() int {
		n := 0
		for p.pos < len(p.s) && p.s[p.pos] >= '0' && p.s[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if digits() == 0 {
		return nil, p.fail("invalid number")
	}
	if p.pos < len(p.s) && p.s[p.pos] == '.' {
		isFloat = true
		p.pos++
		if digits() == 0 {
			return nil, p.fail("invalid number")
		}
	}
	if p.pos < len(p.s) && (p.s[p.pos] == 'e' || p.s[p.pos] == 'E') {
		isFloat = true
		p.pos++
		if p.pos < len(p.s) && (p.s[p.pos] == '+' || p.s[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.fail("invalid number")
		}
	}
	lit := p.s[start:p.pos]
	if !isFloat {
		if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
			return n, nil
		}
	}
	f, err := strconv.ParseFloat(lit, 64)
	if err != nil || math.IsInf(f, 0) {
		return nil, p.fail("number out of range")
	}
	return f, nil
}

func (p *jsonParser) str() (string, error) {
	p.pos++ // opening quote
	var b strings.Builder
	for {
		if p.pos >= len(p.s) {
			return "", p.fail("EOF while parsing a string")
		}
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), nil
		case c == '\\':
			p.pos++
			if p.pos >= len(p.s) {
				return "", p.fail("EOF while parsing a string")
			}
			e := p.s[p.pos]
			p.pos++
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, err := p.hex4()
				if err != nil {
					return "", err
				}
				if r >= 0xD800 && r < 0xDC00 && strings.HasPrefix(p.s[p.pos:], `\u`) {
					p.pos += 2
					r2, err := p.hex4()
					if err != nil {
						return "", err
					}
					r = (r-0xD800)<<10 + (r2 - 0xDC00) + 0x10000
				}
				b.WriteRune(rune(r))
			default:
				p.pos--
				return "", p.fail("invalid escape")
			}
		case c < 0x20:
			return "", p.fail("control character (\\u0000-\\u001F) found while parsing a string")
		default:
			b.WriteByte(c)
			p.pos++
		}
	}
}

func (p *jsonParser) hex4() (int, error) {
	if p.pos+4 > len(p.s) {
		return 0, p.fail("EOF while parsing a string")
	}
	n, err := strconv.ParseUint(p.s[p.pos:p.pos+4], 16, 32)
	if err != nil {
		return 0, p.fail("invalid escape")
	}
	p.pos += 4
	return int(n), nil
}

// ---- serialising ----

// jsonFormat is JSON.GET's INDENT, NEWLINE and SPACE.
type jsonFormat struct{ indent, newline, space string }

func (f jsonFormat) compact() bool { return f.indent == "" && f.newline == "" && f.space == "" }

// toJSON serialises compactly, as JSON.GET does by default.
func toJSON(v any) string {
	var b strings.Builder
	writeJSON(&b, v, jsonFormat{}, 0)
	return b.String()
}

func writeJSON(b *strings.Builder, v any, f jsonFormat, depth int) {
	nl := func(d int) {
		b.WriteString(f.newline)
		for i := 0; i < d; i++ {
			b.WriteString(f.indent)
		}
	}
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(t))
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case float64:
		b.WriteString(formatJSONFloat(t))
	case string:
		writeJSONString(b, t)
	case *jsonObject:
		if len(t.keys) == 0 {
			b.WriteString("{}")
			return
		}
		b.WriteByte('{')
		for i, k := range t.keys {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeJSONString(b, k)
			b.WriteByte(':')
			b.WriteString(f.space)
			writeJSON(b, t.vals[k], f, depth+1)
		}
		nl(depth)
		b.WriteByte('}')
	case *jsonArray:
		if len(t.items) == 0 {
			b.WriteString("[]")
			return
		}
		b.WriteByte('[')
		for i, it := range t.items {
			if i > 0 {
				b.WriteByte(',')
			}
			nl(depth + 1)
			writeJSON(b, it, f, depth+1)
		}
		nl(depth)
		b.WriteByte(']')
	case []any: // reply arrays built by the commands (not document nodes)
		writeJSON(b, &jsonArray{items: t}, f, depth)
	}
}

// formatJSONFloat writes a float the way serde_json (RedisJSON) does: the
// shortest representation, "3.0" rather than "3", "1e+20" as "1e20".
func formatJSONFloat(f float64) string {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return "null"
	}
	abs := math.Abs(f)
	if abs != 0 && (abs < 1e-5 || abs >= 1e16) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		return strings.Replace(s, "e+", "e", 1)
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.ContainsAny(s, ".") {
		s += ".0"
	}
	return s
}

func writeJSONString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\f':
			b.WriteString(`\f`)
		case c < 0x20:
			fmt.Fprintf(b, `\u%04x`, c)
		case c < utf8.RuneSelf:
			b.WriteByte(c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b.WriteString(`\ufffd`)
			} else {
				b.WriteString(s[i : i+n])
			}
			i += n
			continue
		}
		i++
	}
	b.WriteByte('"')
}
