// Package embedded is the workbook's in-process Redis: what a learner gets
// when there is no Docker and no redis-server, and what lets `make test` pass
// on a machine with nothing but Go.
//
// It is built on miniredis (github.com/alicebob/miniredis/v2) and listens on
// a real TCP address, so go-redis and redis-cli talk to it exactly as they
// would to Redis. On top of miniredis it speaks what the workbook teaches
// from Redis 8: JSON documents (JSON.*), hash-field expiration (HSETEX,
// HGETEX, HGETDEL, HEXPIRE and friends), and what the steps read from the
// server (INFO, CONFIG, SLOWLOG, OBJECT ENCODING, CLIENT LIST). conn.go
// explains how these are wired in, and call.go how they reach the data.
package embedded

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log"
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
	password string
	cmds     map[string]command
	started  time.Time
	runID    string
	logf     func(format string, args ...any)

	// exec is the execution lock (see conn.go): a one-slot semaphore, so
	// that a client waiting for it can give up with BUSY.
	exec    chan struct{}
	scripts scriptWatch

	peersMu   sync.Mutex
	freePeers []*internalPeer
	dbCtxs    map[int]any

	fieldExp  map[string]int64 // deadlines (Unix ms) of hash fields, see cmd_hash.go
	clockMu   sync.Mutex
	clockAt   time.Time     // when the miniredis clock was last moved
	clockStep time.Duration // how long it stays put (see advanceClock)
	passCost  time.Duration // running average of a clock pass's cost

	panicOnce sync.Once

	mu         sync.Mutex // guards everything below; never held while taking the miniredis lock
	closed     bool
	nextID     int64
	conns      map[net.Conn]struct{}
	clients    map[*server.Peer]*client
	config     map[string]string
	scans      map[uint64]*scanWalk // SCAN walks in progress, by cursor
	luaScripts map[string]string    // by SHA1 (SCRIPT LOAD, EVAL)
	scanID     uint64
	slowlog    []slowEntry
	slowID     int64
	stats      stats
	peakUsed   int64
}

// Option configures Start.
type Option func(*settings)

type settings struct {
	password string
	logf     func(format string, args ...any)
}

// WithPassword makes the server require AUTH with this password.
func WithPassword(pw string) Option { return func(s *settings) { s.password = pw } }

// WithLogger sends the server's rare messages (a command that panicked)
// to logf instead of the standard logger.
func WithLogger(logf func(format string, args ...any)) Option {
	return func(s *settings) { s.logf = logf }
}

// Start listens on addr ("" or "127.0.0.1:0" for a free loopback port).
func Start(addr string, opts ...Option) (*Server, error) {
	set := settings{logf: log.Printf}
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
	// connections itself (see conn.go). Dial is the exported way to start
	// it so; the pipe it returns is not used.
	pipe, err := m.Dial()
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("embedded Redis: cannot start miniredis: %w", err)
	}
	pipe.Close()
	if set.password != "" {
		m.RequireAuth(set.password)
	}
	s := &Server{
		m: m, srv: m.Server(), ln: ln, password: set.password, logf: set.logf,
		started:    time.Now(),
		runID:      randomHex(20),
		exec:       make(chan struct{}, 1),
		dbCtxs:     map[int]any{},
		conns:      map[net.Conn]struct{}{},
		clients:    map[*server.Peer]*client{},
		config:     defaultConfig(),
		fieldExp:   map[string]int64{},
		scans:      map[uint64]*scanWalk{},
		luaScripts: map[string]string{},
	}
	s.scripts.init()
	s.stats.init()
	s.cmds = map[string]command{}
	for _, table := range []map[string]command{jsonCommands(), hashCommands(), serverCommands()} {
		for k, v := range table {
			s.cmds[k] = v
		}
	}
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

// Close stops the server and closes its clients' connections.
func (s *Server) Close() {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	var conns []net.Conn
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	if already {
		return
	}
	s.ln.Close()
	for _, c := range conns {
		c.Close()
	}
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

// client is what CLIENT LIST and the slow log know about a connection.
type client struct {
	id            int64
	addr, laddr   string
	created, last time.Time
	lastCmd       string
	libName       string
	libVer        string
	db            int
}

func (s *Server) client(c *server.Peer) *client {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.clients[c]
}

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
	// connection marks HELLO-like commands: allowed before AUTH, refused
	// from scripts.
	connection bool
}

func (c command) arityOK(nargs int) bool {
	n := nargs + 1
	if c.arity >= 0 {
		return n == c.arity
	}
	return n >= -c.arity
}

// advanceClock moves miniredis's clock to now, at most once per clockStep.
//
// With ClockTTL, miniredis advances every TTL whenever its clock has moved
// since the last database access, and doing so sorts all the keys: on the
// wall clock that is every command (and several times per JSON command), so
// with 10,000 keys a GET took 10 ms. Pinning the clock with SetTime and
// moving it here once per step costs one such pass per step instead. The
// step is 1 ms while a pass is cheap and grows with its cost (20 times its
// running average, at most 100 ms; an average, so that one pass slowed by a
// busy machine does not make keys outlive their TTL by long), so TTLs stay
// exact to the millisecond on the small databases lessons use, and a big
// one stays fast. TIME still answers the
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
	start := time.Now()
	(&call{s: s}).do("DBSIZE") // any database access runs the pass
	cost := time.Since(start)
	s.clockMu.Lock()
	s.passCost = (4*s.passCost + cost) / 5
	s.clockStep = min(max(20*s.passCost, time.Millisecond), 100*time.Millisecond)
	s.clockMu.Unlock()
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

// ErrNotLoopback is what CheckLoopback's error wraps when the address is
// valid but not on a loopback interface (a launcher may then let the user
// insist, as redis-embedded's -public does).
var ErrNotLoopback = errors.New("not a loopback address")

// CheckLoopback checks that addr is host:port on a loopback host
// (127.0.0.0/8, ::1 or localhost): the embedded server has no protected
// mode, so anything else would hand an unprotected Redis to whoever can
// reach the address. Every launcher of the embedded server uses it.
func CheckLoopback(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("%q is not host:port (e.g. 127.0.0.1:6380): %w", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	if port == "" {
		port = "6379"
	}
	return fmt.Errorf("refusing to listen on %s: it is %w, and the embedded server has no protected mode; use 127.0.0.1:%s", addr, ErrNotLoopback, port)
}
