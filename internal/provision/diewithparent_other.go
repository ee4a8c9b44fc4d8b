//go:build !linux

package provision

import "os/exec"

// DieWithParent has no equivalent outside Linux: Close, and the program's
// own signal handling, still stop what it started.
func DieWithParent(*exec.Cmd) {}
