//go:build !linux

package main

import "os/exec"

// dieWithParent has no equivalent outside Linux; the step still stops its
// servers when it ends normally or on Ctrl-C.
func dieWithParent(*exec.Cmd) {}
