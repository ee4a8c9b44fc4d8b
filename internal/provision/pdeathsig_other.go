//go:build !linux

package provision

import "os/exec"

// setParentDeathSignal has no equivalent here; Close and the signal handler
// in registry.go still stop the server.
func setParentDeathSignal(*exec.Cmd) {}
