package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent asks Linux to kill a redis-server this step started if the
// step itself dies without cleaning up (killed, or a test timing out).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
