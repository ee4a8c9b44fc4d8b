package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/joho/godotenv"

	"github.com/redis-go-workbook/workbook/internal/config"
	"github.com/redis-go-workbook/workbook/internal/diagnose"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// runResult is what one run of a step's program showed.
type runResult struct {
	Built   bool
	Exited  bool // the program ran to the end with status 0
	Matched bool // its stdout matched the expected output
	Golden  bool // there is an expected output to compare with
	// Expected: it differs, as it must on this server (a stand-in, or a
	// build without what the expected output shows): not a failure.
	Expected bool
	Stdout   string
	Stderr   string
	Diag     *diagnose.Entry // the catalogue row its error matched, if any
}

// ok means the run showed nothing wrong: it ran to the end and printed the
// expected output, or the difference this server explains, or there was
// nothing to compare with.
func (r runResult) ok() bool { return r.Exited && (r.Matched || r.Expected || !r.Golden) }

// hasProgram reports whether the step's package exists yet: the manifest
// can list a step whose code is still being written.
func (a *app) hasProgram(s workbook.Step) bool {
	st, err := os.Stat(filepath.Join(a.root, s.Dir(), "main.go"))
	return err == nil && !st.IsDir()
}

// buildStep compiles the step into .workbook/bin (git-ignored). It is
// `go run` in two halves: building first lets the spinner say "compiling"
// and keeps compile errors apart from the program's own output. The
// binaries are kept between sessions because `go build` skips the link
// when the file it would write is already up to date: a repeat run takes a
// fraction of a second instead of one or two.
func (a *app) buildStep(ctx context.Context, s workbook.Step) (string, error) {
	if a.binDir == "" {
		dir := filepath.Join(a.root, ".workbook", "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return "", err
		}
		a.binDir = dir
	}
	bin := filepath.Join(a.binDir, "step-"+s.Slug)
	if isWindows {
		bin += ".exe"
	}
	sp := a.ui.spin("compiling " + s.Dir())
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, s.Package())
	cmd.Dir = a.root
	out, err := cmd.CombinedOutput()
	sp.stop()
	if err != nil {
		return "", fmt.Errorf("%s does not compile:\n%s", s.Dir(), strings.TrimRight(string(out), "\n"))
	}
	return bin, nil
}

// runStep builds and runs the step's program against the session's server,
// streaming its output, then compares what it printed with the expected
// output, the same way the step's TestOutput does.
func (a *app) runStep(ctx context.Context, s workbook.Step, args ...string) runResult {
	var res runResult
	u := a.ui
	u.println(u.rule(strings.TrimSpace(fmt.Sprintf("Run · step %d · go run %s %s", s.Number, s.Package(), strings.Join(args, " ")))))
	if !a.hasProgram(s) {
		u.printf("%s step %d has no program yet (%s/main.go is still being written)\n", u.warn(), s.Number, s.Dir())
		return res
	}
	srv, err := a.server(ctx)
	if err != nil {
		u.printf("%s no Redis to run it against: %v\n", u.bad(), err)
		a.explain(ctx, err.Error())
		u.println(u.dim("Running the doctor, since the step could not talk to Redis:"))
		a.runDoctor(ctx, false)
		return res
	}
	// A step that needs what this server lacks (JSON on a Redis without
	// modules) stops with one line; say why before it does.
	var missing []string
	for _, f := range s.Requires {
		if !srv.Features.Has(f) {
			missing = append(missing, string(f))
		}
	}
	for _, m := range missing {
		u.printf("%s step %d needs %s, which this server lacks: expect it to stop and say so\n", u.warn(), s.Number, m)
	}
	bin, err := a.buildStep(ctx, s)
	if err != nil {
		u.printf("%s %v\n", u.bad(), err)
		if e, ok := diagnose.ExplainText(err.Error()); ok {
			a.showEntry(e)
		}
		return res
	}
	res.Built = true

	var stdout, stderr bytes.Buffer
	out := &prefixWriter{w: u, prefix: u.dim("│ "), capture: &stdout}
	errw := &prefixWriter{w: u, prefix: u.yellow("┆ "), capture: &stderr, color: u.dim}
	cmd := exec.Command(bin, args...)
	cmd.Dir = a.root
	mode := ""
	if s.RecordedOn != nil {
		// The step starts a throwaway server of its own: of the same kind
		// as the session's, so that what is compared below is known.
		mode = string(srv.Mode)
	}
	cmd.Env = stepEnv(os.Environ(), a.stepURL(srv), mode)
	cmd.Stdout, cmd.Stderr = out, errw
	a.group(cmd)
	if err := cmd.Start(); err != nil {
		u.printf("%s cannot start %s: %v\n", u.bad(), s.Dir(), err)
		return res
	}
	// While it runs, Ctrl-C or q stops the step, not the runner (the
	// terminal is in raw mode, so Ctrl-C is a key, not a signal).
	watching := a.watchForStop(cmd)
	err = cmd.Wait()
	stopped := watching()
	out.flush()
	errw.flush()
	res.Stdout, res.Stderr = stdout.String(), stderr.String()

	if err != nil {
		if stopped {
			u.printf("%s stopped\n", u.warn())
			return res
		}
		u.printf("%s the program failed (%v)\n", u.bad(), err)
		res.Diag = a.explainFailure(ctx, s, res.Stderr, missing)
		return res
	}
	res.Exited = true
	if len(args) > 0 {
		u.printf("%s it ran (with arguments, so there is nothing to compare its output with)\n", u.ok())
		return res
	}

	golden, err := s.ReadGolden(a.root)
	if err != nil {
		u.printf("%s it ran; there is no expected output to compare with yet (%s)\n", u.warn(), s.Golden())
		return res
	}
	res.Golden = true
	diff := s.Compare(golden, res.Stdout)
	if diff == "" {
		res.Matched = true
		u.printf("%s the output matches the expected output\n", u.ok())
		return res
	}
	if why := s.RecordedOn.Unlike(srv.Features, string(srv.Mode), exec.LookPath); why != "" {
		// Not a failure, and not shown as one: the server explains it.
		res.Expected = true
		u.printf("%s the output differs from the expected output, as it must here: that was recorded on %s, and %s.\n",
			u.warn(), s.RecordedOn.Where, why)
		u.printf("%s\n", u.dim(fmt.Sprintf("  The differences (%s, %s) come from the server, not from the code:", "- expected", "+ this run")))
		u.printf("%s", colorDiff(u, diff))
		return res
	}
	u.printf("%s the output differs from the expected output (%s, %s):\n",
		u.bad(), u.red("- expected"), u.green("+ this run"))
	u.printf("%s", colorDiff(u, diff))
	u.println(u.dim("Timings, versions and ports are ignored; any other difference is real. Re-run (r) to see if it is stable."))
	u.println(u.dim(fmt.Sprintf("If you changed the step's code, the - lines are what it printed as shipped: `git diff %s` shows your changes, `git checkout -- %s` undoes them.", s.Dir(), s.Dir())))
	return res
}

// explainFailure says what a failed step's error means: the catalogue's
// cause and fix when its stderr matches a row (and the doctor, when the row
// means it could not talk to Redis); otherwise a note on missing features,
// or the step's first hint.
func (a *app) explainFailure(ctx context.Context, s workbook.Step, stderr string, missing []string) *diagnose.Entry {
	u := a.ui
	if e, ok := diagnose.ExplainText(stderr); ok {
		a.showEntry(e)
		if connectionProblem(e.ID) {
			u.println(u.dim("Running the doctor, since the step could not talk to Redis:"))
			a.runDoctor(ctx, false)
		}
		return &e
	}
	switch {
	case len(missing) > 0:
		u.printf("%s this server cannot run step %d; the error above says how to get one that can\n", u.yellow("note:"), s.Number)
	case len(s.Hints) > 0:
		u.printf("%s %s\n", u.yellow("hint:"), s.Hints[0])
	}
	return nil
}

// stepEnv is the environment of a step's program: the session's server,
// named explicitly so that the program uses it rather than starting its own.
// mode, when not empty, is the kind of server a step that starts its own
// throwaway server must start (the session's kind).
func stepEnv(env []string, url, mode string) []string {
	drop := map[string]bool{config.EnvURL: true, config.EnvHost: true, provision.EnvMode: true}
	out := make([]string, 0, len(env)+2)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !drop[name] {
			out = append(out, kv)
		}
	}
	switch provision.Mode(mode) {
	case provision.Container, provision.Binary, provision.Embedded:
	default:
		mode = "url"
	}
	return append(out, config.EnvURL+"="+url, provision.EnvMode+"="+mode)
}

// stepURL is the session server's URL as the step's program should see it:
// with the database the learner's .env (or environment) chose, as
// `make step-N` would use it. (REDIS_URL wins over REDIS_DB, so the runner
// puts the database into the URL it hands over.) An explicit server of the
// learner's is used as they wrote it.
func (a *app) stepURL(srv *provision.Server) string {
	db, ok := learnerDB()
	if !ok {
		return srv.URL
	}
	u, err := url.Parse(srv.URL)
	if err != nil {
		return srv.URL
	}
	u.Path = "/" + strconv.Itoa(db)
	if !a.dbNoted {
		a.dbNoted = true
		a.ui.printf("%s\n", a.ui.dim(fmt.Sprintf("· %s=%d from your settings: the step uses database %d of this server", config.EnvDB, db, db)))
	}
	return u.String()
}

// learnerDB is the database the learner's settings choose when they name no
// server of their own (REDIS_DB alone), read as a step's config.Load reads
// it: the environment first, then .env.
func learnerDB() (int, bool) {
	vars := map[string]string{}
	if p, ok := config.FindDotEnv(); ok {
		if m, err := godotenv.Read(p); err == nil {
			vars = m
		}
	}
	lookup := func(k string) (string, bool) {
		if v, ok := os.LookupEnv(k); ok {
			return v, true
		}
		v, ok := vars[k]
		return v, ok
	}
	cfg, err := config.Parse(lookup)
	if err != nil || cfg.Explicit || cfg.DB == 0 {
		return 0, false
	}
	return cfg.DB, true
}

// connectionProblem is true for catalogue rows that mean "could not talk to
// the server at all": those are the doctor's business.
func connectionProblem(id string) bool {
	switch id {
	case "refused", "dns", "timeout", "noauth", "wrongpass", "maxclients", "hungup":
		return true
	}
	return false
}

// showEntry prints a catalogue row: what the symptom means and what to do.
func (a *app) showEntry(e diagnose.Entry) {
	u := a.ui
	u.printf("%s %s\n", u.bold("cause:"), e.Cause)
	u.printf("%s %s\n", u.bold("fix:  "), e.Fix)
}

// explain prints the catalogue's cause and fix for an error text, if known.
func (a *app) explain(_ context.Context, text string) {
	if e, ok := diagnose.ExplainText(text); ok {
		a.showEntry(e)
	}
}

func colorDiff(u *ui, diff string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(diff, "\n") {
		switch {
		case strings.HasPrefix(l, "---"), strings.HasPrefix(l, "+++"):
			b.WriteString(u.bold(strings.TrimRight(l, "\n")))
		case strings.HasPrefix(l, "@@"):
			b.WriteString(u.cyan(strings.TrimRight(l, "\n")))
		case strings.HasPrefix(l, "-"):
			b.WriteString(u.red(strings.TrimRight(l, "\n")))
		case strings.HasPrefix(l, "+"):
			b.WriteString(u.green(strings.TrimRight(l, "\n")))
		default:
			b.WriteString(strings.TrimRight(l, "\n"))
		}
		if strings.HasSuffix(l, "\n") {
			b.WriteString("\n")
		}
	}
	return b.String()
}

// prefixWriter streams a program's output as it comes, with a margin mark
// at the start of every line, and keeps a copy of the raw bytes.
type prefixWriter struct {
	mu      sync.Mutex
	w       io.Writer
	prefix  string
	color   func(string) string
	capture *bytes.Buffer
	midLine bool
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := len(b)
	p.capture.Write(b)
	var out strings.Builder
	for len(b) > 0 {
		if !p.midLine {
			out.WriteString(p.prefix)
			p.midLine = true
		}
		i := bytes.IndexByte(b, '\n')
		chunk := b
		if i >= 0 {
			chunk = b[:i]
		}
		text := string(chunk)
		if p.color != nil {
			text = p.color(text)
		}
		out.WriteString(text)
		if i < 0 {
			break
		}
		out.WriteString("\n")
		p.midLine = false
		b = b[i+1:]
	}
	_, err := io.WriteString(p.w, out.String())
	return n, err
}

// flush ends a last line that had no newline.
func (p *prefixWriter) flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.midLine {
		_, _ = io.WriteString(p.w, "\n")
		p.midLine = false
	}
}
