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
// SCRIPT KILL stops a script that has not written yet (cmd_scripting.go runs
// scripts with a context that it cancels); one that has written is
// UNKILLABLE, as in Redis.

type scriptWatch struct {
	mu      sync.Mutex
	running bool
	busy    chan struct{} // closed once the running script is over the threshold
	timer   *time.Timer
	cancel  func()      // stops the running script (gopher-lua checks between instructions)
	kill    atomic.Bool // SCRIPT KILL was asked for the running script
	wrote   atomic.Bool // the running script wrote: Redis refuses to kill it then
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

// scriptStarted is called, holding the execution lock, as a script starts;
// cancel stops it.
func (s *Server) scriptStarted(cancel func()) {
	threshold := time.Duration(s.configInt("busy-reply-threshold")) * time.Millisecond
	w := &s.scripts
	w.mu.Lock()
	defer w.mu.Unlock()
	w.running, w.cancel = true, cancel
	w.kill.Store(false)
	w.wrote.Store(false)
	busy := w.busy
	w.timer = time.AfterFunc(max(threshold, 0), func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		if w.busy == busy && w.running {
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
	w.running, w.cancel = false, nil
	w.kill.Store(false)
}

// scriptKill answers SCRIPT KILL and FUNCTION KILL, which Redis runs even
// while a script holds the server.
func (s *Server) scriptKill(c *conn, cmd string) {
	w := &s.scripts
	// Redis reads other clients' commands only once a script is busy
	// (past busy-reply-threshold): a SCRIPT KILL sent earlier waits until
	// then, or until the script ends and it finds nothing to kill.
	for {
		w.mu.Lock()
		running, busy := w.running, w.busy
		w.mu.Unlock()
		if !running {
			break
		}
		select {
		case <-busy:
		case <-time.After(5 * time.Millisecond):
			continue
		}
		break
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case !w.running || cmd == "FUNCTION":
		c.peer.WriteError("NOTBUSY No scripts in execution right now.")
	case w.wrote.Load():
		c.peer.WriteError("UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.")
	default:
		w.kill.Store(true)
		w.cancel()
		c.peer.WriteOK()
	}
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
