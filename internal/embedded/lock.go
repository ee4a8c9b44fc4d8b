package embedded

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The execution lock, and what Redis does while a Lua script runs long.
//
// Every command that does not block runs holding Server.exec (conn.go). A
// script (EVAL, EVALSHA) holds it for as long as it runs. Redis answers
// other clients BUSY once a script has run longer than busy-reply-threshold
// (5 s by default, CONFIG SET busy-reply-threshold); so does the embedded
// server: a client waiting for the lock gives up with BUSY when the running
// script passes the threshold (scriptWatch.busy is closed then).
//
// SCRIPT KILL answers OK and makes the script's next redis.call fail with
// Redis's "Script killed by user with SCRIPT KILL..." (the pre-hook sees
// every redis.call), which ends the script unless it catches the error with
// pcall. A script that never calls Redis (`while true do end`) cannot be
// stopped: miniredis creates its gopher-lua state itself and gives no way
// to set the context gopher-lua checks between instructions. The other
// clients still get BUSY rather than waiting for ever; stopping the
// embedded server ends it.

type scriptWatch struct {
	mu      sync.Mutex
	running *conn         // the connection running a script, or nil
	since   time.Time     // when it started
	busy    chan struct{} // closed once the running script is over the threshold
	timer   *time.Timer
	kill    atomic.Bool // SCRIPT KILL was asked for the running script
}

func (w *scriptWatch) init() { w.busy = make(chan struct{}) }

// acquire takes the execution lock; false means a script is busy and the
// caller must answer BUSY.
func (s *Server) acquire() bool {
	select {
	case s.exec <- struct{}{}:
		return true
	default:
	}
	s.scripts.mu.Lock()
	busy := s.scripts.busy
	s.scripts.mu.Unlock()
	select {
	case s.exec <- struct{}{}:
		return true
	case <-busy:
		return false
	}
}

func (s *Server) release() { <-s.exec }

// scriptStarted is called, holding the execution lock, as c starts a
// script.
func (s *Server) scriptStarted(c *conn) {
	threshold := time.Duration(s.configInt("busy-reply-threshold")) * time.Millisecond
	w := &s.scripts
	w.mu.Lock()
	defer w.mu.Unlock()
	w.running, w.since = c, time.Now()
	w.kill.Store(false)
	busy := w.busy
	w.timer = time.AfterFunc(max(threshold, 0), func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.busy == busy && w.running != nil {
			close(busy)
		}
	})
}

func (s *Server) scriptEnded() {
	w := &s.scripts
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timer.Stop()
	select {
	case <-w.busy:
		w.busy = make(chan struct{})
	default:
	}
	w.running = nil
	w.kill.Store(false)
}

// scriptConn is the connection whose script is running (nil if none).
func (s *Server) scriptConn() *conn {
	s.scripts.mu.Lock()
	defer s.scripts.mu.Unlock()
	return s.scripts.running
}

// scriptKill answers SCRIPT KILL and FUNCTION KILL, which Redis runs even
// while a script holds the server.
func (s *Server) scriptKill(c *conn, cmd string) {
	w := &s.scripts
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.running == nil {
		c.peer.WriteError("NOTBUSY No scripts in execution right now.")
		return
	}
	if cmd == "FUNCTION" {
		c.peer.WriteError("NOTBUSY No scripts in execution right now.")
		return
	}
	w.kill.Store(true)
	c.peer.WriteOK()
}

// known says whether the embedded server answers cmd at all.
func (s *Server) known(cmd string) bool {
	_, mine := s.cmds[cmd]
	return mine || s.srv.IsRegisteredCommand(cmd)
}

// unknownCommand is Redis's reply to a command it does not know; for a
// command Redis 8.6 has and the embedded server does not emulate, it says
// so and how to get a real Redis.
func (s *Server) unknownCommand(name string, args []string) string {
	cmd := strings.ToUpper(name)
	if redis86Commands[cmd] {
		return notEmulated("'" + strings.ToLower(cmd) + "'")
	}
	msg := fmt.Sprintf("ERR unknown command '%s'", name)
	if len(args) > 0 {
		msg += ", with args beginning with: "
		for i, a := range args {
			if i == 20 {
				break
			}
			msg += "'" + a + "' "
		}
	}
	return msg
}

// logPanic reports a command that panicked, once per server (the client
// got an error reply; the server goes on).
func (s *Server) logPanic(cmd string, r any, stack []byte) {
	s.panicOnce.Do(func() {
		s.logf("embedded Redis: command %s panicked: %v (the client got an error; further panics are not logged)\n%s", strings.ToLower(cmd), r, stack)
	})
}
