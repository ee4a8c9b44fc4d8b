package main

import (
	"fmt"
	"sync"
	"time"
)

// spinner shows that something slow is happening (compiling, starting a
// container, running checks): what it is, and for how long so far. On a
// terminal it redraws one line; elsewhere (CI logs, pipes) it prints the
// message once, since a log full of redraws helps nobody.
type spinner struct {
	u     *ui
	mu    sync.Mutex
	msg   string
	start time.Time
	done  chan struct{}
	wg    sync.WaitGroup
}

var spinFrames = []string{"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"}

func (u *ui) spin(msg string) *spinner {
	s := &spinner{u: u, msg: msg, start: time.Now(), done: make(chan struct{})}
	if !u.tty {
		u.printf("%s…\n", msg)
		return s
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			s.draw(i)
			select {
			case <-s.done:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

func (s *spinner) draw(i int) {
	s.mu.Lock()
	msg := s.msg
	s.mu.Unlock()
	elapsed := ""
	if d := time.Since(s.start); d > time.Second {
		elapsed = s.u.dim(fmt.Sprintf(" (%.0fs)", d.Seconds()))
	}
	// A line longer than the terminal wraps, and "\r" then redraws only
	// its last part: keep it within the width.
	if w, _ := s.u.size(); runeLen(msg) > w-14 && w > 20 {
		msg = string([]rune(msg)[:w-15]) + "…"
	}
	s.u.printf("\r\x1b[K%s %s…%s", s.u.cyan(spinFrames[i%len(spinFrames)]), msg, elapsed)
}

// set changes the message, e.g. to count finished checks.
func (s *spinner) set(msg string) {
	s.mu.Lock()
	s.msg = msg
	s.mu.Unlock()
}

// stop removes the spinner line; the caller then prints the outcome.
func (s *spinner) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	s.wg.Wait()
	if s.u.tty {
		s.u.printf("\r\x1b[K")
	}
}
