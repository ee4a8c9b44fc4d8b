// Package docs keeps the chapters in docs/ true to the code. A chapter does
// not copy code or output by hand; it marks where they go:
//
//	<!-- code: steps/05-cache/cache.go#Cache.Get -->
//	<!-- /code -->
//	<!-- output: 5 -->
//	<!-- /output -->
//
// and Sync fills each region from the source (a whole file; one
// declaration by name: a function, a type, a method as Type.Method, a var or
// const; or a snippet, "path#snippet:NAME", the lines between
// "// docs:start NAME" and "// docs:end NAME" inside a function) or from the
// step's golden output. Every Go block of a chapter comes from such a
// region. A failure a chapter shows ("see it fail") comes from a real run:
//
//	<!-- fails: steps/08-rate-limit/ratelimit_test.go#TestX | assert.EqualValues(t, 128, n) => assert.EqualValues(t, 100, n) -->
//	<!-- /fails -->
//
// runs TestX with the test file changed as written (through go test's
// -overlay, so nothing on disk changes), expects it to fail, and shows what
// go test printed. A test fails when a chapter and its sources have drifted
// apart; `make docs` brings them back together.
package docs

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

var region = regexp.MustCompile(`(?s)<!-- (code|output): ([^ ]+) -->\n.*?<!-- /(code|output) -->`)

// stepTable is the README's list of steps, written from the manifest:
//
//	<!-- steps: lessons -->   (or bonus)
//	<!-- /steps -->
var stepTable = regexp.MustCompile(`(?s)<!-- steps: (lessons|bonus) -->\n.*?<!-- /steps -->`)

// Table is the README's table of the lessons (bonus false) or the bonus
// steps: number, title linking the chapter, what the step teaches.
func Table(bonus bool) string {
	var b strings.Builder
	if bonus {
		b.WriteString("| | Step | You see |\n|---|---|---|\n")
	} else {
		b.WriteString("| | Step | You learn |\n|---|---|---|\n")
	}
	for _, s := range workbook.Steps() {
		if s.Bonus == bonus {
			fmt.Fprintf(&b, "| %d | [%s](%s) | %s |\n", s.Number, s.Title, s.Chapter(), s.Teaches)
		}
	}
	return b.String()
}

// Render returns the chapter text with every marked region filled in; a
// "see it fail" block is only checked (RenderAll runs it).
func Render(root, chapter string) (string, error) { return render(root, chapter, false) }

// RenderAll is Render that also runs every "see it fail" block's test.
func RenderAll(root, chapter string) (string, error) { return render(root, chapter, true) }

func render(root, chapter string, runFailures bool) (string, error) {
	chapter, firstErr := renderFailures(root, chapter, runFailures)
	chapter = stepTable.ReplaceAllStringFunc(chapter, func(m string) string {
		which := stepTable.FindStringSubmatch(m)[1]
		return "<!-- steps: " + which + " -->\n" + Table(which == "bonus") + "<!-- /steps -->"
	})
	out := region.ReplaceAllStringFunc(chapter, func(m string) string {
		sub := region.FindStringSubmatch(m)
		kind, ref, closing := sub[1], sub[2], sub[3]
		if kind != closing {
			firstErr = fmt.Errorf("region %s: %s is closed by /%s", kind, ref, closing)
			return m
		}
		var body, lang string
		var err error
		switch kind {
		case "code":
			body, err = Code(root, ref)
			lang = "go"
		case "output":
			body, err = output(root, ref)
			lang = "text"
		}
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			return m
		}
		return fmt.Sprintf("<!-- %s: %s -->\n```%s\n%s\n```\n<!-- /%s -->", kind, ref, lang, strings.TrimRight(body, "\n"), kind)
	})
	return out, firstErr
}

func output(root, ref string) (string, error) {
	n, err := strconv.Atoi(ref)
	if err != nil {
		return "", fmt.Errorf("output: %q is not a step number", ref)
	}
	step, ok := workbook.Get(n)
	if !ok {
		return "", fmt.Errorf("output: no step %d in the manifest", n)
	}
	return step.ReadGolden(root)
}

// Code returns a whole Go file (ref "path") or one declaration in it
// (ref "path#Name", "path#Type.Method"), with its doc comment.
func Code(root, ref string) (string, error) {
	path, name, _ := strings.Cut(ref, "#")
	src, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		return "", fmt.Errorf("code: %w", err)
	}
	if name == "" {
		return string(src), nil
	}
	if snippet, ok := strings.CutPrefix(name, "snippet:"); ok {
		return Snippet(string(src), path, snippet)
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, path, src, parser.ParseComments)
	if err != nil {
		return "", fmt.Errorf("code: %w", err)
	}
	for _, decl := range file.Decls {
		if declName(decl) != name && !genDeclHas(decl, name) {
			continue
		}
		start := decl.Pos()
		if doc := declDoc(decl); doc != nil {
			start = doc.Pos()
		}
		return string(src[fset.Position(start).Offset:fset.Position(decl.End()).Offset]), nil
	}
	return "", fmt.Errorf("code: no declaration %q in %s", name, path)
}

func declName(decl ast.Decl) string {
	fn, ok := decl.(*ast.FuncDecl)
	if !ok {
		return ""
	}
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	var buf bytes.Buffer
	t := fn.Recv.List[0].Type
	if star, ok := t.(*ast.StarExpr); ok {
		t = star.X
	}
	if idx, ok := t.(*ast.IndexExpr); ok { // generic receiver: Cache[T]
		t = idx.X
	}
	if idx, ok := t.(*ast.IndexListExpr); ok {
		t = idx.X
	}
	if id, ok := t.(*ast.Ident); ok {
		buf.WriteString(id.Name)
	}
	return buf.String() + "." + fn.Name.Name
}

func genDeclHas(decl ast.Decl, name string) bool {
	gen, ok := decl.(*ast.GenDecl)
	if !ok {
		return false
	}
	for _, spec := range gen.Specs {
		switch s := spec.(type) {
		case *ast.TypeSpec:
			if s.Name.Name == name {
				return true
			}
		case *ast.ValueSpec:
			for _, n := range s.Names {
				if n.Name == name {
					return true
				}
			}
		}
	}
	return false
}

func declDoc(decl ast.Decl) *ast.CommentGroup {
	switch d := decl.(type) {
	case *ast.FuncDecl:
		return d.Doc
	case *ast.GenDecl:
		return d.Doc
	}
	return nil
}

// Chapters lists the files Sync keeps up to date: the chapters under
// root/docs, and the README (its tables of steps).
func Chapters(root string) ([]string, error) {
	paths, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	return append(paths, filepath.Join(root, "README.md")), err
}

// Sync rewrites the chapters whose regions are out of date (all of them, or
// only those named) and returns the ones it changed.
func Sync(root string, only ...string) ([]string, error) {
	paths, err := Chapters(root)
	if err != nil {
		return nil, err
	}
	if len(only) > 0 {
		paths = nil
		for _, p := range only {
			if !filepath.IsAbs(p) {
				p = filepath.Join(root, p)
			}
			paths = append(paths, p)
		}
	}
	var changed []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return changed, err
		}
		out, err := RenderAll(root, string(b))
		if err != nil {
			return changed, fmt.Errorf("%s: %w", p, err)
		}
		if out != string(b) {
			if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
				return changed, err
			}
			changed = append(changed, p)
		}
	}
	return changed, nil
}

// Snippet returns the lines between "// docs:start name" and
// "// docs:end name" in src, without the indentation they share.
func Snippet(src, path, name string) (string, error) {
	lines := strings.Split(src, "\n")
	start, end := -1, -1
	for i, l := range lines {
		switch strings.TrimSpace(l) {
		case "// docs:start " + name:
			start = i + 1
		case "// docs:end " + name:
			end = i
		}
	}
	if start < 0 || end < start {
		return "", fmt.Errorf("code: no snippet %q in %s (mark it with // docs:start %s and // docs:end %s)", name, path, name, name)
	}
	body := lines[start:end]
	indent, first := "", true
	for _, l := range body {
		if strings.TrimSpace(l) == "" {
			continue
		}
		lead := l[:len(l)-len(strings.TrimLeft(l, " \t"))]
		if first {
			indent, first = lead, false
			continue
		}
		for !strings.HasPrefix(lead, indent) {
			indent = indent[:len(indent)-1]
		}
	}
	for i, l := range body {
		body[i] = strings.TrimPrefix(l, indent)
	}
	return strings.Join(body, "\n"), nil
}

// GoBlocksOutsideRegions lists the first line of every Go code block of a
// chapter that no code region fills: a block typed by hand, which nothing
// keeps true.
func GoBlocksOutsideRegions(chapter string) []string {
	var out []string
	inRegion, inFence := false, false
	for i, l := range strings.Split(chapter, "\n") {
		t := strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(t, "<!-- code: "):
			inRegion = true
		case t == "<!-- /code -->":
			inRegion = false
		case strings.HasPrefix(t, "```"):
			if !inFence && strings.HasPrefix(t, "```go") && !inRegion {
				out = append(out, fmt.Sprintf("line %d", i+1))
			}
			inFence = !inFence
		}
	}
	return out
}
