package embedded

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// The JSONPath parser accepts what RedisJSON's grammar accepts (the forms
// here are from json_path/src/grammar.pest), refuses the rest with an
// error, and never panics, whatever the path and the document.

func TestParsePathForms(t *testing.T) {
	for _, p := range []string{
		"$", ".", "a", ".a", "a.b", "$.a", "$['a']", `$["a b"]`, "$['a','b']", "$.*", "$[*]", "$..a", "$..*", "$..[0]",
		"$[0]", "$[-1]", "$[0,2]", "$[1:]", "$[:2]", "$[::2]", "$[1:3:1]", "$.a.[0]", "$.[-1]", "$.a.[*]",
		"$.a[?(@.b>1)]", "$.a[?@.b>1]", "$.a[?(@.b > 1 && @.c == 'x' || !(@.d))]", `$.a[?(@.s =~ "^x")]`,
		"$.a[?(@.p < $.max)]", "$.a[?(@ == null)]", "$.a[?(@.t == true)]", "$.a[?(@.f >= -1.5)]", "[0]", "..a",
	} {
		if _, err := parsePath(p); err != nil {
			t.Errorf("parsePath(%q): %v", p, err)
		}
	}
	for _, p := range []string{
		"$.", "$[", "$[0", "$['a", "$.a[?(@.b>1]", "$.a b", "$[?()]", "$[1:2:0]", "$[a]", "$..", "$.a[?(@.b >)]",
	} {
		_, err := parsePath(p)
		if err == nil || !strings.HasPrefix(err.Error(), "JSON Path error") {
			t.Errorf("parsePath(%q) = %v, want a JSON Path error", p, err)
		}
	}
}

// TestJSONPathNeverPanics feeds the parser and the evaluator random paths
// made of path characters (deterministic, so a failure can be replayed).
func TestJSONPathNeverPanics(t *testing.T) {
	doc, err := parseJSON(`{"a":[{"b":1,"p":2},{"b":2,"p":0}],"m":1,"x":{"n":[1,{"p":0,"n":3}]},"s":"t"}`)
	if err != nil {
		t.Fatal(err)
	}
	const alphabet = "$@.[]()?*:,'\"-!=<>&|~ abmnpx0129"
	rnd := rand.New(rand.NewPCG(1, 2))
	seeds := []string{"$..a", "$.a[?(@.b>1)]", "$[1:3]", "$.a.[0]", "$.x[?(@.p < $.m)].n", "$['a']"}
	for i := 0; i < 20000; i++ {
		b := []byte(seeds[i%len(seeds)])
		for n := rnd.IntN(4); n >= 0; n-- { // mutate a seed a little
			switch pos := rnd.IntN(len(b) + 1); rnd.IntN(3) {
			case 0:
				b = append(b[:pos:pos], append([]byte{alphabet[rnd.IntN(len(alphabet))]}, b[pos:]...)...)
			case 1:
				if pos < len(b) {
					b = append(b[:pos:pos], b[pos+1:]...)
				}
			default:
				if pos < len(b) {
					b[pos] = alphabet[rnd.IntN(len(alphabet))]
				}
			}
		}
		path := string(b)
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Fatalf("path %q: panic %v", path, r)
				}
			}()
			p, err := parsePath(path)
			if err != nil {
				return
			}
			for _, l := range p.locate(doc) {
				get(doc, l)
			}
			forUpdate(doc, p.locate(doc))
		}()
	}
}
