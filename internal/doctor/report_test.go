package doctor

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// A server that was not reached: nobody can tell whether it has JSON, and
// the line says "?" rather than "no"; the failing rows are named.
func TestReportLineOfAnUnreachedServer(t *testing.T) {
	r := Report{OS: "linux", Arch: "arm64", Go: "1.26.8", Name: "  Ada\n Lovelace "}
	r.SetServer(KindURL, false, features.Set{})
	r.SetFindings([]Result{{Name: "Go"}, {Name: "Reachable", Status: Fail, Detail: "127.0.0.1:6390: connection refused", Entry: "refused"}, {Name: "Docker", Status: Warn}})
	line := r.Line()
	for _, part := range []string{"linux/arm64", "go1.26.8", "Redis ? (your URL's server, not reached)", "JSON ?", "hash-field TTL ?", "Docker no", "Ada Lovelace", "doctor ✗ Reachable"} {
		if !strings.Contains(line, part) {
			t.Errorf("the line lacks %q: %s", part, line)
		}
	}
	if strings.Contains(line, "127.0.0.1") || strings.Contains(line, "\n") {
		t.Errorf("a finding's detail, or a second line, in the report: %q", line)
	}
	if r.Problems != 1 || r.Warnings != 1 {
		t.Errorf("problems %d, warnings %d; want 1 and 1", r.Problems, r.Warnings)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"json":null`, `"hash_field_ttl":null`, `"entry":"refused"`, `"status":"fail"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the JSON lacks %s: %s", want, b)
		}
	}
	if strings.Contains(string(b), "connection refused") {
		t.Errorf("the JSON holds a finding's detail: %s", b)
	}
}

// A real server found running locally is named by its kind, never its address.
func TestReportKindOfALocalServer(t *testing.T) {
	var r Report
	set := features.NewSet("Redis 8.6.3 at 127.0.0.1:6379", "8.6.3", features.HashFieldTTL)
	r.SetServer(KindLocal, true, set)
	if r.Redis.Kind != KindLocal || r.Redis.JSON == nil || *r.Redis.JSON || r.Redis.HashFieldTTL == nil || !*r.Redis.HashFieldTTL {
		t.Errorf("a real server found locally, with hash-field TTL and no JSON: %+v", r.Redis)
	}
	if line := r.Line(); !strings.Contains(line, "Redis 8.6.3 (found running locally)") || !strings.Contains(line, "doctor ✓") {
		t.Errorf("line: %s", line)
	}
}
