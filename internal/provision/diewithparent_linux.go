package provision

import (
	"os/exec"
	"syscall"
)

// DieWithParent asks Linux to kill the process cmd starts (a redis-server)
// if the program that started it dies without cleaning up: killed, or a
// test binary ended by its timeout.
func DieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
