package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redis-go-workbook/workbook/internal/classroom"
	"github.com/redis-go-workbook/workbook/internal/workbook"
)

// The classroom: an instructor runs `runner board` against a Redis of
// their own; attendees `runner join` it, and from then on their checks,
// doctor runs and step changes travel to the board as small events (see
// internal/classroom). The attendee's lessons still use their own Redis.

// stateDir is where the runner keeps what is the learner's: beside the
// progress file (.workbook/, or where WORKBOOK_PROGRESS points, so that
// each attendee of a shared machine has a membership of their own), the
// class membership and its queue.
func (a *app) stateDir() string {
	if a.prog != nil && a.prog.Path() != "" {
		return filepath.Dir(a.prog.Path())
	}
	return filepath.Join(a.root, ".workbook")
}

// join: runner join URL --name NAME
func (a *app) join(args []string) int {
	fs := flag.NewFlagSet("join", flag.ContinueOnError)
	name := fs.String("name", "", "the name the instructor's board shows (your choice)")
	url, rest := "", args
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		url, rest = rest[0], rest[1:]
	}
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if url == "" && fs.NArg() > 0 {
		url = fs.Arg(0)
	}
	if url == "" {
		fmt.Fprintln(os.Stderr, "usage: go run ./runner join redis://:PASSWORD@HOST:6379/0 --name NAME (the board prints this line)")
		return 2
	}
	m, err := classroom.Join(a.stateDir(), url, *name)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 2
	}
	fmt.Printf("Joined the class as %q. Your checks, doctor runs and step changes now go to the instructor's board\n", m.Name)
	fmt.Println("(your name, step numbers, statuses and the first line of a failure: no code, no paths, no passwords).")
	fmt.Println("`go run ./runner leave` stops it.")
	if err := a.tellClassNow(classroom.Event{Kind: classroom.KindJoin, Step: a.prog.Current}); err != nil {
		fmt.Printf("%s the class server did not answer yet (%v): events wait and go with the next one\n", a.ui.warn(), err)
	}
	return 0
}

// leave: runner leave
func (a *app) leave() int {
	m, ok, _ := classroom.Joined(a.stateDir())
	if ok {
		_ = a.tellClassNow(classroom.Event{Kind: classroom.KindLeave})
	}
	if err := classroom.Leave(a.stateDir()); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	if ok {
		fmt.Printf("Left the class (you were %q): nothing more is sent.\n", m.Name)
	} else {
		fmt.Println("You had not joined a class: nothing is sent.")
	}
	return 0
}

// tellClass sends ev to the class, if the learner joined one, and says in
// one line when the class server is out of reach. It never fails the
// command the learner ran.
func (a *app) tellClass(ev classroom.Event) {
	if err := a.tellClassNow(ev); err != nil && !a.classWarned {
		a.classWarned = true
		a.ui.printf("%s class board: %v\n", a.ui.warn(), err)
	}
}

func (a *app) tellClassNow(ev classroom.Event) error {
	return classroom.Send(context.Background(), a.stateDir(), ev)
}

// runBoard: runner board --redis URL [--listen ADDR] [--tui]
func runBoard(args []string, steps []workbook.Step) int {
	fs := flag.NewFlagSet("board", flag.ContinueOnError)
	url := fs.String("redis", "", "the class's Redis (yours, reachable by the room, with a password): redis://:PASSWORD@HOST:6379/0")
	listen := fs.String("listen", "127.0.0.1:8088", "address of the board's web page")
	tui := fs.Bool("tui", false, "also draw the board in this terminal")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *url == "" {
		fmt.Fprintln(os.Stderr, "usage: go run ./runner board --redis redis://:PASSWORD@HOST:6379/0 [--listen 127.0.0.1:8088] [--tui]")
		return 2
	}
	opts, err := redis.ParseURL(*url)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: --redis %v: give a redis:// URL, e.g. redis://:PASSWORD@192.168.1.20:6379/0\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	err = rdb.Ping(pingCtx).Err()
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: the class's Redis at %s does not answer: %v\n(start it with `make up` and give its address on the room's network)\n", opts.Addr, err)
		return 1
	}
	board, err := classroom.NewBoard(ctx, rdb)
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(os.Stderr, "error: the board cannot listen on %s: %v (pick another with --listen)\n", *listen, err)
		return 1
	}
	token := classroom.NewToken()
	var titles []classroom.StepTitle
	for _, s := range steps {
		titles = append(titles, classroom.StepTitle{Number: s.Number, Title: s.Title})
	}
	srv := &http.Server{Handler: board.Handler(token, titles), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	fmt.Printf("Class board on %s (events in %s)\n", opts.Addr, classroom.StreamKey)
	fmt.Println("Attendees join with:")
	fmt.Printf("  go run ./runner join %s --name NAME\n", *url)
	fmt.Printf("Board: http://%s/?token=%s\n", ln.Addr(), token)
	if host, _, _ := net.SplitHostPort(opts.Addr); isLoopback(host) {
		fmt.Println("Note: attendees' laptops cannot reach " + host + ": give them this machine's address on the room's network, with Redis listening there.")
	}
	if opts.Password == "" {
		fmt.Println("Note: the class's Redis has no password: anyone on the network could write to it. Give it one (requirepass) and put it in the URL.")
	}
	fmt.Println("Ctrl-C stops the board; a restarted board resumes where it stopped.")

	errs := make(chan error, 1)
	go func() { errs <- board.Run(ctx) }()
	if *tui {
		go drawBoard(ctx, os.Stdout, board, titles)
	}
	select {
	case err = <-errs:
	case <-ctx.Done():
		err = <-errs
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "error:", err)
		return 1
	}
	return 0
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// drawBoard redraws the room in the terminal at every change.
func drawBoard(ctx context.Context, w io.Writer, b *classroom.Board, titles []classroom.StepTitle) {
	for {
		changed := b.Changed()
		fmt.Fprint(w, "\x1b[H\x1b[2J")
		classroom.WriteText(w, b.Room(), titles)
		select {
		case <-ctx.Done():
			return
		case <-changed:
		case <-time.After(30 * time.Second): // keeps "for N min" fresh
		}
	}
}

// checkEvent is what the class board learns from a step's checks: the
// statuses and the first line of the first failure.
func checkEvent(c *stepChecks, exerciseOnly bool) classroom.Event {
	ev := classroom.Event{Kind: classroom.KindCheck, Step: c.step.Number}
	if !exerciseOnly {
		switch {
		case !c.lessonOK():
			ev.Lesson = classroom.Failed
		case c.partly() != "":
			ev.Lesson = classroom.Partial
		default:
			ev.Lesson = classroom.Passed
		}
	}
	if c.step.Exercise != nil {
		ev.Exercise = classroom.Failed
		if c.exerciseOK() {
			ev.Exercise = classroom.Passed
		}
	}
	ev.Failure = firstFailure(c)
	return ev
}

// firstFailure is "TestName: what it said" for the first failing test: the
// text of testify's Error: line when there is one, else its first line.
func firstFailure(c *stepChecks) string {
	for _, p := range c.pkgs {
		for _, t := range p.Tests {
			if t.Action != "fail" {
				continue
			}
			first := ""
			for _, line := range t.Output {
				line = strings.TrimSpace(line)
				switch {
				case line == "", strings.HasPrefix(line, "=== "), strings.HasPrefix(line, "--- "),
					strings.HasPrefix(line, "Error Trace:"), strings.HasPrefix(line, "Test:"):
					continue
				case strings.HasPrefix(line, "Error:"):
					return t.Name + ": " + strings.TrimSpace(strings.TrimPrefix(line, "Error:"))
				}
				if first == "" {
					first = line
				}
			}
			if first != "" {
				return t.Name + ": " + first
			}
			return t.Name + " failed"
		}
		if p.Action == "fail" && len(p.Tests) == 0 {
			return p.Package + " does not build"
		}
	}
	return ""
}
