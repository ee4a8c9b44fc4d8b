package embedded

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"reflect"
	"strings"
	"unsafe"

	"github.com/alicebob/miniredis/v2/server"
)

// How the workbook's commands are wired into miniredis.
//
// miniredis offers two extension points, and both have traps (see
// ../shared/notes/facts.md): a command added with Server().Register skips
// AUTH, runs at once inside MULTI (go-redis's TxPipelined then waits for a
// reply that never comes) and deadlocks when a Lua script calls it, because
// the script already holds the server lock that RedisDB's methods take.
//
// So nothing is registered. One pre-hook sees every command and answers the
// workbook's own commands (JSON.*, HGETEX, INFO, CONFIG, ...) itself, with the
// connection state miniredis keeps in Peer.Ctx (an unexported *connCtx):
//
//   - AUTH: the hook refuses with NOAUTH until the connection authenticated.
//   - MULTI: the hook appends the command to the connection's own
//     transaction queue (built with reflect.MakeFunc, so EXEC runs it in
//     order, under the lock, with the other queued commands) and answers
//     QUEUED, exactly as miniredis does for its own commands.
//   - Lua: redis.call runs with the lock held, so the command runs directly.
//
// A command never touches miniredis's data through RedisDB (that would take
// the lock a second time). It runs with the lock held, and reads and writes
// keys by dispatching plain Redis commands (GET, SET ... KEEPTTL, HSETEX ...)
// to miniredis on an internal peer marked as "nested", the same way a Lua
// script's redis.call does. Keys stay ordinary miniredis keys, so DEL, EXPIRE,
// RENAME, WATCH, FLUSHDB, SCAN and DBSIZE see them.
//
// Reading connCtx needs reflection, and writing it (queueing into a
// transaction) needs unsafe: both are pinned to miniredis v2.40.0's field
// names and checked once at Start, which fails with a clear message if a
// miniredis upgrade changed them.

// internalSHA marks the nested context of the workbook's internal peers, so
// that the hook lets their commands through to miniredis untouched.
const internalSHA = "workbook-embedded-internal"

// ctxLayout is what Start learned about miniredis's connCtx.
type ctxLayout struct {
	ptr    reflect.Type // *connCtx
	txFunc reflect.Type // txCmd: func(*server.Peer, *connCtx)
}

var ctxFields = map[string]reflect.Kind{
	"selectedDB":       reflect.Int,
	"authenticated":    reflect.Bool,
	"transaction":      reflect.Slice,
	"dirtyTransaction": reflect.Bool,
	"nested":           reflect.Bool,
	"nestedSHA":        reflect.String,
}

// learnCtxLayout makes miniredis create a connCtx on a scratch peer and
// checks that it has the fields the hook relies on.
func learnCtxLayout(srv *server.Server) (ctxLayout, error) {
	p := server.NewPeer(bufio.NewWriter(io.Discard))
	srv.Dispatch(p, []string{"SELECT", "0"})
	if p.Ctx == nil {
		return ctxLayout{}, fmt.Errorf("embedded Redis: miniredis did not create a connection context; internal/embedded/dispatch.go needs updating for this miniredis version")
	}
	t := reflect.TypeOf(p.Ctx)
	if t.Kind() != reflect.Pointer || t.Elem().Kind() != reflect.Struct {
		return ctxLayout{}, fmt.Errorf("embedded Redis: miniredis's connection context is a %s; internal/embedded/dispatch.go needs updating", t)
	}
	for name, kind := range ctxFields {
		f, ok := t.Elem().FieldByName(name)
		if !ok || f.Type.Kind() != kind {
			return ctxLayout{}, fmt.Errorf("embedded Redis: miniredis's connCtx has no %s field of kind %s; internal/embedded/dispatch.go is written for miniredis v2.40.0", name, kind)
		}
	}
	tx, _ := t.Elem().FieldByName("transaction")
	fn := tx.Type.Elem()
	if fn.Kind() != reflect.Func || fn.NumIn() != 2 || fn.In(0) != reflect.TypeOf(p) || fn.In(1) != t || fn.NumOut() != 0 {
		return ctxLayout{}, fmt.Errorf("embedded Redis: miniredis's transaction callbacks are %s; internal/embedded/dispatch.go is written for miniredis v2.40.0", fn)
	}
	return ctxLayout{ptr: t, txFunc: fn}, nil
}

// field gives a settable view of an unexported connCtx field.
func field(ctx reflect.Value, name string) reflect.Value {
	f := ctx.Elem().FieldByName(name)
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
}

// connState is what the hook needs to know about a connection.
type connState struct {
	db            int
	authenticated bool
	inTx          bool
	nested        bool // called from a Lua script (or internally)
	internal      bool // one of our own internal peers
}

func (s *Server) state(c *server.Peer) connState {
	if c.Ctx == nil {
		return connState{}
	}
	v := reflect.ValueOf(c.Ctx)
	if v.Type() != s.layout.ptr || v.IsNil() {
		return connState{}
	}
	return connState{
		db:            int(field(v, "selectedDB").Int()),
		authenticated: field(v, "authenticated").Bool(),
		inTx:          !field(v, "transaction").IsNil(),
		nested:        field(v, "nested").Bool(),
		internal:      field(v, "nestedSHA").String() == internalSHA,
	}
}

// setDirty marks the connection's transaction as failed, so EXEC answers
// EXECABORT, as Redis does after a command was refused while queueing.
func (s *Server) setDirty(c *server.Peer) {
	if c.Ctx == nil {
		return
	}
	if v := reflect.ValueOf(c.Ctx); v.Type() == s.layout.ptr {
		field(v, "dirtyTransaction").SetBool(true)
	}
}

// setAuthenticated marks the connection as authenticated (HELLO ... AUTH).
func (s *Server) setAuthenticated(c *server.Peer) {
	if c.Ctx == nil {
		c.Ctx = reflect.New(s.layout.ptr.Elem()).Interface()
	}
	if v := reflect.ValueOf(c.Ctx); v.Type() == s.layout.ptr {
		field(v, "authenticated").SetBool(true)
	}
}

// queue appends fn to the connection's MULTI queue; EXEC calls it in order,
// with the lock held, writing its reply into EXEC's array.
func (s *Server) queue(c *server.Peer, fn func(c *server.Peer, db int)) {
	v := reflect.ValueOf(c.Ctx)
	cb := reflect.MakeFunc(s.layout.txFunc, func(in []reflect.Value) []reflect.Value {
		peer := in[0].Interface().(*server.Peer)
		db := int(field(in[1], "selectedDB").Int())
		fn(peer, db)
		return nil
	})
	tx := field(v, "transaction")
	tx.Set(reflect.Append(tx, cb))
}

// call is one execution of a workbook command. It always runs with
// miniredis's lock held (taken by the hook, by EXEC or by EVAL).
type call struct {
	s    *Server
	c    *server.Peer // replies go here
	db   int
	cmd  string // upper case
	args []string
	ctx  any // the internal nested connCtx, made on first use
}

func (x *call) internalCtx() any {
	if x.ctx == nil {
		v := reflect.New(x.s.layout.ptr.Elem())
		field(v, "selectedDB").SetInt(int64(x.db))
		field(v, "authenticated").SetBool(true)
		field(v, "nested").SetBool(true)
		field(v, "nestedSHA").SetString(internalSHA)
		x.ctx = v.Interface()
	}
	return x.ctx
}

// raw runs a plain Redis command on miniredis and returns its reply bytes,
// in RESP3 when resp3 is set.
func (x *call) raw(resp3 bool, args ...string) []byte {
	var buf bytes.Buffer
	w := bufio.NewWriter(&buf)
	p := server.NewPeer(w)
	p.Ctx = x.internalCtx()
	p.Resp3 = resp3
	x.s.srv.Dispatch(p, args)
	w.Flush()
	return buf.Bytes()
}

// do runs a plain Redis command on miniredis and parses its (RESP2) reply:
// nil, int, []byte, server.Simple, []any, or an error reply as error.
func (x *call) do(args ...string) any {
	r, err := server.ParseReply(bufio.NewReader(bytes.NewReader(x.raw(false, args...))))
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
