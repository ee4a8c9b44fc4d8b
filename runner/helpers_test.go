package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// TestMain removes what the tests built once for all of them: the runner
// binary, and the throwaway copy of the workbook (exercise_e2e_test.go).
func TestMain(m *testing.M) {
	code := m.Run()
	for _, dir := range tempDirs {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// tempDirs are removed when the tests end.
var tempDirs []string

// buildRunner compiles the runner once per test binary.
var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

func buildRunner(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "runner-e2e-")
		if err != nil {
			buildErr = err
			return
		}
		tempDirs = append(tempDirs, dir)
		builtPath = filepath.Join(dir, "runner")
		out, err := exec.Command("go", "build", "-o", builtPath, ".").CombinedOutput()
		if err != nil {
			buildErr = errors.New(string(out))
		}
	})
	if buildErr != nil {
		tb.Fatalf("building the runner: %v", buildErr)
	}
	return builtPath
}

// e2eEnv is the environment of a runner under test: its own progress file,
// and a server mode that needs no Docker unless the caller chose one. In url
// mode (tests pointed at an explicit server) the runner still starts its own
// server: the explicit database belongs to the test packages that claim it,
// and a runner is a main, which would look for REDIS_URL instead.
func e2eEnv(tb testing.TB, progress string) []string {
	env := append(os.Environ(), workbook.EnvProgress+"="+progress, "TERM=xterm-256color", "NO_COLOR=")
	if m := os.Getenv("WORKBOOK_REDIS"); m == "" || m == "url" {
		mode := "embedded"
		if _, err := exec.LookPath("redis-server"); err == nil {
			mode = "binary"
		} else if _, err := os.Stat("/opt/redis8/bin/redis-server"); err == nil {
			mode = "binary"
			env = append(env, "PATH=/opt/redis8/bin"+string(os.PathListSeparator)+os.Getenv("PATH"))
		}
		env = append(env, "WORKBOOK_REDIS="+mode)
	}
	return env
}

var ansi = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\r`)

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// stop ends a runner the way an interrupted terminal would (SIGTERM, so it
// stops any server it started), and kills it if that does not work.
func stop(cmd *exec.Cmd) {
	if cmd.ProcessState != nil {
		return
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-exited
	}
}
