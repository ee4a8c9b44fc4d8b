package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/redis-go-workbook/workbook/internal/classroom"
	"github.com/redis-go-workbook/workbook/internal/config"
	"github.com/redis-go-workbook/workbook/internal/doctor"
	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/provision"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// isReport says whether args are `doctor --report ...`, whose output must
// be the report alone.
func isReport(args []string) bool {
	return len(args) > 1 && args[0] == "doctor" && slices.Contains(args[1:], "--report")
}

// doctorCommand: runner doctor [--report [--json]]
func (a *app) doctorCommand(ctx context.Context, args []string) int {
	report := hasFlag(&args, "--report")
	asJSON := hasFlag(&args, "--json")
	if len(args) > 0 || (asJSON && !report) {
		fmt.Fprintln(os.Stderr, "usage: go run ./runner doctor [--report [--json]]")
		return 2
	}
	if report {
		return a.doctorReport(ctx, asJSON)
	}
	return a.runDoctor(ctx, true)
}

// runDoctor checks the learner's setup and prints one line per finding.
// machine adds the checks of the machine itself (Go, Docker, redis-server),
// which `runner doctor` and the d key want and a failed step does not.
// It returns 1 when anything failed.
func (a *app) runDoctor(ctx context.Context, machine bool) int {
	u := a.ui
	u.println(u.rule("Doctor"))
	run := a.examine(ctx, machine, a.printResult)
	if machine {
		a.tellClass(doctorEvent(run.results))
	}
	fails, warns := 0, 0
	for _, r := range run.results {
		switch r.Status {
		case doctor.Fail:
			fails++
		case doctor.Warn:
			warns++
		}
	}
	switch {
	case fails > 0:
		u.printf("%s %d problem%s to fix (see the fix lines above)\n", u.bad(), fails, strings.Repeat("s", min(fails-1, 1)))
		return 1
	case warns > 0:
		u.printf("%s ready, with %d warning%s\n", u.ok(), warns, strings.Repeat("s", min(warns-1, 1)))
	default:
		u.printf("%s all good\n", u.ok())
	}
	return 0
}

// doctorRun is what one run of the doctor found.
type doctorRun struct {
	results []doctor.Result
	docker  bool               // a Docker engine answered (machine checks only)
	server  *provision.Server  // the server examined, or nil
	kind    string             // where it comes from (doctor.Kind*)
	exam    doctor.Examination // what examining it found
	cfg     config.Config      // the learner's settings
}

// examine runs the doctor's checks, handing each finding to show as it
// comes. `runner doctor` prints them; `runner doctor --report` keeps them
// for its one line: both are this one run, on the same server.
func (a *app) examine(ctx context.Context, machine bool, show func(doctor.Result)) doctorRun {
	u := a.ui
	var run doctorRun
	add := func(rs ...doctor.Result) {
		for _, r := range rs {
			show(r)
		}
		run.results = append(run.results, rs...)
	}
	if machine {
		add(doctor.GoVersion(a.root))
	}
	envRes, cfg := doctor.DotEnv()
	run.cfg = cfg
	add(envRes)
	if machine {
		sp := u.spin("looking for a Docker engine")
		d, engine := doctor.DockerEngine(ctx)
		m := doctor.Mode(ctx)
		sp.stop()
		run.docker = engine
		add(m, d, doctor.RedisServer(ctx))
	}

	// The server to examine is the one the steps really use: the session's
	// (started now if need be, the same way every step gets it). When that
	// fails and the settings name a server, that server is examined, to say
	// why it does not answer.
	srv := a.running()
	if srv == nil && envRes.Status != doctor.Fail {
		var err error
		srv, err = a.server(ctx)
		switch {
		case err != nil && cfg.Explicit:
			srv = doctor.Named(cfg)
		case err != nil:
			u.printf("%s no Redis to examine: %v\n", u.bad(), err)
			a.explain(ctx, err.Error())
			run.results = append(run.results, doctor.Result{Name: "Redis", Status: doctor.Fail, Detail: err.Error()})
		}
	}
	run.kind = doctor.KindNone
	if srv != nil {
		sp := u.spin("examining " + srv.Description)
		run.exam = doctor.Examine(ctx, srv)
		sp.stop()
		add(run.exam.Results...)
		run.server, run.kind = srv, serverKind(srv, cfg)
	}
	return run
}

// doctorEvent tells the class board what the doctor found: its ✗ rows,
// then its ! rows, each as one line (classroom scrubs paths and passwords
// from them before they travel).
func doctorEvent(results []doctor.Result) classroom.Event {
	ev := classroom.Event{Kind: classroom.KindDoctor}
	for _, st := range []doctor.Status{doctor.Fail, doctor.Warn} {
		for _, r := range results {
			if r.Status == st && r.Name != "" {
				ev.Problems = append(ev.Problems, st.Mark()+" "+r.Name+": "+r.Detail)
			}
		}
	}
	return ev
}

// serverKind says where srv comes from, for a report: never where it is.
func serverKind(srv *provision.Server, cfg config.Config) string {
	switch {
	case srv.IsEmbedded() || srv.Mode == provision.Embedded:
		return doctor.KindEmbedded
	case srv.Mode == provision.Container:
		return doctor.KindContainer
	case srv.Mode == provision.Binary:
		return doctor.KindBinary
	case cfg.Explicit:
		return doctor.KindURL
	}
	return doctor.KindLocal // found running on the default address
}

// doctorReport runs the doctor quietly and prints its findings as one line
// to share with a workshop's room, or as JSON. It returns 1 when the doctor
// found a problem (a ✗), as `runner doctor` does.
func (a *app) doctorReport(ctx context.Context, asJSON bool) int {
	// The doctor's own lines (and the session's notes on which server it
	// found) name paths, addresses and hosts: none of them is printed.
	loud := a.ui
	quiet := *loud
	quiet.w, quiet.tty, quiet.color = &termWriter{out: io.Discard}, false, false
	a.ui = &quiet
	run := a.examine(ctx, true, func(doctor.Result) {})
	a.ui = loud

	rep := doctor.Report{
		OS:     runtime.GOOS,
		Arch:   runtime.GOARCH,
		Go:     strings.TrimPrefix(runtime.Version(), "go"),
		Docker: run.docker,
	}
	set := run.exam.Features
	if !run.exam.Reached {
		set = features.Set{}
	}
	rep.SetServer(run.kind, run.exam.Reached, set)
	// A damaged progress file was set aside when the runner started; the
	// report says so without its path.
	if a.prog != nil {
		if _, err := workbook.LoadProgress(a.prog.Path()); err != nil {
			run.results = append(run.results, doctor.Result{Name: "Progress", Status: doctor.Warn, Detail: err.Error()})
		}
	}
	rep.SetFindings(run.results)
	rep.Progress = a.reportProgress()
	if m, ok, err := classroom.Joined(a.stateDir()); err == nil && ok {
		rep.Name = m.Name
	}

	// A report is a doctor run too, for the class board; its output is
	// the report alone, so a class server out of reach is not said here.
	_ = a.tellClassNow(doctorEvent(run.results))

	if asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			return 1
		}
	} else {
		fmt.Println(rep.Line())
	}
	if rep.Problems > 0 {
		return 1
	}
	return 0
}

// reportProgress counts steps and exercises done the way `runner list
// --json` shows them.
func (a *app) reportProgress() doctor.ReportProgress {
	var p doctor.ReportProgress
	if a.prog == nil {
		return p
	}
	p.Current = a.prog.Resume(a.steps)
	for _, s := range a.steps {
		sp := a.prog.Step(s.Number)
		p.Steps++
		if sp.Done(s) {
			p.StepsDone++
		}
		if sp.Checked {
			p.LessonsChecked++
		}
		if s.Exercise != nil {
			p.Exercises++
			if sp.ExerciseChecked && sp.ExercisePassed {
				p.ExercisesDone++
			}
		}
	}
	return p
}

func (a *app) printResult(r doctor.Result) {
	u := a.ui
	mark := u.dim(r.Status.Mark())
	switch r.Status {
	case doctor.OK:
		mark = u.ok()
	case doctor.Warn:
		mark = u.warn()
	case doctor.Fail:
		mark = u.bad()
	}
	u.printf("  %s %-26s %s\n", mark, r.Name, r.Detail)
	if r.Fix != "" {
		// The fix sits under the finding it answers.
		u.printf("%s%s %s\n", strings.Repeat(" ", 30), u.bold("fix:"), r.Fix)
	}
}
