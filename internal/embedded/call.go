package embedded

import (
	"bufio"
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/alicebob/miniredis/v2/server"
)

// How the workbook's commands reach miniredis's data.
//
// A workbook command never touches miniredis's data structures: it reads
// and writes keys by dispatching plain Redis commands (GET, SET ... KEEPTTL,
// HSETEX ...) to miniredis on an internal peer, and reads their replies.
// Keys stay ordinary miniredis keys, so DEL, EXPIRE, RENAME, WATCH, FLUSHDB,
// SCAN and DBSIZE see them. The execution lock the connection layer holds
// (conn.go) makes the whole command atomic.
//
// An internal peer carries a miniredis connection state (Peer.Ctx, which
// miniredis creates and the server only passes around, never reads):
//
//   - for a client's command, one state per database, made once by
//     dispatching AUTH and SELECT to a fresh peer (dbCtx);
//   - inside a Lua script, the script's own state (cmd_scripting.go), so
//     that a SELECT in the script stays in the script.

// internalPeer is a reusable peer whose replies land in a buffer.
type internalPeer struct {
	peer *server.Peer
	buf  bytes.Buffer
	w    *bufio.Writer
}

// internalRaw dispatches args to miniredis with the connection state ctx
// (nil: a fresh one) and returns the reply bytes and the state afterwards.
func (s *Server) internalRaw(ctx any, resp3 bool, args []string) ([]byte, any) {
	s.peersMu.Lock()
	var ip *internalPeer
	if n := len(s.freePeers); n > 0 {
		ip = s.freePeers[n-1]
		s.freePeers = s.freePeers[:n-1]
	}
	s.peersMu.Unlock()
	if ip == nil {
		ip = &internalPeer{}
		ip.w = bufio.NewWriter(&ip.buf)
		ip.peer = server.NewPeer(ip.w)
	}
	ip.peer.Ctx = ctx
	ip.peer.Resp3 = resp3
	ip.peer.SwitchResp3 = nil
	s.srv.Dispatch(ip.peer, args)
	ip.w.Flush()
	out := bytes.Clone(ip.buf.Bytes())
	ctx = ip.peer.Ctx
	ip.buf.Reset()
	ip.peer.Ctx = nil
	s.peersMu.Lock()
	s.freePeers = append(s.freePeers, ip)
	s.peersMu.Unlock()
	return out, ctx
}

// dbCtx is an authenticated miniredis connection state with database db
// selected, for the workbook's own reads and writes.
func (s *Server) dbCtx(db int) any {
	s.peersMu.Lock()
	ctx, ok := s.dbCtxs[db]
	s.peersMu.Unlock()
	if ok {
		return ctx
	}
	if s.password != "" {
		_, ctx = s.internalRaw(nil, false, []string{"AUTH", s.password})
	}
	_, ctx = s.internalRaw(ctx, false, []string{"SELECT", strconv.Itoa(db)})
	s.peersMu.Lock()
	s.dbCtxs[db] = ctx
	s.peersMu.Unlock()
	return ctx
}

// nonBlocking runs a blocking command called from a script as Redis does:
// without waiting (the script holds the execution lock: nothing could
// arrive). ctx is the script's miniredis state; the reply goes to p.
func (s *Server) nonBlocking(p *server.Peer, ctx any, cmd string, args []string) {
	run := func(a ...string) []byte {
		out, _ := s.internalRaw(ctx, p.Resp3, a)
		return out
	}
	isNull := func(b []byte) bool {
		r := string(b)
		return r == "$-1\r\n" || r == "*-1\r\n" || r == "_\r\n" || r == "*0\r\n"
	}
	if len(args) < 2 && cmd != "XREAD" && cmd != "XREADGROUP" {
		p.WriteError(errWrongArgs(cmd))
		return
	}
	keys := args[:len(args)-1]
	switch cmd {
	case "BLPOP", "BRPOP", "BZPOPMIN", "BZPOPMAX":
		pop := map[string]string{"BLPOP": "LPOP", "BRPOP": "RPOP", "BZPOPMIN": "ZPOPMIN", "BZPOPMAX": "ZPOPMAX"}[cmd]
		for _, k := range keys {
			out := run(pop, k)
			if isNull(out) {
				continue
			}
			if out[0] == '-' {
				p.WriteRaw(string(out))
				return
			}
			if out[0] == '*' { // ZPOPMIN's member and score
				p.WriteLen(3)
				p.WriteBulk(k)
				p.WriteRaw(string(out[bytes.IndexByte(out, '\n')+1:]))
				return
			}
			p.WriteLen(2)
			p.WriteBulk(k)
			p.WriteRaw(string(out))
			return
		}
		p.WriteLen(-1)
	case "BRPOPLPUSH":
		p.WriteRaw(string(run(append([]string{"RPOPLPUSH"}, keys...)...)))
	case "BLMOVE":
		p.WriteRaw(string(run(append([]string{"LMOVE"}, keys...)...)))
	case "BZMPOP", "BLMPOP":
		p.WriteRaw(string(run(append([]string{cmd[1:]}, args[1:]...)...)))
	default: // XREAD, XREADGROUP: the same without BLOCK
		out := []string{cmd}
		for i := 0; i < len(args); i++ {
			if strings.EqualFold(args[i], "BLOCK") && i+1 < len(args) {
				i++
				continue
			}
			out = append(out, args[i])
		}
		p.WriteRaw(string(run(out...)))
	}
}

// call is one execution of a workbook command. It always runs under the
// execution lock.
type call struct {
	s    *Server
	c    *server.Peer // replies go here
	db   int
	cmd  string // upper case
	args []string
	conn *conn // the client's connection; nil inside a Lua script
	ctx  any   // the miniredis state its reads and writes use (nil: dbCtx(db))
}

// raw runs a plain Redis command on miniredis and returns its reply bytes,
// in RESP3 when resp3 is set.
func (x *call) raw(resp3 bool, args ...string) []byte {
	if x.ctx == nil {
		x.ctx = x.s.dbCtx(x.db)
	}
	out, _ := x.s.internalRaw(x.ctx, resp3, args)
	return out
}

// do runs a plain Redis command on miniredis and parses its (RESP2) reply:
// nil, int, []byte, server.Simple, []any, or an error reply as error.
func (x *call) do(args ...string) any {
	out := x.raw(false, args...)
	r, err := server.ParseReply(bufio.NewReaderSize(bytes.NewReader(out), len(out)+16))
	if err != nil {
		return err
	}
	return r
}

// forward runs a plain Redis command and copies its reply to the client.
func (x *call) forward(args ...string) {
	x.c.WriteRaw(string(x.raw(x.c.Resp3, args...)))
}

// ---- helpers to read parsed replies ----

func asString(r any) (string, bool) {
	switch t := r.(type) {
	case []byte:
		return string(t), true
	case server.Simple:
		return string(t), true
	case string:
		return t, true
	}
	return "", false
}

func asInt(r any) int64 {
	switch t := r.(type) {
	case int:
		return int64(t)
	case int64:
		return t
	}
	return 0
}

func asStrings(r any) []string {
	arr, _ := r.([]any)
	out := make([]string, 0, len(arr))
	for _, a := range arr {
		s, _ := asString(a)
		out = append(out, s)
	}
	return out
}

func isErr(r any) bool { _, ok := r.(error); return ok }

// errWrongArgs is Redis's arity error.
func errWrongArgs(cmd string) string {
	return fmt.Sprintf("ERR wrong number of arguments for '%s' command", strings.ToLower(cmd))
}

const (
	msgWrongType = "WRONGTYPE Operation against a key holding the wrong kind of value"
	msgSyntax    = "ERR syntax error"
	msgNotInt    = "ERR value is not an integer or out of range"
)
