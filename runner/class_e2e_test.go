package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/redis-go-workbook/workbook/internal/classroom"
	"github.com/redis-go-workbook/workbook/internal/embedded"
)

// board is a `runner board` process under test.
type board struct {
	cmd           *exec.Cmd
	url, joinLine string
	done          chan error
}

var boardLine = regexp.MustCompile(`^Board: (http://\S+)`)

// startBoardProcess runs `runner board` on the class server and reads the
// lines it prints until the board's address.
func startBoardProcess(t *testing.T, classURL string) *board {
	t.Helper()
	cmd := exec.Command(buildRunner(t), "board", "--redis", classURL, "--listen", "127.0.0.1:0")
	cmd.Env = e2eEnv(t, filepath.Join(t.TempDir(), "board.json"))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	b := &board{cmd: cmd, done: make(chan error, 1)}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(2 * time.Minute)
	for b.url == "" {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("the board stopped before printing its address: %v", cmd.Wait())
			}
			if strings.Contains(line, "runner join ") {
				b.joinLine = strings.TrimSpace(line)
			}
			if m := boardLine.FindStringSubmatch(line); m != nil {
				b.url = m[1]
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatal("the board printed no address within 2 minutes")
		}
	}
	go func() {
		for range lines { // keep the pipe drained
		}
	}()
	go func() { b.done <- cmd.Wait() }()
	t.Cleanup(func() { b.stop(t) })
	return b
}

func (b *board) stop(t *testing.T) {
	if b.cmd.ProcessState != nil {
		return
	}
	_ = b.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-b.done:
		// 0, or 130 (128+SIGINT) as every program the runner runs: both
		// mean it stopped on the signal rather than failed.
		var exit *exec.ExitError
		if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 130) {
			t.Errorf("the board did not stop cleanly on Ctrl-C: %v", err)
		}
	case <-time.After(30 * time.Second):
		_ = b.cmd.Process.Kill()
		t.Error("the board did not stop within 30 s of Ctrl-C")
	}
}

// room asks the board's API, with the token from its address.
func (b *board) room(t *testing.T) classroom.Room {
	t.Helper()
	base, token, _ := strings.Cut(b.url, "/?token=")
	req, _ := http.NewRequest("GET", base+"/api/room", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var room classroom.Room
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/room: %s", resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(&room); err != nil {
		t.Fatal(err)
	}
	return room
}

// A room as a workshop has it: a class server, the instructor's board, and
// three attendees (each with a state of their own) who join and check
// step 1. The board shows them, and a restarted board resumes.
func TestClassBoardEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped in -short mode: runs three attendees' checks")
	}
	class, err := embedded.Start("127.0.0.1:0", embedded.WithPassword("class-secret"))
	if err != nil {
		t.Fatal(err)
	}
	defer class.Close()
	classURL := "redis://:class-secret@" + class.Addr() + "/0"

	b := startBoardProcess(t, classURL)
	if want := "go run ./runner join " + classURL + " --name NAME"; b.joinLine != want {
		t.Errorf("the board's join line is %q, want %q", b.joinLine, want)
	}

	names := []string{"Ada", "Grace", "Linus"}
	dirs := map[string]string{}
	var wg sync.WaitGroup
	for _, name := range names {
		dir := filepath.Join(t.TempDir(), name)
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		env := e2eEnv(t, filepath.Join(dir, "progress.json"))
		dirs[name] = dir
		if out, code := runCLI(t, env, "join", classURL, "--name", name); code != 0 {
			t.Fatalf("join as %s: exit %d\n%s", name, code, out)
		}
		wg.Go(func() {
			// The shipped exercise is a stub: the lesson passes, the
			// exercise fails, and the exit status says so.
			out, code := runCLI(t, env, "check", "1")
			if code != 1 || !strings.Contains(out, "exercise") {
				t.Errorf("check 1 as %s: exit %d, want 1 (the exercise is not done)\n%s", name, code, out)
			}
		})
	}
	wg.Wait()

	want := func(r classroom.Room) bool {
		seen := 0
		for _, a := range r.Attendees {
			for _, s := range a.Steps {
				if s.Step == 1 && s.Lesson == classroom.Passed && s.Exercise == classroom.Failed && strings.HasPrefix(s.Failure, "TestExercise") {
					seen++
				}
			}
		}
		return seen == len(names)
	}
	var room classroom.Room
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for room = b.room(t); !want(room) && ctx.Err() == nil; room = b.room(t) {
		time.Sleep(100 * time.Millisecond)
	}
	if !want(room) {
		t.Fatalf("the board does not show the three attendees' step 1 (lesson passed, exercise failing): %+v", room)
	}

	// The board stops and starts again: the room is there at once.
	b.stop(t)
	b2 := startBoardProcess(t, classURL)
	if room := b2.room(t); !want(room) {
		t.Fatalf("a restarted board lost the room: %+v", room)
	}

	// An attendee who leaves sends nothing more.
	env := e2eEnv(t, filepath.Join(dirs["Ada"], "progress.json"))
	if out, code := runCLI(t, env, "leave"); code != 0 || !strings.Contains(out, "nothing more is sent") {
		t.Errorf("leave: exit %d\n%s", code, out)
	}
}
