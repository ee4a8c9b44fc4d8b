package embedded

import (
	"fmt"
	"math"
	"strconv"
)

// JSON.NUMINCRBY, JSON.NUMMULTBY, JSON.NUMPOWBY, JSON.STRAPPEND,
// JSON.STRLEN and JSON.TOGGLE: numbers, strings and booleans.

func jsonScalarCommands() map[string]command {
	return map[string]command{
		"JSON.NUMINCRBY": {arity: 4, run: cmdJSONNumIncrBy},
		"JSON.NUMMULTBY": {arity: 4, run: cmdJSONNumMultBy},
		"JSON.NUMPOWBY":  {arity: 4, run: cmdJSONNumPowBy},
		"JSON.STRAPPEND": {arity: -3, run: cmdJSONStrAppend},
		"JSON.STRLEN":    {arity: -2, run: cmdJSONStrLen},
		"JSON.TOGGLE":    {arity: 3, run: cmdJSONToggle},
	}
}

type numKind uint8

const (
	numAdd numKind = iota
	numMult
	numPow
)

func cmdJSONNumIncrBy(x *call) { numOp(x, numAdd) }
func cmdJSONNumMultBy(x *call) { numOp(x, numMult) }
func cmdJSONNumPowBy(x *call)  { numOp(x, numPow) }

const msgNumOverflow = "ERR numeric overflow"

// numOp is NUMINCRBY/NUMMULTBY/NUMPOWBY: integer stays integer when both
// operands are integers and the result fits, as in RedisJSON (NUMPOWBY
// fails instead of turning to floating point). Over RESP2 the reply
// is JSON text ("[3,null]" for a $-path, "3" for a legacy one); over RESP3
// it is an array of integers, doubles and nils, whatever the path.
func numOp(x *call, op numKind) {
	arg, bad := parseValue(x.args[2])
	if bad != "" {
		x.c.WriteError(bad)
		return
	}
	if !isNumber(arg) {
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
	results := make([]any, len(locs))
	changed := false
	for i, l := range locs {
		r := numResult(get(doc, l), arg, op)
		if r == errOverflow {
			x.c.WriteError(msgNumOverflow)
			return
		}
		if f, ok := r.(float64); ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			x.c.WriteError("ERR result is not a number or is out of range")
			return
		}
		if r != nil {
			doc = put(doc, l, r)
			changed = true
		}
		results[i] = r
	}
	if changed {
		x.saveJSON(x.args[0], doc)
	}
	switch {
	case x.c.Resp3:
		x.c.WriteLen(len(results))
		for _, r := range results {
			switch n := r.(type) {
			case int64:
				x.c.WriteInt(int(n))
			case float64:
				x.c.WriteFloat(n)
			default:
				x.c.WriteNull()
			}
		}
	case !p.legacy:
		x.c.WriteBulk(toJSON(results))
	default:
		var last any
		for _, r := range results {
			if r != nil {
				last = r
			}
		}
		if last == nil {
			x.c.WriteError(msgPathMissingOr(p.norm, "does not contains a number"))
			return
		}
		x.c.WriteBulk(toJSON(last))
	}
}

// errOverflow is numResult's answer to an integer power that does not fit.
var errOverflow = new(struct{ overflow bool })

// numResult is cur+arg, cur*arg or cur^arg, nil when cur is not a number.
func numResult(cur, arg any, op numKind) any {
	switch a := cur.(type) {
	case int64:
		if b, ok := arg.(int64); ok {
			return intOp(a, b, op)
		}
		return floatOp(float64(a), arg.(float64), op)
	case float64:
		b, ok := arg.(float64)
		if !ok {
			b = float64(arg.(int64))
		}
		return floatOp(a, b, op)
	}
	return nil
}

// intOp keeps integers when the result fits; a sum or product that does
// not is computed in floating point, a power fails.
func intOp(a, b int64, op numKind) any {
	switch op {
	case numMult:
		if prod := a * b; a == 0 || (prod/a == b && !(a == -1 && b == math.MinInt64)) {
			return prod
		}
		return float64(a) * float64(b)
	case numPow:
		if r, ok := intPow(a, b); ok {
			return r
		}
		return errOverflow
	}
	if s := a + b; (b <= 0 || s >= a) && (b >= 0 || s <= a) {
		return s
	}
	return float64(a) + float64(b)
}

// intPow is a^b, ok false when b is negative or the result does not fit.
func intPow(a, b int64) (int64, bool) {
	switch {
	case b < 0:
		return 0, false
	case b == 0:
		return 1, true
	case a == 0 || a == 1:
		return a, true
	case a == -1:
		if b%2 == 0 {
			return 1, true
		}
		return -1, true
	case b > 63: // |a| >= 2
		return 0, false
	}
	r := int64(1)
	for ; b > 0; b-- {
		p := r * a
		if p/a != r {
			return 0, false
		}
		r = p
	}
	return r, true
}

func floatOp(a, b float64, op numKind) float64 {
	switch op {
	case numMult:
		return a * b
	case numPow:
		return math.Pow(a, b)
	}
	return a + b
}

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
	x.update(key, path, jsonUpdate{is: isString, notType: "not a string",
		apply: func(n any) (any, any, string) {
			cur := n.(string) + s
			return int64(len(cur)), cur, ""
		}, write: writeInt})
}

func cmdJSONStrLen(x *call) {
	p, doc, exists, ok := x.openJSON(x.args[0], x.optPath("."))
	if !ok {
		return
	}
	if p.legacy {
		if !exists {
			x.c.WriteNull()
			return
		}
		m := values(doc, p)
		if len(m) == 0 {
			x.c.WriteError(fmt.Sprintf(msgPathMissing, p.norm))
			return
		}
		s, isStr := m[0].(string)
		if !isStr {
			x.c.WriteError(msgJSONWrongType("string", m[0]))
			return
		}
		x.c.WriteInt(len(s))
		return
	}
	if !exists {
		x.c.WriteError(msgNoKey)
		return
	}
	m := values(doc, p)
	x.c.WriteLen(len(m))
	for _, v := range m {
		if s, isStr := v.(string); isStr {
			x.c.WriteInt(len(s))
		} else {
			x.c.WriteNull()
		}
	}
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
	x.update(x.args[0], x.args[1], jsonUpdate{is: isBool, notType: "not a bool",
		apply: func(n any) (any, any, string) {
			b := !n.(bool)
			r := int64(0)
			if b {
				r = 1
			}
			return r, b, ""
		}, write: write})
}
