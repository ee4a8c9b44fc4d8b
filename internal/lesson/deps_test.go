package lesson

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A step's program depends on go-redis, the standard library and small
// libraries, never on the container machinery: that belongs to the runner
// and the test kit. (go-redis's own internal/otel package is part of
// go-redis and imports no OpenTelemetry module.)
func TestStepsLinkNoContainerCode(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("skipped: no go command on PATH")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", "./steps/...")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		lower := strings.ToLower(pkg)
		if strings.HasPrefix(pkg, "github.com/redis/go-redis/") {
			continue
		}
		for _, bad := range []string{"testcontainers", "moby", "docker", "otel", "opentelemetry", "internal/provision/container"} {
			if strings.Contains(lower, bad) {
				t.Errorf("a step's program links %s", pkg)
			}
		}
	}
}
