package main

import (
	"os/exec"
	"syscall"
)

// ownProcess sets up a redis-server this step starts:
//   - Pdeathsig asks Linux to SIGKILL the child if the step itself dies
//     without cleaning up (killed with SIGKILL, or a test that timed out),
//     so no orphaned node keeps a port;
//   - Setpgid puts it in a process group of its own, so a Ctrl-C in the
//     terminal reaches only the step, which then stops the nodes itself,
//     in order, and removes their directories.
func ownProcess(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
}

// killProcess kills the node's whole process group: redis-server forks
// children (to stream its data to a replica, for one), and they go too.
func killProcess(cmd *exec.Cmd) {
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	_ = cmd.Process.Kill()
}
