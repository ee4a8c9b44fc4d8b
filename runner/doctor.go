package main

import (
	"context"
	"strings"

	"github.com/redis-go-workbook/workbook/internal/doctor"
)

// runDoctor checks the learner's setup and prints one line per finding.
// machine adds the checks of the machine itself (Go, Docker, redis-server),
// which `runner doctor` and the d key want and a failed step does not.
// It returns 1 when anything failed.
func (a *app) runDoctor(ctx context.Context, machine bool) int {
	u := a.ui
	u.println(u.rule("Doctor"))
	var results []doctor.Result
	show := func(rs ...doctor.Result) {
		for _, r := range rs {
			a.printResult(r)
		}
		results = append(results, rs...)
	}
	if machine {
		show(doctor.GoVersion(a.root))
	}
	envRes, cfg := doctor.DotEnv()
	show(envRes)
	if machine {
		sp := u.spin("looking for a Docker engine")
		d, m := doctor.Docker(ctx), doctor.Mode(ctx)
		sp.stop()
		show(m, d, doctor.RedisServer(ctx))
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
			results = append(results, doctor.Result{Status: doctor.Fail})
		}
	}
	if srv != nil {
		sp := u.spin("examining " + srv.Description)
		rs := doctor.Server(ctx, srv)
		sp.stop()
		show(rs...)
	}

	fails, warns := 0, 0
	for _, r := range results {
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
