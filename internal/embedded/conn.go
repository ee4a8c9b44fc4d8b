package embedded

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2/server"
)

// The connection layer. The embedded server accepts TCP connections itself
// and reads each client's commands with its own reader (resp.go). Every
// connection has one miniredis peer for its whole life, made with
// server.NewPeer over the connection's writer, so that miniredis keeps its
// own per-connection state (SELECT, AUTH, WATCH, subscriptions) as for any
// client. Then, per command:
//
//   - The workbook's own commands (JSON.*, HGETEX, INFO, CONFIG, ...) run
//     here; everything else goes to miniredis with Server().Dispatch.
//   - Every command that does not block runs under one server-wide
//     execution lock (Server.exec), so a workbook command, which reads and
//     writes keys through several miniredis commands, is atomic. Blocking
//     commands (BLPOP, XREAD BLOCK, ...) run outside it, or they would stop
//     the server while they wait.
//   - MULTI/EXEC/DISCARD are handled here: the commands are queued by this
//     file (see transaction), and EXEC runs them in order under the
//     execution lock, after asking miniredis whether a WATCHed key changed.
//   - Lua scripts run here too (cmd_scripting.go), so that SCRIPT KILL can
//     stop them and their redis.call reaches the workbook's commands.
//
// Nothing here touches miniredis's unexported state: only its exported
// server package (Peer, Dispatch) and its commands.

// conn is one client connection.
type conn struct {
	s    *Server
	nc   net.Conn
	rd   *respReader
	out  *switchWriter
	peer *server.Peer
	info *client

	name   string // the command's name as the client sent it (for errors)
	db     int    // the database SELECTed (also in info.db, for CLIENT LIST)
	authed bool   // AUTH (or HELLO ... AUTH) succeeded, or no password is set
	tx     *transaction

	// checkCtx is a second miniredis connection state that this client's
	// MULTI commands are also queued on, only to learn at once whether
	// miniredis would refuse one (wrong arity, ...), as Redis answers at
	// queueing time. It is discarded at EXEC.
	checkCtx any
}

// switchWriter is what a connection's peer writes to: the socket, or a
// buffer while the server captures a reply it needs to read first.
type switchWriter struct {
	dst     io.Writer
	capture *bytes.Buffer
}

func (w *switchWriter) Write(b []byte) (int, error) {
	if w.capture != nil {
		return w.capture.Write(b)
	}
	return w.dst.Write(b)
}

// transaction is a MULTI in progress.
type transaction struct {
	queued []queuedCmd
	dirty  bool // a command was refused while queueing: EXEC aborts
}

type queuedCmd struct {
	cmd  string // upper case
	args []string
}

func (s *Server) accept() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			nc.Close()
			return
		}
		s.nextID++
		id := s.nextID
		s.conns[nc] = struct{}{}
		s.mu.Unlock()
		go s.serve(nc, id)
	}
}

func (s *Server) serve(nc net.Conn, id int64) {
	out := &switchWriter{dst: nc}
	c := &conn{s: s, nc: nc, rd: newRESPReader(nc), out: out, authed: s.password == ""}
	c.peer = server.NewPeer(bufio.NewWriterSize(out, 16*1024))
	now := time.Now()
	c.info = &client{id: id, addr: nc.RemoteAddr().String(), laddr: nc.LocalAddr().String(),
		created: now, last: now, lastCmd: "NULL"}
	s.mu.Lock()
	s.clients[c.peer] = c.info
	s.mu.Unlock()
	defer c.close()
	defer func() {
		// Handlers recover their own panics (safely); this is the last net
		// for the connection's own code: the connection ends, not the
		// program.
		if r := recover(); r != nil {
			s.logPanic("connection", r, debug.Stack())
		}
	}()

	for {
		args, err := c.rd.next()
		if err != nil {
			var perr protocolError
			if errors.As(err, &perr) {
				c.peer.WriteError(perr.Error())
				c.peer.Flush()
			}
			return
		}
		blocked := c.command(args)
		if c.peer.Closed() { // QUIT, or a protocol error inside a command
			c.peer.Flush()
			return
		}
		if blocked || !c.rd.buffered() {
			c.peer.Flush()
		}
	}
}

// close ends the connection: what miniredis would do on a disconnect
// (leave the subscriptions, stop waiting) is asked of it with commands.
func (c *conn) close() {
	c.peer.Close()
	c.peer.Block(func(*server.Writer) { c.out.dst = io.Discard })
	for _, cmd := range []string{"UNSUBSCRIBE", "PUNSUBSCRIBE"} {
		c.s.srv.Dispatch(c.peer, []string{cmd})
	}
	c.s.mu.Lock()
	delete(c.s.clients, c.peer)
	delete(c.s.conns, c.nc)
	c.s.mu.Unlock()
	c.nc.Close()
}

// capture runs fn and returns what it wrote to the client instead of
// sending it.
func (c *conn) capture(fn func()) []byte {
	var buf bytes.Buffer
	c.peer.Block(func(w *server.Writer) {
		w.Flush()
		c.out.capture = &buf
	})
	fn()
	c.peer.Block(func(w *server.Writer) {
		w.Flush()
		c.out.capture = nil
	})
	return buf.Bytes()
}

// blockingCmds may wait for data: they run outside the execution lock, and
// they are not timed for the slow log (Redis does not count the time a
// client spends blocked either). XREAD and XREADGROUP block only with BLOCK.
var blockingCmds = map[string]bool{
	"BLPOP": true, "BRPOP": true, "BLMOVE": true, "BRPOPLPUSH": true, "BLMPOP": true,
	"BZPOPMIN": true, "BZPOPMAX": true, "BZMPOP": true, "XREAD": true, "XREADGROUP": true,
}

func isBlocking(cmd string, args []string) bool {
	if !blockingCmds[cmd] {
		return false
	}
	if cmd == "XREAD" || cmd == "XREADGROUP" {
		for _, a := range args {
			if strings.EqualFold(a, "BLOCK") {
				return true
			}
		}
		return false
	}
	return true
}

// command runs one client command; it reports whether it ran a blocking
// command (whose reply must be flushed at once).
func (c *conn) command(args []string) (blocked bool) {
	s := c.s
	c.name = args[0]
	cmd := strings.ToUpper(args[0])
	args = args[1:]
	s.noteCommand(c.info, cmd, args)

	if c.tx != nil {
		switch cmd {
		case "EXEC":
			c.exec()
		case "DISCARD":
			c.endTx()
			c.peer.WriteOK()
		case "MULTI":
			c.peer.WriteError("ERR MULTI calls can not be nested")
		case "WATCH":
			c.peer.WriteError("ERR WATCH inside MULTI is not allowed")
		default:
			c.queue(cmd, args)
		}
		return false
	}
	switch cmd {
	case "MULTI":
		if len(args) != 0 {
			c.peer.WriteError(errWrongArgs(cmd))
			return false
		}
		if !c.authed {
			c.peer.WriteError("NOAUTH Authentication required.")
			return false
		}
		c.tx = &transaction{}
		c.peer.WriteOK()
		return false
	case "EXEC", "DISCARD":
		c.peer.WriteError(fmt.Sprintf("ERR %s without MULTI", cmd))
		return false
	case "SCRIPT", "FUNCTION":
		if len(args) == 1 && strings.EqualFold(args[0], "KILL") {
			s.scriptKill(c, cmd)
			return false
		}
	}
	if isBlocking(cmd, args) {
		c.block(cmd, args)
		return true
	}
	if !s.acquire() {
		c.peer.WriteError("BUSY Redis is busy running a script. You can only call SCRIPT KILL or FUNCTION KILL or SHUTDOWN NOSAVE.")
		return false
	}
	defer s.release()
	start := time.Now()
	c.run(cmd, args)
	s.logIfSlow(c.info, c.peer, cmd, args, time.Since(start))
	return false
}

// block runs a blocking command. Meanwhile a watcher notices if the client
// hangs up, and then ends the wait (miniredis's blocked commands give up once
// their peer is closed and any command wakes them), so that a client gone
// in the middle of BLPOP k 0 does not leave its goroutine waiting for ever.
func (c *conn) block(cmd string, args []string) {
	s := c.s
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if _, err := c.rd.r.Peek(1); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) {
			c.peer.Close()
			s.internalRaw(s.dbCtx(0), false, []string{"PING"})
		}
	}()
	c.dispatch(cmd, args)
	_ = c.nc.SetReadDeadline(time.Now()) // stop the watcher's Peek
	<-watched
	_ = c.nc.SetReadDeadline(time.Time{})
}

// run executes one command (the execution lock is held): a workbook
// command here, anything else on miniredis.
func (c *conn) run(cmd string, args []string) {
	s := c.s
	s.advanceClock()
	spec, mine := s.cmds[cmd]
	if mine && spec.pass != nil && spec.pass(args) {
		mine = false
	}
	if !mine {
		if !c.authed || !readCmds[cmd] || len(args) == 0 {
			c.dispatch(cmd, args)
			return
		}
		s.countRead(c.db, args[0])
		c.dispatch(cmd, args)
		return
	}
	if !c.authed && !spec.connection {
		c.peer.WriteError("NOAUTH Authentication required.")
		return
	}
	if !spec.arityOK(len(args)) {
		c.peer.WriteError(errWrongArgs(cmd))
		return
	}
	c.safely(cmd, func() {
		spec.run(&call{s: s, c: c.peer, db: c.db, cmd: cmd, args: args, conn: c})
	})
}

// dispatch hands a command to miniredis on the connection's peer, keeping
// track of what the connection's state became (SELECT, AUTH).
func (c *conn) dispatch(cmd string, args []string) {
	s := c.s
	if !s.known(cmd) {
		c.peer.WriteError(s.unknownCommand(c.name, args))
		return
	}
	all := make([]string, 0, len(args)+1)
	all = append(all, cmd)
	all = append(all, args...)
	switch cmd {
	case "SELECT", "AUTH":
		reply := c.capture(func() { c.safely(cmd, func() { s.srv.Dispatch(c.peer, all) }) })
		if bytes.Equal(reply, []byte("+OK\r\n")) {
			if cmd == "AUTH" {
				c.authed = true
			} else {
				c.db, _ = strconv.Atoi(args[0])
				s.mu.Lock()
				c.info.db = c.db
				s.mu.Unlock()
			}
		}
		c.peer.WriteRaw(string(reply))
		return
	}
	c.safely(cmd, func() { s.srv.Dispatch(c.peer, all) })
}

// authenticate marks the connection authenticated (HELLO ... AUTH), for
// miniredis too.
func (c *conn) authenticate() {
	c.authed = true
	c.capture(func() { c.s.srv.Dispatch(c.peer, []string{"AUTH", c.s.password}) })
}

// safely runs a command handler, turning a panic into an error reply for
// this client (logged once per server), so that a bug in a command cannot
// end the program the server runs in.
func (c *conn) safely(cmd string, fn func()) {
	defer func() {
		if r := recover(); r != nil {
			c.s.logPanic(cmd, r, debug.Stack())
			c.peer.WriteError(fmt.Sprintf("ERR the embedded server failed running '%s' (%v); the connection stays usable", strings.ToLower(cmd), r))
		}
	}()
	fn()
}

// ---- MULTI / EXEC ----

// queue answers QUEUED, or the error Redis gives at queueing time (which
// makes EXEC abort).
func (c *conn) queue(cmd string, args []string) {
	s := c.s
	refuse := func(msg string) {
		c.tx.dirty = true
		c.peer.WriteError(msg)
	}
	spec, mine := s.cmds[cmd]
	if mine && spec.pass != nil && spec.pass(args) {
		mine = false
	}
	switch {
	case !c.authed && !(mine && spec.connection) && cmd != "AUTH":
		refuse("NOAUTH Authentication required.")
		return
	case mine:
		if !spec.arityOK(len(args)) {
			refuse(errWrongArgs(cmd))
			return
		}
	case !s.known(cmd):
		refuse(s.unknownCommand(c.name, args))
		return
	default:
		// Let miniredis queue it on the check peer: it answers QUEUED, or
		// the error it would give this command inside MULTI.
		if reply := c.checkQueue(cmd, args); reply != "+QUEUED\r\n" {
			c.tx.dirty = true
			c.peer.WriteRaw(reply)
			return
		}
	}
	c.tx.queued = append(c.tx.queued, queuedCmd{cmd: cmd, args: args})
	c.peer.WriteInline("QUEUED")
}

// checkQueue queues a miniredis command on the check context and returns
// miniredis's answer.
func (c *conn) checkQueue(cmd string, args []string) string {
	s := c.s
	if c.checkCtx == nil {
		if s.password != "" {
			_, c.checkCtx = s.internalRaw(nil, false, []string{"AUTH", s.password})
		}
		_, c.checkCtx = s.internalRaw(c.checkCtx, false, []string{"MULTI"})
	}
	out, _ := s.internalRaw(c.checkCtx, false, append([]string{cmd}, args...))
	return string(out)
}

// endTx leaves MULTI (and forgets the WATCHed keys, as Redis does).
func (c *conn) endTx() {
	c.tx = nil
	if c.checkCtx != nil {
		c.s.internalRaw(c.checkCtx, false, []string{"DISCARD"})
		c.checkCtx = nil
	}
	c.capture(func() { c.s.srv.Dispatch(c.peer, []string{"UNWATCH"}) })
}

// exec runs a transaction: all of it under the execution lock, so no other
// client's command comes in between, as with Redis.
func (c *conn) exec() {
	s := c.s
	tx := c.tx
	if tx.dirty {
		c.endTx()
		c.peer.WriteError("EXECABORT Transaction discarded because of previous errors.")
		return
	}
	if !s.acquire() {
		c.endTx()
		c.peer.WriteError("BUSY Redis is busy running a script. You can only call SCRIPT KILL or FUNCTION KILL or SHUTDOWN NOSAVE.")
		return
	}
	defer s.release()
	s.advanceClock()
	// miniredis keeps the WATCHed keys: an empty MULTI/EXEC of its own says
	// whether one changed (nil) and forgets them.
	watch := c.capture(func() {
		s.srv.Dispatch(c.peer, []string{"MULTI"})
		s.srv.Dispatch(c.peer, []string{"EXEC"})
	})
	c.endTx()
	if !bytes.HasSuffix(watch, []byte("*0\r\n")) {
		c.peer.WriteLen(-1)
		return
	}
	c.peer.WriteLen(len(tx.queued))
	for _, q := range tx.queued {
		start := time.Now()
		if isBlocking(q.cmd, q.args) {
			// Inside MULTI a blocking command does not wait: miniredis's own
			// MULTI gives that, and its one-element array is unwrapped.
			reply := c.capture(func() {
				s.srv.Dispatch(c.peer, []string{"MULTI"})
				c.dispatch(q.cmd, q.args)
				s.srv.Dispatch(c.peer, []string{"EXEC"})
			})
			c.peer.WriteRaw(unwrapExec(reply))
			continue
		}
		c.run(q.cmd, q.args)
		s.logIfSlow(c.info, c.peer, q.cmd, q.args, time.Since(start))
	}
}

// unwrapExec turns "+OK\r\n+QUEUED\r\n*1\r\n<reply>" into <reply>.
func unwrapExec(b []byte) string {
	for _, prefix := range []string{"+OK\r\n", "+QUEUED\r\n", "*1\r\n"} {
		b = bytes.TrimPrefix(b, []byte(prefix))
	}
	return string(b)
}
