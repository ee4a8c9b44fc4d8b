package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/redis-go-workbook/workbook/internal/provision"
)

// prepare: runner prepare [--image-archive FILE]
//
// Everything a laptop needs to do the workshop offline, in one go, on the
// morning of it (or the night before, on good wifi): the Go modules, every
// step's program, the tests' build cache, and for Docker users the Redis
// image. It ends with the doctor and one verdict line. Run twice, the
// second run finds nothing missing and says so.
func (a *app) prepare(ctx context.Context, args []string) int {
	fs := flag.NewFlagSet("prepare", flag.ContinueOnError)
	archive := fs.String("image-archive", "", "a `docker save` archive of the Redis image to load (handed out by the instructor)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	u := a.ui
	u.println(u.rule("Preparing this laptop for the workshop"))
	var missing, failed []string
	item := func(name string, did bool, err error) {
		switch {
		case err != nil:
			failed = append(failed, name)
			u.printf("%s %s: %v\n", u.bad(), name, err)
		case did:
			missing = append(missing, name)
			u.printf("%s %s (fetched or built now)\n", u.ok(), name)
		default:
			u.printf("%s %s (already there)\n", u.ok(), name)
		}
	}

	// Modules: with the proxy switched off, a build list that resolves
	// means every module is already in the module cache.
	if err := goCmd(ctx, a.root, []string{"GOPROXY=off", "GOFLAGS=-mod=readonly"}, "list", "-deps", "-test", "./..."); err == nil {
		item("Go modules", false, nil)
	} else {
		item("Go modules", true, goCmd(ctx, a.root, nil, "mod", "download"))
	}

	// Every step's program, where the runner keeps them (a repeat build
	// of an unchanged step only checks).
	built, buildErr := false, error(nil)
	for _, s := range a.steps {
		if !a.hasProgram(s) {
			continue
		}
		_, statErr := os.Stat(filepath.Join(a.root, ".workbook", "bin", "step-"+s.Slug))
		bin, err := a.buildStep(ctx, s)
		if err != nil {
			buildErr = errors.Join(buildErr, err)
		} else if statErr != nil && bin != "" {
			built = true
		}
	}
	item("the steps' programs", built, buildErr)

	// The tests, compiled but not run, so `runner check` starts at once. A
	// package whose tests were compiled before answers "(cached)".
	out, err := goOutput(ctx, a.root, "test", "-run", "^$", "./...")
	compiled := false
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "ok") && !strings.Contains(line, "(cached)") {
			compiled = true
		}
	}
	item("the tests' build cache", compiled, err)

	// Docker users: the image the workbook's container mode and `make up`
	// use, present, loaded from an archive, or pulled.
	image := provision.Image()
	if exec.Command("docker", "info").Run() != nil {
		u.printf("%s Docker: no engine answers; the workbook will use redis-server or the embedded server (fine offline)\n", u.dim("·"))
	} else {
		switch {
		case exec.Command("docker", "image", "inspect", image).Run() == nil:
			item("Docker image "+image, false, nil)
		case *archive != "":
			item("Docker image "+image+" from "+*archive, true, runQuiet(ctx, 2*time.Minute, "docker", "load", "-i", *archive))
		default:
			item("Docker image "+image, true, runQuiet(ctx, 10*time.Minute, "docker", "pull", image))
		}
	}

	doctorCode := a.runDoctor(ctx, true)
	u.println(u.rule("Verdict"))
	switch {
	case len(failed) > 0 || doctorCode != 0:
		u.printf("%s not ready: %s — see above, fix, and run `go run ./runner prepare` again\n", u.bad(), strings.Join(append(failed, doctorProblems(doctorCode)...), ", "))
		return 1
	case len(missing) > 0:
		u.printf("%s ready for the workshop offline (this run fetched or built: %s)\n", u.ok(), strings.Join(missing, ", "))
	default:
		u.printf("%s ready for the workshop offline: nothing was missing\n", u.ok())
	}
	return 0
}

func doctorProblems(code int) []string {
	if code != 0 {
		return []string{"the doctor's ✗ rows"}
	}
	return nil
}

func goCmd(ctx context.Context, dir string, env []string, args ...string) error {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir, cmd.Env = dir, append(os.Environ(), env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func goOutput(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if err != nil {
		return out.String(), fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return out.String(), nil
}

// runQuiet runs a command with a bound, keeping its output for the error.
func runQuiet(ctx context.Context, limit time.Duration, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
