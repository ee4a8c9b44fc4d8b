package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Ctrl-C in the middle of the tour: the step stops every node it started
// and removes their directories before it exits. Killed outright, it
// cannot clean up, but its nodes die with it (the parent-death signal).
func TestInterruptCleansUp(t *testing.T) {
	skipOtherModes(t)
	if _, _, ok := findRedis(); !ok {
		t.Skip("skipped: " + noRedisServer)
	}
	if testing.Short() {
		t.Skip("skipped in -short mode: starts two clusters")
	}
	// The test binary itself, told to run the step's main (TestMain).
	bin, err := os.Executable()
	require.NoError(t, err)

	t.Run("Ctrl-C", func(t *testing.T) {
		cmd, children, dir := startMidway(t, bin)
		require.NoError(t, cmd.Process.Signal(os.Interrupt))
		err := cmd.Wait()
		var exit *exec.ExitError
		require.ErrorAs(t, err, &exit, "interrupted, the step exits non-zero")
		assert.Equal(t, 130, exit.ExitCode())
		for _, pid := range children {
			assert.ErrorIs(t, syscall.Kill(pid, 0), syscall.ESRCH, "node process %d is still running", pid)
		}
		_, err = os.Stat(dir)
		assert.True(t, os.IsNotExist(err), "%s is left behind", dir)
	})

	t.Run("SIGKILL", func(t *testing.T) {
		cmd, children, _ := startMidway(t, bin)
		// Should the parent-death signal not work, the test must not leave
		// the nodes running.
		t.Cleanup(func() {
			for _, pid := range children {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		})
		require.NoError(t, cmd.Process.Kill())
		_ = cmd.Wait()
		// The kernel signals the children as the parent dies; they are
		// reaped by init a moment later.
		err := waitFor(context.Background(), 30*time.Second, "the nodes to die with the step", func() (bool, error) {
			for _, pid := range children {
				if syscall.Kill(pid, 0) == nil {
					return false, nil
				}
			}
			return true, nil
		})
		assert.NoError(t, err)
	})
}

// startMidway runs the step until part 3 (slots moving, goroutines
// writing), with its temporary directory in a test directory, and returns
// it with its node processes and the cluster's directory.
func startMidway(t *testing.T, bin string) (*exec.Cmd, []int, string) {
	t.Helper()
	tmp := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, runAsStep+"=1")
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	deadline := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	t.Cleanup(func() { deadline.Stop() })

	lines := bufio.NewScanner(stdout)
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "--- 3.") {
	}
	go func() { // keep reading, so the step never blocks on its output
		for lines.Scan() {
		}
	}()
	children := childPids(cmd.Process.Pid)
	require.Len(t, children, 7, "six nodes and the standalone server")
	dirs, _ := filepath.Glob(filepath.Join(tmp, "workbook-cluster-*"))
	require.Len(t, dirs, 1)
	return cmd, children, dirs[0]
}

// childPids lists the processes whose parent is pid, from /proc.
func childPids(pid int) []int {
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	var kids []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so cut at ')'.
		s := string(b)
		fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			n, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			kids = append(kids, n)
		}
	}
	return kids
}
