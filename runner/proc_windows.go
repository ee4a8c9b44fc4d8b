//go:build windows

package main

import "os/exec"

// ownGroup: Windows has no process groups in this sense; stopping a program
// kills it alone.
func ownGroup(cmd *exec.Cmd) {}

func interrupt(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	return cmd.Process.Kill()
}
