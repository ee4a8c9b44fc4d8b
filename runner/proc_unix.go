//go:build !windows

package main

import (
	"os/exec"
	"syscall"
)

// ownGroup runs cmd in a process group of its own, so that stopping it
// reaches everything it started: `go test` runs test binaries, and those
// start Redis servers that must be stopped too.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// interrupt sends SIGINT to cmd's whole process group. Interrupt rather
// than kill: an interrupted test binary stops its server (provision
// handles SIGINT); a killed one cannot.
func interrupt(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return syscall.Kill(-cmd.Process.Pid, syscall.SIGINT)
}
