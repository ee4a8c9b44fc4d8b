// Package embedded is the workbook's in-process Redis: what a learner gets
// when there is no Docker and no redis-server, and what lets `make test` pass
// on a machine with nothing but Go.
//
// It is built on miniredis (github.com/alicebob/miniredis/v2) and listens on
// a real TCP address, so go-redis and redis-cli talk to it exactly as they
// would to Redis. On top of miniredis it speaks what the workbook teaches
// from Redis 8: JSON documents (JSON.*), hash-field expiration (HSETEX,
// HGETEX, HGETDEL, HEXPIRE and friends), and what the steps read from the
// server (INFO, CONFIG, SLOWLOG, OBJECT ENCODING, CLIENT LIST). dispatch.go
// explains how these are wired in.
package embedded

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/alicebob/miniredis/v2/server"

	"github.com/redis-go-workbook/workbook/internal/features"
)

// Version is the Redis version whose behaviour the embedded server emulates
// for the commands the workbook teaches.
const Version = "8.6.0"

// Server is a running embedded Redis.
type Server struct {
	m        *miniredis.Miniredis
	srv      *server.Server
	ln       net.Listener
	layout   ctxLayout
	password string
	cmds     map[string]command
	started  time.Time
	runID    string

	// connCmd is the secret command name a new connection's first
	// (injected) command carries, so the hook can tell which TCP connection
	// a miniredis peer is (see trackedConn).
	connCmd string

	fieldExp  map[string]int64 // deadlines (Unix ms) of hash fields, see hash.go
	clockMu   sync.Mutex
	clockAt   time.Time     // when the miniredis clock was last moved
	clockStep time.Duration // how long it stays put (see advanceClock)

	mu       sync.Mutex // guards everything below; never held while taking the miniredis lock
	closed   bool
	nextID   int64
	pending  map[string]*client // by injected token, until the hook sees it
	clients  map[*server.Peer]*client
	config   map[string]string
	scans    map[uint64]*scanWalk // SCAN walks in progress, by cursor
	scanID   uint64
	slowlog  []slowEntry
	slowID   int64
	stats    stats
	peakUsed int64
}

// Option configures Start.
type Option func(*settings)

type settings struct {
	password string
}

// WithPassword makes the server require AUTH with this password.
func WithPassword(pw string) Option { return func(s *settings) { s.password = pw } }

// Start listens on addr ("" or "127.0.0.1:0" for a free loopback port).
func Start(addr string, opts ...Option) (*Server, error) {
	var set settings
	for _, o := range opts {
		o(&set)
	}
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	m := miniredis.NewMiniRedis()
	// miniredis's TTLs only move when a test calls FastForward; a learner's
	// server must expire keys on the wall clock, as Redis does.
	m.ClockTTL(true)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("embedded Redis: cannot listen on %s: %w (pick another address, e.g. 127.0.0.1:6380)", addr, err)
	}
	// Start miniredis without its own listener: the server accepts
	// connections itself, to know each client's address (CLIENT LIST).
	pipe, err := m.Dial()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("embedded Redis: cannot start miniredis: %w", err)
	}
	pipe.Close()
	layout, err := learnCtxLayout(m.Server())
	if err != nil {
		ln.Close()
		m.Close()
		return nil, err
	}
	if set.password != "" {
		m.RequireAuth(set.password)
	}
	s := &Server{
		m: m, srv: m.Server(), ln: ln, layout: layout, password: set.password,
		started:  time.Now(),
		runID:    randomHex(20),
		connCmd:  strings.ToUpper("__WORKBOOK_CONN_" + randomHex(8)),
		pending:  map[string]*client{},
		clients:  map[*server.Peer]*client{},
		config:   defaultConfig(),
		fieldExp: map[string]int64{},
		scans:    map[uint64]*scanWalk{},
	}
	s.stats.init()
	s.cmds = map[string]command{}
	for _, table := range []map[string]command{jsonCommands(), hashCommands(), serverCommands()} {
		for k, v := range table {
			s.cmds[k] = v
		}
	}
	s.srv.SetPreHook(s.hook)
	go s.accept()
	return s, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)[:n]
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if already {
		return
	}
	s.ln.Close()
	s.m.Close()
}

// Miniredis gives tests direct access (e.g. FastForward) to the server.
func (s *Server) Miniredis() *miniredis.Miniredis { return s.m }

// Features lists what the embedded server supports honestly. Eviction,
// maxclients and persistence are deliberately absent: it cannot emulate them
// (CONFIG SET maxmemory is accepted and reported, but never enforced).
func (s *Server) Features() features.Set {
	return features.NewSet("the embedded server", Version,
		features.JSON, features.HashFieldTTL, features.HashFieldEx, features.Config, features.Slowlog)
}

// ---- connections ----

// trackedConn feeds the server one extra command before the client's own
// bytes: `<connCmd> <token>`. The hook answers it silently and so learns
// which peer belongs to which TCP connection (miniredis's Peer does not
// expose its net.Conn).
type trackedConn struct {
	net.Conn
	pre []byte
}

func (c *trackedConn) Read(b []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(b, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}

func (s *Server) accept() {
	for {
		conn, err := s.ln.Accept()
		if err != nil {
			return
		}
		token := randomHex(16)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			conn.Close()
			return
		}
		s.nextID++
		s.pending[token] = &client{
			id: s.nextID, addr: conn.RemoteAddr().String(), laddr: conn.LocalAddr().String(),
			created: time.Now(), last: time.Now(), lastCmd: "NULL",
		}
		s.mu.Unlock()
		pre := fmt.Sprintf("*2\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", len(s.connCmd), s.connCmd, len(token), token)
		s.srv.ServeConn(&trackedConn{Conn: conn, pre: []byte(pre)})
	}
}

// client is what CLIENT LIST and the slow log know about a connection.
type client struct {
	id            int64
	addr, laddr   string
	created, last time.Time
	lastCmd       string
	libName       string
	libVer        string
	passing       bool // the hook is re-dispatching this peer's command to miniredis
}

func (s *Server) client(c *server.Peer) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[c]
}

// ---- the hook ----

// command is one of the workbook's commands (or an interception of a
// miniredis command).
type command struct {
	// arity as in COMMAND INFO: n > 0 exactly n words with the name, n < 0
	// at least -n.
	arity int
	run   func(x *call)
	// pass, when set, leaves this particular call to miniredis (e.g. CLIENT
	// SETNAME, which miniredis answers well).
	pass func(args []string) bool
	// connection marks HELLO-like commands: allowed before AUTH, run at
	// once even inside MULTI, refused from scripts.
	connection bool
}

func (c command) arityOK(nargs int) bool {
	n := nargs + 1
	if c.arity >= 0 {
		return n == c.arity
	}
	return n >= -c.arity
}

// blockingCmds wait for data: they are not timed for the slow log (Redis
// does not count the time a client spends blocked either).
var blockingCmds = map[string]bool{
	"BLPOP": true, "BRPOP": true, "BLMOVE": true, "BRPOPLPUSH": true, "BLMPOP": true,
	"BZPOPMIN": true, "BZPOPMAX": true, "BZMPOP": true, "XREAD": true, "XREADGROUP": true,
	"SUBSCRIBE": true, "PSUBSCRIBE": true, "SSUBSCRIBE": true, "WAIT": true,
}

func (s *Server) hook(c *server.Peer, cmd string, args ...string) bool {
	st := s.state(c)
	if st.internal {
		return false // our own reads and writes go straight to miniredis
	}
	if cmd == s.connCmd {
		s.register(c, args)
		return true // no reply: the client never sent this
	}
	spec, mine := s.cmds[cmd]
	if mine && spec.pass != nil && spec.pass(args) {
		mine = false
	}
	if st.nested {
		// A Lua script's redis.call: the script holds the lock already.
		if !mine {
			return false
		}
		if spec.connection {
			c.WriteError("ERR This Redis command is not allowed from script")
			return true
		}
		if !spec.arityOK(len(args)) {
			c.WriteError(errWrongArgs(cmd))
			return true
		}
		spec.run(&call{s: s, c: c, db: st.db, cmd: cmd, args: args})
		return true
	}
	cl := s.client(c)
	if cl != nil && cl.passing {
		return false
	}
	s.advanceClock()
	s.noteCommand(cl, cmd, args)
	if !mine {
		s.countReads(c, st, cmd, args)
		if cl == nil || blockingCmds[cmd] {
			return false
		}
		// Run it here, to time it for the slow log.
		start := time.Now()
		cl.passing = true
		s.srv.Dispatch(c, append([]string{cmd}, args...))
		cl.passing = false
		s.logIfSlow(cl, c, cmd, args, time.Since(start))
		return true
	}
	if s.password != "" && !st.authenticated && !spec.connection {
		c.WriteError("NOAUTH Authentication required.")
		return true
	}
	if !spec.arityOK(len(args)) {
		s.setDirty(c)
		c.WriteError(errWrongArgs(cmd))
		return true
	}
	if st.inTx && !spec.connection {
		s.queue(c, func(p *server.Peer, db int) {
			spec.run(&call{s: s, c: p, db: db, cmd: cmd, args: args})
		})
		c.WriteInline("QUEUED")
		return true
	}
	start := time.Now()
	s.m.Lock()
	spec.run(&call{s: s, c: c, db: st.db, cmd: cmd, args: args})
	s.m.Unlock()
	s.logIfSlow(cl, c, cmd, args, time.Since(start))
	return true
}

// advanceClock moves miniredis's clock to now, at most once per clockStep.
//
// With ClockTTL, miniredis advances every TTL whenever its clock has moved
// since the last database access, and doing so sorts all the keys: on the
// wall clock that is every command (and several times per JSON command), so
// with 10,000 keys a GET took 10 ms. Pinning the clock with SetTime and
// moving it here once per step costs one such pass per step instead. The
// step is 1 ms while a pass is cheap and grows with its cost (20 times it,
// at most a second), so TTLs stay exact to the millisecond on the small
// databases lessons use, and a big one stays fast. TIME still answers the
// wall clock (see cmdTime); within one command or transaction the clock
// stands still, as in Redis.
func (s *Server) advanceClock() {
	now := time.Now()
	s.clockMu.Lock()
	if now.Sub(s.clockAt) < s.clockStep {
		s.clockMu.Unlock()
		return
	}
	s.clockAt = now
	s.clockMu.Unlock()

	s.m.SetTime(now)
	s.m.Lock()
	start := time.Now()
	(&call{s: s}).do("DBSIZE") // any database access runs the pass
	cost := time.Since(start)
	s.m.Unlock()
	step := min(max(20*cost, time.Millisecond), time.Second)
	s.clockMu.Lock()
	s.clockStep = step
	s.clockMu.Unlock()
}

// register links a peer to the connection whose token it carried.
func (s *Server) register(c *server.Peer, args []string) {
	if len(args) != 1 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cl, ok := s.pending[args[0]]
	if !ok {
		return
	}
	delete(s.pending, args[0])
	s.clients[c] = cl
	c.OnDisconnect(func() {
		s.mu.Lock()
		delete(s.clients, c)
		s.mu.Unlock()
	})
}

func (s *Server) noteCommand(cl *client, cmd string, args []string) {
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.commands++
	s.stats.tick(now)
	if cl != nil {
		cl.last = now
		name := strings.ToLower(cmd)
		if len(args) > 0 && (cmd == "CLIENT" || cmd == "CONFIG" || cmd == "OBJECT" || cmd == "MEMORY" || cmd == "SLOWLOG") {
			name += "|" + strings.ToLower(args[0])
		}
		cl.lastCmd = name
	}
}
