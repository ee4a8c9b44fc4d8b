package main

import (
	"bufio"
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
// and removes their directories before it exits.
func TestInterruptCleansUp(t *testing.T) {
	if _, _, ok := findRedis(); !ok {
		t.Skip("skipped: " + noRedisServer)
	}
	if testing.Short() {
		t.Skip("skipped in -short mode: builds the step and starts a cluster")
	}
	bin := filepath.Join(t.TempDir(), "step17")
	build := exec.Command("go", "build", "-o", bin, ".")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))

	tmp := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	// Wait for part 3 (slots moving, goroutines writing): mid-flight.
	lines := bufio.NewScanner(stdout)
	deadline := time.AfterFunc(2*time.Minute, func() { _ = cmd.Process.Kill() })
	defer deadline.Stop()
	for lines.Scan() && !strings.HasPrefix(lines.Text(), "--- 3.") {
	}
	children := childPids(cmd.Process.Pid)
	require.Len(t, children, 7, "six nodes and the standalone server")
	dirs, _ := filepath.Glob(filepath.Join(tmp, "workbook-cluster-*"))
	require.Len(t, dirs, 1)

	require.NoError(t, cmd.Process.Signal(os.Interrupt))
	go func() {
		for lines.Scan() {
		}
	}()
	err = cmd.Wait()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "interrupted, the step exits non-zero")
	assert.Equal(t, 130, exit.ExitCode())
	for _, pid := range children {
		err := syscall.Kill(pid, 0)
		assert.ErrorIs(t, err, syscall.ESRCH, "node process %d is still running", pid)
	}
	_, err = os.Stat(dirs[0])
	assert.True(t, os.IsNotExist(err), "%s is left behind", dirs[0])
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
