package main

import (
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/redis-go-workbook/workbook/internal/embedded"
)

// The doctor examines the server the runner really uses. Someone else's
// password-protected Redis on 127.0.0.1:6379 is passed over by the runner,
// so it is no "✗ Authentication" for the doctor either: the doctor says it
// was passed over, and examines the server used instead.
func TestDoctorExaminesTheServerTheRunnerUses(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:6379")
	if err != nil {
		t.Skipf("skipped: 127.0.0.1:6379 is taken (%v); the test puts a password-protected Redis there", err)
	}
	l.Close()
	theirs, err := embedded.Start("127.0.0.1:6379", embedded.WithPassword("not-yours"))
	if err != nil {
		t.Skipf("skipped: cannot listen on 127.0.0.1:6379: %v", err)
	}
	defer theirs.Close()
	env := append(e2eEnv(t, filepath.Join(t.TempDir(), "p.json")), "WORKBOOK_REDIS=", "DOCKER_HOST=tcp://127.0.0.1:1", "REDIS_URL=", "REDIS_HOST=", "REDIS_PORT=", "REDIS_PASSWORD=")
	out, code := runCLI(t, env, "doctor")
	if strings.Contains(out, "✗ Authentication") || !strings.Contains(out, "refused the workbook") {
		t.Fatalf("the doctor must report the server the runner uses, and say why 6379 was passed over:\n%s", out)
	}
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
}

// A forced mode that cannot work here is a finding; the summary line is
// well-formed.
func TestDoctorNamesAForcedMode(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("skipped: no go on PATH")
	}
	env := append(e2eEnv(t, filepath.Join(t.TempDir(), "p.json")), "WORKBOOK_REDIS=binary", "PATH="+filepath.Dir(goBin), "REDIS_URL=", "REDIS_HOST=")
	out, code := runCLI(t, env, "doctor")
	if code == 0 || !strings.Contains(out, "WORKBOOK_REDIS") || !strings.Contains(out, "no redis-server on PATH") {
		t.Fatalf("exit %d: the forced binary mode with no redis-server must be a finding:\n%s", code, out)
	}
	if strings.Contains(out, "%!") || !strings.Contains(out, "to fix") {
		t.Fatalf("a malformed summary:\n%s", out)
	}
}
