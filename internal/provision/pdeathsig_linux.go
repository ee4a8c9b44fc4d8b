package provision

import (
	"os/exec"
	"syscall"
)

// setParentDeathSignal asks Linux to kill redis-server if the process that
// started it dies without cleaning up (a test binary killed by a timeout).
func setParentDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
