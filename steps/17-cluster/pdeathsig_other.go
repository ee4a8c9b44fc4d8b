//go:build !linux

package main

import "os/exec"

// ownProcess has no parent-death signal outside Linux; the step still stops
// its nodes when it ends normally, on an error, or on Ctrl-C.
func ownProcess(*exec.Cmd) {}

// killProcess kills the node.
func killProcess(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
