package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/classroom"
	"github.com/redis-go-workbook/workbook/internal/embedded"
	"github.com/redis-go-workbook/workbook/internal/features"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// reportUser is the attendee's user name in these tests: it is in the home
// directory's path, the workbook's path and $USER, and must appear in no
// report.
const reportUser = "wbattendee"

// attendeeCopy is a workbook folder inside a home directory of its own, as
// an attendee's laptop has it: the runner finds its root by its go.mod,
// and reads the class membership from its .workbook folder. It returns the
// folder, the home directory and the progress file.
func attendeeCopy(t *testing.T, progress string) (root, home, progressPath string) {
	t.Helper()
	home = filepath.Join(t.TempDir(), "home", reportUser)
	root = filepath.Join(home, "code", "redis-workbook")
	wb, err := workbook.Root()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(wb, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if err := writeFile(filepath.Join(root, "go.mod"), string(mod)); err != nil {
		t.Fatal(err)
	}
	progressPath = filepath.Join(root, ".workbook", "progress.json")
	if err := writeFile(progressPath, progress); err != nil {
		t.Fatal(err)
	}
	return root, home, progressPath
}

// attendeeEnv is the runner's environment on that laptop. Its redis-server,
// when there is one, is in the home directory (as a Homebrew or a
// hand-built one may be): the doctor's rows then name the home directory,
// and the report must not.
func attendeeEnv(t *testing.T, home, progress string, extra ...string) []string {
	env := append(e2eEnv(t, progress),
		"HOME="+home, "USER="+reportUser, "LOGNAME="+reportUser,
		"REDIS_URL=", "REDIS_HOST=", "REDIS_PORT=", "REDIS_PASSWORD=", "REDIS_USERNAME=")
	path := os.Getenv("PATH")
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	if bin, err := lookPathIn("redis-server", path); err == nil {
		dir := filepath.Join(home, "bin")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(bin, filepath.Join(dir, "redis-server")); err != nil {
			t.Fatal(err)
		}
		env = append(env, "PATH="+dir+string(os.PathListSeparator)+path)
	}
	return append(env, extra...)
}

func lookPathIn(file, path string) (string, error) {
	for _, dir := range filepath.SplitList(path) {
		p := filepath.Join(dir, file)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// passwordServer starts a throwaway server that requires password: a real
// redis-server in binary (and container) mode, the embedded server in
// embedded mode. It returns its address.
func passwordServer(t *testing.T, password string) string {
	t.Helper()
	mode := ""
	for _, kv := range e2eEnv(t, "unused") {
		if v, ok := strings.CutPrefix(kv, "WORKBOOK_REDIS="); ok {
			mode = v
		}
	}
	if mode == "embedded" {
		srv, err := embedded.Start("127.0.0.1:0", embedded.WithPassword(password))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(srv.Close)
		return srv.Addr()
	}
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		bin = "/opt/redis8/bin/redis-server"
		if _, err := os.Stat(bin); err != nil {
			t.Skip("skipped: no redis-server on PATH for a password-protected server")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	cmd := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--requirepass", password,
		"--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	addr := "127.0.0.1:" + port
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password})
	defer rdb.Close()
	for i := 0; ; i++ {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := rdb.Ping(ctx).Err()
		cancel()
		if err == nil {
			return addr
		}
		if i == 100 {
			t.Fatalf("redis-server on %s did not answer: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// serverFeatures asks the server itself what it has: what the report must
// say.
func serverFeatures(t *testing.T, addr, password string) features.Set {
	t.Helper()
	rdb := redis.NewClient(&redis.Options{Addr: addr, Password: password})
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	set, err := features.Detect(ctx, rdb, "the test's server")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// assertNothingIdentifying fails when out holds a secret or a trace of the
// attendee's machine.
func assertNothingIdentifying(t *testing.T, what, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("%s holds %q, which must never be shared:\n%s", what, s, out)
		}
	}
}

type reportJSON struct {
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	Go       string `json:"go"`
	Docker   *bool  `json:"docker"`
	Name     string `json:"name"`
	Problems *int   `json:"problems"`
	Redis    struct {
		Kind         string `json:"kind"`
		Version      string `json:"version"`
		Reachable    bool   `json:"reachable"`
		JSON         *bool  `json:"json"`
		HashFieldTTL *bool  `json:"hash_field_ttl"`
	} `json:"redis"`
	Progress struct {
		Steps          int `json:"steps"`
		StepsDone      int `json:"steps_done"`
		Exercises      int `json:"exercises"`
		ExercisesDone  int `json:"exercises_done"`
		LessonsChecked int `json:"lessons_checked"`
		Current        int `json:"current"`
	} `json:"progress"`
	Findings []struct {
		Name   string `json:"name"`
		Status string `json:"status"`
	} `json:"findings"`
}

func yes(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// An attendee in a class, whose settings name a password-protected server
// by REDIS_URL: the report is one line that says what the room needs and
// nothing else (no password, neither the server's nor the class's, no
// address, no home directory, no user name).
func TestDoctorReportIsOneLineWithNothingIdentifying(t *testing.T) {
	const password = "pw-Zq81-never-shared"
	const classPassword = "class-pw-K3v-never-shared"
	addr := passwordServer(t, password)
	want := serverFeatures(t, addr, password)

	// Step 1 done (lesson and exercise), step 2's lesson passed but not its
	// exercise: one step done, one exercise done, two lessons checked.
	if s, _ := workbook.Get(2); s.Exercise == nil {
		t.Fatal("the test expects step 2 to have an exercise; adjust it to the manifest")
	}
	root, home, progress := attendeeCopy(t, `{"current": 2, "steps": {
		"1": {"checked": true, "passed": true, "exercise_checked": true, "exercise_passed": true},
		"2": {"checked": true, "passed": true, "exercise_checked": true}}}`)
	if _, err := classroom.Join(filepath.Join(root, ".workbook"), "redis://:"+classPassword+"@127.0.0.1:1/0", "Ada L"); err != nil {
		t.Fatal(err)
	}
	env := attendeeEnv(t, home, progress,
		"WORKBOOK_REDIS=url", "REDIS_URL=redis://:"+password+"@"+addr+"/0",
		"DOCKER_HOST=tcp://127.0.0.1:1") // no Docker engine: the report says so
	_, port, _ := net.SplitHostPort(addr)
	secrets := []string{password, classPassword, home, root, reportUser, addr, ":" + port, "127.0.0.1", "/tmp"}
	bin := buildRunner(t)

	out, code := runIn(t, root, bin, env, "doctor", "--report")
	t.Logf("%s", out)
	assertNothingIdentifying(t, "the report", out, secrets...)
	line := strings.TrimSuffix(out, "\n")
	if code != 0 || line == "" || strings.Contains(line, "\n") {
		t.Fatalf("exit %d: want exactly one line and exit 0 (the doctor finds no ✗ here):\n%s", code, out)
	}
	kind := "(your URL's server)"
	if want.Embedded() {
		kind = "(embedded)"
	}
	for _, part := range []string{
		runtime.GOOS + "/" + runtime.GOARCH,
		runtime.Version(),
		"Redis " + want.Version + " " + kind,
		"JSON " + yes(want.Has(features.JSON)),
		"hash-field TTL " + yes(want.Has(features.HashFieldTTL)),
		"Docker no",
		fmt.Sprintf("steps 1/%d", len(workbook.Steps())),
		"exercises 1/",
		"Ada L",
		"doctor ✓",
	} {
		if !strings.Contains(line, part) {
			t.Errorf("the report lacks %q:\n%s", part, line)
		}
	}

	out, code = runIn(t, root, bin, env, "doctor", "--report", "--json")
	assertNothingIdentifying(t, "the JSON report", out, secrets...)
	var rep reportJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("exit %d: not JSON (%v):\n%s", code, err, out)
	}
	if code != 0 {
		t.Errorf("exit %d, want 0:\n%s", code, out)
	}
	wantKind := "url"
	if want.Embedded() {
		wantKind = "embedded"
	}
	switch {
	case rep.OS != runtime.GOOS || rep.Arch != runtime.GOARCH || "go"+rep.Go != runtime.Version():
		t.Errorf("os/arch/go: %q/%q/%q", rep.OS, rep.Arch, rep.Go)
	case rep.Redis.Kind != wantKind || rep.Redis.Version != want.Version || !rep.Redis.Reachable:
		t.Errorf("redis: %+v, want kind %s, version %s, reachable", rep.Redis, wantKind, want.Version)
	case rep.Redis.JSON == nil || *rep.Redis.JSON != want.Has(features.JSON):
		t.Errorf("redis.json: %v, the server says %v", rep.Redis.JSON, want.Has(features.JSON))
	case rep.Redis.HashFieldTTL == nil || *rep.Redis.HashFieldTTL != want.Has(features.HashFieldTTL):
		t.Errorf("redis.hash_field_ttl: %v, the server says %v", rep.Redis.HashFieldTTL, want.Has(features.HashFieldTTL))
	case rep.Docker == nil || *rep.Docker:
		t.Errorf("docker: %v, want false (DOCKER_HOST names a closed port)", rep.Docker)
	case rep.Name != "Ada L":
		t.Errorf("name: %q", rep.Name)
	case rep.Problems == nil || *rep.Problems != 0:
		t.Errorf("problems: %v", rep.Problems)
	case rep.Progress.StepsDone != 1 || rep.Progress.ExercisesDone != 1 || rep.Progress.LessonsChecked != 2 ||
		rep.Progress.Steps != len(workbook.Steps()) || rep.Progress.Exercises == 0:
		t.Errorf("progress: %+v", rep.Progress)
	}
	found := map[string]string{}
	for _, f := range rep.Findings {
		found[f.Name] = f.Status
	}
	if found["Authentication"] != "ok" || found["Reachable"] != "ok" || found["Docker"] != "warn" {
		t.Errorf("the findings are not the doctor's: %v", found)
	}

	// Each report is a doctor run for the class board: the class server is
	// out of reach here, so the events wait in the queue, scrubbed.
	queue, err := os.ReadFile(filepath.Join(root, ".workbook", "class-queue.jsonl"))
	if err != nil {
		t.Fatalf("no doctor event was queued for the class: %v", err)
	}
	assertNothingIdentifying(t, "the queued class events", string(queue), password, classPassword, home, reportUser)
	var ev classroom.Event
	first, _, _ := strings.Cut(string(queue), "\n")
	if err := json.Unmarshal([]byte(first), &ev); err != nil || ev.Kind != classroom.KindDoctor || ev.Name != "Ada L" ||
		len(ev.Problems) == 0 || !strings.HasPrefix(ev.Problems[0], "! Docker") {
		t.Errorf("want a doctor event from Ada L with the Docker warning (%v):\n%s", err, queue)
	}
}

// A server that does not answer is a ✗: the report says which row, and
// exits 1 as the doctor does; the password in the URL stays out of it. A
// damaged progress file is a row of the report, without its path.
func TestDoctorReportFailsWhenTheServerDoesNotAnswer(t *testing.T) {
	const password = "pw-Yx42-never-shared"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there any more
	root, home, progress := attendeeCopy(t, `{"steps": {"1": damaged`)
	env := attendeeEnv(t, home, progress, "WORKBOOK_REDIS=url", "REDIS_URL=redis://:"+password+"@"+addr+"/0")
	secrets := []string{password, home, root, reportUser, addr, "127.0.0.1"}
	bin := buildRunner(t)

	out, code := runIn(t, root, bin, env, "doctor", "--report")
	t.Logf("%s", out)
	assertNothingIdentifying(t, "the report", out, secrets...)
	line := strings.TrimSuffix(out, "\n")
	if code != 1 || strings.Contains(line, "\n") {
		t.Fatalf("exit %d: want one line and exit 1:\n%s", code, out)
	}
	for _, part := range []string{"(your URL's server, not reached)", "JSON ?", "doctor ✗ Reachable", "steps 0/"} {
		if !strings.Contains(line, part) {
			t.Errorf("the report lacks %q:\n%s", part, line)
		}
	}

	out, code = runIn(t, root, bin, env, "doctor", "--report", "--json")
	assertNothingIdentifying(t, "the JSON report", out, secrets...)
	var rep reportJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON (%v):\n%s", err, out)
	}
	if code != 1 || rep.Redis.Reachable || rep.Redis.JSON != nil || rep.Redis.Kind != "url" || rep.Problems == nil || *rep.Problems == 0 || rep.Name != "" {
		t.Errorf("exit %d: want 1, an unreached url server, json null, problems, no name:\n%s", code, out)
	}
	found := map[string]string{}
	for _, f := range rep.Findings {
		found[f.Name] = f.Status
	}
	if found["Reachable"] != "fail" || found["Progress"] != "warn" {
		t.Errorf("want Reachable fail and Progress warn (the damaged file), got %v", found)
	}
}

// Without settings, the report names the server the runner itself starts
// (redis-server in binary mode, the embedded server in embedded mode).
func TestDoctorReportNamesTheRunnersOwnServer(t *testing.T) {
	root, home, progress := attendeeCopy(t, `{}`)
	env := attendeeEnv(t, home, progress)
	mode := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "WORKBOOK_REDIS="); ok {
			mode = v
		}
	}
	want := map[string]string{"embedded": "embedded", "binary": "redis-server", "container": "container"}[mode]
	if want == "" {
		t.Skipf("skipped: WORKBOOK_REDIS=%q names no server the runner starts itself", mode)
	}
	out, code := runIn(t, root, buildRunner(t), env, "doctor", "--report", "--json")
	assertNothingIdentifying(t, "the JSON report", out, home, root, reportUser, "127.0.0.1")
	var rep reportJSON
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("not JSON (%v):\n%s", err, out)
	}
	if rep.Redis.Kind != want || !rep.Redis.Reachable || rep.Redis.Version == "" || rep.Redis.HashFieldTTL == nil || !*rep.Redis.HashFieldTTL {
		t.Errorf("exit %d: want a reachable %s with hash-field TTL:\n%s", code, want, out)
	}
	if rep.Name != "" {
		t.Errorf("no class was joined, yet the report names %q", rep.Name)
	}
}
